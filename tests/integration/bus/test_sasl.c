/*
 * test_sasl.c — libs/bus against the secured broker of the
 * integration_secure_env fixture (SASL_PLAINTEXT, SCRAM users, the KRaft
 * StandardAuthorizer with Sluice's ACLs; scripts/kafka.sh start --sasl):
 *   - Sluice's principal authenticates, creates its topics and round-trips a
 *     message;
 *   - wrong credentials are refused by the broker as an authentication
 *     failure: topic creation ends at once with SLUICE_EDENIED, a producer and
 *     a consumer report bus_*_auth_failed (what /healthz shows);
 *   - the read-only principal is refused writing a requests topic
 *     (TOPIC_AUTHORIZATION_FAILED), with or without the idempotent producer,
 *     and reading it; it reads the events topic.
 */
#include "sluice/bus_admin.h"
#include "sluice/bus_consumer.h"
#include "sluice/bus_producer.h"
#include "sluice/bus_security.h"
#include "sluice/error.h"
#include "kit.h"
#include "sluice/time.h"
#include "sluice_test.h"
#include "testenv.h"

#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *brokers;
static char requests[256];
static char deadletter[256];
static char wrong_file[256];
static char events[256];       /* the one events topic the reader may read: <acl prefix>.events */
static char reader_group[256]; /* <acl prefix>-reader-<unique>: a group the reader may join */

static bus_consumer_verdict count_message(const bus_consumer_message *msg, void *ctx, char *reason,
                                          size_t reasonlen)
{
    (void)msg;
    (void)reason;
    (void)reasonlen;
    (*(int *)ctx)++;
    return BUS_CONSUMER_DONE;
}

/* A consumer of topic in group as the principal of sec. */
static bus_consumer *consumer_for(const bus_security *sec, const char *topic, const char *group)
{
    const char *subscribe[] = {topic};
    bus_consumer_config cfg;
    kit_consumer_config(&cfg, subscribe, 1, group, deadletter);
    cfg.brokers = brokers;
    cfg.security = sec;
    bus_consumer *c = NULL;
    char err[512] = "";
    if (bus_consumer_new(&cfg, &c, err, sizeof err) != SLUICE_OK) {
        fprintf(stderr, "consumer: %s\n", err);
        exit(1);
    }
    return c;
}

/* The security settings of principal user with the password in file. */
static void security_for(const char *user, const char *file, bus_security *out)
{
    bus_security_config cfg;
    memset(&cfg, 0, sizeof cfg);
    snprintf(cfg.protocol, sizeof cfg.protocol, "%s",
             testenv_require("SLUICE_TEST_KAFKA_SECURITY_PROTOCOL"));
    snprintf(cfg.mechanism, sizeof cfg.mechanism, "%s",
             testenv_require("SLUICE_TEST_KAFKA_SASL_MECHANISM"));
    snprintf(cfg.username, sizeof cfg.username, "%s", user);
    snprintf(cfg.password_file, sizeof cfg.password_file, "%s", file);
    char err[1024] = "";
    if (bus_security_resolve(&cfg, out, err, sizeof err) != SLUICE_OK) {
        fprintf(stderr, "security settings: %s\n", err);
        exit(1);
    }
}

static bus_producer *producer_for(const bus_security *sec, int message_timeout_ms)
{
    bus_producer_config cfg;
    bus_producer_config_init(&cfg);
    cfg.brokers = brokers;
    cfg.security = sec;
    cfg.message_timeout_ms = message_timeout_ms;
    cfg.close_timeout_ms = 0;
    bus_producer *p = NULL;
    char err[512] = "";
    if (bus_producer_new(&cfg, &p, err, sizeof err) != SLUICE_OK) {
        fprintf(stderr, "producer: %s\n", err);
        exit(1);
    }
    return p;
}

