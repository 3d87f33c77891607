/*
 * bench_envelope.h — the EventBridge envelopes the benchmarks put on the bus:
 * a spec's fields, a fresh id and the time now, built and encoded by libs/bus
 * (bus_envelope.h) into the bytes bus_producer_send takes.
 *
 * Not a producer: sending, keys and topics stay with the benchmark.
 * Single-threaded per buffer.
 */
#ifndef SLUICE_BENCH_ENVELOPE_H
#define SLUICE_BENCH_ENVELOPE_H

#include "sluice/buf.h"
#include "sluice/bus_envelope.h"
#include "sluice/id.h"

#define BENCH_ENVELOPE_ACCOUNT "123456789012" /* the account of every benchmark's events */
#define BENCH_ENVELOPE_REGION  "us-east-1"

/*
 * Encodes the envelope spec describes into out (reset first), with a fresh
 * UUID (written into id) and the current time in place of spec's id and
 * time_ms; a NULL account or region is BENCH_ENVELOPE_ACCOUNT /
 * BENCH_ENVELOPE_REGION. spec and its detail are borrowed (the caller still
 * releases detail). 0, SLUICE_ENOMEM when spec->detail is NULL (a failed
 * json_pack), or the code of bus_envelope_new / bus_envelope_encode; out's
 * contents are then unspecified.
 */
int bench_envelope_encode(const bus_envelope_spec *spec, char id[SLUICE_UUID_LEN + 1],
                          sluice_buf *out);

#endif
