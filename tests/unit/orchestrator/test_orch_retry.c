/*
 * Unit tests of the outbox retry policy (orch_retry.h): which failures are
 * permanent, the doubling backoff and its bound, the dead letter after
 * max_attempts permanent failures, and the bounded attempt table.
 */
#include "orch_retry.h"

#include "sluice/error.h"
#include "sluice_test.h"

#include <stdio.h>

static void test_classify_kafka(void)
{
    CHECK_INT_EQ(orch_retry_classify(SLUICE_ETOOBIG, "input exceeds its size bound"),
                 ORCH_RETRY_PERMANENT);
    CHECK_INT_EQ(orch_retry_classify(SLUICE_EKAFKA, "Broker: Message size too large"),
                 ORCH_RETRY_PERMANENT);
    CHECK_INT_EQ(orch_retry_classify(SLUICE_EKAFKA, "Broker: Invalid message"),
                 ORCH_RETRY_PERMANENT);
    CHECK_INT_EQ(orch_retry_classify(SLUICE_EKAFKA, "Broker: Topic authorization failed"),
                 ORCH_RETRY_PERMANENT);
    CHECK_INT_EQ(orch_retry_classify(SLUICE_EKAFKA, "Broker: Unknown topic or partition"),
                 ORCH_RETRY_PERMANENT);
    CHECK_INT_EQ(orch_retry_classify(SLUICE_EKAFKA, "Local: Unknown topic"), ORCH_RETRY_PERMANENT);
    /* Outages and timeouts are not refusals. */
    CHECK_INT_EQ(orch_retry_classify(SLUICE_EKAFKA, "Local: Message timed out"),
                 ORCH_RETRY_TRANSIENT);
    CHECK_INT_EQ(orch_retry_classify(SLUICE_EKAFKA, "Local: All broker connections are down"),
                 ORCH_RETRY_TRANSIENT);
    CHECK_INT_EQ(orch_retry_classify(SLUICE_EKAFKA, "Broker: Not enough in-sync replicas"),
                 ORCH_RETRY_TRANSIENT);
    CHECK_INT_EQ(orch_retry_classify(SLUICE_EKAFKA, NULL), ORCH_RETRY_TRANSIENT);
    CHECK_INT_EQ(orch_retry_classify(SLUICE_ETIMEDOUT, "no reply"), ORCH_RETRY_TRANSIENT);
    CHECK_INT_EQ(orch_retry_classify(SLUICE_EAGAIN, NULL), ORCH_RETRY_TRANSIENT);
    CHECK_INT_EQ(orch_retry_classify(SLUICE_ECLOSED, NULL), ORCH_RETRY_TRANSIENT);
}

static void test_classify_redis(void)
{
    CHECK_INT_EQ(orch_retry_classify(SLUICE_EREDIS,
                                     "error reply: WRONGTYPE Operation against a key holding the "
                                     "wrong kind of value"),
                 ORCH_RETRY_PERMANENT);
    CHECK_INT_EQ(orch_retry_classify(SLUICE_EREDIS,
                                     "error reply: OOM command not allowed when used memory > "
                                     "'maxmemory'."),
                 ORCH_RETRY_PERMANENT);
    CHECK_INT_EQ(orch_retry_classify(SLUICE_EREDIS,
                                     "error reply: ERR Error running script (call to f_x): bad"),
                 ORCH_RETRY_PERMANENT);
    /* The server busy or loading: it will answer later. */
    CHECK_INT_EQ(orch_retry_classify(SLUICE_EREDIS, "error reply: LOADING Redis is loading"),
                 ORCH_RETRY_TRANSIENT);
    CHECK_INT_EQ(orch_retry_classify(SLUICE_EREDIS, "error reply: BUSY Redis is busy running"),
                 ORCH_RETRY_TRANSIENT);
    /* The connection, not an answer. */
    CHECK_INT_EQ(orch_retry_classify(SLUICE_EREDIS, "connection closed by the server"),
                 ORCH_RETRY_TRANSIENT);
    CHECK_INT_EQ(orch_retry_classify(SLUICE_EREDIS, "read failed: Connection reset by peer"),
                 ORCH_RETRY_TRANSIENT);
}