static void test_sluice_principal_round_trip(void)
{
    bus_security sec;
    security_for(testenv_require("SLUICE_TEST_KAFKA_SASL_USERNAME"),
                 testenv_require("SLUICE_TEST_KAFKA_SASL_PASSWORD_FILE"), &sec);
    const char *topics[] = {requests, deadletter, events};
    char err[1024] = "";
    CHECK_INT_EQ(
        bus_admin_create_topics_secure(brokers, &sec, topics, 3, 1, 1, 30000, err, sizeof err),
        SLUICE_OK);
    bus_producer *p = producer_for(&sec, 20000);
    sluice_buf msg;
    sluice_buf_init(&msg, 4096);
    kit_envelope("k", 1, &msg);
    CHECK_INT_EQ(bus_producer_send_sync(p, requests, "k", 1, msg.data, msg.len, 20000), SLUICE_OK);
    CHECK_INT_EQ(bus_producer_send_sync(p, events, "k", 1, msg.data, msg.len, 20000), SLUICE_OK);
    sluice_buf_free(&msg);
    CHECK(!bus_producer_auth_failed(p));
    bus_producer_free(p);
    bus_security_wipe(&sec);
}

static void test_wrong_password_is_refused(void)
{
    bus_security sec;
    security_for(testenv_require("SLUICE_TEST_KAFKA_SASL_USERNAME"), wrong_file, &sec);
    const char *topics[] = {requests};
    char err[1024] = "";
    int64_t started = sluice_time_monotonic_ms();
    CHECK_INT_EQ(
        bus_admin_create_topics_secure(brokers, &sec, topics, 1, 1, 1, 30000, err, sizeof err),
        SLUICE_EDENIED);
    /* Refused at once, not at the 30 s deadline, and said to be an authentication failure. */
    CHECK(sluice_time_monotonic_ms() - started < 15000);
    CHECK_STR_CONTAINS(err, "_AUTHENTICATION");
    CHECK_STR_CONTAINS(err, "uthentication failed");
    fprintf(stderr, "refused as expected: %s\n", err);

    bus_producer *p = producer_for(&sec, 3000);
    const char *msg = "{}";
    CHECK(bus_producer_send_sync(p, requests, NULL, 0, msg, 2, 5000) != SLUICE_OK);
    CHECK(bus_producer_auth_failed(p));
    bus_producer_free(p);

    const char *subscribe[] = {requests};
    bus_consumer_config ccfg;
    bus_consumer_config_init(&ccfg);
    ccfg.brokers = brokers;
    ccfg.security = &sec;
    ccfg.group_id = "sluice-sasl-wrong";
    ccfg.topics = subscribe;
    ccfg.ntopics = 1;
    ccfg.deadletter_topic = deadletter;
    bus_consumer *c = NULL;
    REQUIRE(bus_consumer_new(&ccfg, &c, err, sizeof err) == SLUICE_OK);
    int64_t deadline = sluice_time_monotonic_ms() + 10000;
    int seen = 0;
    while (!bus_consumer_auth_failed(c) && sluice_time_monotonic_ms() < deadline) {
        (void)bus_consumer_run_once(c, count_message, &seen, 100);
    }
    CHECK_INT_EQ(seen, 0);
    CHECK(bus_consumer_auth_failed(c));
    bus_consumer_free(c);
    bus_security_wipe(&sec);
}

/* Delivery report of the raw producer: keeps the error. */
static void raw_dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    *(rd_kafka_resp_err_t *)opaque = m->err;
}

