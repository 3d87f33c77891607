/*
 * test_engine_state.c — the engine's data around the rules: deterministic
 * ids, plans, the state's JSON form (lossless, rejected when malformed),
 * eviction, archive records, event envelopes, the API views, inputs read
 * from JSON, and malformed inputs.
 */
#include "engine_builder.h"
#include "sluice/engine_step.h"
#include "sluice/engine_view.h"
#include "sluice/error.h"
#include "sluice/id.h"
#include "sluice/model_parse.h"
#include "sluice_test.h"

#include <stdlib.h>
#include <string.h>

#define T0 ((int64_t)1767225600000)

typedef struct harness {
    engine_state *state;
    engine_effects effects;
    int64_t now;
    int step;
} harness;

static int h_step(harness *h, const engine_input *in)
{
    char seed[32];
    snprintf(seed, sizeof seed, "step-%d", h->step++);
    engine_ids_seeded ids;
    engine_ids_seeded_init(&ids, seed);
    engine_ctx ctx = {.now_ms = h->now,
                      .ids = engine_ids_seeded_source(&ids),
                      .account = "111122223333",
                      .region = "eu-west-1"};
    engine_effects_free(&h->effects);
    char err[256];
    return engine_step(h->state, &ctx, in, &h->effects, err, sizeof err);
}

static void h_init(harness *h, const char *spec, model_execution_mode mode)
{
    memset(h, 0, sizeof *h);
    h->now = T0;
    h->state = engine_state_new("P");
    engine_effects_init(&h->effects);
    model_pipeline *p = tb_pipeline("P", 1, mode, spec, "Env=dev");
    engine_input in = {.kind = ENGINE_INPUT_PIPELINE_UPDATED};
    in.update.pipeline = p;
    h_step(h, &in);
    model_pipeline_free(p);
}

static void h_free(harness *h)
{
    engine_effects_free(&h->effects);
    engine_state_free(h->state);
}

static const char *h_start(harness *h)
{
    engine_input in = {.kind = ENGINE_INPUT_START, .requested_by = "tester"};
    h_step(h, &in);
    const engine_effect *reply = engine_effects_reply(&h->effects);
    return reply != NULL && reply->body != NULL
               ? json_string_value(json_object_get(reply->body, "pipelineExecutionId"))
               : NULL;
}

/* Answers the running job of action a in stage s of execution id with success. */
static void h_succeed(harness *h, const char *id, size_t s, size_t a)
{
    engine_execution *x = engine_state_find(h->state, id);
    if (x == NULL) {
        return;
    }
    char job[ENGINE_ID_LEN + 1];
    snprintf(job, sizeof job, "%s", x->stages[s].actions[a].job_id);
    engine_input in = {.kind = ENGINE_INPUT_JOB_RESULT};
    in.job.job_id = job;
    in.job.outcome = ENGINE_JOB_SUCCEEDED;
    in.job.percent_complete = -1;
    h_step(h, &in);
}

static const engine_effect *h_find(const harness *h, engine_effect_kind kind, size_t nth)
{
    for (size_t i = 0; i < h->effects.count; i++) {
        if (h->effects.items[i].kind == kind && nth-- == 0) {
            return &h->effects.items[i];
        }
    }
    return NULL;
}

/* ---- ids ------------------------------------------------------------------------ */

static void test_ids_deterministic(void)
{
    char a[ENGINE_ID_LEN + 1];
    char b[ENGINE_ID_LEN + 1];
    engine_ids_derive("seed", 7, a);
    engine_ids_derive("seed", 7, b);
    CHECK_STR_EQ(a, b);
    CHECK(sluice_uuid_is_valid(a));
    engine_ids_derive("seed", 8, b);
    CHECK(strcmp(a, b) != 0);
    engine_ids_derive("seeds", 7, b);
    CHECK(strcmp(a, b) != 0);

    engine_ids_seeded s1;
    engine_ids_seeded s2;
    engine_ids_seeded_init(&s1, "offset-42");
    engine_ids_seeded_init(&s2, "offset-42");
    engine_id_source src1 = engine_ids_seeded_source(&s1);
    engine_id_source src2 = engine_ids_seeded_source(&s2);
    for (int i = 0; i < 5; i++) {
        engine_ids_next(&src1, a);
        engine_ids_next(&src2, b);
        CHECK_STR_EQ(a, b);
    }
    CHECK_INT_EQ(s1.counter, 5);
    engine_ids_derive("offset-42", 0, b);
    engine_ids_seeded_init(&s1, "offset-42");
    engine_ids_next(&src1, a);
    CHECK_STR_EQ(a, b);
}

static void test_ids_keyed(void)
{
    static const unsigned char key1[32] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    static const unsigned char key2[32] = {9, 8, 7, 6, 5, 4, 3, 2, 1};
    char plain[ENGINE_ID_LEN + 1];
    char a[ENGINE_ID_LEN + 1];
    char b[ENGINE_ID_LEN + 1];
    /* Keyed: not the unkeyed id, different per key, stable for the same key (a replay). */
    engine_ids_derive("sluice.requests/0/42", 0, plain);
    engine_ids_derive_keyed(key1, sizeof key1, "sluice.requests/0/42", 0, a);
    engine_ids_derive_keyed(key1, sizeof key1, "sluice.requests/0/42", 0, b);
    CHECK_STR_EQ(a, b);
    CHECK(sluice_uuid_is_valid(a));
    CHECK(strcmp(a, plain) != 0);
    engine_ids_derive_keyed(key2, sizeof key2, "sluice.requests/0/42", 0, b);
    CHECK(strcmp(a, b) != 0);
    engine_ids_derive_keyed(key1, sizeof key1, "sluice.requests/0/42", 1, b);
    CHECK(strcmp(a, b) != 0);
    /* No key: the unkeyed id. */
    engine_ids_derive_keyed(NULL, 0, "sluice.requests/0/42", 0, b);
    CHECK_STR_EQ(b, plain);

    engine_ids_seeded s1;
    engine_ids_seeded s2;
    engine_ids_seeded_init_keyed(&s1, "sluice.requests/0/42", key1, sizeof key1);
    engine_ids_seeded_init_keyed(&s2, "sluice.requests/0/42", key1, sizeof key1);
    engine_id_source src1 = engine_ids_seeded_source(&s1);
    engine_id_source src2 = engine_ids_seeded_source(&s2);
    for (int i = 0; i < 3; i++) {
        engine_ids_next(&src1, a);
        engine_ids_next(&src2, b);
        CHECK_STR_EQ(a, b);
        char want[ENGINE_ID_LEN + 1];
        engine_ids_derive_keyed(key1, sizeof key1, "sluice.requests/0/42", (uint64_t)i, want);
        CHECK_STR_EQ(a, want);
    }
}

/* ---- plans -------------------------------------------------------------------------- */

static void test_plan_from_model_and_json(void)
{
    model_pipeline *p = tb_pipeline(
        "P", 3, MODEL_MODE_QUEUED,
        "Source: Src(Source/CodeStarSourceConnection out=Code ns=SV cfg=BranchName:main) | "
        "Build: C(Compute/Commands in=Code out=Dist order=2 cmd=make cmd=make~test "
        "env=RUN:#{codepipeline.PipelineExecutionId} "
        "region=eu-central-1 timeout=30) A(Approval/Manual timeout=120 order=5)",
        "Env=dev,Other");
    REQUIRE(p != NULL);
    p->stages[1].actions[0].role_arn = strdup("arn:aws:iam::111122223333:role/Build");
    p->stages[1].actions[0].output_artifacts[0].files = calloc(1, sizeof(char *));
    p->stages[1].actions[0].output_artifacts[0].files[0] = strdup("dist/**");
    p->stages[1].actions[0].output_artifacts[0].nfiles = 1;
    p->stages[1].actions[0].output_variables = calloc(1, sizeof(char *));
    p->stages[1].actions[0].output_variables[0] = strdup("IMAGE_TAG");
    p->stages[1].actions[0].noutput_variables = 1;

    engine_plan *plan = engine_plan_from_model(p);
    model_pipeline_free(p);
    CHECK_STR_EQ(plan->name, "P");
    CHECK_INT_EQ(plan->version, 3);
    CHECK_INT_EQ(plan->mode, MODEL_MODE_QUEUED);
    CHECK_INT_EQ(plan->nstages, 2);
    CHECK_INT_EQ(plan->nvariables, 2);
    CHECK(plan->variables[1].default_value == NULL);
    const engine_plan_action *c = &plan->stages[1].actions[0];
    CHECK_STR_EQ(c->category, "Compute");
    CHECK_INT_EQ(c->run_order, 2);
    CHECK_INT_EQ(c->ncommands, 2);
    CHECK_STR_EQ(c->commands[1], "make test");
    CHECK_STR_EQ(c->region, "eu-central-1");
    CHECK_STR_EQ(c->outputs[0].files[0], "dist/**");
    CHECK_INT_EQ(engine_plan_next_run_order(&plan->stages[1], 0), 2);
    CHECK_INT_EQ(engine_plan_next_run_order(&plan->stages[1], 2), 5);
    CHECK_INT_EQ(engine_plan_next_run_order(&plan->stages[1], 5), 0);
    /* timeoutInMinutes applies to approvals only, as CodePipeline documents */
    CHECK_INT_EQ(engine_plan_action_timeout_ms(c), 60 * 60000);
    CHECK_INT_EQ(engine_plan_action_timeout_ms(&plan->stages[1].actions[1]), 120 * 60000);
    CHECK_STR_EQ(engine_plan_action_config(&plan->stages[0].actions[0], "BranchName"), "main");

    json_t *json = engine_plan_to_json(plan);
    engine_plan *back = NULL;
    char err[128];
    CHECK_INT_EQ(engine_plan_from_json(json, &back, err, sizeof err), 0);
    json_t *again = engine_plan_to_json(back);
    CHECK(json_equal(json, again));
    json_decref(again);
    engine_plan *copy = engine_plan_clone(plan);
    again = engine_plan_to_json(copy);
    CHECK(json_equal(json, again));
    json_decref(again);
    engine_plan_free(copy);
    engine_plan_free(back);

    json_object_set_new(json, "executionMode", json_string("SOMETIMES"));
    back = NULL;
    CHECK_INT_EQ(engine_plan_from_json(json, &back, err, sizeof err), SLUICE_EPARSE);
    CHECK(back == NULL);
    json_decref(json);
    engine_plan_free(plan);
}

