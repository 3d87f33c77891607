/*
 * Integration tests of state_redis against a private redis-server that the
 * test starts, kills, restarts and freezes: AUTH, recovery after a restart
 * (scripts reloaded, data kept), bounded failures while the server is down or
 * hung, and which commands are sent again when a connection breaks mid-flight.
 */
#include "redis_proc.h"
#include "sluice/error.h"
#include "sluice/state_cas.h"
#include "sluice/state_key.h"
#include "sluice/state_redis.h"
#include "sluice/time.h"
#include "sluice_test.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>

#define PASSWORD "sluice-test-pw-7f3a"

static redis_proc server;

static state_redis_config config_for(const char *password)
{
    state_redis_config cfg;
    state_redis_config_init(&cfg);
    cfg.host = "127.0.0.1";
    cfg.port = server.port;
    cfg.password = password;
    cfg.connect_timeout_ms = 500;
    cfg.command_timeout_ms = 500;
    cfg.reconnect_timeout_ms = 1000;
    cfg.backoff_min_ms = 20;
    cfg.backoff_max_ms = 200;
    return cfg;
}

static void test_auth(void)
{
    state_redis *r = NULL;
    char err[512];
    state_redis_config cfg = config_for(PASSWORD);
    REQUIRE(state_redis_new(&cfg, &r, err, sizeof err) == SLUICE_OK);
    CHECK_INT_EQ(state_redis_ping(r), SLUICE_OK);
    state_redis_free(r);

    cfg.username = "default"; /* the ACL form: AUTH <user> <password> */
    REQUIRE(state_redis_new(&cfg, &r, err, sizeof err) == SLUICE_OK);
    CHECK_INT_EQ(state_redis_ping(r), SLUICE_OK);
    state_redis_free(r);

    /* a wrong password is refused at once (no reconnect loop), and never echoed */
    cfg = config_for("not-the-right-one");
    int64_t t0 = sluice_time_monotonic_ms();
    r = (state_redis *)&cfg;
    CHECK_INT_EQ(state_redis_new(&cfg, &r, err, sizeof err), SLUICE_EDENIED);
    CHECK(r == NULL);
    CHECK(sluice_time_monotonic_ms() - t0 < 500);
    CHECK_STR_CONTAINS(err, "AUTH refused");
    CHECK_STR_CONTAINS(err, "WRONGPASS");
    CHECK(strstr(err, "not-the-right-one") == NULL);

    /* no password at all: the server's demand is named */
    cfg = config_for(NULL);
    CHECK_INT_EQ(state_redis_new(&cfg, &r, err, sizeof err), SLUICE_EDENIED);
    CHECK_STR_CONTAINS(err, "requires a password");

    /* a lazy client learns it on its first call */
    cfg = config_for("not-the-right-one");
    cfg.connect_lazily = true;
    REQUIRE(state_redis_new(&cfg, &r, err, sizeof err) == SLUICE_OK);
    CHECK_INT_EQ(state_redis_ping(r), SLUICE_EDENIED);
    CHECK_STR_CONTAINS(state_redis_last_error(r), "WRONGPASS");
    CHECK(strstr(state_redis_last_error(r), "not-the-right-one") == NULL);
    state_redis_free(r);
}

static int64_t load_version(state_redis *r, const char *key, int *rc_out)
{
    state_cas_record rec;
    *rc_out = state_cas_load(r, key, &rec);
    int64_t version = (int64_t)rec.version;
    state_cas_record_clear(&rec);
    return version;
}