static void test_reader_cannot_write_requests(void)
{
    const char *user = testenv_require("SLUICE_TEST_KAFKA_READER_USERNAME");
    bus_security sec;
    security_for(user, testenv_require("SLUICE_TEST_KAFKA_READER_PASSWORD_FILE"), &sec);

    /* A plain (non-idempotent) producer: the broker's verdict on the write itself. */
    char errstr[512];
    rd_kafka_resp_err_t result = RD_KAFKA_RESP_ERR__IN_PROGRESS;
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    REQUIRE(rd_kafka_conf_set(conf, "bootstrap.servers", brokers, errstr, sizeof errstr) ==
                RD_KAFKA_CONF_OK &&
            rd_kafka_conf_set(conf, "security.protocol", bus_security_protocol_name(sec.protocol),
                              errstr, sizeof errstr) == RD_KAFKA_CONF_OK &&
            rd_kafka_conf_set(conf, "sasl.mechanism", bus_security_mechanism_name(sec.mechanism),
                              errstr, sizeof errstr) == RD_KAFKA_CONF_OK &&
            rd_kafka_conf_set(conf, "sasl.username", sec.username, errstr, sizeof errstr) ==
                RD_KAFKA_CONF_OK &&
            rd_kafka_conf_set(conf, "sasl.password", sec.password, errstr, sizeof errstr) ==
                RD_KAFKA_CONF_OK &&
            rd_kafka_conf_set(conf, "message.timeout.ms", "10000", errstr, sizeof errstr) ==
                RD_KAFKA_CONF_OK);
    rd_kafka_conf_set_dr_msg_cb(conf, raw_dr_cb);
    rd_kafka_conf_set_opaque(conf, &result);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    REQUIRE(rk != NULL);
    const char *msg = "{\"detail-type\":\"forged\"}";
    CHECK_INT_EQ(rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(requests),
                                   RD_KAFKA_V_VALUE((void *)(uintptr_t)msg, strlen(msg)),
                                   RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END),
                 RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_flush(rk, 15000);
    CHECK_STR_EQ(rd_kafka_err2name(result),
                 rd_kafka_err2name(RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED));
    rd_kafka_destroy(rk);

    /* Sluice's own (idempotent) producer as the reader: refused too, and it says so. */
    bus_producer *p = producer_for(&sec, 5000);
    CHECK(bus_producer_send_sync(p, requests, NULL, 0, msg, strlen(msg), 8000) != SLUICE_OK);
    CHECK(bus_producer_auth_failed(p));
    bus_producer_free(p);

    /* Reading requests is refused; reading events (in a group of its own) is allowed. */
    int seen = 0;
    bus_consumer *c = consumer_for(&sec, requests, reader_group);
    int64_t deadline = sluice_time_monotonic_ms() + 15000;
    while (!bus_consumer_auth_failed(c) && sluice_time_monotonic_ms() < deadline) {
        (void)bus_consumer_run_once(c, count_message, &seen, 100);
    }
    CHECK(bus_consumer_auth_failed(c));
    CHECK_INT_EQ(seen, 0);
    bus_consumer_free(c);

    c = consumer_for(&sec, events, reader_group);
    deadline = sluice_time_monotonic_ms() + 20000;
    while (seen == 0 && sluice_time_monotonic_ms() < deadline) {
        (void)bus_consumer_run_once(c, count_message, &seen, 100);
    }
    CHECK_INT_EQ(seen, 1);
    CHECK(!bus_consumer_auth_failed(c));
    bus_consumer_free(c);
    bus_security_wipe(&sec);
}

int main(void)
{
    brokers = testenv_require("SLUICE_TEST_KAFKA_BROKERS");
    const char *prefix = testenv_require("SLUICE_TEST_KAFKA_ACL_PREFIX");
    char unique[128];
    testenv_unique_name("sasl", unique, sizeof unique);
    snprintf(requests, sizeof requests, "%s.%s.requests", prefix, unique);
    snprintf(deadletter, sizeof deadletter, "%s.%s.deadletter", prefix, unique);
    snprintf(events, sizeof events, "%s.events", prefix);
    snprintf(reader_group, sizeof reader_group, "%s-reader-%s", prefix, unique);
    snprintf(wrong_file, sizeof wrong_file, "/tmp/sluice-sasl-wrong-%d", (int)getpid());
    FILE *f = fopen(wrong_file, "w");
    if (f == NULL || fputs("not-the-password\n", f) < 0 || fclose(f) != 0 ||
        chmod(wrong_file, 0600) != 0) {
        perror(wrong_file);
        return 1;
    }

    RUN_TEST(test_sluice_principal_round_trip);
    RUN_TEST(test_wrong_password_is_refused);
    RUN_TEST(test_reader_cannot_write_requests);
    unlink(wrong_file);
    return sluice_test_report();
}
