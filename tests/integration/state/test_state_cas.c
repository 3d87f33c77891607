/*
 * Integration tests of libs/state against the fixture's redis-server:
 * commands and bounds, scripts surviving SCRIPT FLUSH, compare-and-set with
 * its outbox, CAS under contention from several threads, and record sets
 * (a head and members changed in one compare-and-set).
 */
#include "sluice/error.h"
#include "sluice/state_cas.h"
#include "sluice/state_key.h"
#include "sluice/state_redis.h"
#include "sluice/state_script.h"
#include "sluice_test.h"
#include "testenv.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>

static char pipeline[64]; /* unique per run, so keys never collide with other tests */

static state_redis_config base_config(void)
{
    state_redis_config cfg;
    state_redis_config_init(&cfg);
    cfg.host = testenv_require("SLUICE_TEST_REDIS_HOST");
    char *end = NULL;
    long port = strtol(testenv_require("SLUICE_TEST_REDIS_PORT"), &end, 10);
    cfg.port = (end != NULL && *end == '\0' && port > 0 && port < 65536) ? (int)port : -1;
    cfg.connect_timeout_ms = 1000;
    cfg.command_timeout_ms = 2000;
    cfg.reconnect_timeout_ms = 2000;
    return cfg;
}

static state_redis *connect_with(const state_redis_config *cfg)
{
    state_redis *r = NULL;
    char err[512];
    int rc = state_redis_new(cfg, &r, err, sizeof err);
    if (rc != SLUICE_OK) {
        fprintf(stderr, "cannot connect to the fixture's redis: %s\n", err);
    }
    return r;
}

static state_redis *connect_default(void)
{
    state_redis_config cfg = base_config();
    return connect_with(&cfg);
}

static void key_for(char *out, size_t outlen, const char *suffix)
{
    if (state_key_build(out, outlen, pipeline, suffix) != SLUICE_OK) {
        fprintf(stderr, "cannot build a key for %s\n", suffix);
        exit(2);
    }
}

static void test_commands(void)
{
    state_redis *r = connect_default();
    REQUIRE(r != NULL);
    CHECK(state_redis_is_connected(r));
    CHECK_INT_EQ(state_redis_ping(r), SLUICE_OK);

    char key[STATE_KEY_MAX + 1];
    key_for(key, sizeof key, "plain");
    const char value[] = "bytes\0with\0nuls";
    const char *argv[] = {"SET", key, value};
    size_t lens[] = {3, strlen(key), sizeof value};
    redisReply *reply = NULL;
    CHECK_INT_EQ(state_redis_commandv(r, STATE_REDIS_RETRY, 3, argv, lens, &reply), SLUICE_OK);
    freeReplyObject(reply);
    CHECK_INT_EQ(state_redis_command(r, STATE_REDIS_RETRY, &reply, "GET %s", key), SLUICE_OK);
    REQUIRE(reply != NULL);
    CHECK(reply->type == REDIS_REPLY_STRING && reply->len == sizeof value &&
          memcmp(reply->str, value, sizeof value) == 0);
    freeReplyObject(reply);

    /* an error reply is a failure with the server's words; the connection lives on */
    redisReply dummy;
    reply = &dummy; /* must be reset to NULL */
    CHECK_INT_EQ(state_redis_command(r, STATE_REDIS_NO_RETRY, &reply, "HGET %s f", key),
                 SLUICE_EREDIS);
    CHECK(reply == NULL);
    CHECK(state_redis_last_reply_error(r) != NULL);
    CHECK_STR_CONTAINS(state_redis_last_reply_error(r), "WRONGTYPE");
    CHECK_STR_CONTAINS(state_redis_last_error(r), "WRONGTYPE");
    CHECK_INT_EQ(state_redis_ping(r), SLUICE_OK);
    CHECK(state_redis_last_reply_error(r) == NULL);

    state_redis_stats stats;
    state_redis_get_stats(r, &stats);
    CHECK_INT_EQ(stats.connects, 1);
    CHECK_INT_EQ(stats.disconnects, 0);
    CHECK(stats.commands >= 5);

    /* a dropped connection is re-made by the next call */
    state_redis_disconnect(r);
    CHECK(!state_redis_is_connected(r));
    CHECK_INT_EQ(state_redis_ping(r), SLUICE_OK);
    state_redis_get_stats(r, &stats);
    CHECK_INT_EQ(stats.connects, 2);
    state_redis_free(r);
}

