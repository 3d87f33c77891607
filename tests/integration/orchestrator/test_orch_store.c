/*
 * test_orch_store.c — the orchestrator's state records against the fixture's
 * redis-server: a state stored as one document by the earlier layout
 * (tests/data/state/legacy-v1.json) is loaded and carried over by its first
 * save; later saves write only the execution records that changed; a record
 * over the byte bound is refused without writing anything. Rule evaluations
 * are archived beside the action executions, bounded, the oldest dropped.
 */
#include "orch_store.h"

#include "sluice/engine_state.h"
#include "sluice/error.h"
#include "sluice/state_key.h"
#include "sluice_test.h"
#include "testenv.h"

#include <stdlib.h>
#include <string.h>

static char pipeline[64];

static state_redis *connect_fixture(void)
{
    state_redis_config cfg;
    state_redis_config_init(&cfg);
    cfg.host = testenv_require("SLUICE_TEST_REDIS_HOST");
    cfg.port = (int)strtol(testenv_require("SLUICE_TEST_REDIS_PORT"), NULL, 10);
    state_redis *r = NULL;
    char err[256];
    if (state_redis_new(&cfg, &r, err, sizeof err) != SLUICE_OK) {
        fprintf(stderr, "redis: %s\n", err);
        return NULL;
    }
    return r;
}

static void exec_key(char *out, size_t outlen, const char *id)
{
    char suffix[128];
    snprintf(suffix, sizeof suffix, "%s%s", STATE_KEY_EXEC_PREFIX, id);
    state_key_build(out, outlen, pipeline, suffix);
}

/* GET key into out ("(nil)" when absent). */
static void get_string(state_redis *r, const char *key, char *out, size_t outlen)
{
    redisReply *reply = NULL;
    snprintf(out, outlen, "(nil)");
    if (state_redis_command(r, STATE_REDIS_RETRY, &reply, "GET %s", key) == SLUICE_OK &&
        reply->type == REDIS_REPLY_STRING) {
        snprintf(out, outlen, "%s", reply->str);
    }
    freeReplyObject(reply);
}

static void set_string(state_redis *r, const char *key, const char *value)
{
    redisReply *reply = NULL;
    if (state_redis_command(r, STATE_REDIS_RETRY, &reply, "SET %s %s", key, value) == SLUICE_OK) {
        freeReplyObject(reply);
    }
}

static engine_state *parse_engine(const json_t *doc)
{
    engine_state *state = NULL;
    char err[256];
    if (engine_state_from_json(json_object_get(doc, "engine"), &state, err, sizeof err) != 0) {
        fprintf(stderr, "engine state: %s\n", err);
        return NULL;
    }
    return state;
}