/* ---- the state's JSON ---------------------------------------------------------------- */

#define LINE2                                                                                      \
    "Source: Src(Source/CodeCommit out=SrcOut ns=SV) | Build: B(Build/CodeBuild in=SrcOut "        \
    "cfg=E:#{variables.Env})"

static void test_state_round_trip_and_rejects(void)
{
    harness h;
    h_init(&h, LINE2, MODEL_MODE_SUPERSEDED);
    const char *id = h_start(&h);
    REQUIRE(id != NULL);
    char first[ENGINE_ID_LEN + 1];
    snprintf(first, sizeof first, "%s", id);
    h_succeed(&h, first, 0, 0);
    h_start(&h);
    engine_input stop = {.kind = ENGINE_INPUT_STOP};
    stop.stop.execution_id = first;
    stop.stop.reason = "enough";
    h_step(&h, &stop);

    json_t *json = engine_state_to_json(h.state);
    engine_state *back = NULL;
    char err[256];
    CHECK_INT_EQ(engine_state_from_json(json, &back, err, sizeof err), 0);
    json_t *again = engine_state_to_json(back);
    CHECK(json_equal(json, again));
    json_decref(again);
    engine_state_free(back);

    /* a textual round trip too, the way Redis stores it */
    char *text = json_dumps(json, JSON_COMPACT);
    json_error_t jerr;
    json_t *parsed = json_loads(text, 0, &jerr);
    CHECK(json_equal(json, parsed));
    json_decref(parsed);
    free(text);

    json_t *bad = json_deep_copy(json);
    json_object_set_new(bad, "format", json_integer(99));
    back = NULL;
    CHECK_INT_EQ(engine_state_from_json(bad, &back, err, sizeof err), SLUICE_EPARSE);
    CHECK(back == NULL);
    json_decref(bad);

    bad = json_deep_copy(json);
    json_t *x0 = json_array_get(json_object_get(bad, "executions"), 0);
    json_object_set_new(x0, "status", json_string("Sleeping"));
    CHECK_INT_EQ(engine_state_from_json(bad, &back, err, sizeof err), SLUICE_EPARSE);
    CHECK_STR_CONTAINS(err, "Sleeping");
    json_decref(bad);

    bad = json_deep_copy(json);
    x0 = json_array_get(json_object_get(bad, "executions"), 0);
    json_array_remove(json_object_get(x0, "stages"), 1);
    CHECK_INT_EQ(engine_state_from_json(bad, &back, err, sizeof err), SLUICE_EPARSE);
    json_decref(bad);

    bad = json_deep_copy(json);
    json_object_del(bad, "plans");
    CHECK_INT_EQ(engine_state_from_json(bad, &back, err, sizeof err), SLUICE_EPARSE);
    json_decref(bad);

    json_decref(json);
    h_free(&h);
}

/* ---- eviction and archive records ------------------------------------------------------- */

static void test_eviction_and_archive(void)
{
    harness h;
    h_init(&h, LINE2, MODEL_MODE_SUPERSEDED);
    h.state->keep_terminal = 3;
    size_t archived_executions = 0;
    size_t archived_actions = 0;
    for (int i = 0; i < 12; i++) {
        const char *got = h_start(&h);
        REQUIRE(got != NULL);
        char id[ENGINE_ID_LEN + 1];
        snprintf(id, sizeof id, "%s", got);
        h_succeed(&h, id, 0, 0);
        for (size_t e = 0; e < h.effects.count; e++) {
            archived_actions += h.effects.items[e].kind == ENGINE_EFFECT_ARCHIVE &&
                                h.effects.items[e].archive == ENGINE_ARCHIVE_ACTION_EXECUTION;
        }
        h_succeed(&h, id, 1, 0);
        for (size_t e = 0; e < h.effects.count; e++) {
            const engine_effect *eff = &h.effects.items[e];
            if (eff->kind == ENGINE_EFFECT_ARCHIVE &&
                eff->archive == ENGINE_ARCHIVE_PIPELINE_EXECUTION) {
                archived_executions++;
                CHECK_STR_EQ(eff->id, id);
                const json_t *summary = json_object_get(eff->body, "summary");
                CHECK_STR_EQ(json_string_value(json_object_get(summary, "status")), "Succeeded");
                CHECK(json_is_real(json_object_get(summary, "startTime")));
                const json_t *pe = json_object_get(eff->body, "pipelineExecution");
                CHECK_STR_EQ(json_string_value(json_object_get(pe, "pipelineExecutionId")), id);
                CHECK_STR_EQ(
                    json_string_value(json_object_get(
                        json_array_get(json_object_get(pe, "variables"), 0), "resolvedValue")),
                    "dev");
            }
            if (eff->kind == ENGINE_EFFECT_ARCHIVE &&
                eff->archive == ENGINE_ARCHIVE_ACTION_EXECUTION) {
                archived_actions++;
                CHECK_STR_EQ(json_string_value(json_object_get(eff->body, "status")), "Succeeded");
                CHECK_STR_EQ(json_string_value(json_object_get(
                                 json_object_get(json_object_get(eff->body, "input"),
                                                 "resolvedConfiguration"),
                                 "E")),
                             "dev");
            }
        }
        h.now += 1000;
    }
    CHECK_INT_EQ(archived_executions, 12);
    CHECK_INT_EQ(archived_actions, 24);
    /* three unpinned terminal executions, plus the latest one (pinned by both stages) */
    CHECK(h.state->nexecs <= 4);
    CHECK(h.state->nexecs >= 3);
    CHECK_INT_EQ(h.state->nplans, 1);
    h_free(&h);
}

/* ---- events -------------------------------------------------------------------------- */

static void test_event_envelope(void)
{
    harness h;
    h_init(&h, LINE2, MODEL_MODE_SUPERSEDED);
    const char *got = h_start(&h);
    REQUIRE(got != NULL);
    char id[ENGINE_ID_LEN + 1];
    snprintf(id, sizeof id, "%s", got);
    const engine_effect *e = h_find(&h, ENGINE_EFFECT_EVENT, 0);
    REQUIRE(e != NULL);
    const json_t *env = e->body;
    CHECK_STR_EQ(json_string_value(json_object_get(env, "version")), "0");
    CHECK_STR_EQ(json_string_value(json_object_get(env, "source")), "aws.codepipeline");
    CHECK_STR_EQ(json_string_value(json_object_get(env, "account")), "111122223333");
    CHECK_STR_EQ(json_string_value(json_object_get(env, "region")), "eu-west-1");
    CHECK_STR_EQ(json_string_value(json_object_get(env, "time")), "2026-01-01T00:00:00Z");
    CHECK_STR_EQ(json_string_value(json_object_get(env, "detail-type")),
                 "CodePipeline Pipeline Execution State Change");
    CHECK_STR_EQ(json_string_value(json_array_get(json_object_get(env, "resources"), 0)),
                 "arn:aws:codepipeline:eu-west-1:111122223333:P");
    const json_t *detail = json_object_get(env, "detail");
    CHECK_STR_EQ(json_string_value(json_object_get(detail, "pipeline")), "P");
    CHECK_STR_EQ(json_string_value(json_object_get(detail, "execution-id")), id);
    CHECK_STR_EQ(json_string_value(json_object_get(detail, "state")), "STARTED");
    CHECK(json_is_integer(json_object_get(detail, "version")));

    /* event ids: derived from the execution id and its event sequence number */
    char name[64];
    char want[ENGINE_ID_LEN + 1];
    snprintf(name, sizeof name, "events:%s", id);
    engine_ids_derive(name, 0, want);
    CHECK_STR_EQ(e->id, want);
    CHECK_STR_EQ(json_string_value(json_object_get(env, "id")), want);
    const engine_effect *second = h_find(&h, ENGINE_EFFECT_EVENT, 1);
    REQUIRE(second != NULL);
    engine_ids_derive(name, 1, want);
    CHECK_STR_EQ(second->id, want);

    const engine_effect *job = h_find(&h, ENGINE_EFFECT_JOB, 0);
    REQUIRE(job != NULL);
    CHECK_STR_EQ(job->execution_id, id);
    CHECK_STR_EQ(json_string_value(json_object_get(job->body, "jobId")), job->id);
    CHECK_STR_EQ(json_string_value(json_object_get(job->body, "pipelineArn")),
                 "arn:aws:codepipeline:eu-west-1:111122223333:P");
    CHECK_STR_EQ(json_string_value(json_object_get(job->body, "deadline")), "2026-01-01T01:00:00Z");
    const engine_effect *timer = h_find(&h, ENGINE_EFFECT_TIMER_SET, 0);
    REQUIRE(timer != NULL);
    CHECK_INT_EQ(timer->deadline_ms, T0 + 3600000);
    CHECK_STR_CONTAINS(timer->id, "action-timeout:");

    json_t *outbox = engine_effects_to_json(timer);
    CHECK_STR_EQ(json_string_value(json_object_get(outbox, "kind")), "timer-set");
    CHECK_INT_EQ(json_integer_value(json_object_get(outbox, "deadline")), T0 + 3600000);
    json_decref(outbox);
    h_free(&h);
}