static void test_size_bounds(void)
{
    state_redis_config cfg = base_config();
    cfg.max_reply_bytes = 4096;
    cfg.max_request_bytes = 4096;
    state_redis *r = connect_with(&cfg);
    REQUIRE(r != NULL);
    state_redis *big = connect_default();
    REQUIRE(big != NULL);

    char key[STATE_KEY_MAX + 1];
    key_for(key, sizeof key, "big");
    size_t n = 10000;
    char *value = malloc(n);
    REQUIRE(value != NULL);
    memset(value, 'v', n);
    redisReply *reply = NULL;

    /* too big to send: refused before anything leaves */
    CHECK_INT_EQ(state_redis_command(r, STATE_REDIS_NO_RETRY, &reply, "SET %s %b", key, value, n),
                 SLUICE_ETOOBIG);
    CHECK_INT_EQ(state_redis_command(r, STATE_REDIS_RETRY, &reply, "EXISTS %s", key), SLUICE_OK);
    CHECK(reply != NULL && reply->type == REDIS_REPLY_INTEGER && reply->integer == 0);
    freeReplyObject(reply);

    /* too big to receive: the reply is cut off, the connection replaced */
    CHECK_INT_EQ(state_redis_command(big, STATE_REDIS_NO_RETRY, &reply, "SET %s %b", key, value, n),
                 SLUICE_OK);
    freeReplyObject(reply);
    CHECK_INT_EQ(state_redis_command(r, STATE_REDIS_RETRY, &reply, "GET %s", key), SLUICE_ETOOBIG);
    CHECK(reply == NULL);
    CHECK_STR_CONTAINS(state_redis_last_error(r), "exceeds 4096");
    CHECK_INT_EQ(state_redis_command(r, STATE_REDIS_RETRY, &reply, "STRLEN %s", key), SLUICE_OK);
    CHECK(reply != NULL && reply->type == REDIS_REPLY_INTEGER && reply->integer == (long long)n);
    freeReplyObject(reply);
    state_redis_stats stats;
    state_redis_get_stats(r, &stats);
    CHECK_INT_EQ(stats.disconnects, 1);
    CHECK_INT_EQ(stats.connects, 2);

    free(value);
    state_redis_free(big);
    state_redis_free(r);
}

static const char echo_lua[] = "return {KEYS[1], ARGV[1], redis.call('INCR', KEYS[1])}";

static void test_script_survives_flush(void)
{
    state_redis *r = connect_default();
    REQUIRE(r != NULL);
    state_script script;
    REQUIRE(state_script_init(&script, echo_lua) == SLUICE_OK);
    char key[STATE_KEY_MAX + 1];
    key_for(key, sizeof key, "counter");
    const char *keys[] = {key};
    const char *args[] = {"hello"};
    redisReply *reply = NULL;

    /* the server agrees with the local digest */
    CHECK_INT_EQ(state_script_load(r, &script), SLUICE_OK);
    CHECK_INT_EQ(state_redis_command(r, STATE_REDIS_NO_RETRY, &reply, "SCRIPT FLUSH"), SLUICE_OK);
    freeReplyObject(reply);

    /* not cached: NOSCRIPT, loaded, run once */
    CHECK_INT_EQ(
        state_script_eval(r, &script, STATE_REDIS_NO_RETRY, 1, keys, 1, args, NULL, &reply),
        SLUICE_OK);
    REQUIRE(reply != NULL);
    CHECK(reply->type == REDIS_REPLY_ARRAY && reply->elements == 3);
    CHECK_STR_EQ(reply->element[0]->str, key);
    CHECK_STR_EQ(reply->element[1]->str, "hello");
    CHECK_INT_EQ(reply->element[2]->integer, 1);
    freeReplyObject(reply);

    /* cached now: runs again without a reload */
    CHECK_INT_EQ(
        state_script_eval(r, &script, STATE_REDIS_NO_RETRY, 1, keys, 1, args, NULL, &reply),
        SLUICE_OK);
    CHECK(reply != NULL && reply->element[2]->integer == 2);
    freeReplyObject(reply);

    /* flushed again: the CAS scripts reload themselves too */
    CHECK_INT_EQ(state_redis_command(r, STATE_REDIS_NO_RETRY, &reply, "SCRIPT FLUSH"), SLUICE_OK);
    freeReplyObject(reply);
    char rec[STATE_KEY_MAX + 1];
    key_for(rec, sizeof rec, "after-flush");
    state_cas_write w = {.key = rec, .expected_version = 0, .data = "x", .len = 1};
    uint64_t version = 0;
    CHECK_INT_EQ(state_cas_save(r, &w, &version), SLUICE_OK);
    CHECK_INT_EQ(version, 1);

    /* a Lua error is an error reply, reported as such */
    state_script broken;
    REQUIRE(state_script_init(&broken, "return redis.call('NOSUCHCOMMAND')") == SLUICE_OK);
    CHECK_INT_EQ(
        state_script_eval(r, &broken, STATE_REDIS_NO_RETRY, 0, NULL, 0, NULL, NULL, &reply),
        SLUICE_EREDIS);
    CHECK(reply == NULL);
    CHECK(state_redis_last_reply_error(r) != NULL);
    CHECK_INT_EQ(state_redis_ping(r), SLUICE_OK);
    state_redis_free(r);
}

