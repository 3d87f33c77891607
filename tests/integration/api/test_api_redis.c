/*
 * The api's Redis + Kafka backend (api_redis.c) against the fixture's real
 * Redis and Kafka: definition compare-and-set with version documents, delete,
 * the pipeline index, the job store's Lua state machine (store, poll with a
 * query parameter, nonces, acknowledge, finish, replays), the action type
 * records' compare-and-set script, reading a state
 * record and history written in the orchestrator's layout, and requests
 * reaching the requests topic (and a wait that times out).
 */
#include "api_redis.h"

#include "sluice/bus_admin.h"
#include "sluice/bus_topics.h"
#include "sluice/error.h"
#include "sluice/protocol_names.h"
#include "sluice/state_cas.h"
#include "sluice/state_key.h"
#include "sluice/state_redis.h"
#include "sluice_test.h"
#include "testenv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct world {
    api_redis *redis;
    api_backend *b;
    state_redis *raw;
    char prefix[96];
    char pipeline[96];
} world;

static int world_open(world *w)
{
    char err[512];
    memset(w, 0, sizeof *w);
    char unique[64];
    testenv_unique_name("apir", unique, sizeof unique);
    snprintf(w->prefix, sizeof w->prefix, "%s.", unique);
    snprintf(w->pipeline, sizeof w->pipeline, "p-%s", unique);
    const char *brokers = testenv_require("SLUICE_TEST_KAFKA_BROKERS");
    bus_topics topics;
    bus_topics_init(&topics, w->prefix, err, sizeof err);
    const char *names[] = {bus_topics_get(&topics, BUS_TOPICS_REQUESTS)};
    if (bus_admin_create_topics(brokers, names, 1, 1, 1, 30000, err, sizeof err) != 0) {
        fprintf(stderr, "topics: %s\n", err);
        return -1;
    }
    api_redis_config cfg = {
        .redis_host = testenv_require("SLUICE_TEST_REDIS_HOST"),
        .redis_port = (int)strtol(testenv_require("SLUICE_TEST_REDIS_PORT"), NULL, 10),
        .brokers = brokers,
        .topic_prefix = w->prefix,
        .account = "123456789012",
        .region = "us-east-1",
    };
    if (api_redis_new(&cfg, &w->redis, err, sizeof err) != 0) {
        fprintf(stderr, "api_redis_new: %s\n", err);
        return -1;
    }
    w->b = api_redis_backend(w->redis);
    state_redis_config rc;
    state_redis_config_init(&rc);
    rc.host = cfg.redis_host;
    rc.port = cfg.redis_port;
    return state_redis_new(&rc, &w->raw, err, sizeof err) == 0 ? 0 : -1;
}

static void world_close(world *w)
{
    api_redis_free(w->redis);
    state_redis_free(w->raw);
}

