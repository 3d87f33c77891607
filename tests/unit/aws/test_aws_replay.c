/*
 * The signature replay cache (aws_replay.h) with an injected clock: first
 * sight recorded, a second sight inside the window refused, the entry
 * forgotten once its window closes or on request, the bound held (expired entries swept,
 * live ones never evicted), malformed input refused, and concurrent checkers
 * of one signature: exactly one wins.
 */
#include "sluice/aws_replay.h"
#include "sluice/error.h"
#include "sluice_test.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

/* A distinct 64-hex-digit signature for n. */
static void sig_for(unsigned n, char out[65])
{
    snprintf(out, 65, "%08x%056x", n * 2654435761u, n);
}

static void test_seen_twice_inside_window(void)
{
    aws_replay *c = NULL;
    REQUIRE(aws_replay_new(8, &c) == SLUICE_OK);
    char a[65];
    char b[65];
    sig_for(1, a);
    sig_for(2, b);
    int64_t now = 1000000;
    CHECK_INT_EQ(aws_replay_check(c, a, now + 900000, now), SLUICE_OK);
    CHECK_INT_EQ(aws_replay_check(c, a, now + 900000, now + 1), SLUICE_EEXIST);
    CHECK_INT_EQ(aws_replay_check(c, b, now + 900000, now + 2), SLUICE_OK);
    CHECK_INT_EQ(aws_replay_count(c), 2);
    /* upper-case hex is the same signature */
    char upper[65];
    for (size_t i = 0; i < 65; i++) {
        upper[i] = (a[i] >= 'a' && a[i] <= 'f') ? (char)(a[i] - 32) : a[i];
    }
    CHECK_INT_EQ(aws_replay_check(c, upper, now + 900000, now + 3), SLUICE_EEXIST);
    /* still refused just before the window closes, forgotten at its end */
    CHECK_INT_EQ(aws_replay_check(c, a, now + 900000, now + 899999), SLUICE_EEXIST);
    CHECK_INT_EQ(aws_replay_check(c, a, now + 1800000, now + 900000), SLUICE_OK);
    CHECK_INT_EQ(aws_replay_check(c, a, now + 1800000, now + 900001), SLUICE_EEXIST);
    aws_replay_free(c);
}

static void test_bound_and_sweep(void)
{
    aws_replay *c = NULL;
    REQUIRE(aws_replay_new(4, &c) == SLUICE_OK);
    char s[65];
    int64_t now = 5000;
    for (unsigned i = 0; i < 4; i++) {
        sig_for(10 + i, s);
        CHECK_INT_EQ(aws_replay_check(c, s, now + 100 + i, now), SLUICE_OK);
    }
    CHECK_INT_EQ(aws_replay_count(c), 4);
    /* full of live entries: a new signature is refused, not an old one forgotten */
    sig_for(20, s);
    CHECK_INT_EQ(aws_replay_check(c, s, now + 1000, now + 50), SLUICE_ETOOBIG);
    sig_for(10, s);
    CHECK_INT_EQ(aws_replay_check(c, s, now + 1000, now + 50), SLUICE_EEXIST);
    /* two have expired at now + 101: the sweep frees them */
    sig_for(20, s);
    CHECK_INT_EQ(aws_replay_check(c, s, now + 1000, now + 101), SLUICE_OK);
    sig_for(21, s);
    CHECK_INT_EQ(aws_replay_check(c, s, now + 1000, now + 101), SLUICE_OK);
    CHECK(aws_replay_count(c) <= 4);
    sig_for(22, s);
    CHECK_INT_EQ(aws_replay_check(c, s, now + 1000, now + 101), SLUICE_ETOOBIG);
    /* the survivors are still refused */
    sig_for(12, s);
    CHECK_INT_EQ(aws_replay_check(c, s, now + 1000, now + 101), SLUICE_EEXIST);
    sig_for(13, s);
    CHECK_INT_EQ(aws_replay_check(c, s, now + 1000, now + 101), SLUICE_EEXIST);
    /* long after, everything has gone and the cache takes new signatures again */
    for (unsigned i = 0; i < 4; i++) {
        sig_for(100 + i, s);
        CHECK_INT_EQ(aws_replay_check(c, s, now + 100000, now + 5000), SLUICE_OK);
    }
    CHECK_INT_EQ(aws_replay_count(c), 4);
    aws_replay_free(c);
}