static void check_outbox(state_redis *r, const char *outbox, size_t want_count,
                         const char *const *want)
{
    state_cas_outbox ob;
    CHECK_INT_EQ(state_cas_outbox_peek(r, outbox, 100, &ob), SLUICE_OK);
    CHECK_INT_EQ(ob.count, want_count);
    for (size_t i = 0; i < ob.count && i < want_count; i++) {
        CHECK_STR_EQ(ob.entries[i].data, want[i]);
    }
    state_cas_outbox_clear(&ob);
}

static void test_cas_conflict_and_outbox(void)
{
    state_redis *r = connect_default();
    REQUIRE(r != NULL);
    char rec[STATE_KEY_MAX + 1], outbox[STATE_KEY_MAX + 1];
    key_for(rec, sizeof rec, "exec:e1");
    key_for(outbox, sizeof outbox, "outbox");

    state_cas_record loaded;
    CHECK_INT_EQ(state_cas_load(r, rec, &loaded), SLUICE_ENOTFOUND);
    CHECK_INT_EQ(loaded.version, 0);

    /* v0 -> v1 with two events, atomically */
    state_cas_bytes events1[] = {{"started", 7}, {"stage-in-progress", 17}};
    state_cas_write w = {.key = rec,
                         .expected_version = 0,
                         .data = "state-1",
                         .len = 7,
                         .outbox_key = outbox,
                         .entries = events1,
                         .nentries = 2};
    uint64_t version = 0;
    CHECK_INT_EQ(state_cas_save(r, &w, &version), SLUICE_OK);
    CHECK_INT_EQ(version, 1);
    CHECK_INT_EQ(state_cas_load(r, rec, &loaded), SLUICE_OK);
    CHECK_INT_EQ(loaded.version, 1);
    CHECK_STR_EQ(loaded.data, "state-1");
    state_cas_record_clear(&loaded);
    const char *after1[] = {"started", "stage-in-progress"};
    check_outbox(r, outbox, 2, after1);

    /* a second writer still expecting v0 conflicts and changes nothing */
    state_cas_bytes stale_events[] = {{"stale", 5}};
    state_cas_write stale = {.key = rec,
                             .expected_version = 0,
                             .data = "stale-state",
                             .len = 11,
                             .outbox_key = outbox,
                             .entries = stale_events,
                             .nentries = 1};
    version = 0;
    CHECK_INT_EQ(state_cas_save(r, &stale, &version), SLUICE_ECONFLICT);
    CHECK_INT_EQ(version, 1); /* the stored version, to reload from */
    CHECK_INT_EQ(state_cas_load(r, rec, &loaded), SLUICE_OK);
    CHECK_INT_EQ(loaded.version, 1);
    CHECK_STR_EQ(loaded.data, "state-1");
    state_cas_record_clear(&loaded);
    check_outbox(r, outbox, 2, after1);
    stale.expected_version = 2; /* ahead of the store is a conflict too */
    CHECK_INT_EQ(state_cas_save(r, &stale, &version), SLUICE_ECONFLICT);

    /* v1 -> v2 appends after the pending entries */
    state_cas_bytes events2[] = {{"succeeded", 9}};
    state_cas_write w2 = {.key = rec,
                          .expected_version = 1,
                          .data = "state-2",
                          .len = 7,
                          .outbox_key = outbox,
                          .entries = events2,
                          .nentries = 1};
    CHECK_INT_EQ(state_cas_save(r, &w2, &version), SLUICE_OK);
    CHECK_INT_EQ(version, 2);
    const char *after2[] = {"started", "stage-in-progress", "succeeded"};
    check_outbox(r, outbox, 3, after2);

    /* publish the first two, ack through the second; acking again removes nothing */
    state_cas_outbox ob;
    CHECK_INT_EQ(state_cas_outbox_peek(r, outbox, 2, &ob), SLUICE_OK);
    REQUIRE(ob.count == 2);
    size_t removed = 99;
    CHECK_INT_EQ(state_cas_outbox_ack(r, outbox, ob.entries[1].id, &removed), SLUICE_OK);
    CHECK_INT_EQ(removed, 2);
    CHECK_INT_EQ(state_cas_outbox_ack(r, outbox, ob.entries[1].id, &removed), SLUICE_OK);
    CHECK_INT_EQ(removed, 0);
    CHECK_INT_EQ(state_cas_outbox_ack(r, outbox, ob.entries[0].id, &removed), SLUICE_OK);
    CHECK_INT_EQ(removed, 0);
    state_cas_outbox_clear(&ob);
    const char *after_ack[] = {"succeeded"};
    check_outbox(r, outbox, 1, after_ack);
    CHECK_INT_EQ(state_cas_outbox_peek(r, outbox, 10, &ob), SLUICE_OK);
    REQUIRE(ob.count == 1);
    CHECK_INT_EQ(state_cas_outbox_ack(r, outbox, ob.entries[0].id, &removed), SLUICE_OK);
    CHECK_INT_EQ(removed, 1);
    state_cas_outbox_clear(&ob);
    check_outbox(r, outbox, 0, NULL);

    /* a save without events leaves the outbox alone; binary values round-trip */
    const char binary[] = {'\0', '\x01', '\xff', '{', '}'};
    state_cas_write w3 = {.key = rec, .expected_version = 2, .data = binary, .len = sizeof binary};
    CHECK_INT_EQ(state_cas_save(r, &w3, &version), SLUICE_OK);
    CHECK_INT_EQ(state_cas_load(r, rec, &loaded), SLUICE_OK);
    CHECK_INT_EQ(loaded.version, 3);
    CHECK(loaded.len == sizeof binary && memcmp(loaded.data, binary, sizeof binary) == 0);
    state_cas_record_clear(&loaded);
    check_outbox(r, outbox, 0, NULL);

    /* delete is version-guarded too */
    CHECK_INT_EQ(state_cas_delete(r, rec, 2), SLUICE_ECONFLICT);
    CHECK_INT_EQ(state_cas_load(r, rec, &loaded), SLUICE_OK);
    state_cas_record_clear(&loaded);
    CHECK_INT_EQ(state_cas_delete(r, rec, 3), SLUICE_OK);
    CHECK_INT_EQ(state_cas_load(r, rec, &loaded), SLUICE_ENOTFOUND);
    CHECK_INT_EQ(state_cas_delete(r, rec, 3), SLUICE_ECONFLICT);
    state_redis_free(r);
}

