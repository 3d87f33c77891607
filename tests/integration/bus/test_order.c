/*
 * libs/bus against a real broker: 10,000 messages over 8 keys and 4
 * partitions arrive with every key's messages in the order they were sent,
 * each key always on the same partition, none missing, none duplicated.
 */
#include "kit.h"
#include "sluice/error.h"
#include "sluice_test.h"

#include <stdio.h>
#include <stdlib.h>

#define TOTAL      10000
#define KEYS       8
#define PARTITIONS 4

typedef struct order_state {
    long next[KEYS];     /* next seq expected per key */
    int partition[KEYS]; /* partition each key was seen on, -1 before */
    long received;
    long out_of_order;
    long wrong_partition;
    long unknown;
} order_state;

static int key_index(const char *key)
{
    int index = -1;
    if (sscanf(key, "pipeline-%d", &index) != 1 || index < 0 || index >= KEYS) {
        return -1;
    }
    return index;
}

static bus_consumer_verdict check_order(const bus_consumer_message *msg, void *ctx, char *reason,
                                        size_t reasonlen)
{
    order_state *s = ctx;
    const char *key = NULL;
    long seq = -1;
    (void)reason;
    (void)reasonlen;
    int k = kit_envelope_fields(msg->envelope, &key, &seq) == 0 ? key_index(key) : -1;
    if (k < 0) {
        s->unknown++;
        return BUS_CONSUMER_DONE;
    }
    if (seq != s->next[k]) {
        if (s->out_of_order < 5) {
            fprintf(stderr, "key %d: got seq %ld, want %ld\n", k, seq, s->next[k]);
        }
        s->out_of_order++;
    }
    s->next[k] = seq + 1;
    if (s->partition[k] == -1) {
        s->partition[k] = msg->partition;
    } else if (s->partition[k] != msg->partition) {
        s->wrong_partition++;
    }
    s->received++;
    return BUS_CONSUMER_DONE;
}

static void test_per_key_order(void)
{
    char topic[KIT_NAME_MAX];
    char dl[KIT_NAME_MAX];
    char group[KIT_NAME_MAX];
    kit_topic("bus-order", PARTITIONS, topic, sizeof topic);
    kit_topic("bus-order-dl", 1, dl, sizeof dl);
    kit_group("bus-order-group", group, sizeof group);

    bus_producer *p = kit_producer(NULL, NULL);
    sluice_buf buf;
    sluice_buf_init(&buf, BUS_ENVELOPE_MAX_BYTES);
    long per_key[KEYS] = {0};
    int64_t start = kit_now_ms();
    for (long i = 0; i < TOTAL; i++) {
        int k = (int)((i * 7 + i / 3) % KEYS); /* keys interleaved irregularly */
        char key[32];
        snprintf(key, sizeof key, "pipeline-%d", k);
        kit_envelope(key, per_key[k]++, &buf);
        REQUIRE(bus_producer_send(p, topic, key, strlen(key), buf.data, buf.len, NULL) ==
                SLUICE_OK);
    }
    CHECK_INT_EQ(bus_producer_flush(p, 30000), SLUICE_OK);
    fprintf(stderr, "produced %d in %lld ms\n", TOTAL, (long long)(kit_now_ms() - start));
    bus_producer_stats pstats;
    bus_producer_get_stats(p, &pstats);
    CHECK_INT_EQ(pstats.delivered, TOTAL);
    CHECK_INT_EQ(pstats.recreated, 0);

    const char *topics[] = {topic};
    bus_consumer_config cfg;
    kit_consumer_config(&cfg, topics, 1, group, dl);
    bus_consumer *c = kit_consumer(&cfg);
    order_state s;
    memset(&s, 0, sizeof s);
    for (int k = 0; k < KEYS; k++) {
        s.partition[k] = -1;
    }
    start = kit_now_ms();
    int64_t deadline = start + 40000;
    while (s.received + s.unknown < TOTAL && kit_now_ms() < deadline) {
        if (bus_consumer_run_once(c, check_order, &s, 100) < 0) {
            break;
        }
    }
    fprintf(stderr, "consumed %ld in %lld ms\n", s.received, (long long)(kit_now_ms() - start));
    CHECK_INT_EQ(s.received, TOTAL);
    CHECK_INT_EQ(s.unknown, 0);
    CHECK_INT_EQ(s.out_of_order, 0);
    CHECK_INT_EQ(s.wrong_partition, 0);
    for (int k = 0; k < KEYS; k++) {
        CHECK_INT_EQ(s.next[k], per_key[k]);
    }
    /* Several partitions were really used. */
    int used[PARTITIONS] = {0};
    int distinct = 0;
    for (int k = 0; k < KEYS; k++) {
        if (s.partition[k] >= 0 && s.partition[k] < PARTITIONS && !used[s.partition[k]]++) {
            distinct++;
        }
    }
    CHECK(distinct >= 2);

    bus_consumer_free(c);
    sluice_buf_free(&buf);
    bus_producer_free(p);
}

int main(void)
{
    RUN_TEST(test_per_key_order);
    return sluice_test_report();
}