/* ---- views ---------------------------------------------------------------------------- */

#define GATE2                                                                                      \
    "Source: Src(Source/CodeCommit out=SrcOut) | Gate: A(Approval/Manual cfg=CustomData:ok?) | "   \
    "Ship: D(Deploy/S3)"

static void test_views(void)
{
    harness h;
    h_init(&h, GATE2, MODEL_MODE_QUEUED);
    char e1[ENGINE_ID_LEN + 1];
    char e2[ENGINE_ID_LEN + 1];
    snprintf(e1, sizeof e1, "%s", h_start(&h));
    h_succeed(&h, e1, 0, 0);
    snprintf(e2, sizeof e2, "%s", h_start(&h));
    h_succeed(&h, e2, 0, 0);
    engine_input disable = {.kind = ENGINE_INPUT_TRANSITION, .requested_by = "ops"};
    disable.transition.stage = "Ship";
    disable.transition.reason = "Freeze";
    h_step(&h, &disable);

    json_t *view = engine_view_pipeline_state(h.state);
    CHECK_STR_EQ(json_string_value(json_object_get(view, "pipelineName")), "P");
    CHECK_INT_EQ(json_integer_value(json_object_get(view, "pipelineVersion")), 1);
    CHECK(json_is_real(json_object_get(view, "created")));
    json_t *stages = json_object_get(view, "stageStates");
    CHECK_INT_EQ(json_array_size(stages), 3);
    json_t *gate = json_array_get(stages, 1);
    CHECK_STR_EQ(json_string_value(json_object_get(gate, "stageName")), "Gate");
    json_t *latest = json_object_get(gate, "latestExecution");
    CHECK_STR_EQ(json_string_value(json_object_get(latest, "pipelineExecutionId")), e1);
    CHECK_STR_EQ(json_string_value(json_object_get(latest, "status")), "InProgress");
    CHECK_STR_EQ(json_string_value(json_object_get(latest, "type")), "STANDARD");
    json_t *inbound = json_object_get(gate, "inboundExecutions");
    CHECK_INT_EQ(json_array_size(inbound), 1);
    CHECK_STR_EQ(
        json_string_value(json_object_get(json_array_get(inbound, 0), "pipelineExecutionId")), e2);
    CHECK_STR_EQ(
        json_string_value(json_object_get(json_object_get(gate, "inboundExecution"), "status")),
        "InProgress");
    json_t *action = json_object_get(json_array_get(json_object_get(gate, "actionStates"), 0),
                                     "latestExecution");
    CHECK_STR_EQ(json_string_value(json_object_get(action, "status")), "InProgress");
    const char *token = json_string_value(json_object_get(action, "token"));
    REQUIRE(token != NULL);
    CHECK(sluice_uuid_is_valid(token));
    CHECK(json_is_real(json_object_get(action, "lastStatusChange")));
    json_t *ship = json_array_get(stages, 2);
    json_t *transition = json_object_get(ship, "inboundTransitionState");
    CHECK(json_is_false(json_object_get(transition, "enabled")));
    CHECK_STR_EQ(json_string_value(json_object_get(transition, "disabledReason")), "Freeze");
    CHECK_STR_EQ(json_string_value(json_object_get(transition, "lastChangedBy")), "ops");
    CHECK(json_is_real(json_object_get(transition, "lastChangedAt")));
    CHECK(json_object_get(ship, "latestExecution") == NULL);

    /* approve: the answer is checked against the token shown */
    char saved[ENGINE_ID_LEN + 1];
    snprintf(saved, sizeof saved, "%s", token);
    json_decref(view);
    engine_input approve = {.kind = ENGINE_INPUT_APPROVAL, .requested_by = "alice"};
    approve.approval.stage = "Gate";
    approve.approval.action = "A";
    approve.approval.token = saved;
    approve.approval.approved = true;
    approve.approval.summary = "ship it";
    h_step(&h, &approve);
    const engine_effect *reply = engine_effects_reply(&h.effects);
    REQUIRE(reply != NULL);
    CHECK(reply->exception == NULL);
    CHECK(json_is_real(json_object_get(reply->body, "approvedAt")));

    view = engine_view_pipeline_state(h.state);
    gate = json_array_get(json_object_get(view, "stageStates"), 1);
    action = json_object_get(json_array_get(json_object_get(gate, "actionStates"), 0),
                             "latestExecution");
    /* the gate's latest action execution is now e2's, with a token of its own */
    CHECK_STR_EQ(json_string_value(json_object_get(action, "status")), "InProgress");
    CHECK(json_string_value(json_object_get(action, "token")) != NULL);
    CHECK(strcmp(json_string_value(json_object_get(action, "token")), saved) != 0);
    /* e1 left the gate and waits for the frozen Ship stage; e2 took the gate */
    CHECK_STR_EQ(json_string_value(json_object_get(json_object_get(gate, "latestExecution"),
                                                   "pipelineExecutionId")),
                 e2);
    ship = json_array_get(json_object_get(view, "stageStates"), 2);
    CHECK_STR_EQ(
        json_string_value(json_object_get(
            json_array_get(json_object_get(ship, "inboundExecutions"), 0), "pipelineExecutionId")),
        e1);
    json_decref(view);

    json_t *exec = engine_view_pipeline_execution(h.state, engine_state_find(h.state, e1));
    json_t *pe = json_object_get(exec, "pipelineExecution");
    CHECK_STR_EQ(json_string_value(json_object_get(pe, "status")), "InProgress");
    CHECK_STR_EQ(json_string_value(json_object_get(pe, "executionMode")), "QUEUED");
    CHECK_STR_EQ(json_string_value(json_object_get(json_object_get(pe, "trigger"), "triggerType")),
                 "StartPipelineExecution");
    CHECK_STR_EQ(
        json_string_value(json_object_get(json_object_get(pe, "trigger"), "triggerDetail")),
        "tester");
    json_decref(exec);
    CHECK(engine_view_pipeline_execution(h.state, NULL) == NULL);

    json_t *list = engine_view_list_executions(h.state);
    json_t *summaries = json_object_get(list, "pipelineExecutionSummaries");
    CHECK_INT_EQ(json_array_size(summaries), 2);
    CHECK_STR_EQ(
        json_string_value(json_object_get(json_array_get(summaries, 0), "pipelineExecutionId")),
        e2);
    json_decref(list);

    json_t *actions = engine_view_list_action_executions(h.state, e1);
    json_t *details = json_object_get(actions, "actionExecutionDetails");
    CHECK_INT_EQ(json_array_size(details), 2);
    json_t *first = json_array_get(details, 0);
    CHECK_STR_EQ(json_string_value(json_object_get(first, "actionName")), "A");
    CHECK_STR_EQ(json_string_value(json_object_get(first, "stageName")), "Gate");
    CHECK_STR_EQ(
        json_string_value(json_object_get(
            json_object_get(json_object_get(first, "input"), "configuration"), "CustomData")),
        "ok?");
    CHECK_STR_EQ(json_string_value(json_object_get(first, "status")), "Succeeded");
    CHECK_STR_EQ(json_string_value(json_object_get(first, "updatedBy")), "alice");
    CHECK_STR_EQ(json_string_value(json_object_get(
                     json_object_get(json_object_get(first, "output"), "executionResult"),
                     "externalExecutionSummary")),
                 "ship it");
    json_decref(actions);
    actions = engine_view_list_action_executions(h.state, NULL);
    CHECK_INT_EQ(json_array_size(json_object_get(actions, "actionExecutionDetails")), 4);
    json_decref(actions);
    CHECK(engine_view_list_action_executions(h.state, "00000000-0000-4000-8000-000000000000") ==
          NULL);

    /* stop reason in the summary's stopTrigger */
    engine_input stop = {.kind = ENGINE_INPUT_STOP};
    stop.stop.execution_id = e1;
    stop.stop.reason = "not now";
    h_step(&h, &stop);
    json_t *summary = engine_view_execution_summary(h.state, engine_state_find(h.state, e1));
    CHECK_STR_EQ(json_string_value(json_object_get(summary, "status")), "Stopped");
    CHECK_STR_EQ(
        json_string_value(json_object_get(json_object_get(summary, "stopTrigger"), "reason")),
        "not now");
    json_decref(summary);
    h_free(&h);
}

/* ---- summary and identities in the views: bounds, JSON inputs, older states ---------------- */

#define LONGGATE                                                                                   \
    "Source: Src(Source/CodeCommit ns=SV) | Gate: A(Approval/Manual cfg=CustomData:#{SV.Long})"

