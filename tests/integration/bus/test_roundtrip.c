/*
 * libs/bus against a real broker: produce → consume round trip with every
 * envelope field intact, a RETRY that pauses and rewinds its partition (the
 * message comes back, nothing after it is handed over first), and offsets
 * committed on close (a new member of the group resumes after them).
 */
#include "kit.h"
#include "sluice/error.h"
#include "sluice_test.h"

#include <stdbool.h>
#include <stdlib.h>

#define COUNT       5
#define RETRIED_SEQ 2

typedef struct seen {
    long seqs[64]; /* handled (DONE) in order */
    int attempts[64];
    size_t n;
    size_t calls;
    int retried_attempt_seen; /* attempt number with which RETRIED_SEQ finally succeeded */
    char ids[COUNT + 1][40];
    char key[64];
    bool key_ok;
} seen;

static bus_consumer_verdict record(const bus_consumer_message *msg, void *ctx, char *reason,
                                   size_t reasonlen)
{
    seen *s = ctx;
    const char *key = NULL;
    long seq = -1;
    s->calls++;
    if (kit_envelope_fields(msg->envelope, &key, &seq) != 0) {
        snprintf(reason, reasonlen, "test envelope without key/seq");
        return BUS_CONSUMER_REJECT;
    }
    s->key_ok = msg->keylen == strlen(key) && memcmp(msg->key, key, msg->keylen) == 0;
    if (seq == RETRIED_SEQ && msg->attempt == 1) {
        snprintf(reason, reasonlen, "simulated transient failure");
        return BUS_CONSUMER_RETRY;
    }
    if (seq == RETRIED_SEQ) {
        s->retried_attempt_seen = msg->attempt;
    }
    if (s->n < 64) {
        s->attempts[s->n] = msg->attempt;
        s->seqs[s->n++] = seq;
    }
    if (seq >= 0 && seq <= COUNT) {
        snprintf(s->ids[seq], sizeof s->ids[seq], "%s", msg->envelope->id);
    }
    return BUS_CONSUMER_DONE;
}

/* Runs c until want messages were handled or timeout_ms passed. */
static void run_until(bus_consumer *c, seen *s, size_t want, int64_t timeout_ms)
{
    int64_t deadline = kit_now_ms() + timeout_ms;
    while (s->n < want && kit_now_ms() < deadline) {
        int rc = bus_consumer_run_once(c, record, s, 100);
        if (rc < 0) {
            fprintf(stderr, "run_once: %s\n", sluice_strerror(rc));
            return;
        }
    }
}

static void test_round_trip_retry_and_resume(void)
{
    char topic[KIT_NAME_MAX];
    char dl[KIT_NAME_MAX];
    char group[KIT_NAME_MAX];
    kit_topic("bus-rt", 3, topic, sizeof topic);
    kit_topic("bus-rt-dl", 1, dl, sizeof dl);
    kit_group("bus-rt-group", group, sizeof group);

    /* Produce COUNT envelopes with one key: one partition, one order. */
    bus_producer *p = kit_producer(NULL, NULL);
    sluice_buf buf;
    sluice_buf_init(&buf, BUS_ENVELOPE_MAX_BYTES);
    char ids[COUNT][40];
    for (long i = 0; i < COUNT; i++) {
        kit_envelope("pipeline-a", i, &buf);
        bus_envelope *env = NULL;
        char reason[BUS_ENVELOPE_REASON_MAX];
        REQUIRE(bus_envelope_decode(buf.data, buf.len, BUS_ENVELOPE_MAX_BYTES, &env, reason,
                                    sizeof reason) == SLUICE_OK);
        snprintf(ids[i], sizeof ids[i], "%s", env->id);
        bus_envelope_free(env);
        uint64_t seq = 0;
        CHECK_INT_EQ(bus_producer_send(p, topic, "pipeline-a", 10, buf.data, buf.len, &seq),
                     SLUICE_OK);
        CHECK_INT_EQ(seq, i + 1);
    }
    CHECK_INT_EQ(bus_producer_flush(p, 15000), SLUICE_OK);
    CHECK_INT_EQ(bus_producer_in_flight(p), 0);
    bus_producer_stats pstats;
    bus_producer_get_stats(p, &pstats);
    CHECK_INT_EQ(pstats.sent, COUNT);
    CHECK_INT_EQ(pstats.delivered, COUNT);
    CHECK_INT_EQ(pstats.failed, 0);

    const char *topics[] = {topic};
    bus_consumer_config cfg;
    kit_consumer_config(&cfg, topics, 1, group, dl);
    bus_consumer *c = kit_consumer(&cfg);
    seen s;
    memset(&s, 0, sizeof s);
    int64_t start = kit_now_ms();
    run_until(c, &s, COUNT, 20000);
    fprintf(stderr, "consumed %zu in %lld ms\n", s.n, (long long)(kit_now_ms() - start));
    REQUIRE(s.n == COUNT);
    for (size_t i = 0; i < COUNT; i++) {
        CHECK_INT_EQ(s.seqs[i], (long)i); /* order kept across the retry */
        CHECK_STR_EQ(s.ids[i], ids[i]);   /* the envelope arrived intact */
    }
    CHECK(s.key_ok);
    CHECK_INT_EQ(s.retried_attempt_seen, 2);
    CHECK_INT_EQ(s.attempts[RETRIED_SEQ], 2);
    CHECK_INT_EQ(s.attempts[RETRIED_SEQ + 1], 1);
    /* The retried message was handed over twice, the others once: nothing after it jumped ahead. */
    CHECK_INT_EQ(s.calls, COUNT + 1);
    bus_consumer_stats cstats;
    bus_consumer_get_stats(c, &cstats);
    CHECK_INT_EQ(cstats.handled, COUNT);
    CHECK_INT_EQ(cstats.retried, 1);
    CHECK_INT_EQ(cstats.deadlettered, 0);
    CHECK_INT_EQ(bus_consumer_close(c), SLUICE_OK);
    CHECK_INT_EQ(bus_consumer_run_once(c, record, &s, 0), SLUICE_ECLOSED);
    bus_consumer_free(c);

    /* One more message; a new member of the same group gets only that one. */
    kit_envelope("pipeline-a", COUNT, &buf);
    CHECK_INT_EQ(bus_producer_send_sync(p, topic, "pipeline-a", 10, buf.data, buf.len, 10000),
                 SLUICE_OK);
    c = kit_consumer(&cfg);
    memset(&s, 0, sizeof s);
    run_until(c, &s, 1, 20000);
    /* Give a wrongly replayed message a moment to show up. */
    int64_t settle = kit_now_ms() + 500;
    while (kit_now_ms() < settle) {
        bus_consumer_run_once(c, record, &s, 100);
    }
    CHECK_INT_EQ(s.n, 1);
    CHECK_INT_EQ(s.seqs[0], COUNT);
    bus_consumer_free(c);

    sluice_buf_free(&buf);
    bus_producer_free(p);
}

int main(void)
{
    RUN_TEST(test_round_trip_retry_and_resume);
    return sluice_test_report();
}
