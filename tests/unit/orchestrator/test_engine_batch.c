/*
 * Unit tests of the orchestrator's loop body (engine_batch.h), without Kafka
 * or Redis: a pipeline's requests stepped together, replays skipped by their
 * progress, a redo after a conflict giving the same effects, the effect
 * limit that splits a batch, malformed inputs, tombstones of deleted
 * pipelines, jobs over the bus's message bound failing their action instead
 * of being handed out, and events over it trimmed to a bounded form.
 */
#include "engine_builder.h"
#include "sluice/engine_batch.h"
#include "sluice/engine_step.h"
#include "sluice_test.h"

#include <stdlib.h>
#include <string.h>

#define T0 ((int64_t)1767225600000)

static const char *const spec = "Source: Src(Source/CodeCommit out=SrcOut ns=SV) | "
                                "Build: B(Build/CodeBuild in=SrcOut cfg=Big:#{SV.Big} "
                                "cfg=Again:#{SV.Big} cfg=Small:x)";

typedef struct fixture {
    engine_state *state;
    json_t *progress;
    model_pipeline *model;
    engine_input inputs[8];
    engine_batch_request reqs[8];
    char seeds[8][32];
    size_t n;
} fixture;

static void fx_init(fixture *f)
{
    memset(f, 0, sizeof *f);
    f->state = engine_state_new("P");
    f->progress = json_object();
    f->model = tb_pipeline("P", 1, MODEL_MODE_QUEUED, spec, "Big=small");
}

static void fx_free(fixture *f)
{
    engine_state_free(f->state);
    json_decref(f->progress);
    model_pipeline_free(f->model);
}

/* Adds a request at position pos of source "requests:0". */
static engine_input *fx_add(fixture *f, engine_input_kind kind, int64_t pos)
{
    size_t i = f->n++;
    memset(&f->inputs[i], 0, sizeof f->inputs[i]);
    f->inputs[i].kind = kind;
    f->inputs[i].job.percent_complete = -1;
    snprintf(f->seeds[i], sizeof f->seeds[i], "requests/0/%lld", (long long)pos);
    f->reqs[i] = (engine_batch_request){
        .input = &f->inputs[i], .seed = f->seeds[i], .source = "requests:0", .position = pos};
    return &f->inputs[i];
}

static size_t run(fixture *f, const engine_batch_ctx *ctx, engine_batch_result *results)
{
    return engine_batch_run(f->state, f->progress, ctx, f->reqs, f->n, results);
}

static const engine_batch_ctx ctx0 = {
    .now_ms = T0, .account = "111122223333", .region = "eu-west-1"};

static const engine_effect *find_effect(const engine_batch_result *r, engine_effect_kind kind)
{
    for (size_t i = 0; i < r->effects.count; i++) {
        if (r->effects.items[i].kind == kind) {
            return &r->effects.items[i];
        }
    }
    return NULL;
}

static char *effects_text(const engine_batch_result *results, size_t n)
{
    json_t *all = json_array();
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < results[i].effects.count; k++) {
            json_array_append_new(all, engine_effects_to_json(&results[i].effects.items[k]));
        }
    }
    char *text = json_dumps(all, JSON_COMPACT);
    json_decref(all);
    return text;
}

static void clear_all(engine_batch_result *results, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        engine_batch_result_clear(&results[i]);
    }
}