/* The GetPipelineState ActionExecution of action a of stage s (borrowed from view). */
static const json_t *action_latest(const json_t *view, size_t s, size_t a)
{
    const json_t *stage = json_array_get(json_object_get(view, "stageStates"), s);
    return json_object_get(json_array_get(json_object_get(stage, "actionStates"), a),
                           "latestExecution");
}

static void test_view_summary_and_identities(void)
{
    harness h;
    h_init(&h, LONGGATE, MODEL_MODE_SUPERSEDED);
    char e1[ENGINE_ID_LEN + 1];
    const char *started = h_start(&h);
    REQUIRE(started != NULL);
    snprintf(e1, sizeof e1, "%s", started);

    /* the source's result arrives as the orchestrator reads it: JSON with requestedBy; its
     * output variable makes CustomData 1 + 1500 two-byte characters (3001 bytes) */
    enum { NCHARS = 1500 };
    char *long_value = malloc(1 + 2 * NCHARS + 1);
    REQUIRE(long_value != NULL);
    long_value[0] = 'a';
    for (size_t i = 0; i < NCHARS; i++) {
        memcpy(long_value + 1 + 2 * i, "\xc3\xa9", 2); /* U+00E9 */
    }
    long_value[1 + 2 * NCHARS] = '\0';
    engine_execution *x = engine_state_find(h.state, e1);
    REQUIRE(x != NULL);
    json_t *doc_json =
        json_pack("{s:s, s:s, s:s, s:s, s:{s:s}}", "type", "JobResult", "jobId",
                  x->stages[0].actions[0].job_id, "outcome", "Succeeded", "requestedBy",
                  "arn:aws:iam::111122223333:user/worker", "outputVariables", "Long", long_value);
    REQUIRE(doc_json != NULL);
    engine_input_doc doc;
    char err[256] = "";
    REQUIRE(engine_input_from_json(doc_json, &doc, err, sizeof err) == 0);
    json_decref(doc_json);
    CHECK_INT_EQ(h_step(&h, &doc.input), 0);
    engine_input_doc_free(&doc);
    const engine_effect *reply = engine_effects_reply(&h.effects);
    REQUIRE(reply != NULL);
    CHECK(reply->exception == NULL);

    json_t *view = engine_view_pipeline_state(h.state);
    const json_t *source = action_latest(view, 0, 0);
    CHECK_STR_EQ(json_string_value(json_object_get(source, "status")), "Succeeded");
    CHECK_STR_EQ(json_string_value(json_object_get(source, "lastUpdatedBy")),
                 "arn:aws:iam::111122223333:user/worker");
    /* the summary is cut to ExecutionSummary's 2048 bytes, before a split character */
    const json_t *gate = action_latest(view, 1, 0);
    CHECK_STR_EQ(json_string_value(json_object_get(gate, "status")), "InProgress");
    const char *summary = json_string_value(json_object_get(gate, "summary"));
    REQUIRE(summary != NULL);
    CHECK_INT_EQ(strlen(summary), 2047);
    CHECK(strncmp(summary, long_value, 2047) == 0);
    CHECK(json_object_get(gate, "lastUpdatedBy") == NULL);
    json_decref(view);
    json_t *actions = engine_view_list_action_executions(h.state, e1);
    const json_t *details = json_object_get(actions, "actionExecutionDetails");
    REQUIRE(json_array_size(details) == 2);
    /* newest first: the gate, then the source */
    CHECK_STR_EQ(json_string_value(json_object_get(json_array_get(details, 1), "updatedBy")),
                 "arn:aws:iam::111122223333:user/worker");
    CHECK(json_object_get(json_array_get(details, 0), "updatedBy") == NULL);
    json_decref(actions);

    /* a state saved before pending approvals had a summary still loads and renders */
    json_t *saved = engine_state_to_json(h.state);
    json_t *xs = json_object_get(saved, "executions");
    json_t *gate_run = json_array_get(
        json_object_get(json_array_get(json_object_get(json_array_get(xs, 0), "stages"), 1),
                        "actions"),
        0);
    REQUIRE(json_object_get(gate_run, "summary") != NULL);
    CHECK(json_object_get(gate_run, "updatedBy") == NULL);
    json_object_del(gate_run, "summary");
    engine_state *older = NULL;
    CHECK_INT_EQ(engine_state_from_json(saved, &older, err, sizeof err), 0);
    json_decref(saved);
    REQUIRE(older != NULL);
    view = engine_view_pipeline_state(older);
    gate = action_latest(view, 1, 0);
    CHECK_STR_EQ(json_string_value(json_object_get(gate, "status")), "InProgress");
    CHECK(json_object_get(gate, "token") != NULL);
    CHECK(json_object_get(gate, "summary") == NULL);
    json_decref(view);

    /* the approval answered through JSON: the approver's summary and identity */
    engine_execution *ox = engine_state_find(older, e1);
    REQUIRE(ox != NULL);
    doc_json =
        json_pack("{s:s, s:s, s:s, s:s, s:s, s:{s:s, s:s}}", "type", "PutApprovalResult",
                  "stageName", "Gate", "actionName", "A", "token", ox->stages[1].actions[0].token,
                  "requestedBy", "arn:aws:iam::111122223333:user/alice", "result", "status",
                  "Approved", "summary", "Reviewed, ship it");
    REQUIRE(doc_json != NULL);
    REQUIRE(engine_input_from_json(doc_json, &doc, err, sizeof err) == 0);
    json_decref(doc_json);
    engine_state_free(h.state);
    h.state = older;
    CHECK_INT_EQ(h_step(&h, &doc.input), 0);
    engine_input_doc_free(&doc);
    view = engine_view_pipeline_state(h.state);
    gate = action_latest(view, 1, 0);
    CHECK_STR_EQ(json_string_value(json_object_get(gate, "status")), "Succeeded");
    CHECK_STR_EQ(json_string_value(json_object_get(gate, "summary")), "Reviewed, ship it");
    CHECK_STR_EQ(json_string_value(json_object_get(gate, "lastUpdatedBy")),
                 "arn:aws:iam::111122223333:user/alice");
    json_decref(view);
    x = engine_state_find(h.state, e1);
    REQUIRE(x != NULL);
    json_t *detail = engine_view_action_execution(h.state, x, 1, 0);
    CHECK_STR_EQ(json_string_value(json_object_get(detail, "updatedBy")),
                 "arn:aws:iam::111122223333:user/alice");
    json_decref(detail);
    free(long_value);
    h_free(&h);
}

/* ---- inputs from JSON, malformed inputs -------------------------------------------------- */