static void test_cas_replay_with_op_id(void)
{
    state_redis *r = connect_default();
    REQUIRE(r != NULL);
    char rec[STATE_KEY_MAX + 1], outbox[STATE_KEY_MAX + 1];
    key_for(rec, sizeof rec, "exec:replay");
    key_for(outbox, sizeof outbox, "outbox-replay");
    state_cas_bytes events[] = {{"event-a", 7}};
    state_cas_write w = {.key = rec,
                         .expected_version = 0,
                         .data = "s1",
                         .len = 2,
                         .op_id = "msg-42",
                         .outbox_key = outbox,
                         .entries = events,
                         .nentries = 1};
    uint64_t version = 0;
    CHECK_INT_EQ(state_cas_save(r, &w, &version), SLUICE_OK);
    CHECK_INT_EQ(version, 1);

    /* the same write again (as after a lost reply): success, nothing written twice */
    version = 0;
    CHECK_INT_EQ(state_cas_save(r, &w, &version), SLUICE_OK);
    CHECK_INT_EQ(version, 1);
    const char *once[] = {"event-a"};
    check_outbox(r, outbox, 1, once);

    /* another write expecting the same version is a conflict */
    state_cas_write other = w;
    other.op_id = "msg-43";
    CHECK_INT_EQ(state_cas_save(r, &other, &version), SLUICE_ECONFLICT);
    other.op_id = NULL;
    CHECK_INT_EQ(state_cas_save(r, &other, &version), SLUICE_ECONFLICT);
    check_outbox(r, outbox, 1, once);

    /* once the record moved on, the old write is a conflict even with its op id */
    state_cas_write next = {
        .key = rec, .expected_version = 1, .data = "s2", .len = 2, .op_id = "msg-44"};
    CHECK_INT_EQ(state_cas_save(r, &next, &version), SLUICE_OK);
    CHECK_INT_EQ(state_cas_save(r, &w, &version), SLUICE_ECONFLICT);
    CHECK_INT_EQ(version, 2);
    state_redis_free(r);
}

