/*
 * Unit tests of the orchestrator's pure translation layer (orch_route.h):
 * request envelopes to engine inputs, effects to outbox entries and back,
 * timer members, and the configuration table. An entry written straight
 * from effects (orch_route_builder) is checked against the op objects
 * rendered (orch_route_effects + orch_route_entry_render) byte for byte, on
 * random effect lists and on the effects of random engine runs.
 */
#include "engine_builder.h"
#include "engine_rng.h"
#include "orch_config.h"
#include "orch_route.h"
#include "orch_store.h"

#include "sluice/bus_envelope.h"
#include "sluice/engine_batch.h"
#include "sluice/engine_effects.h"
#include "sluice/error.h"
#include "sluice_test.h"

#include <inttypes.h>
#include <stdint.h>
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

/* ---- entries written straight from effects against the op objects rendered ---------- */

static const char *const texts[] = {
    "plain",
    "",
    "quote\"back\\slash",
    "tab\tnl\ncr\r\x01\x1f",
    "caf\u00e9 \u2603 \U0001F600",
    "</script>",
    "a/b",
    "x:y\x1fz",
};

static const char *rand_text(tk_rng *r)
{
    return texts[tk_rng_below(r, sizeof texts / sizeof texts[0])];
}

static const char *const uuids[] = {
    "11111111-1111-4111-8111-111111111111",
    "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
};

static json_t *rand_json(tk_rng *r, int depth)
{
    size_t kind = tk_rng_below(r, depth > 3 ? 6 : 8);
    switch (kind) {
    case 0:
        return json_string(rand_text(r));
    case 1:
        return json_integer((json_int_t)(tk_rng_next(r) % 2 == 0 ? (int64_t)tk_rng_below(r, 1000)
                                                                 : (int64_t)tk_rng_next(r)));
    case 2:
        return json_real((double)tk_rng_below(r, 4000000000) / 4.0);
    case 3:
        return tk_rng_below(r, 2) == 0 ? json_true() : json_false();
    case 4:
        return json_null();
    case 5:
        return json_string(uuids[tk_rng_below(r, 2)]);
    case 6: {
        json_t *arr = json_array();
        for (size_t i = tk_rng_below(r, 4); i > 0; i--) {
            json_array_append_new(arr, rand_json(r, depth + 1));
        }
        return arr;
    }
    default: {
        json_t *obj = json_object();
        for (size_t i = tk_rng_below(r, 5); i > 0; i--) {
            json_object_set_new(obj, rand_text(r), rand_json(r, depth + 1));
        }
        return obj;
    }
    }
}

static json_t *rand_object(tk_rng *r)
{
    json_t *obj = json_object();
    for (size_t i = tk_rng_below(r, 6); i > 0; i--) {
        json_object_set_new(obj, rand_text(r), rand_json(r, 1));
    }
    return obj;
}

/* A random effect; now and then one lacking what its op needs, or with a string not UTF-8. */
static void rand_effect(tk_rng *r, engine_effects *effects)
{
    engine_effect *e = engine_effects_add(effects, (engine_effect_kind)tk_rng_below(r, 6));
    bool broken = tk_rng_below(r, 40) == 0;
    switch (e->kind) {
    case ENGINE_EFFECT_EVENT:
        e->id = set_str(uuids[0]);
        e->body = broken ? NULL : rand_object(r);
        break;
    case ENGINE_EFFECT_JOB:
        e->id =
            set_str(broken && tk_rng_below(r, 2) == 0 ? "Not-A-UUID" : uuids[tk_rng_below(r, 2)]);
        e->execution_id = broken ? NULL : set_str(tk_rng_below(r, 2) ? uuids[1] : rand_text(r));
        e->body = rand_object(r);
        break;
    case ENGINE_EFFECT_TIMER_SET:
    case ENGINE_EFFECT_TIMER_CANCEL:
        e->id = broken ? NULL : set_str(rand_text(r));
        e->deadline_ms = (int64_t)tk_rng_next(r) >> 1;
        break;
    case ENGINE_EFFECT_REPLY:
        e->id = tk_rng_below(r, 4) == 0 ? NULL : set_str(broken ? "bad \xff utf-8" : rand_text(r));
        if (tk_rng_below(r, 2) == 0) {
            e->exception = set_str(rand_text(r));
            e->message = tk_rng_below(r, 3) == 0 ? NULL : set_str(rand_text(r));
        } else {
            e->body = tk_rng_below(r, 3) == 0 ? NULL : rand_object(r);
        }
        break;
    case ENGINE_EFFECT_ARCHIVE:
    default:
        e->archive = (engine_archive_kind)tk_rng_below(r, 3);
        e->id = broken ? NULL : set_str(rand_text(r));
        e->body = rand_object(r);
        if (tk_rng_below(r, 2) == 0) {
            json_t *timed = e->body;
            if (e->archive == ENGINE_ARCHIVE_PIPELINE_EXECUTION) {
                timed = json_object();
                json_object_set_new(e->body, "summary", timed);
            }
            json_object_set_new(timed, "startTime",
                                json_real(1700000000.0 + (double)tk_rng_below(r, 100000) / 8.0));
        }
        break;
    }
}