static void test_definitions(void)
{
    world w;
    char err[256];
    REQUIRE(world_open(&w) == 0);
    api_backend *b = w.b;
    json_t *doc = NULL;
    uint64_t rev = 0;
    uint64_t new_rev = 0;

    CHECK_INT_EQ(b->ops->def_load(b, w.pipeline, &doc, &rev, err, sizeof err), SLUICE_ENOTFOUND);
    CHECK_INT_EQ(b->ops->def_save(b, w.pipeline, 0, "{\"pipeline\":{\"version\":1}}", 1, &new_rev,
                                  err, sizeof err),
                 0);
    CHECK_INT_EQ(new_rev, 1);
    /* a second create loses */
    CHECK_INT_EQ(b->ops->def_save(b, w.pipeline, 0, "{}", 1, &new_rev, err, sizeof err),
                 SLUICE_ECONFLICT);
    CHECK_INT_EQ(new_rev, 1);
    CHECK_INT_EQ(b->ops->def_save(b, w.pipeline, 1, "{\"pipeline\":{\"version\":2}}", 2, &new_rev,
                                  err, sizeof err),
                 0);
    CHECK_INT_EQ(b->ops->def_load(b, w.pipeline, &doc, &rev, err, sizeof err), 0);
    CHECK_INT_EQ(rev, 2);
    CHECK_INT_EQ(json_integer_value(json_object_get(json_object_get(doc, "pipeline"), "version")),
                 2);
    json_decref(doc);
    /* the record is a state_cas record, as the orchestrator reads it */
    char key[STATE_KEY_MAX + 1];
    state_key_build(key, sizeof key, w.pipeline, STATE_KEY_DEFINITION);
    state_cas_record rec = {0};
    CHECK_INT_EQ(state_cas_load(w.raw, key, &rec), 0);
    CHECK_INT_EQ(rec.version, 2);
    state_cas_record_clear(&rec);
    CHECK_INT_EQ(b->ops->def_load_version(b, w.pipeline, 1, &doc, err, sizeof err), 0);
    CHECK_INT_EQ(json_integer_value(json_object_get(json_object_get(doc, "pipeline"), "version")),
                 1);
    json_decref(doc);
    CHECK_INT_EQ(b->ops->def_load_version(b, w.pipeline, 3, &doc, err, sizeof err),
                 SLUICE_ENOTFOUND);

    /* the index */
    char other[128];
    snprintf(other, sizeof other, "%s-b", w.pipeline);
    CHECK_INT_EQ(b->ops->index_add(b, other, err, sizeof err), 0);
    CHECK_INT_EQ(b->ops->index_add(b, w.pipeline, err, sizeof err), 0);
    json_t *names = NULL;
    CHECK_INT_EQ(b->ops->index_list(b, w.pipeline, 10, &names, err, sizeof err), 0);
    CHECK(json_array_size(names) >= 1);
    CHECK_STR_EQ(json_string_value(json_array_get(names, 0)), other);
    json_decref(names);
    size_t count = 0;
    CHECK_INT_EQ(b->ops->index_count(b, &count, err, sizeof err), 0);
    CHECK(count >= 2);
    CHECK_INT_EQ(b->ops->index_remove(b, other, err, sizeof err), 0);

    /* delete: a stale revision loses, the right one removes record and versions */
    CHECK_INT_EQ(b->ops->def_delete(b, w.pipeline, 1, 2, err, sizeof err), SLUICE_ECONFLICT);
    CHECK_INT_EQ(b->ops->def_delete(b, w.pipeline, 2, 2, err, sizeof err), 0);
    CHECK_INT_EQ(b->ops->def_load(b, w.pipeline, &doc, &rev, err, sizeof err), SLUICE_ENOTFOUND);
    CHECK_INT_EQ(b->ops->def_load_version(b, w.pipeline, 1, &doc, err, sizeof err),
                 SLUICE_ENOTFOUND);
    CHECK_INT_EQ(b->ops->def_delete(b, w.pipeline, 2, 2, err, sizeof err), SLUICE_ENOTFOUND);
    b->ops->index_remove(b, w.pipeline, err, sizeof err);
    world_close(&w);
}

static void test_action_types(void)
{
    world w;
    char err[256];
    char key[160];
    char *text = NULL;
    REQUIRE(world_open(&w) == 0);
    api_backend *b = w.b;
    snprintf(key, sizeof key, "Custom/Build/%s/1", w.pipeline);
    CHECK_INT_EQ(b->ops->atype_load(b, key, &text, err, sizeof err), SLUICE_ENOTFOUND);
    /* no room for a new record: refused, nothing stored */
    CHECK_INT_EQ(b->ops->atype_save(b, key, NULL, "{\"a\":1}", 0, err, sizeof err), SLUICE_ETOOBIG);
    CHECK_INT_EQ(b->ops->atype_load(b, key, &text, err, sizeof err), SLUICE_ENOTFOUND);
    CHECK_INT_EQ(b->ops->atype_save(b, key, NULL, "{\"a\":1}", 100000, err, sizeof err), 0);
    /* a second create loses, as does an update over text that is not stored */
    CHECK_INT_EQ(b->ops->atype_save(b, key, NULL, "{}", 100000, err, sizeof err), SLUICE_ECONFLICT);
    CHECK_INT_EQ(b->ops->atype_save(b, key, "{\"a\":0}", "{}", 100000, err, sizeof err),
                 SLUICE_ECONFLICT);
    /* an update over the stored text wins, even with no room for a new record */
    CHECK_INT_EQ(b->ops->atype_save(b, key, "{\"a\":1}", "{\"a\":2}", 0, err, sizeof err), 0);
    CHECK_INT_EQ(b->ops->atype_load(b, key, &text, err, sizeof err), 0);
    CHECK_STR_EQ(text, "{\"a\":2}");
    free(text);
    json_t *list = NULL;
    CHECK_INT_EQ(b->ops->atype_list(b, &list, err, sizeof err), 0);
    size_t found = 0;
    const char *previous = "";
    size_t i;
    json_t *entry;
    json_array_foreach(list, i, entry)
    {
        const char *k = json_string_value(json_object_get(entry, "key"));
        CHECK(strcmp(previous, k) < 0); /* in key order */
        previous = k;
        if (strcmp(k, key) == 0) {
            found++;
            CHECK_STR_EQ(json_string_value(json_object_get(entry, "text")), "{\"a\":2}");
        }
    }
    CHECK_INT_EQ(found, 1);
    json_decref(list);
    const char *argv[] = {"HDEL", "sluice:{atypes}:types", key};
    redisReply *reply = NULL;
    if (state_redis_commandv(w.raw, STATE_REDIS_RETRY, 3, argv, NULL, &reply) == 0) {
        freeReplyObject(reply);
    }
    world_close(&w);
}

