/* Unit tests of the pure parts of sluice/state_redis.h: backoff, error classes, config checks. */
#include "sluice/error.h"
#include "sluice/state_redis.h"
#include "sluice_test.h"

static void test_backoff_grows_and_caps(void)
{
    /* jitter 0 gives the low end (ceiling / 2); UINT32_MAX lands somewhere in range */
    CHECK_INT_EQ(state_redis_backoff_ms(1, 100, 2000, 0), 50);
    CHECK_INT_EQ(state_redis_backoff_ms(2, 100, 2000, 0), 100);
    CHECK_INT_EQ(state_redis_backoff_ms(3, 100, 2000, 0), 200);
    CHECK_INT_EQ(state_redis_backoff_ms(5, 100, 2000, 0), 800);
    CHECK_INT_EQ(state_redis_backoff_ms(6, 100, 2000, 0), 1000); /* ceiling 3200 capped at 2000 */
    CHECK_INT_EQ(state_redis_backoff_ms(7, 100, 2000, 0), 1000);
    CHECK_INT_EQ(state_redis_backoff_ms(6, 100, 2000, UINT32_MAX), 1000 + UINT32_MAX % 1001);
    CHECK_INT_EQ(state_redis_backoff_ms(1000000, 100, 2000, 0), 1000);
    CHECK_INT_EQ(state_redis_backoff_ms(4000000000u, 100, 2000, 12345), 1000 + 12345 % 1001);
}

static void test_backoff_jitter_range(void)
{
    for (unsigned failures = 1; failures < 40; failures++) {
        int lo = 1 << 30;
        int hi = 0;
        for (uint32_t j = 0; j < 5000; j += 7) {
            int ms = state_redis_backoff_ms(failures, 50, 3000, j * 2654435761u);
            lo = ms < lo ? ms : lo;
            hi = ms > hi ? ms : hi;
        }
        int ceiling = 50;
        for (unsigned i = 1; i < failures && ceiling < 3000; i++) {
            ceiling *= 2;
        }
        ceiling = ceiling > 3000 ? 3000 : ceiling;
        CHECK(lo >= ceiling / 2);
        CHECK(hi <= ceiling);
        CHECK(hi > lo); /* jitter spreads the waits */
    }
}

static void test_backoff_odd_inputs(void)
{
    CHECK_INT_EQ(state_redis_backoff_ms(0, 100, 2000, 0), 50); /* 0 failures: as the first */
    CHECK_INT_EQ(state_redis_backoff_ms(3, 0, 0, 0), 0);       /* min taken as 1: ceiling 1 */
    CHECK(state_redis_backoff_ms(3, 0, 0, 1) <= 1);
    CHECK_INT_EQ(state_redis_backoff_ms(9, 500, 10, 0), 250); /* max below min: min */
    CHECK(state_redis_backoff_ms(40, 2147483647, 2147483647, UINT32_MAX) <= 2147483647);
}

static void test_transient_errors(void)
{
    CHECK(state_redis_error_is_transient("LOADING Redis is loading the dataset in memory"));
    CHECK(state_redis_error_is_transient("BUSY Redis is busy running a script."));
    CHECK(state_redis_error_is_transient("TRYAGAIN Multiple keys request during rehashing"));
    CHECK(state_redis_error_is_transient("MASTERDOWN Link with MASTER is down"));
    CHECK(state_redis_error_is_transient("LOADING"));
    CHECK(!state_redis_error_is_transient("BUSYKEY Target key name already exists."));
    CHECK(!state_redis_error_is_transient("NOSCRIPT No matching script."));
    CHECK(!state_redis_error_is_transient("ERR unknown command"));
    CHECK(!state_redis_error_is_transient("WRONGTYPE Operation against a key"));
    CHECK(!state_redis_error_is_transient(""));
    CHECK(!state_redis_error_is_transient(NULL));
}

static void test_config_checks(void)
{
    state_redis_config cfg;
    state_redis *r = (state_redis *)&cfg; /* must be reset to NULL on failure */
    char err[256];

    state_redis_config_init(&cfg);
    cfg.port = 0;
    CHECK_INT_EQ(state_redis_new(&cfg, &r, err, sizeof err), SLUICE_EINVAL);
    CHECK(r == NULL);
    CHECK_STR_CONTAINS(err, "port");

    state_redis_config_init(&cfg);
    cfg.host = "";
    CHECK_INT_EQ(state_redis_new(&cfg, &r, err, sizeof err), SLUICE_EINVAL);

    state_redis_config_init(&cfg);
    cfg.backoff_min_ms = 500;
    cfg.backoff_max_ms = 100;
    CHECK_INT_EQ(state_redis_new(&cfg, &r, err, sizeof err), SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "backoff");

    state_redis_config_init(&cfg);
    cfg.command_timeout_ms = 0;
    CHECK_INT_EQ(state_redis_new(&cfg, &r, err, sizeof err), SLUICE_EINVAL);

    state_redis_config_init(&cfg);
    cfg.max_reply_bytes = 10;
    CHECK_INT_EQ(state_redis_new(&cfg, &r, err, sizeof err), SLUICE_EINVAL);

    state_redis_config_init(&cfg);
    cfg.username = "alice";
    CHECK_INT_EQ(state_redis_new(&cfg, &r, err, sizeof err), SLUICE_EINVAL);

    /* a lazy client is created without a server and fails cleanly on use */
    state_redis_config_init(&cfg);
    cfg.connect_lazily = true;
    cfg.port = 1; /* nothing listens there */
    cfg.reconnect_timeout_ms = 0;
    cfg.backoff_min_ms = 10000; /* the second call below comes long before the next attempt */
    cfg.backoff_max_ms = 20000;
    cfg.password = "s3cret-never-printed";
    REQUIRE(state_redis_new(&cfg, &r, err, sizeof err) == SLUICE_OK);
    CHECK(!state_redis_is_connected(r));
    redisReply *reply = NULL;
    int rc = state_redis_command(r, STATE_REDIS_RETRY, &reply, "GET %s", "k");
    CHECK(rc == SLUICE_EREDIS || rc == SLUICE_ETIMEDOUT);
    CHECK(reply == NULL);
    CHECK_STR_CONTAINS(state_redis_last_error(r), "127.0.0.1:1");
    CHECK(strstr(state_redis_last_error(r), "s3cret") == NULL);
    CHECK(state_redis_last_reply_error(r) == NULL);
    state_redis_stats stats;
    state_redis_get_stats(r, &stats);
    CHECK_INT_EQ(stats.connect_failures, 1);
    CHECK_INT_EQ(stats.connects, 0);
    /* the backoff now holds off the next attempt: a zero budget fails without trying */
    rc = state_redis_ping(r);
    CHECK(rc == SLUICE_EREDIS || rc == SLUICE_ETIMEDOUT);
    state_redis_get_stats(r, &stats);
    CHECK_INT_EQ(stats.connect_failures, 1);
    state_redis_free(r);
    state_redis_free(NULL);
}

int main(void)
{
    RUN_TEST(test_backoff_grows_and_caps);
    RUN_TEST(test_backoff_jitter_range);
    RUN_TEST(test_backoff_odd_inputs);
    RUN_TEST(test_transient_errors);
    RUN_TEST(test_config_checks);
    return sluice_test_report();
}