static void test_carry_over_and_small_saves(void)
{
    state_redis *r = connect_fixture();
    REQUIRE(r != NULL);
    orch_store store;
    REQUIRE(orch_store_init(&store, r, 1000) == SLUICE_OK);

    /* a state as the single-document layout stored it */
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/data/state/legacy-v1.json",
             testenv_require("SLUICE_SOURCE_DIR"));
    json_error_t jerr;
    json_t *legacy = json_load_file(path, 0, &jerr);
    REQUIRE(legacy != NULL);
    char *text = json_dumps(legacy, JSON_COMPACT);
    char key[STATE_KEY_MAX + 1];
    state_key_build(key, sizeof key, pipeline, STATE_KEY_STATE);
    state_cas_write w = {.key = key, .data = text, .len = strlen(text)};
    uint64_t version = 0;
    REQUIRE(state_cas_save(r, &w, &version) == SLUICE_OK);
    free(text);

    /* first load: the document as it was */
    json_t *doc = NULL;
    CHECK_INT_EQ(orch_store_load(&store, pipeline, &version, &doc), SLUICE_OK);
    CHECK_INT_EQ(version, 1);
    REQUIRE(doc != NULL);
    CHECK(json_equal(json_object_get(doc, "engine"), json_object_get(legacy, "engine")));
    engine_state *state = parse_engine(doc);
    REQUIRE(state != NULL);
    REQUIRE(state->nexecs == 3);
    json_t *applied = json_incref(json_object_get(doc, "applied"));
    json_decref(doc);

    /* first save carries it over: every execution gets its record */
    json_t *ops = json_array();
    uint64_t saved = 0;
    CHECK_INT_EQ(orch_store_save(&store, pipeline, version, state, applied, ops, &saved),
                 SLUICE_OK);
    CHECK_INT_EQ(saved, 2);
    char keys[3][STATE_KEY_MAX + 1];
    char value[65536];
    for (size_t i = 0; i < 3; i++) {
        exec_key(keys[i], sizeof keys[i], state->execs[i]->id);
        get_string(r, keys[i], value, sizeof value);
        CHECK(strstr(value, state->execs[i]->id) != NULL);
    }
    state_cas_record head;
    REQUIRE(state_cas_load(r, key, &head) == SLUICE_OK);
    CHECK(strstr(head.data, "\"executions\"") == NULL);
    CHECK(strstr(head.data, "\"format\":2") != NULL);
    state_cas_record_clear(&head);

    /* loading the records gives back the same state */
    CHECK_INT_EQ(orch_store_load(&store, pipeline, &version, &doc), SLUICE_OK);
    CHECK_INT_EQ(version, 2);
    CHECK(json_equal(json_object_get(doc, "engine"), json_object_get(legacy, "engine")));
    CHECK(json_equal(json_object_get(doc, "applied"), applied));
    json_decref(doc);

    /* a later save writes only what changed: a marker in an unchanged record survives */
    set_string(r, keys[0], "untouched");
    free(state->execs[1]->status_summary);
    state->execs[1]->status_summary = strdup("changed");
    state->execs[1]->dirty = true; /* changed outside the engine: marked as its lookups do */
    CHECK_INT_EQ(orch_store_save(&store, pipeline, saved, state, applied, ops, &saved), SLUICE_OK);
    get_string(r, keys[0], value, sizeof value);
    CHECK_STR_EQ(value, "untouched");
    get_string(r, keys[1], value, sizeof value);
    CHECK(strstr(value, "\"statusSummary\":\"changed\"") != NULL);
    set_string(r, keys[0], "");
    state->execs[0]->stored_hash = 0; /* let the next save write it back */

    /* over the bound: refused, nothing written, the reason names the record */
    free(state->execs[2]->status_summary);
    state->execs[2]->status_summary = malloc(4096);
    memset(state->execs[2]->status_summary, 'x', 4095);
    state->execs[2]->status_summary[4095] = '\0';
    state->execs[2]->dirty = true;
    store.record_max_bytes = 4000;
    uint64_t refused = 0;
    CHECK_INT_EQ(orch_store_save(&store, pipeline, saved, state, applied, ops, &refused),
                 SLUICE_ETOOBIG);
    CHECK(strstr(store.last_error, state->execs[2]->id) != NULL);
    CHECK(strstr(store.last_error, "4000") != NULL);
    get_string(r, keys[2], value, sizeof value);
    CHECK(strstr(value, "xxxx") == NULL);
    REQUIRE(state_cas_load(r, key, &head) == SLUICE_OK);
    CHECK_INT_EQ(head.version, saved);
    state_cas_record_clear(&head);

    /* deleting the pipeline takes its execution records along */
    CHECK_INT_EQ(orch_store_drop(&store, pipeline), SLUICE_OK);
    get_string(r, keys[1], value, sizeof value);
    CHECK_STR_EQ(value, "(nil)");
    CHECK_INT_EQ(orch_store_load(&store, pipeline, &version, &doc), SLUICE_OK);
    CHECK_INT_EQ(version, 0);

    json_decref(ops);
    json_decref(applied);
    json_decref(legacy);
    engine_state_free(state);
    state_redis_free(r);
}

/* The integer reply of a command on key (-1 when it failed). */
static long long key_count(state_redis *r, const char *command, const char *suffix)
{
    char key[STATE_KEY_MAX + 1];
    state_key_build(key, sizeof key, pipeline, suffix);
    redisReply *reply = NULL;
    long long n = -1;
    if (state_redis_command(r, STATE_REDIS_RETRY, &reply, "%s %s", command, key) == SLUICE_OK &&
        reply->type == REDIS_REPLY_INTEGER) {
        n = reply->integer;
    }
    freeReplyObject(reply);
    return n;
}

