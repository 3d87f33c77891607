/*
 * Unit tests of the outbox retry policy (orch_retry.h): which failures are
 * permanent, the doubling backoff and its bound, the dead letter after
 * max_attempts permanent failures, the bounded attempt table, and the
 * stored record of an entry's failures (formatted, read back, and every
 * malformed record refused without touching the attempt).
 */
#include "orch_retry.h"

#include "sluice/error.h"
#include "sluice_test.h"

#include <stdio.h>
#include <string.h>

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

static void test_record_round_trip(void)
{
    orch_retry_attempt a = {.failures = 4, .permanent = 3, .op = 2, .next_ms = 1764763200123};
    char text[ORCH_RETRY_RECORD_MAX];
    REQUIRE(orch_retry_record_format(&a, "1764763200000-7", text, sizeof text) == SLUICE_OK);
    CHECK_STR_EQ(text, "1 1764763200000-7 4 3 2 1764763200123");
    orch_retry_attempt back = {0};
    snprintf(back.key, sizeof back.key, "p 1-0");
    char id[ORCH_RETRY_ENTRY_ID_MAX];
    REQUIRE(orch_retry_record_parse(text, strlen(text), id, sizeof id, &back) == SLUICE_OK);
    CHECK_STR_EQ(id, "1764763200000-7");
    CHECK_INT_EQ(back.failures, 4);
    CHECK_INT_EQ(back.permanent, 3);
    CHECK_INT_EQ(back.op, 2);
    CHECK_INT_EQ(back.next_ms, 1764763200123);
    CHECK_STR_EQ(back.key, "p 1-0"); /* untouched */

    /* The largest stream id and counts fit. */
    orch_retry_attempt big = {.failures = ORCH_RETRY_COUNT_MAX,
                              .permanent = ORCH_RETRY_COUNT_MAX,
                              .op = ORCH_RETRY_COUNT_MAX,
                              .next_ms = INT64_MAX};
    REQUIRE(orch_retry_record_format(&big, "18446744073709551615-18446744073709551615", text,
                                     sizeof text) == SLUICE_OK);
    REQUIRE(orch_retry_record_parse(text, strlen(text), id, sizeof id, &back) == SLUICE_OK);
    CHECK_INT_EQ(back.next_ms, INT64_MAX);

    /* What is not a stream id or is out of bounds is not written. */
    CHECK_INT_EQ(orch_retry_record_format(&a, "not-an-id", text, sizeof text), SLUICE_EINVAL);
    CHECK_STR_EQ(text, "");
    orch_retry_attempt neg = {.failures = -1};
    CHECK_INT_EQ(orch_retry_record_format(&neg, "1-0", text, sizeof text), SLUICE_EINVAL);
    char small[8];
    CHECK_INT_EQ(orch_retry_record_format(&a, "1-0", small, sizeof small), SLUICE_ETOOBIG);
    CHECK_STR_EQ(small, "");
}

static void test_record_refused(void)
{
    static const char *const bad[] = {
        "",
        "2 1-0 1 1 0 5",                   /* another version */
        "1 1-0 1 1 0",                     /* a field missing */
        "1 1-0 1 1 0 5 6",                 /* one too many */
        "1 1-0 1 1 0 5 ",                  /* trailing space */
        "1  1-0 1 1 0 5",                  /* empty field */
        "1 1x0 1 1 0 5",                   /* not a stream id */
        "1 10 1 1 0 5",                    /* not a stream id */
        "1 1-0 -1 1 0 5",                  /* negative */
        "1 1-0 1000001 1 0 5",             /* over the bound */
        "1 1-0 1 1 0 9223372036854775808", /* over int64 */
        "1 1-0 1 1 0 5\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        orch_retry_attempt a = {.failures = 9, .permanent = 9, .op = 9, .next_ms = 9};
        char id[ORCH_RETRY_ENTRY_ID_MAX] = "unchanged";
        if (orch_retry_record_parse(bad[i], strlen(bad[i]), id, sizeof id, &a) != SLUICE_EPARSE) {
            fprintf(stderr, "accepted: \"%s\"\n", bad[i]);
            CHECK(false);
        }
        CHECK_INT_EQ(a.failures, 9);
        CHECK_INT_EQ(a.next_ms, 9);
        CHECK_STR_EQ(id, "unchanged");
    }
    /* Longer than a record may be. */
    char longer[ORCH_RETRY_RECORD_MAX + 8];
    memset(longer, '1', sizeof longer);
    orch_retry_attempt a = {0};
    char id[ORCH_RETRY_ENTRY_ID_MAX];
    CHECK_INT_EQ(orch_retry_record_parse(longer, sizeof longer, id, sizeof id, &a), SLUICE_EPARSE);
    /* Only len bytes are read: the record ends where len says. */
    const char *padded = "1 1-0 1 1 0 5XYZ";
    CHECK_INT_EQ(orch_retry_record_parse(padded, 13, id, sizeof id, &a), SLUICE_OK);
    CHECK_INT_EQ(a.next_ms, 5);
}

int main(void)
{
    RUN_TEST(test_classify_kafka);
    RUN_TEST(test_classify_redis);
    RUN_TEST(test_backoff);
    RUN_TEST(test_dead_letter_after_max);
    RUN_TEST(test_table);
    RUN_TEST(test_record_round_trip);
    RUN_TEST(test_record_refused);
    return sluice_test_report();
}
