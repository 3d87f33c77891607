/*
 * time.h — clocks and the two time formats Sluice speaks.
 *
 * Events carry RFC 3339 UTC ("2026-11-26T07:07:47Z", as EventBridge writes
 * `time`); the CodePipeline API carries epoch seconds as a JSON number with
 * millisecond precision (1467929497.204). Internally time is int64 milliseconds
 * since the Unix epoch. Pure except for the two clock readers; thread-safe.
 */
#ifndef SLUICE_TIME_H
#define SLUICE_TIME_H

#include <stddef.h>
#include <stdint.h>

/* Wall-clock milliseconds since the Unix epoch. */
int64_t sluice_time_now_ms(void);

/* Monotonic milliseconds (for timeouts and latency); unrelated to the epoch. */
int64_t sluice_time_monotonic_ms(void);

/* Monotonic nanoseconds, for benchmarks. */
int64_t sluice_time_monotonic_ns(void);

/*
 * Formats ms as "YYYY-MM-DDThh:mm:ssZ" (whole seconds, as EventBridge does).
 * out needs 21 bytes. 0, or SLUICE_ERANGE (year outside 0..9999) /
 * SLUICE_ETOOBIG (out too small); out is then "".
 */
int sluice_time_format_rfc3339(int64_t ms, char *out, size_t outlen);

/* As above with milliseconds: "YYYY-MM-DDThh:mm:ss.mmmZ" (25 bytes). */
int sluice_time_format_rfc3339_ms(int64_t ms, char *out, size_t outlen);

/*
 * Parses RFC 3339 date-time: "YYYY-MM-DDThh:mm:ss[.fraction](Z|±hh:mm)"; 't'
 * and 'z' accepted. Fractions beyond milliseconds are truncated. 0 with *ms set,
 * or SLUICE_EPARSE (*ms untouched).
 */
int sluice_time_parse_rfc3339(const char *text, int64_t *ms);

/* Epoch milliseconds as CodePipeline's epoch-seconds number (1467929497.204). */
double sluice_time_epoch_seconds(int64_t ms);

/* Epoch seconds number to milliseconds (rounded to the nearest ms). */
int64_t sluice_time_from_epoch_seconds(double seconds);

#endif
