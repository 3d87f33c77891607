/*
 * state_records_bench.c — what one orchestrator step costs in rendering and
 * in bytes saved, with the state stored as one document (the earlier layout)
 * and as split records (engine_state_records_*), for 1 and 50 active
 * executions of one pipeline.
 *
 * Pure CPU, no Redis or Kafka: a pipeline of three stages (PARALLEL, so every
 * execution holds a running action) is brought to N active executions by
 * engine_step; then each measured step is a job result that keeps one
 * execution's action running (a continuation), round robin over the
 * executions. Per step it times, median of STEPS steps:
 *   one document: engine_state_to_json + json_dumps of {"format","applied","engine"};
 *   records: engine_state_records_render (pipeline record + changed executions),
 *            then engine_state_records_commit;
 * and reports the bytes each would send to Redis. The parse of a state on a
 * cache miss (json_loadb + engine_state_from_json of the whole document) is
 * printed once; the split layout parses the same executions.
 * Usage: state-records-bench (prints a table). Single-threaded.
 */
#include "engine_builder.h"

#include "sluice/engine_step.h"
#include "sluice/time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STEPS 400

typedef struct bench_world {
    engine_state *state;
    engine_effects effects;
    int64_t now;
    int seq;
} bench_world;

static void world_step(bench_world *w, const engine_input *in)
{
    char seed[32];
    snprintf(seed, sizeof seed, "bench-%d", w->seq++);
    engine_ids_seeded ids;
    engine_ids_seeded_init(&ids, seed);
    engine_ctx ctx = {.now_ms = w->now, .ids = engine_ids_seeded_source(&ids)};
    engine_effects_free(&w->effects);
    engine_effects_init(&w->effects);
    char err[256];
    if (engine_step(w->state, &ctx, in, &w->effects, err, sizeof err) != 0) {
        fprintf(stderr, "step: %s\n", err);
        exit(1);
    }
    w->now += 10;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a;
    double y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_double);
    return v[n / 2];
}

static void run(size_t active)
{
    bench_world w = {.state = engine_state_new("bench"), .now = 1767225600000};
    engine_effects_init(&w.effects);
    w.state->keep_terminal = 3;
    model_pipeline *p = tb_pipeline(
        "bench", 1, MODEL_MODE_PARALLEL,
        "Source: Src(Source/CodeCommit out=SrcOut ns=SV) | Build: B1(Build/CodeBuild in=SrcOut "
        "cfg=ProjectName:demo cfg=Commit:#{SV.CommitId}) | Deploy: D1(Deploy/S3 in=SrcOut "
        "cfg=BucketName:b)",
        "Env=dev");
    engine_input up = {.kind = ENGINE_INPUT_PIPELINE_UPDATED};
    up.update.pipeline = p;
    world_step(&w, &up);
    model_pipeline_free(p);
    for (size_t i = 0; i < active; i++) {
        engine_input in = {.kind = ENGINE_INPUT_START, .requested_by = "bench"};
        world_step(&w, &in);
    }
    json_t *applied = json_pack("{s:i}", "sluice.requests:0", 1000);

    /* the parse of a cache miss, whole document */
    json_t *whole = json_pack("{s:i, s:O, s:o}", "format", 1, "applied", applied, "engine",
                              engine_state_to_json(w.state));
    char *text = json_dumps(whole, JSON_COMPACT);
    size_t doc_bytes = strlen(text);
    json_decref(whole);
    double parse[20];
    for (int i = 0; i < 20; i++) {
        int64_t t0 = sluice_time_monotonic_ns();
        json_error_t jerr;
        json_t *doc = json_loads(text, 0, &jerr);
        engine_state *back = NULL;
        char err[256];
        (void)engine_state_from_json(json_object_get(doc, "engine"), &back, err, sizeof err);
        parse[i] = (double)(sluice_time_monotonic_ns() - t0) / 1e6;
        engine_state_free(back);
        json_decref(doc);
    }
    free(text);

    engine_state_records first;
    engine_state_records_render(w.state, false, &first);
    engine_state_records_commit(w.state, &first);
    engine_state_records_free(&first);

    double *doc_ms = calloc(STEPS, sizeof *doc_ms);
    double *rec_ms = calloc(STEPS, sizeof *rec_ms);
    double doc_total = 0;
    double rec_total = 0;
    double pipeline_total = 0;
    double changed_total = 0;
    for (int s = 0; s < STEPS; s++) {
        engine_execution *x = w.state->execs[w.state->nexecs - active + (size_t)s % active];
        char job[64];
        snprintf(job, sizeof job, "%s", x->stages[0].actions[0].job_id);
        char token[32];
        snprintf(token, sizeof token, "c%d", s);
        engine_input in = {.kind = ENGINE_INPUT_JOB_RESULT};
        in.job.job_id = job;
        in.job.outcome = ENGINE_JOB_IN_PROGRESS;
        in.job.continuation_token = token;
        in.job.percent_complete = s % 100;
        world_step(&w, &in);

        int64_t t0 = sluice_time_monotonic_ns();
        json_t *doc = json_pack("{s:i, s:O, s:o}", "format", 1, "applied", applied, "engine",
                                engine_state_to_json(w.state));
        char *dumped = json_dumps(doc, JSON_COMPACT);
        int64_t t1 = sluice_time_monotonic_ns();
        doc_total += (double)strlen(dumped);
        free(dumped);
        json_decref(doc);

        int64_t t2 = sluice_time_monotonic_ns();
        engine_state_records rec;
        engine_state_records_render(w.state, false, &rec);
        char *applied_text = json_dumps(applied, JSON_COMPACT);
        size_t head_max = strlen(applied_text) + rec.pipeline_len + 40;
        char *head_text = malloc(head_max);
        snprintf(head_text, head_max, "{\"format\":2,\"applied\":%s,\"engine\":%s}", applied_text,
                 rec.pipeline);
        free(applied_text);
        engine_state_records_commit(w.state, &rec);
        int64_t t3 = sluice_time_monotonic_ns();
        pipeline_total += (double)strlen(head_text);
        for (size_t i = 0; i < rec.nchanged; i++) {
            changed_total += (double)rec.changed_lens[i];
        }
        rec_total += (double)strlen(head_text);
        free(head_text);
        engine_state_records_free(&rec);
        doc_ms[s] = (double)(t1 - t0) / 1e6;
        rec_ms[s] = (double)(t3 - t2) / 1e6;
    }
    rec_total += changed_total;
    printf("| %zu | %zu | %.1f KB | %.3f ms | %.3f ms | %.1f KB | %.3f ms | %.1f KB (%.1f KB "
           "pipeline + %.1f KB executions) |\n",
           active, w.state->nexecs, (double)doc_bytes / 1024.0, median(parse, 20),
           median(doc_ms, STEPS), doc_total / STEPS / 1024.0, median(rec_ms, STEPS),
           rec_total / STEPS / 1024.0, pipeline_total / STEPS / 1024.0,
           changed_total / STEPS / 1024.0);
    free(doc_ms);
    free(rec_ms);
    json_decref(applied);
    engine_effects_free(&w.effects);
    engine_state_free(w.state);
}

int main(void)
{
    printf("| active | executions | document | parse (miss) | one document: render | saved | "
           "records: render | saved |\n");
    printf("|---|---|---|---|---|---|---|---|\n");
    run(1);
    run(50);
    return 0;
}
