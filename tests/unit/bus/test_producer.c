/*
 * Unit tests of sluice/bus_producer.h against librdkafka's in-process mock
 * cluster (no real broker): configuration checks, delivery reporting, a
 * broker outage survived with nothing lost, message timeouts reported as
 * failures, produce errors that make librdkafka raise a fatal idempotence
 * error, and librdkafka's logs routed into Sluice's logger.
 */
#include "sluice/bus_producer.h"
#include "sluice/error.h"
#include "sluice/log.h"
#include "sluice/signal.h"
#include "sluice/time.h"
#include "sluice_test.h"

#include <fcntl.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <stdlib.h>
#include <unistd.h>

#define PRODUCE_API_KEY 0 /* Kafka protocol ApiKey of Produce */

typedef struct mock {
    rd_kafka_t *rk; /* hosts the mock cluster */
    rd_kafka_mock_cluster_t *cluster;
    const char *brokers;
} mock;

static int mock_start(mock *m)
{
    char errstr[256];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "log_level", "0", errstr, sizeof errstr);
    m->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    if (m->rk == NULL) {
        return -1;
    }
    m->cluster = rd_kafka_mock_cluster_new(m->rk, 1);
    if (m->cluster == NULL) {
        return -1;
    }
    m->brokers = rd_kafka_mock_cluster_bootstraps(m->cluster);
    return rd_kafka_mock_topic_create(m->cluster, "t", 2, 1) == RD_KAFKA_RESP_ERR_NO_ERROR ? 0 : -1;
}

static void mock_stop(mock *m)
{
    rd_kafka_mock_cluster_destroy(m->cluster);
    rd_kafka_destroy(m->rk);
}

typedef struct reports {
    int ok;
    int failed;
    int last_err;
    char last_reason[256];
    uint64_t last_seq;
} reports;

static void on_delivery(uint64_t seq, int err, const char *reason, void *ctx)
{
    reports *r = ctx;
    r->last_seq = seq;
    r->last_err = err;
    if (err == SLUICE_OK) {
        r->ok++;
    } else {
        r->failed++;
        snprintf(r->last_reason, sizeof r->last_reason, "%s", reason != NULL ? reason : "");
    }
}

static bus_producer *producer_for(const char *brokers, reports *r, int message_timeout_ms)
{
    bus_producer_config cfg;
    bus_producer_config_init(&cfg);
    cfg.brokers = brokers;
    cfg.on_delivery = on_delivery;
    cfg.ctx = r;
    cfg.message_timeout_ms = message_timeout_ms;
    cfg.close_timeout_ms = 1000;
    bus_producer *p = NULL;
    char err[256] = "";
    if (bus_producer_new(&cfg, &p, err, sizeof err) != SLUICE_OK) {
        fprintf(stderr, "bus_producer_new: %s\n", err);
    }
    return p;
}

static void send_n(bus_producer *p, int n)
{
    for (int i = 0; i < n; i++) {
        char payload[32];
        int len = snprintf(payload, sizeof payload, "message %d", i);
        CHECK_INT_EQ(bus_producer_send(p, "t", "k", 1, payload, (size_t)len, NULL), SLUICE_OK);
    }
}

static void test_config_checks(void)
{
    bus_producer_config cfg;
    bus_producer_config_init(&cfg);
    CHECK_INT_EQ(cfg.linger_ms, 1);
    bus_producer *p = (bus_producer *)1;
    char err[256] = "";
    CHECK_INT_EQ(bus_producer_new(&cfg, &p, err, sizeof err), SLUICE_EINVAL);
    CHECK(p == NULL);
    CHECK_STR_EQ(err, "kafka producer: no brokers given");
    cfg.brokers = "127.0.0.1:1";
    cfg.linger_ms = -1;
    CHECK_INT_EQ(bus_producer_new(&cfg, &p, err, sizeof err), SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "out of range");
    cfg.linger_ms = 1;
    cfg.client_id = "bad client id \x01";
    cfg.debug = "nonsense-context";
    CHECK_INT_EQ(bus_producer_new(&cfg, &p, err, sizeof err), SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "kafka setting debug=nonsense-context");
}

