/*
 * Unit tests of the orchestrator's pure translation layer (orch_route.h):
 * request envelopes to engine inputs, effects to outbox entries and back,
 * timer members, and the configuration table.
 */
#include "orch_config.h"
#include "orch_route.h"
#include "orch_store.h"

#include "sluice/bus_envelope.h"
#include "sluice/engine_effects.h"
#include "sluice/error.h"
#include "sluice_test.h"

#include <stdlib.h>
#include <string.h>

static bus_envelope *envelope_with(json_t *detail)
{
    const char *resources[1] = {"arn:aws:codepipeline:us-east-1:123456789012:p"};
    bus_envelope_spec spec = {
        .id = "01234567-89ab-4cde-8f01-23456789abcd",
        .detail_type = ORCH_DETAIL_TYPE_REQUEST,
        .source = "sluice.api",
        .account = "123456789012",
        .region = "us-east-1",
        .time_ms = 1700000000000,
        .resources = resources,
        .nresources = 1,
        .detail = detail,
    };
    bus_envelope *env = NULL;
    char reason[256];
    if (bus_envelope_new(&spec, &env, reason, sizeof reason) != SLUICE_OK) {
        fprintf(stderr, "envelope: %s\n", reason);
        exit(2);
    }
    json_decref(detail);
    return env;
}

static void test_request_start(void)
{
    bus_envelope *env = envelope_with(json_pack("{s:s, s:s, s:s, s:[{s:s, s:s}]}", "type",
                                                "StartPipelineExecution", "pipeline", "demo",
                                                "requestId", "01234567-89ab-4cde-8f01-23456789abcd",
                                                "variables", "name", "Env", "value", "prod"));
    orch_request req;
    char err[256];
    REQUIRE(orch_route_request(env, &req, err, sizeof err) == SLUICE_OK);
    CHECK_INT_EQ(req.kind, ORCH_REQUEST_ENGINE);
    CHECK_STR_EQ(req.pipeline, "demo");
    CHECK_INT_EQ(req.doc.input.kind, ENGINE_INPUT_START);
    CHECK_INT_EQ(req.doc.input.start.nvariables, 1);
    CHECK_STR_EQ(req.doc.input.start.variables[0].value, "prod");
    orch_request_clear(&req);
    bus_envelope_free(env);
}

static void test_request_updated_and_deleted(void)
{
    bus_envelope *env = envelope_with(
        json_pack("{s:s, s:s, s:i}", "type", "PipelineUpdated", "pipeline", "demo", "version", 3));
    orch_request req;
    char err[256];
    REQUIRE(orch_route_request(env, &req, err, sizeof err) == SLUICE_OK);
    CHECK_INT_EQ(req.doc.input.kind, ENGINE_INPUT_PIPELINE_UPDATED);
    CHECK_INT_EQ(req.version, 3);
    orch_request_clear(&req);
    bus_envelope_free(env);

    env = envelope_with(json_pack("{s:s, s:s}", "type", "PipelineDeleted", "pipeline", "demo"));
    REQUIRE(orch_route_request(env, &req, err, sizeof err) == SLUICE_OK);
    CHECK_INT_EQ(req.kind, ORCH_REQUEST_DELETED);
    CHECK(!req.has_doc);
    orch_request_clear(&req);
    bus_envelope_free(env);
}

