/*
 * bus_consumer_run_batch against a real broker: messages arrive in batches in
 * per-key order; a RETRY in a batch rewinds its partition so that the retried
 * message and everything after it come again (nothing of that partition is
 * stored past it, whatever the handler said of the later ones), while a malformed message in a
 * batch is dead-lettered without reaching the handler; in the end every offset is committed.
 */
#include "kit.h"
#include "sluice/error.h"
#include "sluice_test.h"

#include <stdbool.h>
#include <stdlib.h>

#define COUNT       40
#define RETRIED_SEQ 7

typedef struct seen {
    int done[COUNT];       /* times each seq was handled with DONE */
    long order[4 * COUNT]; /* seqs in handling order */
    size_t norder;
    size_t batches;
    size_t biggest;
    bool retried;
} seen;

static void record_batch(bus_consumer_item *items, size_t n, void *ctx)
{
    seen *s = ctx;
    s->batches++;
    if (n > s->biggest) {
        s->biggest = n;
    }
    bool stop = false;
    for (size_t i = 0; i < n; i++) {
        if (stop) {
            /* Claimed DONE but not recorded: only the partition's rewind brings them back,
               so the batch must not store their offsets past the retried message. */
            items[i].verdict = BUS_CONSUMER_DONE;
            continue;
        }
        const char *key = NULL;
        long seq = -1;
        if (kit_envelope_fields(items[i].msg.envelope, &key, &seq) != 0 || seq < 0 ||
            seq >= COUNT) {
            items[i].verdict = BUS_CONSUMER_REJECT;
            snprintf(items[i].reason, sizeof items[i].reason, "not a test message");
            continue;
        }
        if (seq == RETRIED_SEQ && !s->retried) {
            s->retried = true;
            stop = true;
            items[i].verdict = BUS_CONSUMER_RETRY;
            snprintf(items[i].reason, sizeof items[i].reason, "simulated transient failure");
            continue;
        }
        s->done[seq]++;
        if (s->norder < 4 * COUNT) {
            s->order[s->norder++] = seq;
        }
    }
}

static bool all_done(const seen *s)
{
    for (int i = 0; i < COUNT; i++) {
        if (s->done[i] == 0) {
            return false;
        }
    }
    return true;
}

static void test_batches_retry_and_deadletter(void)
{
    char topic[KIT_NAME_MAX];
    char dl[KIT_NAME_MAX];
    char group[KIT_NAME_MAX];
    kit_topic("bus-batch", 1, topic, sizeof topic);
    kit_topic("bus-batch-dl", 1, dl, sizeof dl);
    kit_group("bus-batch-group", group, sizeof group);

    bus_producer *p = kit_producer(NULL, NULL);
    sluice_buf buf;
    sluice_buf_init(&buf, BUS_ENVELOPE_MAX_BYTES);
    for (long i = 0; i < COUNT; i++) {
        kit_envelope("pipeline-b", i, &buf);
        CHECK_INT_EQ(bus_producer_send(p, topic, "pipeline-b", 10, buf.data, buf.len, NULL),
                     SLUICE_OK);
        if (i == 20) {
            static const char junk[] = "{not an envelope";
            CHECK_INT_EQ(bus_producer_send(p, topic, "pipeline-b", 10, junk, sizeof junk - 1, NULL),
                         SLUICE_OK);
        }
    }
    CHECK_INT_EQ(bus_producer_flush(p, 15000), SLUICE_OK);

    const char *topics[] = {topic};
    bus_consumer_config cfg;
    kit_consumer_config(&cfg, topics, 1, group, dl);
    bus_consumer *c = kit_consumer(&cfg);
    seen s;
    memset(&s, 0, sizeof s);
    int64_t deadline = kit_now_ms() + 20000;
    while (!all_done(&s) && kit_now_ms() < deadline) {
        int rc = bus_consumer_run_batch(c, record_batch, &s, 64, 100);
        REQUIRE(rc >= 0);
    }
    REQUIRE(all_done(&s));
    CHECK(s.biggest > 1); /* messages really came in batches */
    /* per-key order: the first time each seq was handled, seqs ascend */
    long expect = 0;
    for (size_t i = 0; i < s.norder && expect < COUNT; i++) {
        if (s.order[i] == expect) {
            expect++;
        } else {
            CHECK(s.order[i] < expect); /* only repeats of what came before */
        }
    }
    CHECK_INT_EQ(expect, COUNT);
    CHECK(s.retried);
    CHECK_INT_EQ(s.done[RETRIED_SEQ], 1);
    bus_consumer_stats stats;
    bus_consumer_get_stats(c, &stats);
    CHECK_INT_EQ(stats.deadlettered, 1);
    CHECK(stats.retried >= 1);
    CHECK_INT_EQ(bus_consumer_close(c), SLUICE_OK);
    bus_consumer_free(c);

    /* Everything was committed: a new member of the group gets nothing. */
    c = kit_consumer(&cfg);
    seen again;
    memset(&again, 0, sizeof again);
    int64_t quiet_until = kit_now_ms() + 3000;
    while (kit_now_ms() < quiet_until) {
        REQUIRE(bus_consumer_run_batch(c, record_batch, &again, 64, 100) >= 0);
    }
    CHECK_INT_EQ(again.norder, 0);
    CHECK_INT_EQ(bus_consumer_run_batch(c, record_batch, &again, 0, 0), SLUICE_EINVAL);
    bus_consumer_close(c);
    bus_consumer_free(c);
    sluice_buf_free(&buf);
    bus_producer_free(p);
}

int main(void)
{
    RUN_TEST(test_batches_retry_and_deadletter);
    return sluice_test_report();
}