static void test_batch_and_replay(void)
{
    fixture f;
    fx_init(&f);
    fx_add(&f, ENGINE_INPUT_PIPELINE_UPDATED, 10)->update.pipeline = f.model;
    fx_add(&f, ENGINE_INPUT_START, 11)->request_id = "r1";
    fx_add(&f, ENGINE_INPUT_START, 12)->request_id = "r2";
    engine_batch_result results[8];
    REQUIRE(run(&f, &ctx0, results) == 3);
    for (size_t i = 0; i < 3; i++) {
        CHECK_INT_EQ(results[i].verdict, ENGINE_BATCH_APPLIED);
        CHECK(find_effect(&results[i], ENGINE_EFFECT_REPLY) != NULL);
    }
    CHECK_INT_EQ(engine_batch_progress(f.progress, "requests:0"), 12);
    CHECK_INT_EQ(f.state->nexecs, 2);
    REQUIRE(f.state->nexecs == 2);
    CHECK(strcmp(f.state->execs[0]->id, f.state->execs[1]->id) != 0);
    /* The first execution's source job is out; the second waits in the queue. */
    CHECK(find_effect(&results[1], ENGINE_EFFECT_JOB) != NULL);
    CHECK(find_effect(&results[2], ENGINE_EFFECT_JOB) == NULL);
    clear_all(results, 3);

    /* Delivered again (a crash after the save): nothing is stepped twice. */
    REQUIRE(run(&f, &ctx0, results) == 3);
    for (size_t i = 0; i < 3; i++) {
        CHECK_INT_EQ(results[i].verdict, ENGINE_BATCH_DUPLICATE);
        CHECK_INT_EQ(results[i].effects.count, 0);
    }
    CHECK_INT_EQ(f.state->nexecs, 2);
    clear_all(results, 3);

    /* A request without a source is always stepped. */
    f.n = 0;
    fx_add(&f, ENGINE_INPUT_START, 1)->request_id = "r3";
    f.reqs[0].source = NULL;
    REQUIRE(run(&f, &ctx0, results) == 1);
    CHECK_INT_EQ(results[0].verdict, ENGINE_BATCH_APPLIED);
    CHECK_INT_EQ(f.state->nexecs, 3);
    CHECK_INT_EQ(engine_batch_progress(f.progress, "requests:0"), 12);
    clear_all(results, 1);
    fx_free(&f);
}

static void test_conflict_redo_is_identical(void)
{
    /* Two replicas (or a redo after a conflict) stepping the same requests on the same state. */
    char *text[2];
    for (int round = 0; round < 2; round++) {
        fixture f;
        fx_init(&f);
        fx_add(&f, ENGINE_INPUT_PIPELINE_UPDATED, 1)->update.pipeline = f.model;
        fx_add(&f, ENGINE_INPUT_START, 2);
        fx_add(&f, ENGINE_INPUT_START, 3);
        engine_batch_result results[8];
        REQUIRE(run(&f, &ctx0, results) == 3);
        text[round] = effects_text(results, 3);
        clear_all(results, 3);
        fx_free(&f);
    }
    CHECK(strlen(text[0]) > 100);
    CHECK_STR_EQ(text[0], text[1]);
    free(text[0]);
    free(text[1]);
}

static void test_effect_limit_splits(void)
{
    fixture f;
    fx_init(&f);
    fx_add(&f, ENGINE_INPUT_PIPELINE_UPDATED, 1)->update.pipeline = f.model;
    fx_add(&f, ENGINE_INPUT_START, 2);
    fx_add(&f, ENGINE_INPUT_START, 3);
    engine_batch_ctx ctx = ctx0;
    ctx.max_effects = 1;
    engine_batch_result results[8];
    CHECK_INT_EQ(run(&f, &ctx, results), 1); /* the update alone makes an effect */
    clear_all(results, 1);
    CHECK_INT_EQ(engine_batch_progress(f.progress, "requests:0"), 1);
    /* The rest runs on the same state; the first request is then a duplicate. */
    ctx.max_effects = 0;
    CHECK_INT_EQ(run(&f, &ctx, results), 3);
    CHECK_INT_EQ(results[0].verdict, ENGINE_BATCH_DUPLICATE);
    CHECK_INT_EQ(results[2].verdict, ENGINE_BATCH_APPLIED);
    CHECK_INT_EQ(f.state->nexecs, 2);
    clear_all(results, 3);
    fx_free(&f);
}