static void test_input_from_json(void)
{
    static const char *const good[] = {
        "{\"type\":\"StartPipelineExecution\",\"requestId\":\"r1\",\"requestedBy\":\"me\","
        "\"clientRequestToken\":\"t1\","
        "\"variables\":[{\"name\":\"Env\",\"value\":\"prod\"}],"
        "\"sourceRevisions\":[{\"actionName\":\"Src\",\"revisionType\":\"COMMIT_ID\","
        "\"revisionValue\":\"abc\"}]}",
        "{\"type\":\"JobResult\",\"jobId\":\"j\",\"outcome\":\"Succeeded\",\"outputVariables\":{"
        "\"K\":\"V\"},"
        "\"executionDetails\":{\"summary\":\"s\",\"percentComplete\":100},"
        "\"currentRevision\":{\"revision\":\"r\",\"changeIdentifier\":\"c\",\"created\":1767225600."
        "5},"
        "\"outputArtifacts\":[{\"name\":\"Out\",\"bucket\":\"b\",\"key\":\"k\"}]}",
        "{\"type\":\"JobResult\",\"jobId\":\"j\",\"outcome\":\"Failed\",\"failureDetails\":{"
        "\"type\":\"ConfigurationError\",\"message\":\"m\"}}",
        "{\"type\":\"PutApprovalResult\",\"stageName\":\"Gate\",\"actionName\":\"A\",\"token\":"
        "\"t\","
        "\"result\":{\"status\":\"Rejected\",\"summary\":\"no\"}}",
        "{\"type\":\"TimerFired\",\"key\":\"action-timeout:x\"}",
        "{\"type\":\"StopPipelineExecution\",\"pipelineExecutionId\":\"e\",\"abandon\":true,"
        "\"reason\":\"r\"}",
        "{\"type\":\"RetryStageExecution\",\"pipelineExecutionId\":\"e\",\"stageName\":\"Build\","
        "\"retryMode\":\"ALL_ACTIONS\"}",
        "{\"type\":\"DisableStageTransition\",\"stageName\":\"Build\",\"transitionType\":"
        "\"Outbound\",\"reason\":\"r\"}",
        "{\"type\":\"EnableStageTransition\",\"stageName\":\"Build\",\"transitionType\":"
        "\"Inbound\"}",
        "{\"type\":\"PipelineUpdated\"}",
    };
    static const engine_input_kind kinds[] = {
        ENGINE_INPUT_START,      ENGINE_INPUT_JOB_RESULT,
        ENGINE_INPUT_JOB_RESULT, ENGINE_INPUT_APPROVAL,
        ENGINE_INPUT_TIMER,      ENGINE_INPUT_STOP,
        ENGINE_INPUT_RETRY,      ENGINE_INPUT_TRANSITION,
        ENGINE_INPUT_TRANSITION, ENGINE_INPUT_PIPELINE_UPDATED,
    };
    engine_input_doc docs[10];
    char err[256];
    for (size_t i = 0; i < 10; i++) {
        json_error_t jerr;
        json_t *json = json_loads(good[i], 0, &jerr);
        REQUIRE(json != NULL);
        CHECK_INT_EQ(engine_input_from_json(json, &docs[i], err, sizeof err), 0);
        json_decref(json); /* the doc keeps its own reference */
        CHECK_INT_EQ(docs[i].input.kind, kinds[i]);
    }
    CHECK_STR_EQ(docs[0].input.request_id, "r1");
    CHECK_STR_EQ(docs[0].input.start.variables[0].value, "prod");
    CHECK_STR_EQ(docs[0].input.start.overrides[0].revision_value, "abc");
    CHECK_STR_EQ(docs[1].input.job.output_variables[0].key, "K");
    CHECK_INT_EQ(docs[1].input.job.percent_complete, 100);
    CHECK_INT_EQ(docs[1].input.job.revision_created_ms, 1767225600500);
    CHECK_STR_EQ(docs[1].input.job.outputs[0].bucket, "b");
    CHECK_INT_EQ(docs[2].input.job.outcome, ENGINE_JOB_FAILED);
    CHECK_STR_EQ(docs[2].input.job.failure_type, "ConfigurationError");
    CHECK(!docs[3].input.approval.approved);
    CHECK(docs[5].input.stop.abandon);
    CHECK_INT_EQ(docs[6].input.retry.mode, ENGINE_RETRY_ALL_ACTIONS);
    CHECK(docs[7].input.transition.outbound);
    CHECK(!docs[7].input.transition.enabled);
    CHECK(docs[8].input.transition.enabled);
    for (size_t i = 0; i < 10; i++) {
        engine_input_doc_free(&docs[i]);
    }

    static const char *const bad[] = {
        "[]",
        "{}",
        "{\"type\":\"Dance\"}",
        "{\"type\":\"JobResult\",\"outcome\":\"Succeeded\"}",
        "{\"type\":\"JobResult\",\"jobId\":\"j\",\"outcome\":\"Maybe\"}",
        "{\"type\":\"PutApprovalResult\",\"stageName\":\"Gate\",\"actionName\":\"A\",\"token\":"
        "\"t\",\"result\":{\"status\":\"approved\"}}",
        "{\"type\":\"RetryStageExecution\",\"pipelineExecutionId\":\"e\",\"stageName\":\"B\","
        "\"retryMode\":\"SOME\"}",
        "{\"type\":\"StopPipelineExecution\",\"pipelineExecutionId\":7}",
        "{\"type\":\"StartPipelineExecution\",\"variables\":[{\"name\":\"x\"}]}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_error_t jerr;
        json_t *json = json_loads(bad[i], 0, &jerr);
        REQUIRE(json != NULL);
        engine_input_doc doc;
        int rc = engine_input_from_json(json, &doc, err, sizeof err);
        CHECK(rc == SLUICE_EPARSE || rc == SLUICE_EINVAL);
        json_decref(json);
    }
}

static void test_malformed_inputs_change_nothing(void)
{
    harness h;
    h_init(&h, LINE2, MODEL_MODE_SUPERSEDED);
    h_start(&h);
    json_t *before = engine_state_to_json(h.state);
    engine_input inputs[5];
    memset(inputs, 0, sizeof inputs);
    inputs[0].kind = ENGINE_INPUT_JOB_RESULT;
    inputs[1].kind = ENGINE_INPUT_STOP;
    inputs[2].kind = ENGINE_INPUT_APPROVAL;
    inputs[2].approval.stage = "Gate";
    inputs[3].kind = ENGINE_INPUT_JOB_RESULT;
    inputs[3].job.job_id = "j";
    inputs[3].job.outcome = ENGINE_JOB_IN_PROGRESS; /* without a continuation token */
    inputs[4].kind = (engine_input_kind)42;
    for (size_t i = 0; i < 5; i++) {
        CHECK_INT_EQ(h_step(&h, &inputs[i]), SLUICE_EINVAL);
        CHECK_INT_EQ(h.effects.count, 0);
    }
    json_t *after = engine_state_to_json(h.state);
    CHECK(json_equal(before, after));
    json_decref(before);
    json_decref(after);

    /* a pipeline of another name is a caller bug */
    model_pipeline *other = tb_pipeline("Q", 2, MODEL_MODE_SUPERSEDED, LINE2, NULL);
    engine_input update = {.kind = ENGINE_INPUT_PIPELINE_UPDATED};
    update.update.pipeline = other;
    CHECK_INT_EQ(h_step(&h, &update), SLUICE_EINVAL);
    model_pipeline_free(other);
    h_free(&h);
}

static void test_requests_before_creation(void)
{
    harness h;
    memset(&h, 0, sizeof h);
    h.now = T0;
    h.state = engine_state_new("P");
    engine_effects_init(&h.effects);
    CHECK(engine_state_plan(h.state) == NULL);
    engine_input start = {.kind = ENGINE_INPUT_START, .request_id = "r"};
    CHECK_INT_EQ(h_step(&h, &start), 0);
    const engine_effect *reply = engine_effects_reply(&h.effects);
    REQUIRE(reply != NULL);
    CHECK_STR_EQ(reply->exception, "PipelineNotFoundException");
    CHECK_STR_EQ(reply->id, "r");
    CHECK_INT_EQ(h.effects.count, 1);
    json_t *view = engine_view_pipeline_state(h.state);
    CHECK_INT_EQ(json_object_size(view), 0);
    json_decref(view);
    /* an empty state round-trips too */
    json_t *json = engine_state_to_json(h.state);
    engine_state *back = NULL;
    char err[128];
    CHECK_INT_EQ(engine_state_from_json(json, &back, err, sizeof err), 0);
    engine_state_free(back);
    json_decref(json);
    h_free(&h);
}

static void test_limits(void)
{
    harness h;
    h_init(&h, LINE2, MODEL_MODE_PARALLEL);
    for (int i = 0; i < ENGINE_STATE_MAX_ACTIVE; i++) {
        REQUIRE(h_start(&h) != NULL);
    }
    engine_input start = {.kind = ENGINE_INPUT_START};
    h_step(&h, &start);
    const engine_effect *reply = engine_effects_reply(&h.effects);
    REQUIRE(reply != NULL);
    CHECK_STR_EQ(reply->exception, "ConcurrentPipelineExecutionsLimitExceededException");
    CHECK_INT_EQ(engine_state_active_count(h.state), ENGINE_STATE_MAX_ACTIVE);
    h_free(&h);
}

/* ---- a declaration read by the model parser ------------------------------------------- */

static const char example_pipeline[] =
    "{\"pipeline\": {\"name\": \"MyPipeline\", \"roleArn\": "
    "\"arn:aws:iam::111122223333:role/CodePipelineRole\","
    " \"artifactStore\": {\"type\": \"S3\", \"location\": \"my-artifact-bucket\"},"
    " \"pipelineType\": \"V2\", \"executionMode\": \"QUEUED\", \"version\": 6,"
    " \"variables\": [{\"name\": \"Env\", \"defaultValue\": \"dev\"}],"
    " \"stages\": ["
    "  {\"name\": \"Source\", \"actions\": [{\"name\": \"Source\", \"namespace\": "
    "\"SourceVariables\","
    "    \"actionTypeId\": {\"category\": \"Source\", \"owner\": \"AWS\", \"provider\": "
    "\"CodeStarSourceConnection\", \"version\": \"1\"},"
    "    \"configuration\": {\"ConnectionArn\": "
    "\"arn:aws:codestar-connections:us-east-1:111122223333:connection/x\","
    "      \"FullRepositoryId\": \"org/repo\", \"BranchName\": \"main\"},"
    "    \"outputArtifacts\": [{\"name\": \"SourceArtifact\"}]}]},"
    "  {\"name\": \"Build\", \"actions\": [{\"name\": \"Compile\", \"runOrder\": 1,"
    "    \"actionTypeId\": {\"category\": \"Compute\", \"owner\": \"AWS\", \"provider\": "
    "\"Commands\", \"version\": \"1\"},"
    "    \"commands\": [\"make\", \"echo #{variables.Env}\"], \"outputVariables\": [\"IMAGE_TAG\"],"
    "    \"environmentVariables\": [{\"name\": \"RUN_ID\", \"value\": "
    "\"#{codepipeline.PipelineExecutionId}\", \"type\": \"PLAINTEXT\"}],"
    "    \"inputArtifacts\": [{\"name\": \"SourceArtifact\"}],"
    "    \"outputArtifacts\": [{\"name\": \"BuildArtifact\", \"files\": [\"dist/**\"]}], "
    "\"namespace\": \"BuildVars\"}]},"
    "  {\"name\": \"Approve\", \"actions\": [{\"name\": \"ManualApproval\", \"runOrder\": 1, "
    "\"timeoutInMinutes\": 1440,"
    "    \"actionTypeId\": {\"category\": \"Approval\", \"owner\": \"AWS\", \"provider\": "
    "\"Manual\", \"version\": \"1\"},"
    "    \"configuration\": {\"CustomData\": \"Deploy #{SourceVariables.CommitId}?\"}}]}]}}";

