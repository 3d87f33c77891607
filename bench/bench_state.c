/*
 * bench_state.c — the cost of a state document, part by part (see
 * bench_state.h).
 */
#include "bench_state.h"

#include "bench_stats.h"

#include "sluice/engine_state.h"
#include "sluice/error.h"
#include "sluice/state_cas.h"
#include "sluice/state_key.h"
#include "sluice/time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STATE_SCRATCH_SUFFIX "bench-scratch"

static double state_median_ms(const bench_stats *s)
{
    bench_summary sum;
    bench_stats_summarize(s, &sum);
    return sum.p50_ms;
}

int bench_state_measure(state_redis *r, const char *pipeline, int iterations,
                        bench_state_figures *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    int rc = -1;
    char key[STATE_KEY_MAX + 1];
    char scratch[STATE_KEY_MAX + 1];
    if (state_key_build(key, sizeof key, pipeline, STATE_KEY_STATE) != SLUICE_OK ||
        state_key_build(scratch, sizeof scratch, pipeline, STATE_SCRATCH_SUFFIX) != SLUICE_OK) {
        snprintf(err, errlen, "pipeline name too long");
        return -1;
    }
    bench_stats load, parse, render, save;
    bench_stats_init(&load);
    bench_stats_init(&parse);
    bench_stats_init(&render);
    bench_stats_init(&save);
    state_cas_record rec = {0};
    char *text = NULL;
    uint64_t version = 0;

    for (int i = 0; i < iterations; i++) {
        state_cas_record_clear(&rec);
        int64_t t0 = sluice_time_monotonic_ns();
        if (state_cas_load(r, key, &rec) != SLUICE_OK) {
            snprintf(err, errlen, "no state for %s", pipeline);
            goto out;
        }
        int64_t t1 = sluice_time_monotonic_ns();
        json_error_t jerr;
        json_t *doc = json_loadb(rec.data, rec.len, 0, &jerr);
        engine_state *state = NULL;
        char perr[256];
        if (doc == NULL || engine_state_from_json(json_object_get(doc, "engine"), &state, perr,
                                                  sizeof perr) != SLUICE_OK) {
            json_decref(doc);
            snprintf(err, errlen, "the state of %s does not parse", pipeline);
            goto out;
        }
        int64_t t2 = sluice_time_monotonic_ns();
        json_t *rendered =
            json_pack("{s:i, s:O, s:o}", "format", 1, "applied", json_object_get(doc, "applied"),
                      "engine", engine_state_to_json(state));
        free(text);
        text = json_dumps(rendered, JSON_COMPACT);
        int64_t t3 = sluice_time_monotonic_ns();
        out->executions = state->nexecs;
        out->active = engine_state_active_count(state);
        json_decref(rendered);
        json_decref(doc);
        engine_state_free(state);
        if (text == NULL) {
            snprintf(err, errlen, "out of memory");
            goto out;
        }
        state_cas_write w = {
            .key = scratch,
            .expected_version = version,
            .data = text,
            .len = strlen(text),
        };
        int64_t t4 = sluice_time_monotonic_ns();
        if (state_cas_save(r, &w, &version) != SLUICE_OK) {
            snprintf(err, errlen, "cannot save the scratch record of %s", pipeline);
            goto out;
        }
        int64_t t5 = sluice_time_monotonic_ns();
        bench_stats_add(&load, t1 - t0);
        bench_stats_add(&parse, t2 - t1);
        bench_stats_add(&render, t3 - t2);
        bench_stats_add(&save, t5 - t4);
        out->bytes = rec.len;
    }
    out->load_ms = state_median_ms(&load);
    out->parse_ms = state_median_ms(&parse);
    out->render_ms = state_median_ms(&render);
    out->save_ms = state_median_ms(&save);
    rc = 0;
out:
    if (version != 0) {
        redisReply *reply = NULL;
        if (state_redis_command(r, STATE_REDIS_RETRY, &reply, "DEL %s", scratch) == SLUICE_OK) {
            freeReplyObject(reply);
        }
    }
    free(text);
    state_cas_record_clear(&rec);
    bench_stats_free(&load);
    bench_stats_free(&parse);
    bench_stats_free(&render);
    bench_stats_free(&save);
    return rc;
}