/* The archived rule record of id ("(nil)" when absent). */
static void rule_record(state_redis *r, const char *id, char *out, size_t outlen)
{
    char key[STATE_KEY_MAX + 1];
    state_key_build(key, sizeof key, pipeline, STATE_KEY_RULES);
    redisReply *reply = NULL;
    snprintf(out, outlen, "(nil)");
    if (state_redis_command(r, STATE_REDIS_RETRY, &reply, "HGET %s %s", key, id) == SLUICE_OK &&
        reply->type == REDIS_REPLY_STRING) {
        snprintf(out, outlen, "%s", reply->str);
    }
    freeReplyObject(reply);
}

static void test_rule_archive(void)
{
    state_redis *r = connect_fixture();
    REQUIRE(r != NULL);
    orch_store store;
    REQUIRE(orch_store_init(&store, r, 1) == SLUICE_OK); /* one execution: 50 rule records */
    size_t bound = ORCH_STORE_RULES_PER_EXECUTION;
    size_t n = bound + 10;
    char(*ids)[16] = calloc(n, sizeof *ids);
    char(*texts)[96] = calloc(n, sizeof *texts);
    orch_store_op *ops = calloc(n + 2, sizeof *ops);
    REQUIRE(ids != NULL && texts != NULL && ops != NULL);
    /* one entry's ops: an action, the rule evaluations, an execution, in one call */
    ops[0] = (orch_store_op){ORCH_OP_ARCHIVE_ACTION, "act-1", 1000, "{\"a\":1}", 7};
    for (size_t i = 0; i < n; i++) {
        snprintf(ids[i], sizeof ids[i], "rule-%02zu", i);
        snprintf(texts[i], sizeof texts[i], "{\"ruleExecutionId\":\"%s\",\"status\":\"Failed\"}",
                 ids[i]);
        ops[i + 1] = (orch_store_op){ORCH_OP_ARCHIVE_RULE, ids[i], 2000 + (int64_t)i, texts[i],
                                     strlen(texts[i])};
    }
    ops[n + 1] = (orch_store_op){ORCH_OP_ARCHIVE_EXECUTION, "exec-1", 1000, "{\"e\":1}", 7};
    CHECK_INT_EQ(orch_store_apply(&store, pipeline, ops, n + 2), SLUICE_OK);
    CHECK_INT_EQ(key_count(r, "ZCARD", STATE_KEY_RULES_ORDER), (long long)bound);
    CHECK_INT_EQ(key_count(r, "HLEN", STATE_KEY_RULES), (long long)bound);
    CHECK_INT_EQ(key_count(r, "HLEN", STATE_KEY_ACTIONS), 1);
    CHECK_INT_EQ(key_count(r, "HLEN", STATE_KEY_EXECUTIONS), 1);
    char value[256];
    rule_record(r, ids[9], value, sizeof value); /* the ten oldest went */
    CHECK_STR_EQ(value, "(nil)");
    rule_record(r, ids[10], value, sizeof value);
    CHECK_STR_EQ(value, texts[10]);
    rule_record(r, ids[n - 1], value, sizeof value);
    CHECK_STR_EQ(value, texts[n - 1]);

    /* one op at a time (the retry path): same bound, a newer one pushes the oldest out */
    json_t *record = json_pack("{s:s, s:s}", "ruleExecutionId", "rule-new", "status", "Succeeded");
    CHECK_INT_EQ(orch_store_archive_rule(&store, pipeline, "rule-new", 9000, record), SLUICE_OK);
    json_decref(record);
    CHECK_INT_EQ(key_count(r, "ZCARD", STATE_KEY_RULES_ORDER), (long long)bound);
    rule_record(r, ids[10], value, sizeof value);
    CHECK_STR_EQ(value, "(nil)");
    rule_record(r, "rule-new", value, sizeof value);
    CHECK_STR_CONTAINS(value, "Succeeded");

    /* deleting the pipeline takes the rule history along */
    CHECK_INT_EQ(orch_store_drop(&store, pipeline), SLUICE_OK);
    CHECK_INT_EQ(key_count(r, "EXISTS", STATE_KEY_RULES), 0);
    CHECK_INT_EQ(key_count(r, "EXISTS", STATE_KEY_RULES_ORDER), 0);
    free(ids);
    free(texts);
    free(ops);
    state_redis_free(r);
}

int main(void)
{
    testenv_unique_name("store", pipeline, sizeof pipeline);
    RUN_TEST(test_carry_over_and_small_saves);
    RUN_TEST(test_rule_archive);
    return sluice_test_report();
}
