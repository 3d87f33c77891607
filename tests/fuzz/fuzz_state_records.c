/*
 * fuzz_state_records.c — libFuzzer target for the stored engine state and its
 * split records (what the orchestrator and the api read back from Redis).
 *
 * Each input is taken as JSON text. An object with "pipeline" (a pipeline
 * record) and "records" (execution records) is joined with
 * engine_state_records_merge and read with engine_state_from_json. Any other
 * object is read as a whole state document ("engine" member, or the object
 * itself); when it reads, it is split with engine_state_records_render and
 * joined again, which must give back the same document. Everything is freed,
 * so leaks are findings. Built with -fsanitize=fuzzer,address,undefined.
 */
#include "sluice/engine_state.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_merge(const json_t *pipeline, const json_t *records)
{
    size_t n = json_array_size(records);
    json_t **execs = calloc(n + 1, sizeof *execs);
    if (execs == NULL) {
        return;
    }
    for (size_t i = 0; i < n; i++) {
        execs[i] = json_array_get(records, i);
    }
    char err[256];
    json_t *doc = engine_state_records_merge(pipeline, execs, n, err, sizeof err);
    engine_state *state = NULL;
    if (doc != NULL && engine_state_from_json(doc, &state, err, sizeof err) == 0) {
        engine_state_free(state);
    }
    json_decref(doc);
    free(execs);
}

static void fuzz_round_trip(const json_t *doc)
{
    engine_state *state = NULL;
    char err[256];
    if (engine_state_from_json(doc, &state, err, sizeof err) != 0) {
        return;
    }
    engine_state_records rec;
    engine_state_records_render(state, true, &rec);
    json_t **execs = calloc(rec.nchanged + 1, sizeof *execs);
    size_t n = 0;
    for (size_t i = 0; execs != NULL && i < rec.nchanged; i++) {
        json_error_t jerr;
        execs[n] = json_loads(rec.changed[i], 0, &jerr);
        n += execs[n] != NULL;
    }
    json_t *pipeline = json_loadb(rec.pipeline, rec.pipeline_len, 0, NULL);
    json_t *merged = execs != NULL && pipeline != NULL
                         ? engine_state_records_merge(pipeline, execs, n, err, sizeof err)
                         : NULL;
    json_decref(pipeline);
    json_t *whole = engine_state_to_json(state);
    if (merged == NULL || !json_equal(merged, whole)) {
        abort(); /* split and join must give back the whole document */
    }
    json_decref(whole);
    json_decref(merged);
    for (size_t i = 0; i < n; i++) {
        json_decref(execs[i]);
    }
    free(execs);
    engine_state_records_commit(state, &rec);
    engine_state_records_free(&rec);
    engine_state_free(state);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_error_t jerr;
    json_t *root = json_loadb((const char *)data, size, 0, &jerr);
    if (!json_is_object(root)) {
        json_decref(root);
        return 0;
    }
    json_t *pipeline = json_object_get(root, "pipeline");
    json_t *records = json_object_get(root, "records");
    if (json_is_object(pipeline) && json_is_array(records)) {
        fuzz_merge(pipeline, records);
    } else {
        json_t *engine = json_object_get(root, "engine");
        fuzz_round_trip(json_is_object(engine) ? engine : root);
    }
    json_decref(root);
    return 0;
}
