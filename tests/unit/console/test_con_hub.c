/*
 * Unit tests of the live-update fan-out (con_hub): filters by pipeline, the
 * bounds (max clients, max queued bytes per client: a slow client is dropped,
 * not buffered), the wake-ups, replay after a reconnection with
 * Last-Event-ID, resync when the id is unknown or too old, heartbeats, and
 * several threads publishing and reading at once.
 */
#include "con_hub.h"

#include "sluice/error.h"
#include "sluice_test.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EPOCH 777

typedef struct waker {
    int wakes;
} waker;

static void wake(void *w)
{
    ((waker *)w)->wakes++;
}

/* Everything queued for c, as text (at most 64 KiB). */
static const char *drain(con_hub *hub, con_hub_client *c)
{
    static char text[65536];
    size_t n = 0;
    for (;;) {
        long got = con_hub_read(hub, c, text + n, 7); /* small reads: a frame spans several */
        if (got <= 0) {
            break;
        }
        n += (size_t)got;
        if (n + 8 >= sizeof text) {
            break;
        }
    }
    text[n] = '\0';
    return text;
}

static void test_hello_and_filter(void)
{
    con_hub *hub = con_hub_new(4, 4096, 8, EPOCH, wake);
    REQUIRE(hub != NULL);
    con_hub_client *all = NULL;
    con_hub_client *one = NULL;
    CHECK_INT_EQ(con_hub_join(hub, "", NULL, &all), 0);
    CHECK_INT_EQ(con_hub_join(hub, "web", NULL, &one), 0);
    waker wa = {0};
    waker wo = {0};
    con_hub_attach(hub, all, &wa);
    con_hub_attach(hub, one, &wo);
    CHECK_STR_EQ(drain(hub, one), "retry: 1000\n\nid: 777-0\nevent: hello\ndata: {}\n\n");
    (void)drain(hub, all);
    CHECK_INT_EQ(con_hub_publish(hub, "web", "{\"n\":1}"), 0);
    CHECK_INT_EQ(con_hub_publish(hub, "api", "{\"n\":2}"), 0);
    CHECK_INT_EQ(wa.wakes, 2);
    CHECK_INT_EQ(wo.wakes, 1);
    CHECK_STR_EQ(drain(hub, one), "id: 777-1\nevent: state\ndata: {\"n\":1}\n\n");
    CHECK_STR_EQ(drain(hub, all), "id: 777-1\nevent: state\ndata: {\"n\":1}\n\n"
                                  "id: 777-2\nevent: state\ndata: {\"n\":2}\n\n");
    CHECK_INT_EQ(con_hub_read(hub, one, (char[8]){0}, 8), 0); /* empty: park */
    CHECK_INT_EQ(con_hub_publish(hub, "web", "two\nlines"), SLUICE_EINVAL);
    CHECK_INT_EQ(con_hub_publish(hub, "bad name", "{}"), SLUICE_EINVAL);
    con_hub_client *bad = NULL;
    CHECK_INT_EQ(con_hub_join(hub, "bad name", NULL, &bad), SLUICE_EINVAL);
    CHECK(bad == NULL);
    con_hub_heartbeat(hub);
    CHECK_STR_EQ(drain(hub, all), ": keep-alive\n\n");
    con_hub_leave(hub, all);
    con_hub_leave(hub, one);
    con_hub_stats stats;
    con_hub_get_stats(hub, &stats);
    CHECK_INT_EQ(stats.clients, 0);
    CHECK_INT_EQ(stats.events, 2);
    con_hub_free(hub);
}

static void test_max_clients(void)
{
    con_hub *hub = con_hub_new(2, 4096, 8, EPOCH, wake);
    con_hub_client *a = NULL;
    con_hub_client *b = NULL;
    con_hub_client *c = NULL;
    CHECK_INT_EQ(con_hub_join(hub, NULL, NULL, &a), 0);
    CHECK_INT_EQ(con_hub_join(hub, NULL, NULL, &b), 0);
    CHECK_INT_EQ(con_hub_join(hub, NULL, NULL, &c), SLUICE_ETOOBIG);
    CHECK(c == NULL);
    con_hub_leave(hub, a);
    CHECK_INT_EQ(con_hub_join(hub, NULL, NULL, &c), 0); /* a place came free */
    con_hub_stats stats;
    con_hub_get_stats(hub, &stats);
    CHECK_INT_EQ(stats.refused, 1);
    CHECK_INT_EQ(stats.clients, 2);
    con_hub_leave(hub, b);
    con_hub_leave(hub, c);
    con_hub_free(hub);
    CHECK(con_hub_new(0, 4096, 8, 1, wake) == NULL);
    CHECK(con_hub_new(1, 100, 8, 1, wake) == NULL);
}