static void test_jobs(void)
{
    world w;
    char err[256];
    char status[API_BACKEND_STATUS_MAX];
    REQUIRE(world_open(&w) == 0);
    api_backend *b = w.b;
    char type[128];
    snprintf(type, sizeof type, "Custom/Build/%s/1", w.pipeline);
    const char *rec_a = "{\"id\":\"a\",\"pipeline\":\"p\",\"data\":{\"actionConfiguration\":"
                        "{\"configuration\":{\"Q\":\"one\"}}}}";
    const char *rec_b = "{\"id\":\"b\",\"pipeline\":\"p\",\"data\":{\"actionConfiguration\":"
                        "{\"configuration\":{\"Q\":\"two\"}}}}";
    char id_a[80];
    char id_b[80];
    snprintf(id_a, sizeof id_a, "%s-a", w.pipeline);
    snprintf(id_b, sizeof id_b, "%s-b", w.pipeline);
    CHECK_INT_EQ(b->ops->job_store(b, id_a, type, rec_a, true, 60000, err, sizeof err), 0);
    CHECK_INT_EQ(b->ops->job_store(b, id_b, type, rec_b, true, 60000, err, sizeof err), 0);
    /* a replay changes nothing (and does not queue twice) */
    CHECK_INT_EQ(b->ops->job_store(b, id_a, type, rec_a, true, 60000, err, sizeof err), 0);

    const char *nonces[] = {"n1", "n2", "n3"};
    const char *nonces_b[] = {"m1", "m2", "m3"};
    const char *alice = "arn:aws:iam::123456789012:user/alice";
    const char *bob = "arn:aws:iam::123456789012:user/bob";
    const int64_t t0 = 1700000000000;
    const int64_t lease = 1000;
    json_t *jobs = NULL;
    CHECK_INT_EQ(b->ops->job_poll(b, type, 3, "Q", "two", nonces, 3, alice, t0, lease, &jobs, err,
                                  sizeof err),
                 0);
    CHECK_INT_EQ(json_array_size(jobs), 1);
    CHECK_STR_EQ(json_string_value(json_object_get(json_array_get(jobs, 0), "id")), id_b);
    CHECK_STR_EQ(json_string_value(json_object_get(json_array_get(jobs, 0), "nonce")), "n1");
    CHECK_STR_EQ(json_string_value(
                     json_object_get(json_object_get(json_array_get(jobs, 0), "record"), "id")),
                 "b");
    json_decref(jobs);
    CHECK_INT_EQ(b->ops->job_poll(b, type, 3, NULL, NULL, nonces, 3, alice, t0, lease, &jobs, err,
                                  sizeof err),
                 0);
    CHECK_INT_EQ(json_array_size(jobs), 1); /* only a is left, once */
    CHECK_STR_EQ(json_string_value(json_object_get(json_array_get(jobs, 0), "id")), id_a);
    json_decref(jobs);
    CHECK_INT_EQ(b->ops->job_poll(b, type, 3, NULL, NULL, nonces, 3, alice, t0 + lease - 1, lease,
                                  &jobs, err, sizeof err),
                 0);
    CHECK_INT_EQ(json_array_size(jobs), 0); /* both inside their lease */
    json_decref(jobs);

    /* AcknowledgeJob binds the job to the caller; nobody else acknowledges it after */
    CHECK_INT_EQ(b->ops->job_ack(b, id_a, "wrong", alice, t0, status, err, sizeof err),
                 SLUICE_EDENIED);
    CHECK_INT_EQ(b->ops->job_ack(b, id_a, "n1", alice, t0, status, err, sizeof err), 0);
    CHECK_STR_EQ(status, "InProgress");
    CHECK_INT_EQ(b->ops->job_ack(b, id_a, "n1", alice, t0, status, err, sizeof err), 0);
    CHECK_STR_EQ(status, "InProgress");
    CHECK_INT_EQ(b->ops->job_ack(b, id_a, "n1", bob, t0, status, err, sizeof err), SLUICE_EDENIED);
    CHECK_INT_EQ(b->ops->job_ack(b, "missing-job", "n1", alice, t0, status, err, sizeof err),
                 SLUICE_ENOTFOUND);
    CHECK_INT_EQ(b->ops->job_own(b, id_a, bob, t0, status, err, sizeof err), SLUICE_EDENIED);
    CHECK_INT_EQ(b->ops->job_own(b, id_a, alice, t0, status, err, sizeof err), 0);

    api_backend_job job;
    CHECK_INT_EQ(b->ops->job_load(b, id_b, &job, err, sizeof err), 0);
    CHECK_STR_EQ(job.status, "Dispatched");
    CHECK_STR_EQ(job.nonce, "n1");
    CHECK_STR_EQ(job.poller, alice);
    CHECK_STR_EQ(job.owner, "");
    CHECK(job.external);
    CHECK(job.lease_ms == t0 + lease);
    api_backend_job_clear(&job);
    CHECK_INT_EQ(b->ops->job_load(b, id_a, &job, err, sizeof err), 0);
    CHECK_STR_EQ(job.owner, alice);
    api_backend_job_clear(&job);

    /* the lease of b ends unacknowledged: the next poll offers it again, a not (acknowledged) */
    CHECK_INT_EQ(b->ops->job_ack(b, id_b, "n1", alice, t0 + lease, status, err, sizeof err),
                 SLUICE_EDENIED);
    CHECK_INT_EQ(b->ops->job_poll(b, type, 3, NULL, NULL, nonces_b, 3, bob, t0 + lease, lease,
                                  &jobs, err, sizeof err),
                 0);
    CHECK_INT_EQ(json_array_size(jobs), 1);
    CHECK_STR_EQ(json_string_value(json_object_get(json_array_get(jobs, 0), "id")), id_b);
    CHECK_STR_EQ(json_string_value(json_object_get(json_array_get(jobs, 0), "nonce")), "m1");
    json_decref(jobs);
    CHECK_INT_EQ(b->ops->job_ack(b, id_b, "n1", alice, t0 + lease, status, err, sizeof err),
                 SLUICE_EDENIED); /* the old nonce acknowledges nothing */
    CHECK_INT_EQ(b->ops->job_own(b, id_b, alice, t0 + lease, status, err, sizeof err),
                 SLUICE_EDENIED);
    /* a result straight after the poll makes the job the poller's */
    CHECK_INT_EQ(b->ops->job_own(b, id_b, bob, t0 + lease, status, err, sizeof err), 0);
    CHECK_STR_EQ(status, "InProgress");
    CHECK_INT_EQ(b->ops->job_poll(b, type, 3, NULL, NULL, nonces, 3, alice, t0 + 10 * lease, lease,
                                  &jobs, err, sizeof err),
                 0);
    CHECK_INT_EQ(json_array_size(jobs), 0); /* owned jobs are never offered again */
    json_decref(jobs);
    CHECK_INT_EQ(b->ops->job_finish(b, id_b, "Succeeded", 60000, status, err, sizeof err), 0);
    CHECK_INT_EQ(b->ops->job_finish(b, id_b, "Failed", 60000, status, err, sizeof err),
                 SLUICE_ESTATE);
    CHECK_STR_EQ(status, "Succeeded");
    CHECK_INT_EQ(b->ops->job_own(b, id_b, bob, t0 + lease, status, err, sizeof err), SLUICE_ESTATE);
    CHECK_INT_EQ(b->ops->job_own(b, id_b, alice, t0 + lease, status, err, sizeof err),
                 SLUICE_EDENIED);
    CHECK_INT_EQ(b->ops->job_load(b, "missing-job", &job, err, sizeof err), SLUICE_ENOTFOUND);

    /* not queued (a built-in provider's): InProgress at once, never polled, never owned */
    char id_c[80];
    snprintf(id_c, sizeof id_c, "%s-c", w.pipeline);
    CHECK_INT_EQ(b->ops->job_store(b, id_c, type, rec_a, false, 60000, err, sizeof err), 0);
    CHECK_INT_EQ(b->ops->job_load(b, id_c, &job, err, sizeof err), 0);
    CHECK_STR_EQ(job.status, "InProgress");
    CHECK(!job.external);
    api_backend_job_clear(&job);
    CHECK_INT_EQ(b->ops->job_poll(b, type, 3, NULL, NULL, nonces, 3, alice, t0, lease, &jobs, err,
                                  sizeof err),
                 0);
    CHECK_INT_EQ(json_array_size(jobs), 0);
    json_decref(jobs);
    CHECK_INT_EQ(b->ops->job_ack(b, id_c, "", alice, t0, status, err, sizeof err),
                 SLUICE_ENOTFOUND);
    CHECK_INT_EQ(b->ops->job_own(b, id_c, alice, t0, status, err, sizeof err), SLUICE_ENOTFOUND);
    world_close(&w);
}