static void test_restart_recovery(void)
{
    state_redis *r = NULL;
    char err[512];
    state_redis_config cfg = config_for(PASSWORD);
    REQUIRE(state_redis_new(&cfg, &r, err, sizeof err) == SLUICE_OK);
    char rec[STATE_KEY_MAX + 1], outbox[STATE_KEY_MAX + 1];
    REQUIRE(state_key_build(rec, sizeof rec, "restart", "exec:1") == SLUICE_OK);
    REQUIRE(state_key_build(outbox, sizeof outbox, "restart", "outbox") == SLUICE_OK);
    state_cas_bytes event = {"ev", 2};
    state_cas_write w = {.key = rec,
                         .expected_version = 0,
                         .data = "one",
                         .len = 3,
                         .outbox_key = outbox,
                         .entries = &event,
                         .nentries = 1};
    uint64_t version = 0;
    REQUIRE(state_cas_save(r, &w, &version) == SLUICE_OK);

    /* the server restarts between two calls: the closed connection is noticed
     * before anything is sent, so even a command that must not be retried runs */
    REQUIRE(redis_proc_restart(&server) == 0);
    redisReply *reply = NULL;
    CHECK_INT_EQ(state_redis_command(r, STATE_REDIS_NO_RETRY, &reply, "INCR %s", "counter"),
                 SLUICE_OK);
    CHECK(reply != NULL && reply->type == REDIS_REPLY_INTEGER && reply->integer == 1);
    freeReplyObject(reply);
    state_redis_stats stats;
    state_redis_get_stats(r, &stats);
    CHECK_INT_EQ(stats.connects, 2);
    CHECK_INT_EQ(stats.retries, 0);

    /* the new server has no scripts cached: the CAS script is loaded again;
     * the record survived (append-only file) */
    int rc;
    CHECK_INT_EQ(load_version(r, rec, &rc), 1);
    CHECK_INT_EQ(rc, SLUICE_OK);
    w.expected_version = 1;
    w.data = "two";
    CHECK_INT_EQ(state_cas_save(r, &w, &version), SLUICE_OK);
    CHECK_INT_EQ(version, 2);

    /* the server is down: calls fail within the bound, with the reason */
    redis_proc_kill(&server);
    int64_t t0 = sluice_time_monotonic_ms();
    CHECK_INT_EQ(load_version(r, rec, &rc), 0);
    int64_t took = sluice_time_monotonic_ms() - t0;
    CHECK(rc == SLUICE_EREDIS || rc == SLUICE_ETIMEDOUT);
    CHECK(took <= cfg.reconnect_timeout_ms + cfg.connect_timeout_ms + 3 * cfg.command_timeout_ms);
    CHECK_STR_CONTAINS(state_redis_last_error(r), "Connection refused");
    CHECK_STR_CONTAINS(state_redis_last_error(r), "not connected");
    fprintf(stderr, "  down: failed in %lld ms: %s\n", (long long)took, state_redis_last_error(r));
    t0 = sluice_time_monotonic_ms();
    CHECK(state_redis_ping(r) != SLUICE_OK);
    CHECK(sluice_time_monotonic_ms() - t0 <= 3000);
    state_redis_get_stats(r, &stats);
    CHECK(stats.connect_failures >= 2);

    /* creating a client while the server is down fails within the bound too */
    state_redis *other = NULL;
    t0 = sluice_time_monotonic_ms();
    rc = state_redis_new(&cfg, &other, err, sizeof err);
    CHECK(rc == SLUICE_EREDIS || rc == SLUICE_ETIMEDOUT);
    CHECK(other == NULL);
    CHECK(sluice_time_monotonic_ms() - t0 <= 3000);
    CHECK_STR_CONTAINS(err, "Connection refused");

    /* back up: the next call reconnects (after its backoff), re-AUTHs, reloads the script */
    REQUIRE(redis_proc_restart(&server) == 0);
    CHECK_INT_EQ(load_version(r, rec, &rc), 2);
    CHECK_INT_EQ(rc, SLUICE_OK);
    w.expected_version = 2;
    w.data = "three";
    CHECK_INT_EQ(state_cas_save(r, &w, &version), SLUICE_OK);
    CHECK_INT_EQ(version, 3);
    state_cas_outbox ob;
    CHECK_INT_EQ(state_cas_outbox_peek(r, outbox, 10, &ob), SLUICE_OK);
    CHECK_INT_EQ(ob.count, 3);
    state_cas_outbox_clear(&ob);
    state_redis_get_stats(r, &stats);
    CHECK_INT_EQ(stats.connects, 3);
    state_redis_free(r);
}

static void test_hung_server(void)
{
    state_redis *r = NULL;
    char err[512];
    state_redis_config cfg = config_for(PASSWORD);
    REQUIRE(state_redis_new(&cfg, &r, err, sizeof err) == SLUICE_OK);

    /* a frozen server accepts bytes but never answers: the command times out */
    redis_proc_signal(&server, SIGSTOP);
    int64_t t0 = sluice_time_monotonic_ms();
    CHECK_INT_EQ(state_redis_ping(r), SLUICE_ETIMEDOUT);
    int64_t took = sluice_time_monotonic_ms() - t0;
    CHECK(took >= cfg.command_timeout_ms - 50);
    CHECK(took <= cfg.command_timeout_ms + 1000);
    CHECK_STR_CONTAINS(state_redis_last_error(r), "no reply within 500 ms");
    state_redis_stats stats;
    state_redis_get_stats(r, &stats);
    CHECK_INT_EQ(stats.retries, 0); /* a timeout is never sent again */

    /* still frozen: a new connection is accepted by the kernel, AUTH gets no answer */
    t0 = sluice_time_monotonic_ms();
    CHECK_INT_EQ(state_redis_ping(r), SLUICE_ETIMEDOUT);
    CHECK(sluice_time_monotonic_ms() - t0 <=
          cfg.reconnect_timeout_ms + cfg.connect_timeout_ms + 3 * cfg.command_timeout_ms);

    redis_proc_signal(&server, SIGCONT);
    CHECK_INT_EQ(state_redis_ping(r), SLUICE_OK);
    state_redis_free(r);
}