static void test_parsed_declaration(void)
{
    model_errors errs;
    model_errors_init(&errs, 16);
    model_pipeline *p = NULL;
    int rc = model_pipeline_parse_text(example_pipeline, strlen(example_pipeline), &p, &errs);
    model_errors_free(&errs);
    CHECK_INT_EQ(rc, 0);
    REQUIRE(p != NULL);

    harness h;
    memset(&h, 0, sizeof h);
    h.now = T0;
    h.state = engine_state_new(NULL);
    engine_effects_init(&h.effects);
    engine_input create = {.kind = ENGINE_INPUT_PIPELINE_UPDATED};
    create.update.pipeline = p;
    CHECK_INT_EQ(h_step(&h, &create), 0);
    model_pipeline_free(p);
    CHECK_STR_EQ(h.state->pipeline, "MyPipeline");
    const engine_plan *plan = engine_state_plan(h.state);
    REQUIRE(plan != NULL);
    CHECK_INT_EQ(plan->version, 6);
    CHECK_INT_EQ(plan->mode, MODEL_MODE_QUEUED);

    const char *got = h_start(&h);
    REQUIRE(got != NULL);
    char id[ENGINE_ID_LEN + 1];
    snprintf(id, sizeof id, "%s", got);
    const engine_effect *job = h_find(&h, ENGINE_EFFECT_JOB, 0);
    REQUIRE(job != NULL);
    CHECK_STR_EQ(json_string_value(
                     json_object_get(json_object_get(job->body, "configuration"), "BranchName")),
                 "main");

    /* the source reports its commit; the Commands job gets resolved commands and environment */
    engine_execution *x = engine_state_find(h.state, id);
    REQUIRE(x != NULL);
    char job_id[ENGINE_ID_LEN + 1];
    snprintf(job_id, sizeof job_id, "%s", x->stages[0].actions[0].job_id);
    engine_input_kv vars[] = {{"CommitId", "8cf40f2"}};
    engine_input_artifact outs[] = {{"SourceArtifact", "artifacts", "MyPipeline/SourceArti/k1"}};
    engine_input result = {.kind = ENGINE_INPUT_JOB_RESULT};
    result.job.job_id = job_id;
    result.job.outcome = ENGINE_JOB_SUCCEEDED;
    result.job.percent_complete = -1;
    result.job.output_variables = vars;
    result.job.noutput_variables = 1;
    result.job.outputs = outs;
    result.job.noutputs = 1;
    result.job.revision_id = "8cf40f2";
    result.job.revision_summary = "Added LICENSE.txt";
    h_step(&h, &result);
    job = h_find(&h, ENGINE_EFFECT_JOB, 0);
    REQUIRE(job != NULL);
    const json_t *commands = json_object_get(job->body, "commands");
    CHECK_STR_EQ(json_string_value(json_array_get(commands, 1)), "echo dev");
    const json_t *env = json_array_get(json_object_get(job->body, "environmentVariables"), 0);
    CHECK_STR_EQ(json_string_value(json_object_get(env, "value")), id);
    CHECK_STR_EQ(
        json_string_value(json_array_get(json_object_get(job->body, "outputVariables"), 0)),
        "IMAGE_TAG");
    const json_t *out = json_array_get(json_object_get(job->body, "outputArtifacts"), 0);
    CHECK_STR_EQ(json_string_value(json_array_get(json_object_get(out, "files"), 0)), "dist/**");
    const json_t *in = json_array_get(json_object_get(job->body, "inputArtifacts"), 0);
    CHECK_STR_EQ(json_string_value(json_object_get(json_object_get(in, "s3location"), "key")),
                 "MyPipeline/SourceArti/k1");

    json_t *view = engine_view_pipeline_state(h.state);
    const json_t *source_state = json_array_get(
        json_object_get(json_array_get(json_object_get(view, "stageStates"), 0), "actionStates"),
        0);
    CHECK_STR_EQ(json_string_value(json_object_get(json_object_get(source_state, "currentRevision"),
                                                   "revisionId")),
                 "8cf40f2");
    json_decref(view);
    json_t *summary = engine_view_execution_summary(h.state, x);
    const json_t *source = json_array_get(json_object_get(summary, "sourceRevisions"), 0);
    CHECK_STR_EQ(json_string_value(json_object_get(source, "actionName")), "Source");
    CHECK_STR_EQ(json_string_value(json_object_get(source, "revisionId")), "8cf40f2");
    json_decref(summary);

    snprintf(job_id, sizeof job_id, "%s", x->stages[1].actions[0].job_id);
    engine_input built = {.kind = ENGINE_INPUT_JOB_RESULT};
    built.job.job_id = job_id;
    built.job.outcome = ENGINE_JOB_SUCCEEDED;
    built.job.percent_complete = -1;
    h_step(&h, &built);
    const engine_action_run *gate = &x->stages[2].actions[0];
    CHECK_INT_EQ(gate->status, ENGINE_ACTION_IN_PROGRESS);
    CHECK_INT_EQ(gate->deadline_ms - gate->start_ms, (int64_t)1440 * 60000);
    CHECK_STR_EQ(gate->resolved[0].value, "Deploy 8cf40f2?");
    h_free(&h);
}

/* ---- stage conditions: plan, state JSON, views ------------------------------------------- */

static const char conditions_pipeline[] =
    "{'pipeline': {'name': 'Gated', 'roleArn': 'arn:aws:iam::111122223333:role/CodePipelineRole',"
    " 'artifactStore': {'type': 'S3', 'location': 'my-artifact-bucket'},"
    " 'pipelineType': 'V2', 'version': 2,"
    " 'variables': [{'name': 'Env', 'defaultValue': 'prod'}],"
    " 'stages': ["
    "  {'name': 'Source', 'actions': [{'name': 'Src',"
    "    'actionTypeId': {'category': 'Source', 'owner': 'AWS', 'provider': 'CodeCommit', "
    "'version': '1'},"
    "    'configuration': {'RepositoryName': 'r', 'BranchName': 'main'},"
    "    'outputArtifacts': [{'name': 'Code'}]}]},"
    "  {'name': 'Deploy',"
    "   'beforeEntry': {'conditions': [{'result': 'SKIP', 'rules': [{'name': 'OnlyProd',"
    "     'ruleTypeId': {'category': 'Rule', 'owner': 'AWS', 'provider': 'VariableCheck', "
    "'version': '1'},"
    "     'configuration': {'Variable': '#{variables.Env}', 'Operator': 'EQ',"
    "       'Value': 'prod'}}]}]},"
    "   'onFailure': {'result': 'RETRY', 'retryConfiguration': {'retryMode': 'ALL_ACTIONS'}},"
    "   'onSuccess': {'conditions': [{'result': 'FAIL', 'rules': [{'name': 'Smoke',"
    "     'ruleTypeId': {'category': 'Rule', 'owner': 'AWS', 'provider': 'Commands',"
    "       'version': '1'},"
    "     'commands': ['./smoke #{variables.Env}'], 'inputArtifacts': [{'name': 'Code'}],"
    "     'timeoutInMinutes': 10}]}]},"
    "   'actions': [{'name': 'Push',"
    "    'actionTypeId': {'category': 'Deploy', 'owner': 'AWS', 'provider': 'S3', 'version': '1'},"
    "    'configuration': {'BucketName': 'b', 'Extract': 'true'},"
    "    'inputArtifacts': [{'name': 'Code'}]}]}]}}";

/* A member of a JSON object by a dot-separated path (numbers index arrays); NULL when absent. */
static json_t *json_at(const json_t *root, const char *path)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    const json_t *node = root;
    json_t *found = NULL;
    for (char *part = buf; part != NULL && node != NULL;) {
        char *dot = strchr(part, '.');
        if (dot != NULL) {
            *dot = '\0';
        }
        found = json_is_array(node) ? json_array_get(node, strtoul(part, NULL, 10))
                                    : json_object_get(node, part);
        node = found;
        part = dot != NULL ? dot + 1 : NULL;
    }
    return found;
}

static const char *json_str_at(const json_t *node, const char *path)
{
    return json_string_value(json_at(node, path));
}