/*
 * Checks that the builder, fed groups[0..n), gives the bytes, payload spans
 * and op count of the op objects rendered, and per op the kind, key or id,
 * deadline and start that orch_op_parse reads from its text; or that both
 * refuse. *nops_out: the number of ops (0 when refused).
 */
static void check_builder(engine_effects *const *groups, size_t n, const orch_route_ctx *ctx,
                          size_t *nops_out)
{
    *nops_out = 0;
    json_t *ops = json_array();
    orch_route_builder b;
    orch_route_builder_init(&b);
    int want_rc = SLUICE_OK;
    int got_rc = SLUICE_OK;
    for (size_t g = 0; g < n; g++) {
        char err[256] = "";
        char err2[256] = "";
        want_rc = orch_route_effects(groups[g], ctx, ops, err, sizeof err);
        got_rc = orch_route_builder_add(&b, groups[g], ctx, err2, sizeof err2);
        CHECK_INT_EQ(got_rc, want_rc);
        if (want_rc != SLUICE_OK || got_rc != SLUICE_OK) {
            CHECK(err2[0] != '\0');
            break;
        }
    }
    size_t nops = 0;
    if (want_rc == SLUICE_OK && got_rc == SLUICE_OK) {
        CHECK_INT_EQ(orch_route_builder_count(&b), json_array_size(ops));
        orch_route_entry want = {0};
        orch_route_entry got = {0};
        if (json_array_size(ops) > 0) {
            REQUIRE(orch_route_entry_render(ops, &want) == SLUICE_OK);
        }
        REQUIRE(orch_route_builder_finish(&b, &got) == SLUICE_OK);
        CHECK_INT_EQ(got.nops, want.nops);
        CHECK_INT_EQ(got.len, want.len);
        if (want.text != NULL && got.text != NULL) {
            CHECK_STR_EQ(got.text, want.text);
        } else {
            CHECK(want.text == NULL && got.text == NULL);
        }
        for (size_t i = 0; i < got.nops && i < want.nops; i++) {
            CHECK_INT_EQ(got.payload_at[i], want.payload_at[i]);
            CHECK_INT_EQ(got.payload_len[i], want.payload_len[i]);
            orch_op op;
            char err[256];
            REQUIRE(orch_op_from_json(json_array_get(ops, i), &op, err, sizeof err) == SLUICE_OK);
            const char *key = got.keys + got.info[i].key_at;
            CHECK_INT_EQ(got.info[i].kind, op.kind);
            CHECK_STR_EQ(key, op.key != NULL ? op.key : op.id);
            int64_t at = op.kind == ORCH_OP_TIMER_SET ? op.deadline_ms : op.start_ms;
            CHECK_INT_EQ(got.info[i].at_ms, at);
            orch_op_clear(&op);
        }
        nops = got.nops;
        orch_route_entry_free(&want);
        orch_route_entry_free(&got);
    }
    orch_route_builder_free(&b);
    json_decref(ops);
    *nops_out = nops;
}

static size_t builder_ops(engine_effects *const *groups, size_t n, const orch_route_ctx *ctx)
{
    size_t nops = 0;
    check_builder(groups, n, ctx, &nops);
    return nops;
}

static void test_builder_random_effects(void)
{
    tk_rng r = {.s = 0x5eed0123456789abULL};
    size_t ops = 0;
    size_t refused = 0;
    for (int run = 0; run < 3000; run++) {
        engine_effects lists[3];
        engine_effects *groups[3];
        size_t n = 1 + tk_rng_below(&r, 3);
        for (size_t g = 0; g < n; g++) {
            engine_effects_init(&lists[g]);
            groups[g] = &lists[g];
            for (size_t k = tk_rng_below(&r, 8); k > 0; k--) {
                rand_effect(&r, &lists[g]);
            }
        }
        size_t got = builder_ops(groups, n, &route_ctx);
        ops += got;
        refused += got == 0;
        for (size_t g = 0; g < n; g++) {
            engine_effects_free(&lists[g]);
        }
    }
    CHECK(ops > 10000);
    CHECK(refused > 50);

    /* an envelope header its checks refuse (an account that is not 12 digits): both refuse */
    engine_effects one;
    engine_effects_init(&one);
    engine_effect *e = engine_effects_add(&one, ENGINE_EFFECT_JOB);
    e->id = set_str(uuids[0]);
    e->execution_id = set_str(uuids[1]);
    e->body = json_object();
    orch_route_ctx bad = route_ctx;
    bad.account = "12345";
    engine_effects *group = &one;
    CHECK_INT_EQ(builder_ops(&group, 1, &bad), 0);
    bad = route_ctx;
    bad.region = NULL;
    CHECK_INT_EQ(builder_ops(&group, 1, &bad), 0);
    CHECK_INT_EQ(builder_ops(&group, 1, &route_ctx), 1);
    engine_effects_free(&one);
}