static void test_send_checks(void)
{
    reports r = {0};
    bus_producer *p = producer_for("127.0.0.1:1", &r, 300000);
    REQUIRE(p != NULL);
    char big[1001];
    memset(big, 'x', sizeof big);
    CHECK_INT_EQ(bus_producer_send(p, NULL, NULL, 0, "x", 1, NULL), SLUICE_EINVAL);
    CHECK_INT_EQ(bus_producer_send(p, "t", NULL, 0, NULL, 3, NULL), SLUICE_EINVAL);
    CHECK_INT_EQ(bus_producer_in_flight(p), 0);
    CHECK_INT_EQ(bus_producer_message_max(p), 1000000); /* librdkafka's message.max.bytes */
    bus_producer_free(p);

    bus_producer_config cfg;
    bus_producer_config_init(&cfg);
    cfg.brokers = "127.0.0.1:1";
    cfg.max_message_bytes = 1000;
    cfg.max_in_flight = 2;
    cfg.send_timeout_ms = 100;
    cfg.close_timeout_ms = 100;
    char err[256];
    REQUIRE(bus_producer_new(&cfg, &p, err, sizeof err) == SLUICE_OK);
    CHECK_INT_EQ(bus_producer_message_max(p), 1000);
    CHECK_INT_EQ(bus_producer_send(p, "t", NULL, 0, big, sizeof big, NULL), SLUICE_ETOOBIG);
    uint64_t seq = 0;
    CHECK_INT_EQ(bus_producer_send(p, "t", NULL, 0, big, 1000, &seq), SLUICE_OK);
    CHECK_INT_EQ(seq, 1);
    CHECK_INT_EQ(bus_producer_send(p, "t", NULL, 0, "x", 1, &seq), SLUICE_OK);
    CHECK_INT_EQ(seq, 2);
    /* Nothing can be delivered (no broker): the third waits send_timeout_ms, then gives up. */
    int64_t start = sluice_time_monotonic_ms();
    CHECK_INT_EQ(bus_producer_send(p, "t", NULL, 0, "x", 1, &seq), SLUICE_EAGAIN);
    CHECK(sluice_time_monotonic_ms() - start >= 100);
    CHECK_INT_EQ(bus_producer_in_flight(p), 2);
    CHECK_INT_EQ(bus_producer_flush(p, 50), SLUICE_ETIMEDOUT);
    bus_producer_free(p); /* bounded by close_timeout_ms */
}

/* With the default configuration, closing with messages no broker will ever confirm takes about
 * close_timeout_ms, not longer (it took 10 s, which held the api's shutdown past 3 s). */
static void test_close_is_bounded(void)
{
    bus_producer_config cfg;
    bus_producer_config_init(&cfg);
    CHECK_INT_EQ(cfg.close_timeout_ms, BUS_PRODUCER_CLOSE_TIMEOUT_MS);
    CHECK(BUS_PRODUCER_CLOSE_TIMEOUT_MS <= 1000);
    cfg.brokers = "127.0.0.1:1";
    bus_producer *p = NULL;
    char err[256];
    REQUIRE(bus_producer_new(&cfg, &p, err, sizeof err) == SLUICE_OK);
    for (int i = 0; i < 10; i++) {
        CHECK_INT_EQ(bus_producer_send(p, "t", NULL, 0, "x", 1, NULL), SLUICE_OK);
    }
    CHECK_INT_EQ(bus_producer_in_flight(p), 10);
    int64_t start = sluice_time_monotonic_ms();
    bus_producer_free(p);
    int64_t took = sluice_time_monotonic_ms() - start;
    fprintf(stderr, "closing with 10 unconfirmed messages and no broker: %" PRId64 " ms\n", took);
    CHECK(took >= BUS_PRODUCER_CLOSE_TIMEOUT_MS - 50);
    CHECK(took < BUS_PRODUCER_CLOSE_TIMEOUT_MS + 1000);
}

/* A stop requested while send_sync waits for a broker that is gone ends the wait at once. */
static void test_send_sync_ends_on_stop(void)
{
    bus_producer_config cfg;
    bus_producer_config_init(&cfg);
    cfg.brokers = "127.0.0.1:1";
    cfg.close_timeout_ms = 0;
    bus_producer *p = NULL;
    char err[256];
    REQUIRE(bus_producer_new(&cfg, &p, err, sizeof err) == SLUICE_OK);
    int64_t start = sluice_time_monotonic_ms();
    CHECK_INT_EQ(bus_producer_send_sync(p, "t", NULL, 0, "x", 1, 300), SLUICE_ETIMEDOUT);
    CHECK(sluice_time_monotonic_ms() - start >= 300); /* no stop: the whole timeout */
    sluice_signal_request_stop();
    start = sluice_time_monotonic_ms();
    CHECK_INT_EQ(bus_producer_send_sync(p, "t", NULL, 0, "x", 1, 10000), SLUICE_ETIMEDOUT);
    int64_t took = sluice_time_monotonic_ms() - start;
    fprintf(stderr, "send_sync after a stop request: %" PRId64 " ms\n", took);
    CHECK(took < 500);
    bus_producer_free(p);
}

static void test_delivery_reports(void)
{
    mock m;
    REQUIRE(mock_start(&m) == 0);
    reports r = {0};
    bus_producer *p = producer_for(m.brokers, &r, 300000);
    REQUIRE(p != NULL);
    send_n(p, 200);
    CHECK_INT_EQ(bus_producer_flush(p, 10000), SLUICE_OK);
    CHECK_INT_EQ(r.ok, 200);
    CHECK_INT_EQ(r.failed, 0);
    CHECK_INT_EQ(r.last_seq, 200);
    CHECK_INT_EQ(bus_producer_send_sync(p, "t", NULL, 0, "sync", 4, 5000), SLUICE_OK);
    CHECK_INT_EQ(r.ok, 201);
    bus_producer_stats stats;
    bus_producer_get_stats(p, &stats);
    CHECK_INT_EQ(stats.sent, 201);
    CHECK_INT_EQ(stats.delivered, 201);
    CHECK_INT_EQ(stats.recreated, 0);
    bus_producer_free(p);
    mock_stop(&m);
}