/* Ids of the executions of an engine state document, comma-separated, into out. */
static void exec_ids(const json_t *doc, char *out, size_t outlen)
{
    size_t at = 0;
    out[0] = '\0';
    size_t i;
    json_t *x;
    json_array_foreach(json_object_get(doc, "executions"), i, x)
    {
        int n = snprintf(out + at, outlen - at, "%s%s", i > 0 ? "," : "",
                         json_string_value(json_object_get(x, "id")));
        at += n > 0 ? (size_t)n : 0;
    }
}

/* The split layout: the read model takes the pipeline record and only the executions it needs. */
static void test_state_records_read(void)
{
    world w;
    char err[256];
    REQUIRE(world_open(&w) == 0);
    api_backend *b = w.b;
    char key[STATE_KEY_MAX + 1];
    char prefix[STATE_KEY_MAX + 1];
    state_key_build(key, sizeof key, w.pipeline, STATE_KEY_STATE);
    state_key_build(prefix, sizeof prefix, w.pipeline, STATE_KEY_EXEC_PREFIX);
    /* e1 latest of the stage, e2 waiting before it, e3 neither (kept terminal) */
    const char *head = "{\"format\":2,\"applied\":{},\"engine\":{\"format\":1,\"pipeline\":"
                       "\"x\",\"stages\":[{\"name\":\"S\",\"latestExecutionId\":\"e1\","
                       "\"actionLatest\":[\"e1\"]}],\"executionIds\":[\"e3\",\"e1\",\"e2\"],"
                       "\"waitingIds\":[\"e2\"]}}";
    const char *members[] = {"e3", "e1", "e2"};
    state_cas_bytes values[] = {
        {"{\"id\":\"e3\"}", 11}, {"{\"id\":\"e1\"}", 11}, {"{\"id\":\"e2\"}", 11}};
    state_cas_set_write write = {.key = key,
                                 .member_prefix = prefix,
                                 .data = head,
                                 .len = strlen(head),
                                 .members = members,
                                 .nmembers = 3,
                                 .changed = members,
                                 .values = values,
                                 .nchanged = 3};
    uint64_t version = 0;
    REQUIRE(state_cas_set_save(w.raw, &write, &version) == 0);
    json_t *doc = NULL;
    char ids[64];
    CHECK_INT_EQ(
        b->ops->state_load(b, w.pipeline, API_BACKEND_STATE_ALL, NULL, &doc, err, sizeof err), 0);
    exec_ids(doc, ids, sizeof ids);
    CHECK_STR_EQ(ids, "e3,e1,e2");
    CHECK(json_object_get(doc, "executionIds") == NULL);
    json_decref(doc);
    CHECK_INT_EQ(
        b->ops->state_load(b, w.pipeline, API_BACKEND_STATE_SHOWN, NULL, &doc, err, sizeof err), 0);
    exec_ids(doc, ids, sizeof ids);
    CHECK_STR_EQ(ids, "e1,e2");
    json_decref(doc);
    CHECK_INT_EQ(
        b->ops->state_load(b, w.pipeline, API_BACKEND_STATE_ONE, "e3", &doc, err, sizeof err), 0);
    exec_ids(doc, ids, sizeof ids);
    CHECK_STR_EQ(ids, "e3");
    json_decref(doc);
    CHECK_INT_EQ(
        b->ops->state_load(b, w.pipeline, API_BACKEND_STATE_ONE, "e9", &doc, err, sizeof err), 0);
    exec_ids(doc, ids, sizeof ids);
    CHECK_STR_EQ(ids, "");
    json_decref(doc);
    /* a record named by the pipeline record but missing is an error, not a silent gap */
    char e1[STATE_KEY_MAX + 1];
    snprintf(e1, sizeof e1, "%se1", prefix);
    redisReply *reply = NULL;
    REQUIRE(state_redis_command(w.raw, STATE_REDIS_RETRY, &reply, "DEL %s", e1) == 0);
    freeReplyObject(reply);
    CHECK_INT_EQ(
        b->ops->state_load(b, w.pipeline, API_BACKEND_STATE_SHOWN, NULL, &doc, err, sizeof err),
        SLUICE_EPARSE);
    world_close(&w);
}

