/*
 * bench_envelope.c — the benchmarks' envelopes (see bench_envelope.h).
 */
#include "bench_envelope.h"

#include "sluice/error.h"
#include "sluice/time.h"

int bench_envelope_encode(const bus_envelope_spec *spec, char id[SLUICE_UUID_LEN + 1],
                          sluice_buf *out)
{
    if (spec->detail == NULL) {
        return SLUICE_ENOMEM;
    }
    bus_envelope_spec full = *spec;
    sluice_uuid_v4(id);
    full.id = id;
    full.time_ms = sluice_time_now_ms();
    if (full.account == NULL) {
        full.account = BENCH_ENVELOPE_ACCOUNT;
    }
    if (full.region == NULL) {
        full.region = BENCH_ENVELOPE_REGION;
    }
    bus_envelope *env = NULL;
    char reason[BUS_ENVELOPE_REASON_MAX];
    int rc = bus_envelope_new(&full, &env, reason, sizeof reason);
    if (rc == SLUICE_OK) {
        sluice_buf_reset(out);
        rc = bus_envelope_encode(env, out);
    }
    bus_envelope_free(env);
    return rc;
}