static void test_backoff(void)
{
    orch_retry_policy p;
    orch_retry_policy_init(&p);
    CHECK_INT_EQ(p.max_attempts, 5);
    CHECK_INT_EQ(orch_retry_backoff_ms(&p, 0), 0);
    CHECK_INT_EQ(orch_retry_backoff_ms(&p, 1), 100);
    CHECK_INT_EQ(orch_retry_backoff_ms(&p, 2), 200);
    CHECK_INT_EQ(orch_retry_backoff_ms(&p, 3), 400);
    CHECK_INT_EQ(orch_retry_backoff_ms(&p, 6), 3200);
    CHECK_INT_EQ(orch_retry_backoff_ms(&p, 7), 5000);
    CHECK_INT_EQ(orch_retry_backoff_ms(&p, 1000000), 5000); /* no overflow */
}

static void test_dead_letter_after_max(void)
{
    orch_retry_policy p;
    orch_retry_policy_init(&p);
    orch_retry_attempt a = {0};
    int64_t now = 1000;
    for (int i = 1; i < p.max_attempts; i++) {
        CHECK_INT_EQ(orch_retry_fail(&p, &a, ORCH_RETRY_PERMANENT, now), ORCH_RETRY_LATER);
        CHECK_INT_EQ(a.next_ms, now + orch_retry_backoff_ms(&p, i));
    }
    CHECK_INT_EQ(orch_retry_fail(&p, &a, ORCH_RETRY_PERMANENT, now), ORCH_RETRY_DEAD_LETTER);
    CHECK_INT_EQ(a.permanent, p.max_attempts);

    /* Transient failures never give up, and their backoff stays bounded. */
    orch_retry_attempt t = {0};
    for (int i = 0; i < 100; i++) {
        CHECK_INT_EQ(orch_retry_fail(&p, &t, ORCH_RETRY_TRANSIENT, now), ORCH_RETRY_LATER);
    }
    CHECK_INT_EQ(t.permanent, 0);
    CHECK_INT_EQ(t.next_ms, now + p.cap_ms);

    /* A refusal after an outage still counts only its own attempts. */
    CHECK_INT_EQ(orch_retry_fail(&p, &t, ORCH_RETRY_PERMANENT, now), ORCH_RETRY_LATER);
    CHECK_INT_EQ(t.permanent, 1);

    /* max_attempts 1: the first refusal is dead-lettered. */
    p.max_attempts = 1;
    orch_retry_attempt one = {0};
    CHECK_INT_EQ(orch_retry_fail(&p, &one, ORCH_RETRY_PERMANENT, now), ORCH_RETRY_DEAD_LETTER);
}

static void test_table(void)
{
    static orch_retry_table t;
    CHECK(orch_retry_find(&t, "p 1-0") == NULL);
    orch_retry_attempt *a = orch_retry_get(&t, "p 1-0");
    REQUIRE(a != NULL);
    CHECK_INT_EQ(a->failures, 0);
    a->failures = 3;
    CHECK(orch_retry_get(&t, "p 1-0") == a);
    CHECK_INT_EQ(orch_retry_find(&t, "p 1-0")->failures, 3);
    orch_retry_forget(&t, "p 1-0");
    CHECK(orch_retry_find(&t, "p 1-0") == NULL);
    orch_retry_forget(&t, "absent"); /* no-op */

    /* Full: the least recently used entry is forgotten, the others stay. */
    char key[64];
    for (int i = 0; i < ORCH_RETRY_TRACK_MAX; i++) {
        snprintf(key, sizeof key, "p %d-0", i);
        orch_retry_get(&t, key)->failures = i + 1;
    }
    CHECK(orch_retry_find(&t, "p 1-0") != NULL); /* touched: "p 0-0" is now the oldest */
    orch_retry_attempt *n = orch_retry_get(&t, "q 9-9");
    CHECK_INT_EQ(n->failures, 0);
    CHECK(orch_retry_find(&t, "p 0-0") == NULL);
    CHECK(orch_retry_find(&t, "p 1-0") != NULL);
    snprintf(key, sizeof key, "p %d-0", ORCH_RETRY_TRACK_MAX - 1);
    CHECK_INT_EQ(orch_retry_find(&t, key)->failures, ORCH_RETRY_TRACK_MAX);
}

int main(void)
{
    RUN_TEST(test_classify_kafka);
    RUN_TEST(test_classify_redis);
    RUN_TEST(test_backoff);
    RUN_TEST(test_dead_letter_after_max);
    RUN_TEST(test_table);
    return sluice_test_report();
}