static void test_malformed_is_rejected(void)
{
    fixture f;
    fx_init(&f);
    fx_add(&f, ENGINE_INPUT_PIPELINE_UPDATED, 1)->update.pipeline = f.model;
    fx_add(&f, ENGINE_INPUT_JOB_RESULT, 2); /* no job id */
    fx_add(&f, ENGINE_INPUT_START, 3);
    engine_batch_result results[8];
    REQUIRE(run(&f, &ctx0, results) == 3);
    CHECK_INT_EQ(results[0].verdict, ENGINE_BATCH_APPLIED);
    CHECK_INT_EQ(results[1].verdict, ENGINE_BATCH_REJECTED);
    CHECK(results[1].reason[0] != '\0');
    CHECK_INT_EQ(results[1].effects.count, 0);
    CHECK_INT_EQ(results[2].verdict, ENGINE_BATCH_APPLIED);
    CHECK_INT_EQ(engine_batch_progress(f.progress, "requests:0"), 3);
    clear_all(results, 3);
    fx_free(&f);
}

static void test_oversized_job_fails_its_action(void)
{
    enum { BIG = 30000 };
    char *big = malloc(BIG + 1);
    memset(big, 'v', BIG);
    big[BIG] = '\0';
    fixture f;
    fx_init(&f);
    engine_input_kv var = {"Big", big};
    fx_add(&f, ENGINE_INPUT_PIPELINE_UPDATED, 1)->update.pipeline = f.model;
    fx_add(&f, ENGINE_INPUT_START, 2);
    engine_batch_ctx ctx = ctx0;
    ctx.message_max = 50000; /* one copy of the variable fits, two do not */
    ctx.message_max_name = "SLUICE_BUS_MESSAGE_MAX";
    engine_batch_result results[8];
    REQUIRE(run(&f, &ctx, results) == 2);
    const engine_effect *source_job = find_effect(&results[1], ENGINE_EFFECT_JOB);
    REQUIRE(source_job != NULL); /* the source job is small */
    CHECK_INT_EQ(results[1].jobs_failed, 0);
    char *source_job_id = strdup(source_job->id);
    clear_all(results, 2);

    f.n = 0;
    engine_input *result = fx_add(&f, ENGINE_INPUT_JOB_RESULT, 3);
    result->job.job_id = source_job_id;
    result->job.output_variables = &var; /* a worker's output variable, as big as it likes */
    result->job.noutput_variables = 1;
    fx_add(&f, ENGINE_INPUT_START, 4); /* the next execution (queued behind) */
    REQUIRE(run(&f, &ctx, results) == 2);
    CHECK_INT_EQ(results[0].verdict, ENGINE_BATCH_APPLIED);
    CHECK_INT_EQ(results[0].jobs_failed, 1);
    CHECK(find_effect(&results[0], ENGINE_EFFECT_JOB) == NULL);
    CHECK_STR_CONTAINS(results[0].reason, "50000 bytes");
    CHECK_STR_CONTAINS(results[0].reason, "SLUICE_BUS_MESSAGE_MAX");
    CHECK_STR_CONTAINS(results[0].reason, "Build.B");
    CHECK_STR_CONTAINS(results[0].reason, "configuration key Big");
    CHECK_STR_CONTAINS(results[0].reason, "#{SV.Big}");
    CHECK(strstr(results[0].reason, "configuration key Small") == NULL); /* not among the largest */
    for (size_t i = 0; i < results[0].effects.count; i++) {
        const engine_effect *e = &results[0].effects.items[i];
        const json_t *body = e->body;
        CHECK(e->kind != ENGINE_EFFECT_JOB ||
              json_dumpb(body, NULL, 0, JSON_COMPACT) < ctx.message_max);
    }
    REQUIRE(f.state->nexecs == 2);
    CHECK_INT_EQ(f.state->execs[0]->status, ENGINE_EXEC_FAILED);
    REQUIRE(f.state->execs[0]->nstages == 2);
    CHECK_STR_CONTAINS(f.state->execs[0]->stages[1].actions[0].error_message, "over the bus");
    /* The pipeline moves on: the queued execution's source job is out. */
    CHECK(find_effect(&results[1], ENGINE_EFFECT_JOB) != NULL ||
          find_effect(&results[0], ENGINE_EFFECT_JOB) != NULL ||
          f.state->execs[1]->status == ENGINE_EXEC_IN_PROGRESS);
    CHECK_INT_EQ(f.state->execs[1]->status, ENGINE_EXEC_IN_PROGRESS);
    clear_all(results, 2);

    /* The check alone, for the shell: a document under the bound passes. */
    char msg[512];
    json_t *small = json_pack("{s:s}", "jobId", "j");
    CHECK_INT_EQ(engine_batch_job_check(small, 100000, NULL, msg, sizeof msg), 0);
    CHECK_INT_EQ(engine_batch_job_check(small, 10, NULL, msg, sizeof msg), 1);
    CHECK_STR_CONTAINS(msg, "jobId");
    json_decref(small);
    free(source_job_id);
    free(big);
    fx_free(&f);
}

