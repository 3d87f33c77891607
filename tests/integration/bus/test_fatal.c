/*
 * libs/bus against a real broker: a fatal error of the idempotent producer
 * (raised with librdkafka's test hook while messages are in flight) makes
 * the producer re-create itself and re-send what was not confirmed; every
 * message reaches the topic at least once, each outcome is reported once,
 * and the producer keeps working afterwards.
 */
#include "kit.h"
#include "sluice/error.h"
#include "sluice_test.h"

#include <stdio.h>
#include <stdlib.h>

#define BATCH 1000
#define TOTAL (2 * BATCH + 1)
#define KEYS  4

typedef struct outcomes {
    int reports[TOTAL + 2]; /* per producer sequence number (1-based) */
    int failures;
} outcomes;

static void on_delivery(uint64_t seq, int err, const char *reason, void *ctx)
{
    outcomes *o = ctx;
    if (seq < TOTAL + 2) {
        o->reports[seq]++;
    }
    if (err != SLUICE_OK) {
        fprintf(stderr, "message %llu failed: %s\n", (unsigned long long)seq, reason);
        o->failures++;
    }
}

typedef struct received {
    int count[TOTAL];
    long total;
} received;

static bus_consumer_verdict count_seq(const bus_consumer_message *msg, void *ctx, char *reason,
                                      size_t reasonlen)
{
    received *r = ctx;
    const char *key = NULL;
    long seq = -1;
    (void)reason;
    (void)reasonlen;
    if (kit_envelope_fields(msg->envelope, &key, &seq) == 0 && seq >= 0 && seq < TOTAL) {
        r->count[seq]++;
    }
    r->total++;
    return BUS_CONSUMER_DONE;
}

static void send_range(bus_producer *p, const char *topic, long from, long to, sluice_buf *buf)
{
    for (long i = from; i < to; i++) {
        char key[32];
        snprintf(key, sizeof key, "pipeline-%ld", i % KEYS);
        kit_envelope(key, i, buf);
        if (bus_producer_send(p, topic, key, strlen(key), buf->data, buf->len, NULL) != SLUICE_OK) {
            fprintf(stderr, "send %ld failed\n", i);
        }
    }
}

static void test_fatal_error_recovery(void)
{
    char topic[KIT_NAME_MAX];
    char dl[KIT_NAME_MAX];
    char group[KIT_NAME_MAX];
    kit_topic("bus-fatal", 3, topic, sizeof topic);
    kit_topic("bus-fatal-dl", 1, dl, sizeof dl);
    kit_group("bus-fatal-group", group, sizeof group);

    static outcomes o;
    memset(&o, 0, sizeof o);
    bus_producer *p = kit_producer(on_delivery, &o);
    sluice_buf buf;
    sluice_buf_init(&buf, BUS_ENVELOPE_MAX_BYTES);

    /* A first batch, partly delivered, then the fatal error with the rest in flight. */
    send_range(p, topic, 0, BATCH, &buf);
    bus_producer_poll(p, 5);
    bus_producer_stats before;
    bus_producer_get_stats(p, &before);
    CHECK_INT_EQ(bus_producer_inject_fatal(p, "simulated sequence desynchronization"), SLUICE_OK);
    /* A second batch sent while the handle is dead, then a flush that must see everything. */
    send_range(p, topic, BATCH, 2 * BATCH, &buf);
    CHECK_INT_EQ(bus_producer_flush(p, 30000), SLUICE_OK);
    CHECK_INT_EQ(bus_producer_in_flight(p), 0);

    bus_producer_stats after;
    bus_producer_get_stats(p, &after);
    fprintf(stderr,
            "before the fatal error %llu of %d were confirmed; recreated %llu, resent %llu\n",
            (unsigned long long)before.delivered, BATCH, (unsigned long long)after.recreated,
            (unsigned long long)after.resent);
    CHECK(after.recreated >= 1);
    CHECK(after.resent >= 1);
    CHECK_INT_EQ(after.sent, 2 * BATCH);
    CHECK_INT_EQ(after.delivered, 2 * BATCH);
    CHECK_INT_EQ(after.failed, 0);

    /* The re-created producer works on its own, synchronously too. */
    kit_envelope("pipeline-0", 2 * BATCH, &buf);
    CHECK_INT_EQ(bus_producer_send_sync(p, topic, "pipeline-0", 10, buf.data, buf.len, 10000),
                 SLUICE_OK);
    CHECK_INT_EQ(o.failures, 0);
    int missing_reports = 0;
    int repeated_reports = 0;
    for (int seq = 1; seq <= TOTAL; seq++) {
        missing_reports += o.reports[seq] == 0;
        repeated_reports += o.reports[seq] > 1;
    }
    CHECK_INT_EQ(missing_reports, 0);
    CHECK_INT_EQ(repeated_reports, 0);

    /* Everything is in the topic, at least once. */
    const char *topics[] = {topic};
    bus_consumer_config cfg;
    kit_consumer_config(&cfg, topics, 1, group, dl);
    bus_consumer *c = kit_consumer(&cfg);
    static received r;
    memset(&r, 0, sizeof r);
    int missing = TOTAL;
    int64_t deadline = kit_now_ms() + 30000;
    while (missing > 0 && kit_now_ms() < deadline) {
        if (bus_consumer_run_once(c, count_seq, &r, 100) < 0) {
            break;
        }
        missing = 0;
        for (int i = 0; i < TOTAL; i++) {
            missing += r.count[i] == 0;
        }
    }
    fprintf(stderr, "received %ld messages for %d sent (%ld duplicates)\n", r.total, TOTAL,
            r.total - (TOTAL - missing));
    CHECK_INT_EQ(missing, 0);
    bus_consumer_free(c);

    /* A second fatal error on an idle producer is survived as well. */
    CHECK_INT_EQ(bus_producer_inject_fatal(p, "second"), SLUICE_OK);
    CHECK_INT_EQ(bus_producer_poll(p, 100), SLUICE_OK);
    kit_envelope("pipeline-1", 2 * BATCH, &buf);
    CHECK_INT_EQ(bus_producer_send_sync(p, topic, "pipeline-1", 10, buf.data, buf.len, 10000),
                 SLUICE_OK);
    bus_producer_get_stats(p, &after);
    CHECK(after.recreated >= 2);

    sluice_buf_free(&buf);
    bus_producer_free(p);
}

int main(void)
{
    RUN_TEST(test_fatal_error_recovery);
    return sluice_test_report();
}