/*
 * Random runs of a real pipeline through engine_batch_run (starts, job
 * results succeeded, failed or in progress with outputs, stops, retries): the entry of every
 * step's effects, written straight, has the bytes of the op objects rendered.
 */
static void test_builder_engine_runs(void)
{
    static const char *const spec =
        "Source: Src(Source/CodeCommit out=SrcOut ns=SV) | "
        "Build: B1(Build/CodeBuild in=SrcOut cfg=Cmd:#{SV.CommitId} cmd=make~all env=K:v) "
        "B2(Test/CodeBuild in=SrcOut order=2 out=TestOut) | "
        "Deploy: D(Deploy/S3 in=TestOut cfg=Bucket:b\u00e9 region=eu-west-1)";
    const orch_route_ctx ctx = {
        .pipeline = "P",
        .pipeline_arn = "arn:aws:codepipeline:eu-west-1:111122223333:P",
        .account = "111122223333",
        .region = "eu-west-1",
        .now_ms = (int64_t)1767225600000,
    };
    tk_rng r = {.s = 0x0123456789abcdefULL};
    size_t ops = 0;
    size_t jobs_seen = 0;
    for (int run = 0; run < 40; run++) {
        engine_state *state = engine_state_new("P");
        json_t *progress = json_object();
        model_pipeline *model = tb_pipeline("P", 1, MODEL_MODE_QUEUED, spec, "Big=small");
        REQUIRE(state != NULL && model != NULL);
        char jobs[64][40];
        size_t njobs = 0;
        for (int step = 0; step < 60; step++) {
            engine_input in = {.kind = ENGINE_INPUT_START};
            in.job.percent_complete = -1;
            char seed[48];
            snprintf(seed, sizeof seed, "requests/0/%d", step);
            char request_id[40];
            snprintf(request_id, sizeof request_id, "req-%d-\"%d\"", run, step);
            engine_input_kv outs[1] = {{.key = "CommitId", .value = "abc\"123"}};
            if (step == 0) {
                in.kind = ENGINE_INPUT_PIPELINE_UPDATED;
                in.update.pipeline = model;
            } else if (njobs > 0 && tk_rng_below(&r, 5) != 0) {
                size_t pick = tk_rng_below(&r, njobs);
                in.kind = ENGINE_INPUT_JOB_RESULT;
                in.job.job_id = jobs[pick];
                size_t roll = tk_rng_below(&r, 10);
                in.job.outcome = roll < 7   ? ENGINE_JOB_SUCCEEDED
                                 : roll < 9 ? ENGINE_JOB_FAILED
                                            : ENGINE_JOB_IN_PROGRESS;
                in.job.summary = "done: \u2603";
                in.job.external_url = "https://ci.example/x?a=1&b=\"2\"";
                in.job.failure_type = "JobFailed";
                in.job.failure_message = "it broke\tbadly";
                in.job.continuation_token = "tok";
                in.job.output_variables = outs;
                in.job.noutput_variables = 1;
                memmove(jobs[pick], jobs[njobs - 1], sizeof jobs[0]);
                njobs--;
            } else {
                in.request_id = request_id;
            }
            engine_batch_request req = {
                .input = &in, .seed = seed, .source = "requests:0", .position = step};
            engine_batch_ctx bctx = {
                .now_ms = ctx.now_ms + step * 1000, .account = ctx.account, .region = ctx.region};
            engine_batch_result result;
            REQUIRE(engine_batch_run(state, progress, &bctx, &req, 1, &result) == 1);
            if (result.verdict == ENGINE_BATCH_APPLIED) {
                for (size_t k = 0; k < result.effects.count; k++) {
                    const engine_effect *e = &result.effects.items[k];
                    if (e->kind == ENGINE_EFFECT_JOB && njobs < 64) {
                        snprintf(jobs[njobs++], sizeof jobs[0], "%s", e->id);
                        jobs_seen++;
                    }
                }
                orch_route_ctx at = ctx;
                at.now_ms = bctx.now_ms;
                engine_effects *group = &result.effects;
                size_t got = builder_ops(&group, 1, &at);
                size_t want = 0; /* every effect but a reply nobody waits for makes an op */
                for (size_t k = 0; k < result.effects.count; k++) {
                    const engine_effect *e = &result.effects.items[k];
                    want += e->kind != ENGINE_EFFECT_REPLY || e->id != NULL;
                }
                CHECK_INT_EQ(got, want);
                ops += got;
            }
            engine_batch_result_clear(&result);
        }
        engine_state_free(state);
        json_decref(progress);
        model_pipeline_free(model);
    }
    CHECK(jobs_seen > 100);
    CHECK(ops > 1000);
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
    RUN_TEST(test_builder_random_effects);
    RUN_TEST(test_builder_engine_runs);
    RUN_TEST(test_store_head_render);
    RUN_TEST(test_config_defaults);
    return sluice_test_report();
}