static void test_tombstone_outlives_a_replayed_delete(void)
{
    fixture f;
    fx_init(&f);
    fx_add(&f, ENGINE_INPUT_PIPELINE_UPDATED, 1)->update.pipeline = f.model;
    fx_add(&f, ENGINE_INPUT_START, 2);
    fx_add(&f, ENGINE_INPUT_START, 3); /* PipelineDeleted */
    f.reqs[2].deleted = true;
    fx_add(&f, ENGINE_INPUT_START, 4); /* waits for the tombstone */
    engine_batch_result results[8];
    REQUIRE(run(&f, &ctx0, results) == 3); /* a run stops at a delete */
    CHECK_INT_EQ(results[2].verdict, ENGINE_BATCH_APPLIED);
    CHECK(results[2].deleted);
    CHECK(!results[1].deleted);
    CHECK_INT_EQ(engine_batch_progress(f.progress, "requests:0"), 3);
    clear_all(results, 3);

    /* The shell's tombstone: an empty state, the progress kept. */
    engine_state_free(f.state);
    f.state = engine_state_new("P");
    /* A newer pipeline of the same name. */
    f.n = 0;
    fx_add(&f, ENGINE_INPUT_PIPELINE_UPDATED, 5)->update.pipeline = f.model;
    fx_add(&f, ENGINE_INPUT_START, 6);
    REQUIRE(run(&f, &ctx0, results) == 2);
    CHECK_INT_EQ(results[1].verdict, ENGINE_BATCH_APPLIED);
    clear_all(results, 2);
    CHECK_INT_EQ(f.state->nexecs, 1);

    /* The old PipelineDeleted delivered again: applied before, the newer pipeline stays. */
    f.n = 0;
    fx_add(&f, ENGINE_INPUT_START, 3);
    f.reqs[0].deleted = true;
    REQUIRE(run(&f, &ctx0, results) == 1);
    CHECK_INT_EQ(results[0].verdict, ENGINE_BATCH_DUPLICATE);
    CHECK(!results[0].deleted);
    CHECK(engine_state_plan(f.state) != NULL);
    CHECK_INT_EQ(f.state->nexecs, 1);
    clear_all(results, 1);
    fx_free(&f);
}

/* An event with a summary, an id and artifacts of the given sizes. */
static json_t *event_with(size_t summary, size_t key)
{
    char *text = malloc(summary + key + 2);
    memset(text, 's', summary + key);
    text[summary + key] = '\0';
    json_t *artifact = json_pack("{s:s, s:{s:s, s:s%}}", "name", "BuildOut", "s3location", "bucket",
                                 "artifacts", "key", text, key);
    json_t *event =
        json_pack("{s:s, s:s, s:s, s:{s:s, s:s, s:o, s:{s:s%, s:s}}}", "id", "e1", "detail-type",
                  "CodePipeline Action Execution State Change", "source", "aws.codepipeline",
                  "detail", "state", "SUCCEEDED", "pipeline", "P", "output-artifacts",
                  json_pack("[o]", artifact), "execution-result", "external-execution-summary",
                  text, summary, "external-execution-id", "run-1");
    free(text);
    return event;
}

static const char *summary_of(const json_t *event)
{
    return json_string_value(
        json_object_get(json_object_get(json_object_get(event, "detail"), "execution-result"),
                        "external-execution-summary"));
}