/* ---- several threads, one connection each, incrementing one record by CAS ---- */

#define CAS_THREADS    4
#define CAS_INCREMENTS 40

typedef struct cas_worker {
    char key[STATE_KEY_MAX + 1];
    char outbox[STATE_KEY_MAX + 1];
    int done;
    int conflicts;
    int failures;
} cas_worker;

static void *cas_worker_run(void *arg)
{
    cas_worker *wk = arg;
    state_redis *r = connect_default();
    if (r == NULL) {
        wk->failures++;
        return NULL;
    }
    while (wk->done < CAS_INCREMENTS && wk->failures == 0) {
        state_cas_record rec;
        int rc = state_cas_load(r, wk->key, &rec);
        long count = 0;
        if (rc == SLUICE_OK) {
            count = strtol(rec.data, NULL, 10);
        } else if (rc != SLUICE_ENOTFOUND) {
            wk->failures++;
            break;
        }
        char value[32];
        int len = snprintf(value, sizeof value, "%ld", count + 1);
        state_cas_bytes event = {value, (size_t)len};
        state_cas_write w = {.key = wk->key,
                             .expected_version = rec.version,
                             .data = value,
                             .len = (size_t)len,
                             .outbox_key = wk->outbox,
                             .entries = &event,
                             .nentries = 1};
        uint64_t version = 0;
        rc = state_cas_save(r, &w, &version);
        state_cas_record_clear(&rec);
        if (rc == SLUICE_OK) {
            wk->done++;
        } else if (rc == SLUICE_ECONFLICT) {
            wk->conflicts++;
        } else {
            wk->failures++;
        }
    }
    state_redis_free(r);
    return NULL;
}

static void test_cas_under_contention(void)
{
    cas_worker workers[CAS_THREADS];
    pthread_t threads[CAS_THREADS];
    memset(workers, 0, sizeof workers);
    for (int i = 0; i < CAS_THREADS; i++) {
        key_for(workers[i].key, sizeof workers[i].key, "exec:contended");
        key_for(workers[i].outbox, sizeof workers[i].outbox, "outbox-contended");
    }
    for (int i = 0; i < CAS_THREADS; i++) {
        REQUIRE(pthread_create(&threads[i], NULL, cas_worker_run, &workers[i]) == 0);
    }
    int failures = 0;
    for (int i = 0; i < CAS_THREADS; i++) {
        pthread_join(threads[i], NULL);
        failures += workers[i].failures;
    }
    CHECK_INT_EQ(failures, 0);

    /* every successful save counted exactly once, in order, with one event each */
    state_redis *r = connect_default();
    REQUIRE(r != NULL);
    state_cas_record rec;
    CHECK_INT_EQ(state_cas_load(r, workers[0].key, &rec), SLUICE_OK);
    CHECK_INT_EQ(rec.version, CAS_THREADS * CAS_INCREMENTS);
    CHECK_INT_EQ(strtol(rec.data != NULL ? rec.data : "0", NULL, 10), CAS_THREADS * CAS_INCREMENTS);
    state_cas_record_clear(&rec);
    state_cas_outbox ob;
    CHECK_INT_EQ(state_cas_outbox_peek(r, workers[0].outbox, STATE_CAS_MAX_ENTRIES, &ob),
                 SLUICE_OK);
    CHECK_INT_EQ(ob.count, CAS_THREADS * CAS_INCREMENTS);
    for (size_t i = 0; i < ob.count; i++) {
        char want[32];
        snprintf(want, sizeof want, "%zu", i + 1);
        CHECK_STR_EQ(ob.entries[i].data, want);
    }
    state_cas_outbox_clear(&ob);
    state_redis_free(r);
}