static void test_conditions_state(void)
{
    char text[sizeof conditions_pipeline];
    snprintf(text, sizeof text, "%s", conditions_pipeline);
    for (char *c = text; *c != '\0'; c++) {
        if (*c == '\'') {
            *c = '"';
        }
    }
    model_errors errs;
    model_errors_init(&errs, 16);
    model_pipeline *p = NULL;
    int rc = model_pipeline_parse_text(text, strlen(text), &p, &errs);
    model_errors_free(&errs);
    CHECK_INT_EQ(rc, 0);
    REQUIRE(p != NULL);

    /* the plan keeps the conditions and writes them back in the declaration's shape */
    engine_plan *plan = engine_plan_from_model(p);
    const engine_plan_stage *deploy = &plan->stages[1];
    CHECK(!plan->stages[0].conditions[ENGINE_CONDITION_BEFORE_ENTRY].present);
    const engine_plan_conditions *entry = &deploy->conditions[ENGINE_CONDITION_BEFORE_ENTRY];
    CHECK(entry->present);
    CHECK_INT_EQ(entry->nconditions, 1);
    CHECK_INT_EQ(entry->conditions[0].result, ENGINE_RESULT_SKIP);
    CHECK_STR_EQ(entry->conditions[0].rules[0].provider, "VariableCheck");
    CHECK_STR_EQ(engine_plan_rule_config(&entry->conditions[0].rules[0], "Value"), "prod");
    const engine_plan_conditions *failure = &deploy->conditions[ENGINE_CONDITION_ON_FAILURE];
    CHECK_INT_EQ(failure->result, ENGINE_RESULT_RETRY);
    CHECK(failure->retry_all_actions);
    CHECK_INT_EQ(failure->nconditions, 0);
    const engine_plan_rule *smoke =
        &deploy->conditions[ENGINE_CONDITION_ON_SUCCESS].conditions[0].rules[0];
    CHECK_STR_EQ(smoke->commands[0], "./smoke #{variables.Env}");
    CHECK_STR_EQ(smoke->inputs[0], "Code");
    CHECK_INT_EQ(engine_plan_rule_timeout_ms(smoke), 10 * 60000);
    json_t *json = engine_plan_to_json(plan);
    CHECK_STR_EQ(json_str_at(json, "stages.1.onFailure.retryConfiguration.retryMode"),
                 "ALL_ACTIONS");
    CHECK_STR_EQ(json_str_at(json, "stages.1.beforeEntry.conditions.0.rules.0.ruleTypeId.provider"),
                 "VariableCheck");
    engine_plan *back = NULL;
    char err[256];
    CHECK_INT_EQ(engine_plan_from_json(json, &back, err, sizeof err), 0);
    json_t *again = engine_plan_to_json(back);
    CHECK(json_equal(json, again));
    json_decref(again);
    json_decref(json);
    engine_plan_free(back);
    engine_plan_free(plan);

    /* run it: the entry condition passes, the deploy fails once and retries itself */
    harness h;
    memset(&h, 0, sizeof h);
    h.now = T0;
    h.state = engine_state_new(NULL);
    engine_effects_init(&h.effects);
    engine_input create = {.kind = ENGINE_INPUT_PIPELINE_UPDATED};
    create.update.pipeline = p;
    CHECK_INT_EQ(h_step(&h, &create), 0);
    model_pipeline_free(p);
    const char *got = h_start(&h);
    REQUIRE(got != NULL);
    char id[ENGINE_ID_LEN + 1];
    snprintf(id, sizeof id, "%s", got);
    engine_execution *x = engine_state_find(h.state, id);
    REQUIRE(x != NULL);
    char job_id[ENGINE_ID_LEN + 1];
    snprintf(job_id, sizeof job_id, "%s", x->stages[0].actions[0].job_id);
    engine_input_artifact outs[] = {{"Code", "artifacts", "Gated/Code/k1"}};
    engine_input result = {.kind = ENGINE_INPUT_JOB_RESULT};
    result.job.job_id = job_id;
    result.job.outcome = ENGINE_JOB_SUCCEEDED;
    result.job.percent_complete = -1;
    result.job.outputs = outs;
    result.job.noutputs = 1;
    h_step(&h, &result);
    CHECK_INT_EQ(x->stages[1].conditions[ENGINE_CONDITION_BEFORE_ENTRY].status,
                 ENGINE_COND_SUCCEEDED);
    CHECK_INT_EQ(x->stages[1].actions[0].status, ENGINE_ACTION_IN_PROGRESS);

    snprintf(job_id, sizeof job_id, "%s", x->stages[1].actions[0].job_id);
    engine_input failed = {.kind = ENGINE_INPUT_JOB_RESULT};
    failed.job.job_id = job_id;
    failed.job.outcome = ENGINE_JOB_FAILED;
    failed.job.percent_complete = -1;
    failed.job.failure_message = "bucket unreachable";
    h_step(&h, &failed);
    CHECK_INT_EQ(x->status, ENGINE_EXEC_IN_PROGRESS);
    CHECK_INT_EQ(x->attempt, 2);
    CHECK_INT_EQ(x->stages[1].auto_retries, 1);
    CHECK_INT_EQ(x->stages[1].retry_trigger, ENGINE_RETRY_TRIGGER_AUTOMATED);
    CHECK_INT_EQ(x->stages[1].actions[0].attempt, 2);

    /* the action succeeds: the onSuccess rule goes out as a rule job */
    snprintf(job_id, sizeof job_id, "%s", x->stages[1].actions[0].job_id);
    result.job.job_id = job_id;
    result.job.outputs = NULL;
    result.job.noutputs = 0;
    h_step(&h, &result);
    const engine_effect *job = h_find(&h, ENGINE_EFFECT_JOB, 0);
    REQUIRE(job != NULL);
    CHECK_STR_EQ(json_str_at(job->body, "rule"), "Smoke");
    CHECK_STR_EQ(json_str_at(job->body, "conditionType"), "ON_SUCCESS");
    CHECK_STR_EQ(json_str_at(job->body, "commands.0"), "./smoke prod");
    CHECK_INT_EQ(json_integer_value(json_at(job->body, "pipelineExecutionAttempt")), 2);
    CHECK_STR_EQ(json_str_at(job->body, "inputArtifacts.0.s3location.key"), "Gated/Code/k1");
    CHECK_STR_EQ(json_str_at(job->body, "deadline"), "2026-01-01T00:10:00Z");
    CHECK(json_at(job->body, "action") == NULL);
    char rule_job[ENGINE_ID_LEN + 1];
    snprintf(rule_job, sizeof rule_job, "%s", job->id);

    /* the state with a rule in flight reads back losslessly; a run that does not fit the plan
     * is refused */
    json_t *state_json = engine_state_to_json(h.state);
    engine_state *copy = NULL;
    CHECK_INT_EQ(engine_state_from_json(state_json, &copy, err, sizeof err), 0);
    if (copy != NULL) {
        json_t *copy_json = engine_state_to_json(copy);
        CHECK(json_equal(state_json, copy_json));
        json_decref(copy_json);
        engine_state_free(copy);
    }
    json_t *rules = json_at(state_json, "executions.0.stages.1.onSuccess.conditions.0.rules");
    REQUIRE(json_is_array(rules));
    json_array_append_new(rules, json_deep_copy(json_array_get(rules, 0)));
    copy = NULL;
    CHECK_INT_EQ(engine_state_from_json(state_json, &copy, err, sizeof err), SLUICE_EPARSE);
    CHECK(copy == NULL);
    CHECK_STR_CONTAINS(err, "does not match its pipeline version");
    json_decref(state_json);

    /* views: condition states, retry metadata, rule executions */
    json_t *view = engine_view_pipeline_state(h.state);
    const json_t *stage = json_at(view, "stageStates.1");
    CHECK_STR_EQ(json_str_at(stage, "beforeEntryConditionState.latestExecution.status"),
                 "Succeeded");
    CHECK_STR_EQ(json_str_at(stage, "onSuccessConditionState.latestExecution.status"),
                 "InProgress");
    CHECK_STR_EQ(json_str_at(stage, "onSuccessConditionState.conditionStates.0.ruleStates.0."
                                    "ruleName"),
                 "Smoke");
    CHECK(json_at(stage, "onFailureConditionState") == NULL);
    CHECK_INT_EQ(json_integer_value(json_at(stage, "retryStageMetadata.autoStageRetryAttempt")), 1);
    CHECK(json_at(stage, "retryStageMetadata.manualStageRetryAttempt") == NULL);
    CHECK_STR_EQ(json_str_at(stage, "retryStageMetadata.latestRetryTrigger"),
                 "AutomatedStageRetry");
    json_decref(view);

    json_t *list = engine_view_list_rule_executions(h.state, id);
    REQUIRE(list != NULL);
    CHECK_INT_EQ(json_array_size(json_at(list, "ruleExecutionDetails")), 2);
    CHECK_STR_EQ(json_str_at(list, "ruleExecutionDetails.0.ruleName"), "Smoke");
    CHECK_STR_EQ(json_str_at(list, "ruleExecutionDetails.0.status"), "InProgress");
    CHECK_STR_EQ(json_str_at(list, "ruleExecutionDetails.0.stageName"), "Deploy");
    CHECK_STR_EQ(json_str_at(list, "ruleExecutionDetails.0.input.ruleTypeId.provider"), "Commands");
    CHECK_STR_EQ(json_str_at(list, "ruleExecutionDetails.1.ruleName"), "OnlyProd");
    CHECK_STR_EQ(json_str_at(list, "ruleExecutionDetails.1.status"), "Succeeded");
    CHECK_STR_EQ(json_str_at(list, "ruleExecutionDetails.1.input.configuration.Variable"),
                 "#{variables.Env}");
    CHECK_STR_EQ(json_str_at(list, "ruleExecutionDetails.1.input.resolvedConfiguration.Variable"),
                 "prod");
    CHECK_STR_EQ(json_str_at(list, "ruleExecutionDetails.1.output.executionResult."
                                   "externalExecutionSummary"),
                 "\"prod\" equals \"prod\"");
    json_decref(list);
    CHECK(engine_view_list_rule_executions(h.state, "00000000-0000-4000-8000-000000000000") ==
          NULL);
    list = engine_view_list_rule_executions(h.state, NULL);
    CHECK_INT_EQ(json_array_size(json_at(list, "ruleExecutionDetails")), 2);
    json_decref(list);

    /* the rule job succeeds: the execution succeeds */
    result.job.job_id = rule_job;
    h_step(&h, &result);
    CHECK_INT_EQ(x->status, ENGINE_EXEC_SUCCEEDED);
    h_free(&h);
}

