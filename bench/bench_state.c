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

/* The whole state document of a loaded record set (or its one document, as stored before). */
static json_t *state_whole(const state_cas_set_record *set)
{
    json_error_t jerr;
    json_t *doc = json_loadb(set->head.data, set->head.len, 0, &jerr);
    if (doc == NULL || !set->has_members) {
        return doc;
    }
    json_t **execs = calloc(set->nmembers + 1, sizeof *execs);
    for (size_t i = 0; execs != NULL && i < set->nmembers; i++) {
        execs[i] = set->values[i].data != NULL
                       ? json_loadb(set->values[i].data, set->values[i].len, 0, &jerr)
                       : NULL;
    }
    char err[128];
    json_t *merged = execs != NULL
                         ? engine_state_records_merge(json_object_get(doc, "engine"), execs,
                                                      set->nmembers, err, sizeof err)
                         : NULL;
    for (size_t i = 0; execs != NULL && i < set->nmembers; i++) {
        json_decref(execs[i]);
    }
    free(execs);
    if (merged == NULL) {
        json_decref(doc);
        return NULL;
    }
    json_object_set_new(doc, "engine", merged);
    return doc;
}

/* The stored pipeline record, as the orchestrator writes it: the engine's record text spliced in.
 */
static char *bench_state_head(const json_t *applied, const char *engine)
{
    char *applied_text = applied != NULL ? json_dumps(applied, JSON_COMPACT) : NULL;
    size_t n = (applied_text != NULL ? strlen(applied_text) : 4) + strlen(engine) + 40;
    char *text = malloc(n);
    if (text != NULL) {
        snprintf(text, n, "{\"format\":2,\"applied\":%s,\"engine\":%s}",
                 applied_text != NULL ? applied_text : "null", engine);
    }
    free(applied_text);
    return text;
}

int bench_state_measure(state_redis *r, const char *pipeline, int iterations,
                        bench_state_figures *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    int rc = -1;
    char key[STATE_KEY_MAX + 1];
    char prefix[STATE_KEY_MAX + 1];
    char scratch[STATE_KEY_MAX + 1];
    char scratch_prefix[STATE_KEY_MAX + 1];
    if (state_key_build(key, sizeof key, pipeline, STATE_KEY_STATE) != SLUICE_OK ||
        state_key_build(prefix, sizeof prefix, pipeline, STATE_KEY_EXEC_PREFIX) != SLUICE_OK ||
        state_key_build(scratch, sizeof scratch, pipeline, STATE_SCRATCH_SUFFIX) != SLUICE_OK ||
        state_key_build(scratch_prefix, sizeof scratch_prefix, pipeline,
                        STATE_SCRATCH_SUFFIX ":") != SLUICE_OK) {
        snprintf(err, errlen, "pipeline name too long");
        return -1;
    }
    bench_stats load, parse, render, save;
    bench_stats_init(&load);
    bench_stats_init(&parse);
    bench_stats_init(&render);
    bench_stats_init(&save);
    state_cas_set_record set = {0};
    uint64_t version = 0;

    for (int i = 0; i < iterations; i++) {
        state_cas_set_record_clear(&set);
        int64_t t0 = sluice_time_monotonic_ns();
        if (state_cas_set_load(r, key, prefix, &set) != SLUICE_OK) {
            snprintf(err, errlen, "no state for %s", pipeline);
            goto out;
        }
        int64_t t1 = sluice_time_monotonic_ns();
        json_t *doc = state_whole(&set);
        engine_state *state = NULL;
        char perr[256];
        if (doc == NULL || engine_state_from_json(json_object_get(doc, "engine"), &state, perr,
                                                  sizeof perr) != SLUICE_OK) {
            json_decref(doc);
            snprintf(err, errlen, "the state of %s does not parse", pipeline);
            goto out;
        }
        /* a step after a cache miss: every record rendered, as its first save writes them */
        int64_t t2 = sluice_time_monotonic_ns();
        engine_state_records records;
        engine_state_records_render(state, true, &records);
        char *text = bench_state_head(json_object_get(doc, "applied"), records.pipeline);
        int64_t t3 = sluice_time_monotonic_ns();
        out->executions = state->nexecs;
        out->active = engine_state_active_count(state);
        const char **members = calloc(state->nexecs + 1, sizeof *members);
        state_cas_bytes *values = calloc(records.nchanged + 1, sizeof *values);
        size_t bytes = text != NULL ? strlen(text) : 0;
        for (size_t m = 0; members != NULL && m < state->nexecs; m++) {
            members[m] = state->execs[m]->id;
        }
        for (size_t m = 0; values != NULL && m < records.nchanged; m++) {
            values[m].data = records.changed[m];
            values[m].len = records.changed_lens[m];
            bytes += records.changed_lens[m];
        }
        state_cas_set_write w = {
            .key = scratch,
            .member_prefix = scratch_prefix,
            .expected_version = version,
            .data = text,
            .len = text != NULL ? strlen(text) : 0,
            .members = members,
            .nmembers = state->nexecs,
            .changed = records.changed_ids,
            .values = values,
            .nchanged = records.nchanged,
        };
        int64_t t4 = sluice_time_monotonic_ns();
        int saved = text != NULL && members != NULL && values != NULL
                        ? state_cas_set_save(r, &w, &version)
                        : SLUICE_ENOMEM;
        int64_t t5 = sluice_time_monotonic_ns();
        free(members);
        free(values);
        free(text);
        engine_state_records_free(&records);
        json_decref(doc);
        engine_state_free(state);
        if (saved != SLUICE_OK) {
            snprintf(err, errlen, "cannot save the scratch record of %s", pipeline);
            goto out;
        }
        bench_stats_add(&load, t1 - t0);
        bench_stats_add(&parse, t2 - t1);
        bench_stats_add(&render, t3 - t2);
        bench_stats_add(&save, t5 - t4);
        out->bytes = bytes;
    }
    out->load_ms = state_median_ms(&load);
    out->parse_ms = state_median_ms(&parse);
    out->render_ms = state_median_ms(&render);
    out->save_ms = state_median_ms(&save);
    rc = 0;
out:
    if (version != 0) {
        (void)state_cas_set_delete(r, scratch, scratch_prefix);
    }
    state_cas_set_record_clear(&set);
    bench_stats_free(&load);
    bench_stats_free(&parse);
    bench_stats_free(&render);
    bench_stats_free(&save);
    return rc;
}