static void test_forget(void)
{
    aws_replay *c = NULL;
    REQUIRE(aws_replay_new(4, &c) == SLUICE_OK);
    char a[65];
    char b[65];
    sig_for(7, a);
    sig_for(8, b);
    CHECK_INT_EQ(aws_replay_check(c, a, 1000, 0), SLUICE_OK);
    CHECK_INT_EQ(aws_replay_check(c, b, 1000, 0), SLUICE_OK);
    CHECK_INT_EQ(aws_replay_forget(c, a), SLUICE_OK);
    CHECK_INT_EQ(aws_replay_count(c), 1);
    CHECK_INT_EQ(aws_replay_forget(c, a), SLUICE_ENOTFOUND);
    CHECK_INT_EQ(aws_replay_forget(c, "zz"), SLUICE_EINVAL);
    /* forgotten: the same signature is a first sight again; the other is still held */
    CHECK_INT_EQ(aws_replay_check(c, a, 1000, 1), SLUICE_OK);
    CHECK_INT_EQ(aws_replay_check(c, b, 1000, 1), SLUICE_EEXIST);
    aws_replay_free(c);
}

static void test_bad_input(void)
{
    aws_replay *c = NULL;
    CHECK_INT_EQ(aws_replay_new(0, &c), SLUICE_EINVAL);
    CHECK(c == NULL);
    CHECK_INT_EQ(aws_replay_new(AWS_REPLAY_MAX_ENTRIES + 1, &c), SLUICE_EINVAL);
    REQUIRE(aws_replay_new(2, &c) == SLUICE_OK);
    char s[65];
    sig_for(1, s);
    CHECK_INT_EQ(aws_replay_check(c, NULL, 10, 0), SLUICE_EINVAL);
    CHECK_INT_EQ(aws_replay_check(c, "abc", 10, 0), SLUICE_EINVAL);
    char longer[70];
    snprintf(longer, sizeof longer, "%s0", s);
    CHECK_INT_EQ(aws_replay_check(c, longer, 10, 0), SLUICE_EINVAL);
    char nonhex[65];
    memcpy(nonhex, s, 65);
    nonhex[10] = 'g';
    CHECK_INT_EQ(aws_replay_check(c, nonhex, 10, 0), SLUICE_EINVAL);
    CHECK_INT_EQ(aws_replay_check(c, s, 10, 10), SLUICE_EINVAL); /* already expired */
    CHECK_INT_EQ(aws_replay_count(c), 0);
    CHECK_INT_EQ(aws_replay_check(NULL, s, 10, 0), SLUICE_EINVAL);
    aws_replay_free(c);
    aws_replay_free(NULL);
}

typedef struct race {
    aws_replay *cache;
    int wins;
    pthread_mutex_t lock;
} race;

static void *race_thread(void *arg)
{
    race *r = arg;
    char s[65];
    for (unsigned i = 0; i < 2000; i++) {
        sig_for(i, s);
        if (aws_replay_check(r->cache, s, 1000000, 1) == SLUICE_OK) {
            pthread_mutex_lock(&r->lock);
            r->wins++;
            pthread_mutex_unlock(&r->lock);
        }
    }
    return NULL;
}

static void test_concurrent_checkers(void)
{
    race r = {.wins = 0};
    REQUIRE(aws_replay_new(4096, &r.cache) == SLUICE_OK);
    pthread_mutex_init(&r.lock, NULL);
    pthread_t threads[4];
    for (size_t i = 0; i < 4; i++) {
        REQUIRE(pthread_create(&threads[i], NULL, race_thread, &r) == 0);
    }
    for (size_t i = 0; i < 4; i++) {
        pthread_join(threads[i], NULL);
    }
    /* each of the 2000 signatures was accepted exactly once across the 4 threads */
    CHECK_INT_EQ(r.wins, 2000);
    CHECK_INT_EQ(aws_replay_count(r.cache), 2000);
    pthread_mutex_destroy(&r.lock);
    aws_replay_free(r.cache);
}

int main(void)
{
    RUN_TEST(test_seen_twice_inside_window);
    RUN_TEST(test_bound_and_sweep);
    RUN_TEST(test_forget);
    RUN_TEST(test_bad_input);
    RUN_TEST(test_concurrent_checkers);
    return sluice_test_report();
}