static void test_slow_client_dropped(void)
{
    con_hub *hub = con_hub_new(4, 1024, 8, EPOCH, wake);
    con_hub_client *slow = NULL;
    con_hub_client *fast = NULL;
    CHECK_INT_EQ(con_hub_join(hub, NULL, NULL, &slow), 0);
    CHECK_INT_EQ(con_hub_join(hub, NULL, NULL, &fast), 0);
    waker ws = {0};
    con_hub_attach(hub, slow, &ws);
    char data[200];
    memset(data, 'x', sizeof data - 1);
    data[0] = '"';
    data[sizeof data - 2] = '"';
    data[sizeof data - 1] = '\0';
    for (int i = 0; i < 20; i++) {
        CHECK_INT_EQ(con_hub_publish(hub, "web", data), 0);
        (void)drain(hub, fast); /* keeps up */
    }
    char buf[64];
    CHECK_INT_EQ(con_hub_read(hub, slow, buf, sizeof buf), -1); /* dropped: end its stream */
    CHECK(ws.wakes >= 1);
    CHECK_INT_EQ(con_hub_read(hub, fast, buf, sizeof buf), 0); /* the other one is fine */
    con_hub_stats stats;
    con_hub_get_stats(hub, &stats);
    CHECK_INT_EQ(stats.dropped, 1);
    con_hub_leave(hub, slow);
    con_hub_leave(hub, fast);
    con_hub_free(hub);
}

static void test_replay_and_resync(void)
{
    con_hub *hub = con_hub_new(4, 65536, 4, EPOCH, wake);
    for (int i = 1; i <= 6; i++) {
        char data[32];
        snprintf(data, sizeof data, "{\"n\":%d}", i);
        CHECK_INT_EQ(con_hub_publish(hub, i % 2 == 0 ? "web" : "api", data), 0);
    }
    /* the ring holds events 3..6; a browser that saw 4 gets 5 and 6 (of its pipeline: 6) */
    con_hub_client *c = NULL;
    CHECK_INT_EQ(con_hub_join(hub, "web", "777-4", &c), 0);
    CHECK_STR_EQ(drain(hub, c), "retry: 1000\n\nid: 777-6\nevent: state\ndata: {\"n\":6}\n\n");
    con_hub_leave(hub, c);
    CHECK_INT_EQ(con_hub_join(hub, "", "777-2", &c), 0); /* 3 is the oldest kept: all of 3..6 */
    const char *text = drain(hub, c);
    CHECK_STR_CONTAINS(text, "id: 777-3\n");
    CHECK_STR_CONTAINS(text, "id: 777-6\n");
    CHECK(strstr(text, "resync") == NULL);
    con_hub_leave(hub, c);
    CHECK_INT_EQ(con_hub_join(hub, "", "777-1", &c), 0); /* 2 is gone: resync */
    CHECK_STR_EQ(drain(hub, c), "retry: 1000\n\nid: 777-6\nevent: resync\ndata: {}\n\n");
    con_hub_leave(hub, c);
    CHECK_INT_EQ(con_hub_join(hub, "", "778-5", &c), 0); /* another process's id */
    CHECK_STR_CONTAINS(drain(hub, c), "event: resync");
    con_hub_leave(hub, c);
    CHECK_INT_EQ(con_hub_join(hub, "", "777-9", &c), 0); /* from the future */
    CHECK_STR_CONTAINS(drain(hub, c), "event: resync");
    con_hub_leave(hub, c);
    CHECK_INT_EQ(con_hub_join(hub, "", "garbage", &c), 0);
    CHECK_STR_CONTAINS(drain(hub, c), "event: resync");
    con_hub_leave(hub, c);
    CHECK_INT_EQ(con_hub_join(hub, "", "777-6", &c), 0); /* up to date: nothing to send */
    CHECK_STR_EQ(drain(hub, c), "retry: 1000\n\n");
    con_hub_leave(hub, c);
    con_hub_stats stats;
    con_hub_get_stats(hub, &stats);
    CHECK_INT_EQ(stats.resyncs, 4);
    CHECK_INT_EQ(stats.replayed, 5);
    con_hub_free(hub);
}

typedef struct reader_arg {
    con_hub *hub;
    con_hub_client *client;
    size_t frames;
} reader_arg;

static void *reader(void *p)
{
    reader_arg *arg = p;
    char buf[256];
    char last = 0;
    char prev = 0;
    for (int spins = 0; spins < 2000000 && arg->frames < 1001; spins++) {
        long n = con_hub_read(arg->hub, arg->client, buf, sizeof buf);
        for (long i = 0; i < n; i++) {
            if (prev == '\n' && buf[i] == '\n') {
                arg->frames++;
            }
            prev = last = buf[i];
        }
    }
    (void)last;
    return NULL;
}

static void test_threads(void)
{
    con_hub *hub = con_hub_new(8, 1 << 20, 64, EPOCH, NULL);
    reader_arg args[4];
    pthread_t threads[4];
    for (int i = 0; i < 4; i++) {
        args[i].hub = hub;
        args[i].frames = 0;
        REQUIRE(con_hub_join(hub, "", NULL, &args[i].client) == 0);
        pthread_create(&threads[i], NULL, reader, &args[i]);
    }
    for (int i = 0; i < 999; i++) {
        CHECK_INT_EQ(con_hub_publish(hub, "web", "{\"x\":1}"), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(threads[i], NULL);
        CHECK_INT_EQ(args[i].frames, 1001); /* retry + hello + 999 events, none lost */
        con_hub_leave(hub, args[i].client);
    }
    con_hub_free(hub);
}

int main(void)
{
    test_hello_and_filter();
    test_max_clients();
    test_slow_client_dropped();
    test_replay_and_resync();
    test_threads();
    return sluice_test_report();
}
