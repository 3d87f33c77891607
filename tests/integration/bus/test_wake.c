/*
 * libs/bus against a real broker: bus_consumer_wake from another thread ends
 * a bus_consumer_run_once that waits on an idle topic long before its
 * timeout, and a wake given while nobody waits is kept for the next wait.
 * (sluice-source relies on it: a webhook's poke must not wait out the
 * loop's 100 ms poll of the jobs topic.)
 */
#include "kit.h"
#include "sluice_test.h"

#include <pthread.h>
#include <time.h>

static bus_consumer_verdict nothing_expected(const bus_consumer_message *msg, void *ctx,
                                             char *reason, size_t reasonlen)
{
    (void)msg;
    (void)reason;
    (void)reasonlen;
    (*(int *)ctx)++;
    return BUS_CONSUMER_DONE;
}

static void *wake_later(void *consumer)
{
    struct timespec pause = {0, 200 * 1000 * 1000};
    nanosleep(&pause, NULL);
    bus_consumer_wake(consumer);
    return NULL;
}

static void test_wake_ends_the_wait(void)
{
    char topic[KIT_NAME_MAX];
    char dead[KIT_NAME_MAX];
    char group[KIT_NAME_MAX];
    kit_topic("wake", 1, topic, sizeof topic);
    kit_topic("wake-dl", 1, dead, sizeof dead);
    kit_group("wake", group, sizeof group);
    const char *topics[] = {topic};
    bus_consumer_config cfg;
    kit_consumer_config(&cfg, topics, 1, group, dead);
    bus_consumer *c = kit_consumer(&cfg);
    int handled = 0;
    /* join the group first: the first polls serve the assignment */
    int64_t settle = kit_now_ms() + 8000;
    while (kit_now_ms() < settle) {
        REQUIRE(bus_consumer_run_once(c, nothing_expected, &handled, 200) >= 0);
    }

    pthread_t waker;
    REQUIRE(pthread_create(&waker, NULL, wake_later, c) == 0);
    int64_t t0 = kit_now_ms();
    int rc = bus_consumer_run_once(c, nothing_expected, &handled, 10000);
    int64_t waited = kit_now_ms() - t0;
    pthread_join(waker, NULL);
    CHECK_INT_EQ(rc, 0);
    printf("  woken after %lld ms of a 10000 ms wait\n", (long long)waited);
    CHECK(waited >= 150 && waited < 3000);

    /* a wake while nobody waits ends the next wait at once */
    bus_consumer_wake(c);
    t0 = kit_now_ms();
    rc = bus_consumer_run_once(c, nothing_expected, &handled, 10000);
    waited = kit_now_ms() - t0;
    CHECK_INT_EQ(rc, 0);
    printf("  a kept wake ended the next wait after %lld ms\n", (long long)waited);
    CHECK(waited < 3000);
    CHECK_INT_EQ(handled, 0);
    bus_consumer_close(c);
    bus_consumer_free(c);
}

int main(void)
{
    RUN_TEST(test_wake_ends_the_wait);
    return sluice_test_report();
}
