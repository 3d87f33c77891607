/*
 * Unit tests of sluice/bus_consumer.h that need no broker: configuration
 * checks (each names what is wrong) and the lifecycle of a consumer whose
 * broker is unreachable (runs, closes, refuses work after closing).
 */
#include "sluice/bus_consumer.h"
#include "sluice/error.h"
#include "sluice_test.h"

static bus_consumer_verdict never_called(const bus_consumer_message *msg, void *ctx, char *reason,
                                         size_t reasonlen)
{
    (void)msg;
    (void)reason;
    (void)reasonlen;
    (*(int *)ctx)++;
    return BUS_CONSUMER_DONE;
}

static void base_config(bus_consumer_config *cfg, const char *const *topics)
{
    bus_consumer_config_init(cfg);
    cfg->brokers = "127.0.0.1:1";
    cfg->group_id = "g";
    cfg->topics = topics;
    cfg->ntopics = 1;
    cfg->deadletter_topic = "sluice.deadletter";
}

static void expect_error(const bus_consumer_config *cfg, int rc, const char *want)
{
    bus_consumer *c = (bus_consumer *)1;
    char err[256] = "";
    CHECK_INT_EQ(bus_consumer_new(cfg, &c, err, sizeof err), rc);
    CHECK(c == NULL);
    CHECK_STR_CONTAINS(err, want);
}

static void test_defaults(void)
{
    bus_consumer_config cfg;
    bus_consumer_config_init(&cfg);
    CHECK_INT_EQ(cfg.session_timeout_ms, 10000);
    CHECK_INT_EQ(cfg.heartbeat_interval_ms, 1000);
    CHECK_INT_EQ(cfg.commit_interval_ms, 1000);
    CHECK_INT_EQ(cfg.max_message_bytes, BUS_ENVELOPE_MAX_BYTES);
    CHECK(cfg.deadletter_producer == NULL);
}

static void test_config_errors(void)
{
    const char *topics[] = {"sluice.requests"};
    const char *bad_topics[] = {"sluice requests"};
    bus_consumer_config cfg;

    base_config(&cfg, topics);
    cfg.brokers = NULL;
    expect_error(&cfg, SLUICE_EINVAL, "no brokers given");

    base_config(&cfg, topics);
    cfg.group_id = "";
    expect_error(&cfg, SLUICE_EINVAL, "no group id given");

    base_config(&cfg, topics);
    cfg.ntopics = 0;
    expect_error(&cfg, SLUICE_EINVAL, "between 1 and 64 topics");

    base_config(&cfg, bad_topics);
    expect_error(&cfg, SLUICE_EINVAL, "illegal character at position 7");

    base_config(&cfg, topics);
    cfg.deadletter_topic = NULL;
    expect_error(&cfg, SLUICE_EINVAL, "a valid dead-letter topic is required");

    base_config(&cfg, topics);
    cfg.retry_backoff_max_ms = 10;
    expect_error(&cfg, SLUICE_EINVAL, "backoff max >= backoff");

    /* Dead letters must be valid envelopes: the identity is checked up front. */
    base_config(&cfg, topics);
    cfg.account = "acct";
    expect_error(&cfg, SLUICE_EINVAL, "field \"account\" must be 12 digits, got \"acct\"");
    base_config(&cfg, topics);
    cfg.region = "Mars";
    expect_error(&cfg, SLUICE_EINVAL, "field \"region\" must be a region name");

    base_config(&cfg, topics);
    cfg.session_timeout_ms = 20000; /* librdkafka's own consistency check */
    cfg.max_poll_interval_ms = 10000;
    expect_error(&cfg, SLUICE_EKAFKA, "max.poll.interval.ms");
}

static void test_lifecycle_without_broker(void)
{
    const char *topics[] = {"sluice.requests"};
    bus_consumer_config cfg;
    base_config(&cfg, topics);
    bus_consumer *c = NULL;
    char err[256] = "";
    REQUIRE(bus_consumer_new(&cfg, &c, err, sizeof err) == SLUICE_OK);
    int calls = 0;
    CHECK_INT_EQ(bus_consumer_run_once(c, never_called, &calls, 50), 0);
    CHECK_INT_EQ(calls, 0);
    CHECK_INT_EQ(bus_consumer_close(c), SLUICE_OK);
    CHECK_INT_EQ(bus_consumer_close(c), SLUICE_OK); /* idempotent */
    CHECK_INT_EQ(bus_consumer_run_once(c, never_called, &calls, 50), SLUICE_ECLOSED);
    bus_consumer_stats stats;
    bus_consumer_get_stats(c, &stats);
    CHECK_INT_EQ(stats.handled, 0);
    bus_consumer_free(c);
    bus_consumer_free(NULL);
}

int main(void)
{
    RUN_TEST(test_defaults);
    RUN_TEST(test_config_errors);
    RUN_TEST(test_lifecycle_without_broker);
    return sluice_test_report();
}