static void test_request_rejects(void)
{
    struct {
        json_t *detail;
        const char *reason;
    } cases[] = {
        {json_pack("{s:s}", "type", "StartPipelineExecution"), "missing string field \"pipeline\""},
        {json_pack("{s:s}", "pipeline", "demo"), "missing string field \"type\""},
        {json_pack("{s:s, s:s}", "pipeline", "bad name!", "type", "StartPipelineExecution"),
         "is not a pipeline name"},
        {json_pack("{s:s, s:s}", "pipeline", "demo", "type", "Explode"), "unknown type"},
        {json_pack("{s:s, s:s}", "pipeline", "demo", "type", "PipelineUpdated"), "needs a version"},
        {json_pack("{s:s, s:s}", "pipeline", "demo", "type", "JobResult"), "jobId"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bus_envelope *env = envelope_with(cases[i].detail);
        orch_request req;
        char err[256] = "";
        CHECK(orch_route_request(env, &req, err, sizeof err) != SLUICE_OK);
        CHECK_STR_CONTAINS(err, cases[i].reason);
        bus_envelope_free(env);
    }
}

static const orch_route_ctx route_ctx = {
    .pipeline = "demo",
    .pipeline_arn = "arn:aws:codepipeline:us-east-1:123456789012:demo",
    .account = "123456789012",
    .region = "us-east-1",
    .now_ms = 1700000000000,
};

static char *set_str(const char *s)
{
    return s != NULL ? strdup(s) : NULL;
}

/* Routes effects, serializes each entry and parses it back as an op. */
static void round_trip(const engine_effects *effects, orch_op *ops, size_t *nops)
{
    json_t *entries = json_array();
    char err[256];
    if (orch_route_effects(effects, &route_ctx, entries, err, sizeof err) != SLUICE_OK) {
        fprintf(stderr, "route: %s\n", err);
        exit(2);
    }
    *nops = json_array_size(entries);
    for (size_t i = 0; i < *nops; i++) {
        char *text = json_dumps(json_array_get(entries, i), JSON_COMPACT);
        if (orch_op_parse(text, strlen(text), &ops[i], err, sizeof err) != SLUICE_OK) {
            fprintf(stderr, "parse: %s\n", err);
            exit(2);
        }
        free(text);
    }
    json_decref(entries);
}

static void test_effects_round_trip(void)
{
    engine_effects effects;
    engine_effects_init(&effects);
    engine_effect *e = engine_effects_add(&effects, ENGINE_EFFECT_EVENT);
    e->id = set_str("11111111-1111-4111-8111-111111111111");
    e->body = json_pack("{s:s}", "detail-type", "CodePipeline Pipeline Execution State Change");
    e = engine_effects_add(&effects, ENGINE_EFFECT_JOB);
    e->id = set_str("22222222-2222-4222-8222-222222222222");
    e->execution_id = set_str("33333333-3333-4333-8333-333333333333");
    e->body =
        json_pack("{s:s, s:s}", "jobId", "22222222-2222-4222-8222-222222222222", "action", "Build");
    e = engine_effects_add(&effects, ENGINE_EFFECT_TIMER_SET);
    e->id = set_str("action-timeout:x");
    e->deadline_ms = 1700000060000;
    e = engine_effects_add(&effects, ENGINE_EFFECT_TIMER_CANCEL);
    e->id = set_str("action-timeout:y");
    e = engine_effects_add(&effects, ENGINE_EFFECT_REPLY);
    e->id = set_str("44444444-4444-4444-8444-444444444444");
    e->exception = set_str("StageNotRetryableException");
    e->message = set_str("not now");
    e = engine_effects_add(&effects, ENGINE_EFFECT_REPLY); /* nobody waits: dropped */
    e = engine_effects_add(&effects, ENGINE_EFFECT_ARCHIVE);
    e->archive = ENGINE_ARCHIVE_PIPELINE_EXECUTION;
    e->id = set_str("33333333-3333-4333-8333-333333333333");
    e->body = json_pack("{s:{s:f}}", "summary", "startTime", 1700000001.5);
    e = engine_effects_add(&effects, ENGINE_EFFECT_ARCHIVE);
    e->archive = ENGINE_ARCHIVE_RULE_EXECUTION;
    e->id = set_str("55555555-5555-4555-8555-555555555555");
    e->execution_id = set_str("33333333-3333-4333-8333-333333333333");
    e->body =
        json_pack("{s:s, s:f, s:s}", "ruleExecutionId", "55555555-5555-4555-8555-555555555555",
                  "startTime", 1700000002.25, "status", "Failed");

    orch_op ops[8];
    size_t n = 0;
    round_trip(&effects, ops, &n);
    REQUIRE(n == 7);
    CHECK_INT_EQ(ops[0].kind, ORCH_OP_PUBLISH_EVENT);
    CHECK_STR_EQ(ops[0].key, "demo");
    CHECK_INT_EQ(ops[1].kind, ORCH_OP_PUBLISH_JOB);
    CHECK_STR_EQ(ops[1].key, "33333333-3333-4333-8333-333333333333");
    CHECK_STR_EQ(json_string_value(json_object_get(ops[1].payload, "detail-type")),
                 ORCH_DETAIL_TYPE_JOB);
    CHECK_STR_EQ(json_string_value(json_object_get(ops[1].payload, "id")),
                 "22222222-2222-4222-8222-222222222222");
    CHECK_STR_EQ(json_string_value(json_object_get(ops[1].payload, "time")),
                 "2023-11-14T22:13:20Z");
    CHECK_STR_EQ(
        json_string_value(json_object_get(json_object_get(ops[1].payload, "detail"), "action")),
        "Build");
    CHECK_INT_EQ(ops[2].kind, ORCH_OP_TIMER_SET);
    CHECK_STR_EQ(ops[2].key, "action-timeout:x");
    CHECK_INT_EQ(ops[2].deadline_ms, 1700000060000);
    CHECK_INT_EQ(ops[3].kind, ORCH_OP_TIMER_CANCEL);
    CHECK_INT_EQ(ops[4].kind, ORCH_OP_REPLY);
    CHECK_STR_EQ(ops[4].id, "44444444-4444-4444-8444-444444444444");
    CHECK_STR_EQ(json_string_value(json_object_get(ops[4].payload, "exception")),
                 "StageNotRetryableException");
    CHECK_INT_EQ(ops[5].kind, ORCH_OP_ARCHIVE_EXECUTION);
    CHECK_INT_EQ(ops[5].start_ms, 1700000001500);
    /* a rule evaluation: its own archive, scored by its own start */
    CHECK_INT_EQ(ops[6].kind, ORCH_OP_ARCHIVE_RULE);
    CHECK_STR_EQ(ops[6].id, "55555555-5555-4555-8555-555555555555");
    CHECK_INT_EQ(ops[6].start_ms, 1700000002250);
    CHECK_STR_EQ(json_string_value(json_object_get(ops[6].payload, "status")), "Failed");
    for (size_t i = 0; i < n; i++) {
        orch_op_clear(&ops[i]);
    }
    engine_effects_free(&effects);
}

static void test_effects_missing_parts(void)
{
    engine_effects effects;
    engine_effects_init(&effects);
    engine_effects_add(&effects, ENGINE_EFFECT_JOB); /* no id, no body */
    json_t *entries = json_array();
    char err[256] = "";
    CHECK_INT_EQ(orch_route_effects(&effects, &route_ctx, entries, err, sizeof err), SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "job lacks its id or body");
    json_decref(entries);
    engine_effects_free(&effects);
}

static void test_op_parse_rejects(void)
{
    static const char *const bad[] = {
        "not json",
        "{\"op\":\"explode\"}",
        "{\"op\":\"publish-event\",\"key\":\"k\"}",
        "{\"op\":\"timer-set\",\"key\":\"k\"}",
        "{\"op\":\"reply\",\"reply\":{}}",
        "{\"op\":\"archive-action\",\"id\":\"x\"}",
        "{\"op\":\"archive-rule\",\"id\":\"x\",\"start\":1}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        orch_op op;
        char err[256];
        CHECK_INT_EQ(orch_op_parse(bad[i], strlen(bad[i]), &op, err, sizeof err), SLUICE_EPARSE);
        CHECK(op.root == NULL);
    }
}

static void test_timer_members(void)
{
    char member[64];
    CHECK_INT_EQ(orch_route_timer_member(member, sizeof member, "demo", "action-timeout:1"),
                 SLUICE_OK);
    char pipeline[101];
    const char *key = NULL;
    CHECK_INT_EQ(orch_route_timer_split(member, pipeline, sizeof pipeline, &key), SLUICE_OK);
    CHECK_STR_EQ(pipeline, "demo");
    CHECK_STR_EQ(key, "action-timeout:1");
    CHECK_INT_EQ(orch_route_timer_split("no-separator", pipeline, sizeof pipeline, &key),
                 SLUICE_EPARSE);
    char tiny[8];
    CHECK_INT_EQ(orch_route_timer_member(tiny, sizeof tiny, "demo", "action-timeout:1"),
                 SLUICE_ETOOBIG);
}

static void test_config_defaults(void)
{
    unsetenv("SLUICE_CONFIG_FILE");
    unsetenv("SLUICE_ORCHESTRATOR_PORT");
    orch_config cfg;
    char err[512];
    CHECK_INT_EQ(orch_config_load(&cfg, err, sizeof err), SLUICE_OK);
    CHECK_INT_EQ(cfg.port, 7075);
    CHECK_STR_EQ(cfg.topic_prefix, "sluice.");
    setenv("SLUICE_ORCHESTRATOR_PORT", "99999", 1);
    CHECK_INT_EQ(orch_config_load(&cfg, err, sizeof err), SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "SLUICE_ORCHESTRATOR_PORT");
    unsetenv("SLUICE_ORCHESTRATOR_PORT");
}

/*
 * An entry rendered once: the text is the ops as JSON (what json_dumps of
 * {"ops":ops} would read back as), each op reads back as orch_op_parse reads
 * it, and an op's payload span (a publish's message, a reply, an archived
 * record) is exactly that payload's compact text.
 */
static void test_entry_render(void)
{
    json_t *ops =
        json_pack("[{s:s, s:s, s:{s:s, s:[i, s]}}, {s:s, s:s, s:I}, {s:s, s:s, s:{s:s, s:s}},"
                  " {s:s, s:s, s:{s:s}}, {s:s, s:s, s:I, s:{s:s}}]",
                  "op", "publish-event", "key", "demo", "message", "id", "e\"1\u00e9", "list", 1,
                  "x", "op", "timer-set", "key", "t1", "deadline", (json_int_t)1700000000123, "op",
                  "publish-job", "key", "exec-1", "message", "id", "job-1", "detail", "{}", "op",
                  "reply", "requestId", "r1", "reply", "requestId", "r1", "op", "archive-action",
                  "id", "a1", "start", (json_int_t)5, "record", "status", "Succeeded");
    REQUIRE(ops != NULL);
    orch_route_entry entry;
    REQUIRE(orch_route_entry_render(ops, &entry) == SLUICE_OK);
    CHECK_INT_EQ(entry.nops, 5);
    CHECK_INT_EQ(entry.len, strlen(entry.text));
    json_error_t jerr;
    json_t *back = json_loadb(entry.text, entry.len, JSON_REJECT_DUPLICATES, &jerr);
    REQUIRE(back != NULL);
    CHECK(json_equal(json_object_get(back, "ops"), ops));
    CHECK_INT_EQ(json_object_size(back), 1);
    for (size_t i = 0; i < entry.nops; i++) {
        json_t *op = json_array_get(ops, i);
        const json_t *message = json_object_get(op, "message");
        if (message == NULL) {
            message = json_object_get(op, json_object_get(op, "reply") ? "reply" : "record");
        }
        if (message == NULL) {
            CHECK_INT_EQ(entry.payload_len[i], 0);
            continue;
        }
        char *want = json_dumps(message, JSON_COMPACT);
        REQUIRE(want != NULL);
        CHECK_INT_EQ(entry.payload_len[i], strlen(want));
        CHECK(memcmp(entry.text + entry.payload_at[i], want, strlen(want)) == 0);
        free(want);
        char *one = json_dumps(json_array_get(json_object_get(back, "ops"), i), JSON_COMPACT);
        orch_op parsed;
        char err[256];
        REQUIRE(orch_op_parse(one, strlen(one), &parsed, err, sizeof err) == SLUICE_OK);
        CHECK(json_equal(parsed.payload, message));
        CHECK(json_equal(parsed.root, op));
        orch_op_clear(&parsed);
        free(one);
    }
    json_decref(back);
    orch_route_entry_free(&entry);
    CHECK(entry.text == NULL && entry.nops == 0);

    /* no ops: an empty list; not a list of objects: refused, nothing left allocated */
    json_t *none = json_array();
    REQUIRE(orch_route_entry_render(none, &entry) == SLUICE_OK);
    CHECK_STR_EQ(entry.text, "{\"ops\":[]}");
    orch_route_entry_free(&entry);
    json_array_append_new(none, json_string("not an op"));
    CHECK_INT_EQ(orch_route_entry_render(none, &entry), SLUICE_EINVAL);
    CHECK(entry.text == NULL && entry.payload_at == NULL);
    CHECK_INT_EQ(orch_route_entry_render(json_object_get(ops, "x"), &entry), SLUICE_EINVAL);
    json_decref(none);
    json_decref(ops);
}

/* The stored head spliced around the engine's text: the bytes of rendering it as one document. */
static void test_store_head_render(void)
{
    const char *engine =
        "{\"format\":1,\"pipeline\":\"P\",\"plans\":[{\"v\":\"x\\n\"}],\"stages\":[]}";
    json_t *applied = json_pack("{s:I, s:[s]}", "requests:0", (json_int_t)42, "parked", "a\"b");
    json_t *parsed = json_loads(engine, 0, NULL);
    REQUIRE(applied != NULL && parsed != NULL);
    const json_t *cases[] = {applied, NULL};
    for (size_t i = 0; i < 2; i++) {
        json_t *whole =
            json_pack("{s:i, s:O?, s:O}", "format", 2, "applied", cases[i], "engine", parsed);
        char *want = json_dumps(whole, JSON_COMPACT);
        size_t len = 0;
        char *got = orch_store_head_render(cases[i], engine, strlen(engine), &len);
        REQUIRE(want != NULL && got != NULL);
        CHECK_INT_EQ(len, strlen(want));
        CHECK_STR_EQ(got, want);
        free(want);
        free(got);
        json_decref(whole);
    }
    json_decref(parsed);
    json_decref(applied);
}

int main(void)
{
    RUN_TEST(test_request_start);
    RUN_TEST(test_request_updated_and_deleted);
    RUN_TEST(test_request_rejects);
    RUN_TEST(test_effects_round_trip);
    RUN_TEST(test_effects_missing_parts);
    RUN_TEST(test_op_parse_rejects);
    RUN_TEST(test_timer_members);
    RUN_TEST(test_entry_render);
    RUN_TEST(test_store_head_render);
    RUN_TEST(test_config_defaults);
    return sluice_test_report();
}