/* ---- a connection killed while its command is in flight ---- */

typedef struct killer {
    int port;
    long long victim_id;
    int killed;
} killer;

static void *killer_run(void *arg)
{
    killer *k = arg;
    struct timespec ts = {.tv_sec = 0, .tv_nsec = 200 * 1000000L};
    nanosleep(&ts, NULL);
    struct timeval tv = {.tv_sec = 1, .tv_usec = 0};
    redisContext *c = redisConnectWithTimeout("127.0.0.1", k->port, tv);
    if (c == NULL || c->err != 0) {
        redisFree(c);
        return NULL;
    }
    redisReply *reply = redisCommand(c, "AUTH %s", PASSWORD);
    freeReplyObject(reply);
    reply = redisCommand(c, "CLIENT KILL ID %lld", k->victim_id);
    k->killed = reply != NULL && reply->type == REDIS_REPLY_INTEGER && reply->integer == 1;
    freeReplyObject(reply);
    redisFree(c);
    return NULL;
}

static long long client_id(state_redis *r)
{
    redisReply *reply = NULL;
    long long id = -1;
    if (state_redis_command(r, STATE_REDIS_RETRY, &reply, "CLIENT ID") == SLUICE_OK) {
        id = reply->integer;
        freeReplyObject(reply);
    }
    return id;
}

static void test_broken_mid_flight(void)
{
    state_redis *r = NULL;
    char err[512];
    state_redis_config cfg = config_for(PASSWORD);
    cfg.command_timeout_ms = 3000;
    REQUIRE(state_redis_new(&cfg, &r, err, sizeof err) == SLUICE_OK);
    redisReply *reply = NULL;
    pthread_t thread;

    /* not retried: the caller is told the outcome is unknown */
    killer k = {.port = server.port, .victim_id = client_id(r)};
    REQUIRE(k.victim_id > 0);
    REQUIRE(pthread_create(&thread, NULL, killer_run, &k) == 0);
    int rc =
        state_redis_command(r, STATE_REDIS_NO_RETRY, &reply, "BLPOP %s %s", "never-filled", "2");
    pthread_join(thread, NULL);
    CHECK(k.killed);
    CHECK_INT_EQ(rc, SLUICE_EREDIS);
    CHECK(reply == NULL);
    CHECK_STR_CONTAINS(state_redis_last_error(r), "may or may not have run");
    state_redis_stats stats;
    state_redis_get_stats(r, &stats);
    CHECK_INT_EQ(stats.retries, 0);

    /* retried once on a new connection: the second BLPOP times out normally (nil) */
    k.victim_id = client_id(r);
    k.killed = 0;
    REQUIRE(k.victim_id > 0);
    REQUIRE(pthread_create(&thread, NULL, killer_run, &k) == 0);
    rc = state_redis_command(r, STATE_REDIS_RETRY, &reply, "BLPOP %s %s", "never-filled", "1");
    pthread_join(thread, NULL);
    CHECK(k.killed);
    CHECK_INT_EQ(rc, SLUICE_OK);
    CHECK(reply != NULL && reply->type == REDIS_REPLY_NIL);
    freeReplyObject(reply);
    state_redis_get_stats(r, &stats);
    CHECK_INT_EQ(stats.retries, 1);
    state_redis_free(r);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    if (redis_proc_start(&server, PASSWORD) != 0) {
        fprintf(stderr, "cannot start a private redis-server\n");
        redis_proc_cleanup(&server);
        return 1;
    }
    RUN_TEST(test_auth);
    RUN_TEST(test_restart_recovery);
    RUN_TEST(test_hung_server);
    RUN_TEST(test_broken_mid_flight);
    redis_proc_cleanup(&server);
    return sluice_test_report();
}