static void test_oversized_event_is_trimmed(void)
{
    char msg[ENGINE_BATCH_REASON_MAX];
    /* Under the bound: untouched. */
    json_t *small = event_with(100, 10);
    char *before = json_dumps(small, JSON_COMPACT | JSON_SORT_KEYS);
    CHECK_INT_EQ(engine_batch_event_bound(small, 65536, msg, sizeof msg), 0);
    char *after = json_dumps(small, JSON_COMPACT | JSON_SORT_KEYS);
    CHECK_STR_EQ(after, before);
    CHECK_INT_EQ(engine_batch_event_bound(small, 0, msg, sizeof msg), 0); /* unbounded */
    free(before);
    free(after);
    json_decref(small);

    /* A huge summary: cut to the API's 2048 bytes, the rest kept. */
    json_t *big = event_with(100000, 10);
    CHECK_INT_EQ(engine_batch_event_bound(big, 65536, msg, sizeof msg), 1);
    CHECK_INT_EQ(strlen(summary_of(big)), ENGINE_BATCH_EVENT_SUMMARY_MAX);
    CHECK_STR_CONTAINS(msg, "65536 bytes");
    CHECK_STR_CONTAINS(msg, "execution-result cut");
    CHECK(json_dumpb(big, NULL, 0, JSON_COMPACT) + ENGINE_BATCH_ENVELOPE_RESERVE <= 65536);
    json_t *art =
        json_array_get(json_object_get(json_object_get(big, "detail"), "output-artifacts"), 0);
    CHECK(json_object_get(art, "s3location") != NULL); /* not needed: kept */
    json_decref(big);

    /* A huge artifact location too: dropped, the artifact's name stays. */
    json_t *loc = event_with(100000, 100000);
    CHECK_INT_EQ(engine_batch_event_bound(loc, 65536, msg, sizeof msg), 1);
    CHECK_STR_CONTAINS(msg, "artifact locations dropped");
    art = json_array_get(json_object_get(json_object_get(loc, "detail"), "output-artifacts"), 0);
    CHECK(json_object_get(art, "s3location") == NULL);
    CHECK_STR_EQ(json_string_value(json_object_get(art, "name")), "BuildOut");
    CHECK(json_dumpb(loc, NULL, 0, JSON_COMPACT) + ENGINE_BATCH_ENVELOPE_RESERVE <= 65536);
    json_decref(loc);

    /* A bound so small that even the shorter cut is needed. */
    json_t *tight = event_with(100000, 10);
    CHECK_INT_EQ(
        engine_batch_event_bound(tight, ENGINE_BATCH_ENVELOPE_RESERVE + 700, msg, sizeof msg), 1);
    CHECK_INT_EQ(strlen(summary_of(tight)), ENGINE_BATCH_EVENT_CUT_MAX);
    json_decref(tight);

    /* Nothing left to trim: not published. */
    json_t *hopeless = event_with(10, 10);
    CHECK_INT_EQ(
        engine_batch_event_bound(hopeless, ENGINE_BATCH_ENVELOPE_RESERVE + 10, msg, sizeof msg),
        -1);
    CHECK_STR_CONTAINS(msg, "not published");
    json_decref(hopeless);

    /* A cut never splits a character: "é" is two bytes. */
    json_t *utf = json_pack("{s:s, s:{s:{s:s}}}", "id", "e2", "detail", "execution-result",
                            "external-execution-summary", "");
    char *accents = malloc(2 * 3000 + 2);
    accents[0] = 'x';
    for (size_t i = 0; i < 3000; i++) {
        memcpy(accents + 1 + 2 * i, "\xc3\xa9", 2);
    }
    accents[1 + 2 * 3000] = '\0';
    json_object_set_new(json_object_get(json_object_get(utf, "detail"), "execution-result"),
                        "external-execution-summary", json_string(accents));
    free(accents);
    CHECK_INT_EQ(engine_batch_event_bound(utf, 4096, msg, sizeof msg), 1);
    const char *cut = summary_of(utf);
    REQUIRE(cut != NULL); /* still valid UTF-8, or jansson would refuse it */
    CHECK(strlen(cut) <= ENGINE_BATCH_EVENT_SUMMARY_MAX);
    CHECK(strlen(cut) % 2 == 1);
    json_decref(utf);
}