/* ---- split records ---------------------------------------------------------------- */

/* True when records name id among the changed ones. */
static bool records_changed(const engine_state_records *rec, const char *id)
{
    for (size_t i = 0; i < rec->nchanged; i++) {
        if (strcmp(rec->changed_ids[i], id) == 0) {
            return true;
        }
    }
    return false;
}

/* True when the pipeline record's text is the compact render of the record as one document. */
static bool pipeline_text_is_render(const engine_state *state, const engine_state_records *rec)
{
    json_t *doc = engine_state_to_json(state);
    json_object_del(doc, "executions");
    json_t *ids = json_array();
    json_t *waiting = json_array();
    for (size_t i = 0; i < state->nexecs; i++) {
        const engine_execution *x = state->execs[i];
        json_array_append_new(ids, json_string(x->id));
        if (!engine_state_exec_terminal(x->status) && !x->in_stage) {
            json_array_append_new(waiting, json_string(x->id));
        }
    }
    json_object_set_new(doc, "executionIds", ids);
    json_object_set_new(doc, "waitingIds", waiting);
    char *text = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    bool same = text != NULL && strlen(text) == rec->pipeline_len &&
                memcmp(text, rec->pipeline, rec->pipeline_len) == 0;
    free(text);
    return same;
}

/* Renders the records, checks the pipeline record's text, commits them; their plans' text kept. */
static void render_check_commit(engine_state *state)
{
    engine_state_records rec;
    engine_state_records_render(state, false, &rec);
    CHECK(pipeline_text_is_render(state, &rec));
    CHECK(state->plans_text != NULL);
    engine_state_records_commit(state, &rec);
    engine_state_records_free(&rec);
}

/* The plans' kept text follows every change of the plans: a new version, an eviction, a read. */
static void test_records_plans_kept(void)
{
    harness h;
    h_init(&h, LINE2, MODEL_MODE_QUEUED);
    render_check_commit(h.state);
    char first[ENGINE_ID_LEN + 1];
    snprintf(first, sizeof first, "%s", h_start(&h));
    render_check_commit(h.state);
    const char *kept = h.state->plans_text;
    render_check_commit(h.state);
    CHECK(h.state->plans_text == kept); /* unchanged plans: not rendered again */

    /* a new version: two plans while the first execution runs on version 1 */
    model_pipeline *p2 = tb_pipeline("P", 2, MODEL_MODE_QUEUED, GATE2, "Env=prod");
    engine_input update = {.kind = ENGINE_INPUT_PIPELINE_UPDATED};
    update.update.pipeline = p2;
    CHECK_INT_EQ(h_step(&h, &update), 0);
    model_pipeline_free(p2);
    REQUIRE(h.state->nplans == 2);
    CHECK(h.state->plans_text == NULL);
    render_check_commit(h.state);
    CHECK(strstr(h.state->plans_text, "\"version\":2") != NULL);

    /* the first execution stopped and evicted: version 1's plan goes, and its text */
    engine_input stop = {.kind = ENGINE_INPUT_STOP};
    stop.stop.execution_id = first;
    stop.stop.abandon = true;
    CHECK_INT_EQ(h_step(&h, &stop), 0);
    h.state->keep_terminal = 0;
    engine_state_evict(h.state);
    if (h.state->nplans == 1) {
        CHECK(h.state->plans_text == NULL);
    }
    render_check_commit(h.state);

    /* a state read back renders the same record */
    json_t *json = engine_state_to_json(h.state);
    char err[256];
    engine_state *back = NULL;
    REQUIRE(engine_state_from_json(json, &back, err, sizeof err) == 0);
    json_decref(json);
    render_check_commit(back);
    engine_state_free(back);
    h_free(&h);
}

static void test_records_dirty_and_merge(void)
{
    harness h;
    h_init(&h, LINE2, MODEL_MODE_QUEUED);
    char first[ENGINE_ID_LEN + 1];
    char second[ENGINE_ID_LEN + 1];
    snprintf(first, sizeof first, "%s", h_start(&h));
    snprintf(second, sizeof second, "%s", h_start(&h));

    /* nothing stored yet: everything is written */
    engine_state_records rec;
    engine_state_records_render(h.state, false, &rec);
    CHECK_INT_EQ(rec.nchanged, 2);
    CHECK_INT_EQ(rec.nremoved, 0);
    CHECK(strstr(rec.pipeline, "\"executions\"") == NULL);
    CHECK(strstr(rec.pipeline, "\"executionIds\"") != NULL);
    engine_state_records_commit(h.state, &rec);

    /* the pipeline record and the execution records join into the whole document */
    json_t *execs[2];
    for (size_t i = 0; i < 2; i++) {
        execs[i] = json_loads(rec.changed[1 - i], 0, NULL); /* out of order on purpose */
    }
    char err[256];
    json_t *pipeline = json_loadb(rec.pipeline, rec.pipeline_len, 0, NULL);
    REQUIRE(pipeline != NULL);
    json_t *merged = engine_state_records_merge(pipeline, execs, 2, err, sizeof err);
    json_t *whole = engine_state_to_json(h.state);
    CHECK(merged != NULL && json_equal(merged, whole));
    json_decref(merged);
    /* a missing execution record is an error */
    CHECK(engine_state_records_merge(pipeline, execs, 1, err, sizeof err) == NULL);
    CHECK(strstr(err, "has no record") != NULL);
    json_decref(pipeline);
    json_decref(execs[0]);
    json_decref(execs[1]);
    json_decref(whole);
    engine_state_records_free(&rec);

    /* unchanged: no execution record */
    engine_state_records_render(h.state, false, &rec);
    CHECK_INT_EQ(rec.nchanged, 0);
    engine_state_records_free(&rec);
    /* all: every one */
    engine_state_records_render(h.state, true, &rec);
    CHECK_INT_EQ(rec.nchanged, 2);
    engine_state_records_free(&rec);

    /* the first leaves Source, so the queued second enters it: both records change */
    h_succeed(&h, first, 0, 0);
    engine_state_records_render(h.state, false, &rec);
    CHECK(records_changed(&rec, first));
    CHECK(records_changed(&rec, second));
    CHECK_INT_EQ(rec.nchanged, 2);
    engine_state_records_commit(h.state, &rec);
    engine_state_records_free(&rec);

    /* a third waits behind the second: only its record is new */
    char third[ENGINE_ID_LEN + 1];
    snprintf(third, sizeof third, "%s", h_start(&h));
    engine_state_records_render(h.state, false, &rec);
    CHECK_INT_EQ(rec.nchanged, 1);
    CHECK(records_changed(&rec, third));
    CHECK(strstr(rec.pipeline, third) != NULL); /* among executionIds and waitingIds */
    engine_state_records_commit(h.state, &rec);
    engine_state_records_free(&rec);

    /* stopping the waiting third touches the third only */
    engine_input stop = {.kind = ENGINE_INPUT_STOP};
    stop.stop.execution_id = third;
    stop.stop.abandon = true;
    CHECK_INT_EQ(h_step(&h, &stop), 0);
    engine_state_records_render(h.state, false, &rec);
    CHECK_INT_EQ(rec.nchanged, 1);
    CHECK(records_changed(&rec, third));
    engine_state_records_commit(h.state, &rec);
    engine_state_records_free(&rec);

    /* the stopped third, never the latest of a stage, is evicted: removed once */
    h.state->keep_terminal = 0;
    engine_state_evict(h.state);
    REQUIRE(engine_state_find(h.state, third) == NULL);
    engine_state_records_render(h.state, false, &rec);
    REQUIRE(rec.nremoved == 1);
    CHECK_STR_EQ(rec.removed_ids[0], third);
    CHECK_INT_EQ(rec.nchanged, 0);
    engine_state_records_commit(h.state, &rec);
    engine_state_records_free(&rec);
    engine_state_records_render(h.state, false, &rec);
    CHECK_INT_EQ(rec.nremoved, 0);
    engine_state_records_free(&rec);

    /* a state read back knows its executions as stored but not their text: written once */
    json_t *json = engine_state_to_json(h.state);
    engine_state *back = NULL;
    REQUIRE(engine_state_from_json(json, &back, err, sizeof err) == 0);
    engine_state_records_render(back, false, &rec);
    CHECK_INT_EQ(rec.nchanged, back->nexecs);
    engine_state_records_free(&rec);
    json_decref(json);
    engine_state_free(back);
    h_free(&h);
}

int main(void)
{
    RUN_TEST(test_records_dirty_and_merge);
    RUN_TEST(test_records_plans_kept);
    RUN_TEST(test_ids_deterministic);
    RUN_TEST(test_ids_keyed);
    RUN_TEST(test_plan_from_model_and_json);
    RUN_TEST(test_state_round_trip_and_rejects);
    RUN_TEST(test_eviction_and_archive);
    RUN_TEST(test_event_envelope);
    RUN_TEST(test_views);
    RUN_TEST(test_view_summary_and_identities);
    RUN_TEST(test_input_from_json);
    RUN_TEST(test_malformed_inputs_change_nothing);
    RUN_TEST(test_requests_before_creation);
    RUN_TEST(test_limits);
    RUN_TEST(test_parsed_declaration);
    RUN_TEST(test_conditions_state);
    return sluice_test_report();
}