static void test_read_model_and_requests(void)
{
    world w;
    char err[256];
    REQUIRE(world_open(&w) == 0);
    api_backend *b = w.b;
    char key[STATE_KEY_MAX + 1];
    json_t *doc = NULL;

    CHECK_INT_EQ(
        b->ops->state_load(b, w.pipeline, API_BACKEND_STATE_ALL, NULL, &doc, err, sizeof err),
        SLUICE_ENOTFOUND);
    state_key_build(key, sizeof key, w.pipeline, STATE_KEY_STATE);
    const char *state =
        "{\"format\":1,\"applied\":{},\"engine\":{\"format\":1,\"pipeline\":\"x\"}}";
    state_cas_write write = {
        .key = key, .expected_version = 0, .data = state, .len = strlen(state)};
    uint64_t version = 0;
    CHECK_INT_EQ(state_cas_save(w.raw, &write, &version), 0);
    CHECK_INT_EQ(
        b->ops->state_load(b, w.pipeline, API_BACKEND_STATE_ALL, NULL, &doc, err, sizeof err), 0);
    CHECK_STR_EQ(json_string_value(json_object_get(doc, "pipeline")), "x");
    json_decref(doc);

    /* history in the orchestrator's layout: hash + order by start time */
    char hash[STATE_KEY_MAX + 1];
    char order[STATE_KEY_MAX + 1];
    state_key_build(hash, sizeof hash, w.pipeline, STATE_KEY_EXECUTIONS);
    state_key_build(order, sizeof order, w.pipeline, STATE_KEY_EXECUTIONS_ORDER);
    redisReply *reply = NULL;
    for (int i = 1; i <= 3; i++) {
        char id[16];
        char record[256];
        char score[32];
        snprintf(id, sizeof id, "e%d", i);
        snprintf(record, sizeof record,
                 "{\"pipelineExecution\":{\"pipelineExecutionId\":\"e%d\"},\"summary\":"
                 "{\"pipelineExecutionId\":\"e%d\",\"startTime\":%d.5}}",
                 i, i, 1700000000 + i);
        snprintf(score, sizeof score, "%lld", (1700000000LL + i) * 1000 + 500);
        CHECK_INT_EQ(state_redis_command(w.raw, STATE_REDIS_RETRY, &reply, "HSET %s %s %s", hash,
                                         id, record),
                     0);
        freeReplyObject(reply);
        CHECK_INT_EQ(state_redis_command(w.raw, STATE_REDIS_RETRY, &reply, "ZADD %s %s %s", order,
                                         score, id),
                     0);
        freeReplyObject(reply);
    }
    json_t *records = NULL;
    CHECK_INT_EQ(b->ops->history_executions(b, w.pipeline, INT64_MAX, 2, &records, err, sizeof err),
                 0);
    CHECK_INT_EQ(json_array_size(records), 2);
    CHECK_STR_EQ(
        json_string_value(json_object_get(json_object_get(json_array_get(records, 0), "summary"),
                                          "pipelineExecutionId")),
        "e3");
    json_decref(records);
    CHECK_INT_EQ(
        b->ops->history_executions(b, w.pipeline, 1700000002500LL, 10, &records, err, sizeof err),
        0);
    CHECK_INT_EQ(json_array_size(records), 2);
    json_decref(records);
    json_t *record = NULL;
    CHECK_INT_EQ(b->ops->history_execution(b, w.pipeline, "e2", &record, err, sizeof err), 0);
    json_decref(record);
    CHECK_INT_EQ(b->ops->history_execution(b, w.pipeline, "e9", &record, err, sizeof err),
                 SLUICE_ENOTFOUND);
    json_t *details = NULL;
    CHECK_INT_EQ(b->ops->history_actions(b, w.pipeline, INT64_MAX, 10, &details, err, sizeof err),
                 0);
    CHECK_INT_EQ(json_array_size(details), 0);
    json_decref(details);
    /* rule evaluations: their own hash and order, newest first, bounded by max start time */
    state_key_build(hash, sizeof hash, w.pipeline, STATE_KEY_RULES);
    state_key_build(order, sizeof order, w.pipeline, STATE_KEY_RULES_ORDER);
    for (int i = 1; i <= 3; i++) {
        char id[16];
        char text[256];
        char score[32];
        snprintf(id, sizeof id, "r%d", i);
        snprintf(text, sizeof text,
                 "{\"ruleExecutionId\":\"r%d\",\"pipelineExecutionId\":\"e1\","
                 "\"startTime\":%d.5}",
                 i, 1700000000 + i);
        snprintf(score, sizeof score, "%lld", (1700000000LL + i) * 1000 + 500);
        CHECK_INT_EQ(
            state_redis_command(w.raw, STATE_REDIS_RETRY, &reply, "HSET %s %s %s", hash, id, text),
            0);
        freeReplyObject(reply);
        CHECK_INT_EQ(state_redis_command(w.raw, STATE_REDIS_RETRY, &reply, "ZADD %s %s %s", order,
                                         score, id),
                     0);
        freeReplyObject(reply);
    }
    CHECK_INT_EQ(
        b->ops->history_rules(b, w.pipeline, 1700000002500LL, 10, &details, err, sizeof err), 0);
    CHECK_INT_EQ(json_array_size(details), 2);
    CHECK_STR_EQ(json_string_value(json_object_get(json_array_get(details, 0), "ruleExecutionId")),
                 "r2");
    CHECK_STR_EQ(json_string_value(json_object_get(json_array_get(details, 1), "ruleExecutionId")),
                 "r1");
    json_decref(details);

    /* a request that nobody answers: stored on Kafka, then the wait times out */
    json_t *detail = json_pack("{s:s}", "type", "StartPipelineExecution");
    json_t *answer = NULL;
    CHECK_INT_EQ(b->ops->request(b, w.pipeline, PROTOCOL_DETAIL_REQUEST, detail, 0, &answer, err,
                                 sizeof err),
                 0);
    CHECK(json_object_get(detail, "requestId") == NULL);
    CHECK_INT_EQ(b->ops->request(b, w.pipeline, PROTOCOL_DETAIL_REQUEST, detail, 1200, &answer, err,
                                 sizeof err),
                 SLUICE_ETIMEDOUT);
    CHECK(json_is_string(json_object_get(detail, "requestId")));
    json_decref(detail);
    CHECK_INT_EQ(b->ops->ping(b, err, sizeof err), 0);
    world_close(&w);
}

int main(void)
{
    RUN_TEST(test_definitions);
    RUN_TEST(test_jobs);
    RUN_TEST(test_action_types);
    RUN_TEST(test_read_model_and_requests);
    RUN_TEST(test_state_records_read);
    return sluice_test_report();
}
