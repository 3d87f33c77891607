/*
 * log.h — structured logging: one JSON object per line on stderr.
 *
 *   {"time":"2026-11-26T07:07:47.123Z","level":"info","service":"orchestrator",
 *    "file":"main.c","line":42,"msg":"..."}
 *
 * SLUICE_LOG checks the level before evaluating its arguments, is checked by
 * the compiler as a printf format, and carries file:line. Writes are one
 * write(2) per record, so lines from different threads never interleave.
 * Thread-safe. The level and service name are set once at start-up.
 */
#ifndef SLUICE_LOG_H
#define SLUICE_LOG_H

#include <stdbool.h>

typedef enum sluice_log_level {
    SLUICE_LOG_DEBUG = 0,
    SLUICE_LOG_INFO = 1,
    SLUICE_LOG_WARN = 2,
    SLUICE_LOG_ERROR = 3,
    SLUICE_LOG_OFF = 4,
} sluice_log_level;

/* The current threshold; records below it are dropped unevaluated. */
extern volatile int sluice_log_threshold;

#define SLUICE_LOG(level, ...)                                                                     \
    do {                                                                                           \
        if ((int)(level) >= sluice_log_threshold) {                                                \
            sluice_log_write((level), __FILE__, __LINE__, __VA_ARGS__);                            \
        }                                                                                          \
    } while (0)

#define SLUICE_DEBUG(...) SLUICE_LOG(SLUICE_LOG_DEBUG, __VA_ARGS__)
#define SLUICE_INFO(...)  SLUICE_LOG(SLUICE_LOG_INFO, __VA_ARGS__)
#define SLUICE_WARN(...)  SLUICE_LOG(SLUICE_LOG_WARN, __VA_ARGS__)
#define SLUICE_ERROR(...) SLUICE_LOG(SLUICE_LOG_ERROR, __VA_ARGS__)

/* Writes one record unconditionally (use the macros). Message truncated at 4 KiB. */
void sluice_log_write(sluice_log_level level, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Sets the threshold. */
void sluice_log_set_level(sluice_log_level level);

/* Parses "debug" | "info" | "warn" | "error" | "off". 0 or SLUICE_EINVAL. */
int sluice_log_level_parse(const char *text, sluice_log_level *out);

/* Sets the service name included in every record (the string is copied, max 63 bytes). */
void sluice_log_set_service(const char *service);

/* Redirects records to fd (default 2). For tests. */
void sluice_log_set_fd(int fd);

/* Maps a syslog severity (0..7, as librdkafka's log callback passes) to a level. */
sluice_log_level sluice_log_level_from_syslog(int severity);

#endif