static void test_broker_outage_loses_nothing(void)
{
    mock m;
    REQUIRE(mock_start(&m) == 0);
    reports r = {0};
    bus_producer *p = producer_for(m.brokers, &r, 300000);
    REQUIRE(p != NULL);
    CHECK_INT_EQ(bus_producer_send_sync(p, "t", NULL, 0, "warm-up", 7, 5000), SLUICE_OK);
    rd_kafka_mock_broker_set_down(m.cluster, 1);
    send_n(p, 50);
    CHECK_INT_EQ(bus_producer_flush(p, 500), SLUICE_ETIMEDOUT);
    CHECK_INT_EQ(bus_producer_in_flight(p), 50);
    rd_kafka_mock_broker_set_up(m.cluster, 1);
    CHECK_INT_EQ(bus_producer_flush(p, 15000), SLUICE_OK);
    CHECK_INT_EQ(bus_producer_in_flight(p), 0);
    CHECK_INT_EQ(r.ok, 51);
    CHECK_INT_EQ(r.failed, 0);
    bus_producer_free(p);
    mock_stop(&m);
}

static void test_message_timeout_is_reported(void)
{
    mock m;
    REQUIRE(mock_start(&m) == 0);
    reports r = {0};
    bus_producer *p = producer_for(m.brokers, &r, 500);
    REQUIRE(p != NULL);
    rd_kafka_mock_broker_set_down(m.cluster, 1);
    send_n(p, 3);
    CHECK_INT_EQ(bus_producer_flush(p, 10000), SLUICE_EKAFKA);
    CHECK_INT_EQ(r.failed, 3);
    CHECK_INT_EQ(r.last_err, SLUICE_EKAFKA);
    CHECK_STR_CONTAINS(r.last_reason, "timed out");
    CHECK_INT_EQ(bus_producer_in_flight(p), 0);
    /* The failure was reported once: the next flush is clean. */
    CHECK_INT_EQ(bus_producer_flush(p, 100), SLUICE_OK);
    rd_kafka_mock_broker_set_up(m.cluster, 1);
    bus_producer_free(p);
    mock_stop(&m);
}

static void test_fatal_produce_error_recovers(void)
{
    mock m;
    REQUIRE(mock_start(&m) == 0);
    reports r = {0};
    bus_producer *p = producer_for(m.brokers, &r, 300000);
    REQUIRE(p != NULL);
    CHECK_INT_EQ(bus_producer_send_sync(p, "t", NULL, 0, "warm-up", 7, 5000), SLUICE_OK);
    /* The broker answers the next produce with an error the idempotent producer cannot survive. */
    rd_kafka_mock_push_request_errors(m.cluster, PRODUCE_API_KEY, 1,
                                      RD_KAFKA_RESP_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER);
    send_n(p, 100);
    CHECK_INT_EQ(bus_producer_flush(p, 15000), SLUICE_OK);
    bus_producer_stats stats;
    bus_producer_get_stats(p, &stats);
    fprintf(stderr, "recreated %llu, resent %llu\n", (unsigned long long)stats.recreated,
            (unsigned long long)stats.resent);
    CHECK(stats.recreated >= 1);
    CHECK_INT_EQ(r.ok, 101);
    CHECK_INT_EQ(r.failed, 0);
    bus_producer_free(p);
    mock_stop(&m);
}

static void test_logs_routed(void)
{
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    fcntl(fds[0], F_SETFL, O_NONBLOCK);
    fcntl(fds[1], F_SETFL, O_NONBLOCK); /* a full pipe drops records instead of blocking */
    sluice_log_set_fd(fds[1]);
    reports r = {0};
    bus_producer *p = producer_for("127.0.0.1:1", &r, 300000); /* nothing listens there */
    REQUIRE(p != NULL);
    for (int i = 0; i < 30; i++) {
        bus_producer_poll(p, 50);
    }
    bus_producer_free(p);
    sluice_log_set_fd(2);
    char text[8192];
    ssize_t n = read(fds[0], text, sizeof text - 1);
    text[n > 0 ? n : 0] = '\0';
    close(fds[0]);
    close(fds[1]);
    /* librdkafka's connection errors arrive as Sluice JSON log records. */
    CHECK_STR_CONTAINS(text, "\"msg\":\"kafka ");
    CHECK_STR_CONTAINS(text, "127.0.0.1:1");
    CHECK_STR_CONTAINS(text, "\"level\":\"warn\"");
}

int main(void)
{
    RUN_TEST(test_config_checks);
    RUN_TEST(test_send_checks);
    RUN_TEST(test_close_is_bounded);
    RUN_TEST(test_delivery_reports);
    RUN_TEST(test_broker_outage_loses_nothing);
    RUN_TEST(test_message_timeout_is_reported);
    RUN_TEST(test_fatal_produce_error_recovers);
    RUN_TEST(test_logs_routed);
    RUN_TEST(test_send_sync_ends_on_stop); /* last: the stop request stays set */
    return sluice_test_report();
}