/* The value of a plain string key, or "(nil)". */
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

/* Record sets: changed members written, removed ones deleted, others left, all or nothing. */
static void test_cas_set(void)
{
    state_redis *r = connect_default();
    REQUIRE(r != NULL);
    char head[STATE_KEY_MAX + 1], prefix[STATE_KEY_MAX + 1], outbox[STATE_KEY_MAX + 1];
    char key_a[STATE_KEY_MAX + 1], key_b[STATE_KEY_MAX + 1], key_c[STATE_KEY_MAX + 1];
    key_for(head, sizeof head, "set");
    key_for(prefix, sizeof prefix, "set:m:");
    key_for(outbox, sizeof outbox, "set-outbox");
    key_for(key_a, sizeof key_a, "set:m:a");
    key_for(key_b, sizeof key_b, "set:m:b");
    key_for(key_c, sizeof key_c, "set:m:c");
    state_cas_set_record set;
    CHECK_INT_EQ(state_cas_set_load(r, head, prefix, &set), SLUICE_ENOTFOUND);

    const char *ab[] = {"a", "b"};
    state_cas_bytes v1[] = {{"A1", 2}, {"B1", 2}};
    state_cas_bytes e1 = {"ev1", 3};
    state_cas_set_write w = {.key = head,
                             .member_prefix = prefix,
                             .expected_version = 0,
                             .data = "H1",
                             .len = 2,
                             .members = ab,
                             .nmembers = 2,
                             .changed = ab,
                             .values = v1,
                             .nchanged = 2,
                             .outbox_key = outbox,
                             .entries = &e1,
                             .nentries = 1};
    uint64_t version = 0;
    CHECK_INT_EQ(state_cas_set_save(r, &w, &version), SLUICE_OK);
    CHECK_INT_EQ(version, 1);

    /* v1 -> v2: b changes, a is left alone, c is new */
    const char *abc[] = {"a", "b", "c"};
    const char *bc[] = {"b", "c"};
    state_cas_bytes v2[] = {{"B2", 2}, {"C2", 2}};
    state_cas_set_write w2 = {.key = head,
                              .member_prefix = prefix,
                              .expected_version = 1,
                              .data = "H2",
                              .len = 2,
                              .members = abc,
                              .nmembers = 3,
                              .changed = bc,
                              .values = v2,
                              .nchanged = 2,
                              .outbox_key = outbox};
    CHECK_INT_EQ(state_cas_set_save(r, &w2, &version), SLUICE_OK);
    CHECK_INT_EQ(state_cas_set_load(r, head, prefix, &set), SLUICE_OK);
    CHECK_INT_EQ(set.head.version, 2);
    CHECK_STR_EQ(set.head.data, "H2");
    CHECK(set.has_members);
    REQUIRE(set.nmembers == 3);
    CHECK_STR_EQ(set.names[0], "a");
    CHECK_STR_EQ(set.values[0].data, "A1");
    CHECK_STR_EQ(set.values[1].data, "B2");
    CHECK_STR_EQ(set.values[2].data, "C2");
    state_cas_set_record_clear(&set);

    /* a stale writer changes nothing: no head, no member, no outbox entry */
    const char *a_only[] = {"a"};
    state_cas_bytes stale[] = {{"STALE", 5}};
    state_cas_bytes e3 = {"ev-stale", 8};
    state_cas_set_write w3 = {.key = head,
                              .member_prefix = prefix,
                              .expected_version = 1,
                              .data = "H3",
                              .len = 2,
                              .members = a_only,
                              .nmembers = 1,
                              .changed = a_only,
                              .values = stale,
                              .nchanged = 1,
                              .removed = bc,
                              .nremoved = 2,
                              .outbox_key = outbox,
                              .entries = &e3,
                              .nentries = 1};
    CHECK_INT_EQ(state_cas_set_save(r, &w3, &version), SLUICE_ECONFLICT);
    CHECK_INT_EQ(version, 2);
    char value[64];
    get_string(r, key_a, value, sizeof value);
    CHECK_STR_EQ(value, "A1");
    get_string(r, key_c, value, sizeof value);
    CHECK_STR_EQ(value, "C2");
    const char *want1[] = {"ev1"};
    check_outbox(r, outbox, 1, want1);

    /* removing b and c deletes their keys in the same step; the save reports its entry's id and
     * the outbox's length after it (ev1 is still there), so the caller knows it is not alone */
    w3.expected_version = 2;
    state_cas_set_saved saved;
    CHECK_INT_EQ(state_cas_set_save_outbox(r, &w3, &version, &saved), SLUICE_OK);
    CHECK_INT_EQ(saved.outbox_len, 2);
    state_cas_outbox peeked = {0};
    CHECK_INT_EQ(state_cas_outbox_peek(r, outbox, 10, &peeked), SLUICE_OK);
    REQUIRE(peeked.count == 2);
    CHECK_STR_EQ(saved.last_id, peeked.entries[1].id);
    state_cas_outbox_clear(&peeked);
    get_string(r, key_b, value, sizeof value);
    CHECK_STR_EQ(value, "(nil)");
    get_string(r, key_c, value, sizeof value);
    CHECK_STR_EQ(value, "(nil)");
    get_string(r, key_a, value, sizeof value);
    CHECK_STR_EQ(value, "STALE");
    const char *want2[] = {"ev1", "ev-stale"};
    check_outbox(r, outbox, 2, want2);

    /* a save without entries reports none; acked through its id, the outbox is empty and the next
     * save's entry is the only one */
    CHECK_INT_EQ(state_cas_outbox_ack(r, outbox, saved.last_id, NULL), SLUICE_OK);
    state_cas_set_write w4 = w3;
    w4.expected_version = 3;
    w4.nchanged = 0;
    w4.nremoved = 0;
    w4.nentries = 0;
    CHECK_INT_EQ(state_cas_set_save_outbox(r, &w4, &version, &saved), SLUICE_OK);
    CHECK_STR_EQ(saved.last_id, "");
    CHECK_INT_EQ(saved.outbox_len, 0);
    w4.expected_version = 4;
    w4.entries = &e1;
    w4.nentries = 1;
    CHECK_INT_EQ(state_cas_set_save_outbox(r, &w4, &version, &saved), SLUICE_OK);
    CHECK_INT_EQ(saved.outbox_len, 1);
    CHECK(saved.last_id[0] != '\0');
    w4.expected_version = 5;
    w4.nentries = 0;
    w4.outbox_key = NULL;
    CHECK_INT_EQ(state_cas_set_save_outbox(r, &w4, &version, &saved), SLUICE_OK);
    CHECK_INT_EQ(version, 6);

    /* partial reads see one version or report that the head moved */
    state_cas_record some[1];
    CHECK_INT_EQ(state_cas_set_load_members(r, head, prefix, 6, a_only, 1, some), SLUICE_OK);
    CHECK_STR_EQ(some[0].data, "STALE");
    state_cas_record_clear(&some[0]);
    CHECK_INT_EQ(state_cas_set_load_members(r, head, prefix, 2, a_only, 1, some), SLUICE_ECONFLICT);

    /* bad writes are refused before Redis sees them */
    const char *bad[] = {"x\ny"};
    w3.members = bad;
    CHECK_INT_EQ(state_cas_set_save(r, &w3, &version), SLUICE_EINVAL);
    char other[STATE_KEY_MAX + 1];
    state_key_build(other, sizeof other, "another-pipeline", "set:m:");
    w3.members = a_only;
    w3.member_prefix = other;
    CHECK_INT_EQ(state_cas_set_save(r, &w3, &version), SLUICE_EINVAL);

    CHECK_INT_EQ(state_cas_set_delete(r, head, prefix), SLUICE_OK);
    CHECK_INT_EQ(state_cas_set_load(r, head, prefix, &set), SLUICE_ENOTFOUND);
    get_string(r, key_a, value, sizeof value);
    CHECK_STR_EQ(value, "(nil)");
    state_redis_free(r);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    testenv_unique_name("state", pipeline, sizeof pipeline);
    RUN_TEST(test_commands);
    RUN_TEST(test_size_bounds);
    RUN_TEST(test_script_survives_flush);
    RUN_TEST(test_cas_conflict_and_outbox);
    RUN_TEST(test_cas_replay_with_op_id);
    RUN_TEST(test_cas_under_contention);
    RUN_TEST(test_cas_set);
    return sluice_test_report();
}