/*
 * Through the batch: a worker's summary as long as CodePipeline allows (the
 * engine refuses longer ones) under a bound that small never makes an event
 * over it.
 */
static void test_batch_bounds_events(void)
{
    enum { BIG = 2000 };
    char *big = malloc(BIG + 1);
    memset(big, 'm', BIG);
    big[BIG] = '\0';
    fixture f;
    fx_init(&f);
    fx_add(&f, ENGINE_INPUT_PIPELINE_UPDATED, 1)->update.pipeline = f.model;
    fx_add(&f, ENGINE_INPUT_START, 2);
    engine_batch_ctx ctx = ctx0;
    ctx.message_max = ENGINE_BATCH_ENVELOPE_RESERVE + 1500;
    engine_batch_result results[8];
    REQUIRE(run(&f, &ctx, results) == 2);
    const engine_effect *job = find_effect(&results[1], ENGINE_EFFECT_JOB);
    REQUIRE(job != NULL);
    char *job_id = strdup(job->id);
    clear_all(results, 2);

    f.n = 0;
    engine_input *in = fx_add(&f, ENGINE_INPUT_JOB_RESULT, 3);
    in->job.job_id = job_id;
    in->job.summary = big;
    REQUIRE(run(&f, &ctx, results) == 1);
    CHECK_INT_EQ(results[0].verdict, ENGINE_BATCH_APPLIED);
    CHECK(results[0].events_trimmed >= 1);
    CHECK_STR_CONTAINS(results[0].event_reason, "CodePipeline Action Execution State Change");
    size_t events = 0;
    for (size_t i = 0; i < results[0].effects.count; i++) {
        const engine_effect *e = &results[0].effects.items[i];
        if (e->kind == ENGINE_EFFECT_EVENT) {
            events++;
            CHECK(json_dumpb(e->body, NULL, 0, JSON_COMPACT) + ENGINE_BATCH_ENVELOPE_RESERVE <=
                  ctx.message_max);
        }
    }
    CHECK(events >= 1);
    clear_all(results, 1);
    free(job_id);
    free(big);
    fx_free(&f);
}

/* The same requests with an id key: other ids (unguessable without it), the same for a replay. */
static void test_keyed_ids(void)
{
    static const unsigned char key[32] = {0x5e, 0xc7, 0x37};
    engine_batch_ctx keyed = ctx0;
    keyed.id_key = key;
    keyed.id_key_len = sizeof key;
    char ids[3][64];
    const engine_batch_ctx *ctxs[3] = {&ctx0, &keyed, &keyed};
    for (int k = 0; k < 3; k++) {
        fixture f;
        fx_init(&f);
        fx_add(&f, ENGINE_INPUT_PIPELINE_UPDATED, 10)->update.pipeline = f.model;
        fx_add(&f, ENGINE_INPUT_START, 11)->request_id = "r1";
        engine_batch_result results[8];
        REQUIRE(run(&f, ctxs[k], results) == 2);
        REQUIRE(f.state->nexecs == 1);
        snprintf(ids[k], sizeof ids[k], "%s", f.state->execs[0]->id);
        clear_all(results, 2);
        fx_free(&f);
    }
    CHECK(strcmp(ids[0], ids[1]) != 0);
    CHECK_STR_EQ(ids[1], ids[2]);
}

int main(void)
{
    RUN_TEST(test_batch_and_replay);
    RUN_TEST(test_keyed_ids);
    RUN_TEST(test_conflict_redo_is_identical);
    RUN_TEST(test_effect_limit_splits);
    RUN_TEST(test_malformed_is_rejected);
    RUN_TEST(test_oversized_job_fails_its_action);
    RUN_TEST(test_tombstone_outlives_a_replayed_delete);
    RUN_TEST(test_oversized_event_is_trimmed);
    RUN_TEST(test_batch_bounds_events);
    return sluice_test_report();
}
