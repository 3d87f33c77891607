/*
 * Unit tests of the shared log tails (con_logs): the events a watcher reads
 * (start, the log's bytes in base64 however they are cut, cut past the bound,
 * heartbeats), one read per interval per log whoever watches it, a stale read
 * dropped, the wake-ups, the bounds (logs, watchers) and a log freed with its
 * last watcher; the endpoint's input: the log's key from the query (each
 * parameter checked) and a page of ListActionExecutions' answer.
 */
#include "con_logs.h"

#include "sluice/error.h"
#include "sluice_test.h"

#include <openssl/evp.h>

#include <stdio.h>
#include <string.h>

typedef struct waker {
    int wakes;
} waker;

static void wake(void *w)
{
    ((waker *)w)->wakes++;
}

/* Every "event: log" block of what w can read, decoded and joined; also counts the reads. */
static const char *drain(con_logs *logs, con_logs_watcher *w, size_t max, int *blocks)
{
    static char out[65536];
    size_t n = 0;
    char buf[4096];
    *blocks = 0;
    for (;;) {
        long got = con_logs_read(logs, w, buf, max);
        if (got <= 0) {
            break;
        }
        buf[got] = '\0';
        if (strncmp(buf, "event: log\ndata: ", 17) == 0) {
            char *end = strchr(buf + 17, '\n');
            CHECK(end != NULL && end[1] == '\n');
            if (end == NULL) {
                break;
            }
            int dec = EVP_DecodeBlock((unsigned char *)out + n, (unsigned char *)buf + 17,
                                      (int)(end - buf - 17));
            CHECK(dec >= 0);
            if (dec < 0) {
                break;
            }
            size_t len = (size_t)dec;
            /* EVP_DecodeBlock counts the padding's zero bytes */
            if (end - buf - 17 >= 2 && end[-1] == '=') {
                len -= end[-2] == '=' ? 2 : 1;
            }
            n += len;
            (*blocks)++;
        }
    }
    out[n] = '\0';
    return out;
}

static void test_start_grow_and_share(void)
{
    con_logs *logs = con_logs_new(4, 8, 4096, 1000, wake);
    REQUIRE(logs != NULL);
    con_logs_watcher *a = NULL;
    con_logs_watcher *b = NULL;
    CHECK_INT_EQ(con_logs_join(logs, "logs/web/a1.log", &a), 0);
    CHECK_INT_EQ(con_logs_join(logs, "logs/web/a1.log", &b), 0);
    waker wa = {0};
    waker wb = {0};
    con_logs_attach(logs, a, &wa);
    con_logs_attach(logs, b, &wb);
    char buf[512];
    long n = con_logs_read(logs, a, buf, sizeof buf);
    buf[n > 0 ? n : 0] = '\0';
    CHECK_STR_EQ(buf, "retry: 1000\n\nevent: start\ndata: {}\n\n");
    CHECK_INT_EQ(con_logs_read(logs, a, buf, sizeof buf), 0); /* nothing read yet */

    /* one log, two watchers: one read due, then none within the interval */
    con_logs_due due[4];
    CHECK_INT_EQ(con_logs_due_now(logs, 10000, due, 4), 1);
    CHECK_STR_EQ(due[0].key, "logs/web/a1.log");
    CHECK_INT_EQ(due[0].from, 0);
    CHECK_INT_EQ(con_logs_due_now(logs, 10500, due, 4), 0);
    con_logs_grow(logs, "logs/web/a1.log", 0, "step 1 \xe2\x9c", 9); /* cut inside a character */
    CHECK_INT_EQ(wa.wakes, 1);
    CHECK_INT_EQ(wb.wakes, 1);
    CHECK_INT_EQ(con_logs_due_now(logs, 11000, due, 4), 1);
    CHECK_INT_EQ(due[0].from, 9);
    con_logs_grow(logs, "logs/web/a1.log", 9, "\x93\nstep 2\n", 9);
    con_logs_grow(logs, "logs/web/a1.log", 9, "stale", 5); /* offset no longer the length */
    int blocks = 0;
    CHECK_STR_EQ(drain(logs, a, 256, &blocks), "step 1 \xe2\x9c\x93\nstep 2\n");
    /* b reads with room for a few bytes per block: the same bytes, in more blocks */
    CHECK_INT_EQ(con_logs_read(logs, b, buf, sizeof buf) > 0, 1); /* its start */
    char small[4096];
    snprintf(small, sizeof small, "%s", drain(logs, b, 256, &blocks));
    CHECK_STR_EQ(small, "step 1 \xe2\x9c\x93\nstep 2\n");
    CHECK(blocks >= 1);

    con_logs_stats st;
    con_logs_get_stats(logs, &st);
    CHECK_INT_EQ(st.logs, 1);
    CHECK_INT_EQ(st.watchers, 2);
    CHECK_INT_EQ(st.reads, 2);
    CHECK_INT_EQ(st.bytes, 18);

    /* heartbeats: a comment line, and a wake-up */
    con_logs_heartbeat(logs);
    CHECK_INT_EQ(wa.wakes, 3);
    n = con_logs_read(logs, a, buf, sizeof buf);
    buf[n > 0 ? n : 0] = '\0';
    CHECK_STR_EQ(buf, ":\n\n");
    CHECK_INT_EQ(con_logs_read(logs, a, buf, sizeof buf), 0);

    con_logs_leave(logs, a);
    con_logs_leave(logs, b);
    con_logs_get_stats(logs, &st);
    CHECK_INT_EQ(st.logs, 0);
    CHECK_INT_EQ(con_logs_due_now(logs, 20000, due, 4), 0); /* a log nobody watches is not read */
    con_logs_free(logs);
}

static void test_cut_and_bounds(void)
{
    con_logs *logs = con_logs_new(2, 3, 1024, 1000, wake);
    REQUIRE(logs != NULL);
    con_logs_watcher *w[4] = {0};
    CHECK_INT_EQ(con_logs_join(logs, "a.log", &w[0]), 0);
    CHECK_INT_EQ(con_logs_join(logs, "b.log", &w[1]), 0);
    CHECK_INT_EQ(con_logs_join(logs, "c.log", &w[2]), SLUICE_ETOOBIG); /* a third log */
    CHECK_INT_EQ(con_logs_join(logs, "a.log", &w[2]), 0);
    CHECK_INT_EQ(con_logs_join(logs, "a.log", &w[3]), SLUICE_ETOOBIG); /* a fourth watcher */
    CHECK_INT_EQ(con_logs_join(logs, "", &w[3]), SLUICE_EINVAL);

    static char big[1500];
    memset(big, 'x', sizeof big);
    con_logs_due due[2];
    CHECK_INT_EQ(con_logs_due_now(logs, 5000, due, 2), 2);
    con_logs_grow(logs, "a.log", 0, big, sizeof big); /* past the 1024 kept */
    char buf[4096];
    CHECK_INT_EQ(con_logs_read(logs, w[0], buf, sizeof buf) > 0, 1); /* start */
    int blocks = 0;
    CHECK_INT_EQ(strlen(drain(logs, w[0], sizeof buf, &blocks)), 1024);
    CHECK_INT_EQ(con_logs_read(logs, w[0], buf, sizeof buf), 0); /* the cut was read by drain */
    CHECK_INT_EQ(con_logs_due_now(logs, 9000, due, 2), 1);       /* b.log only: a.log is cut */
    CHECK_STR_EQ(due[0].key, "b.log");
    con_logs_free(logs); /* frees the watchers left */
    CHECK(con_logs_new(0, 1, 1024, 1, wake) == NULL);
}

static void test_key_of(void)
{
    char key[CON_LOGS_KEY_MAX];
    char err[256];
    CHECK_INT_EQ(con_logs_key_of("logs/", "web", "e-1", "a-2", key, err, sizeof err), 0);
    CHECK_STR_EQ(key, "logs/web/a-2.log");
    CHECK_INT_EQ(con_logs_key_of("", "web.app@x_y-z", "e", "A9-b", key, err, sizeof err), 0);
    CHECK_STR_EQ(key, "web.app@x_y-z/A9-b.log");
    /* each parameter checked, the error naming it */
    CHECK_INT_EQ(con_logs_key_of("logs/", NULL, "e-1", "a-2", key, err, sizeof err), SLUICE_EINVAL);
    CHECK(strncmp(err, "pipeline", 8) == 0 && key[0] == '\0');
    CHECK_INT_EQ(con_logs_key_of("logs/", "../web", "e-1", "a-2", key, err, sizeof err),
                 SLUICE_EINVAL);
    CHECK_INT_EQ(con_logs_key_of("logs/", "..", "e-1", "a-2", key, err, sizeof err),
                 SLUICE_EINVAL); /* a dot segment the store's URL would climb */
    CHECK_INT_EQ(con_logs_key_of("logs/", ".", "e-1", "a-2", key, err, sizeof err), SLUICE_EINVAL);
    CHECK_INT_EQ(con_logs_key_of("logs/", "a..b", "e-1", "a-2", key, err, sizeof err), 0);
    CHECK_INT_EQ(con_logs_key_of("logs/", "web", "e/1", "a-2", key, err, sizeof err),
                 SLUICE_EINVAL);
    CHECK(strncmp(err, "execution", 9) == 0);
    CHECK_INT_EQ(con_logs_key_of("logs/", "web", "e-1", "", key, err, sizeof err), SLUICE_EINVAL);
    CHECK(strncmp(err, "action", 6) == 0);
    CHECK_INT_EQ(con_logs_key_of("logs/", "web", "e-1", "a.log", key, err, sizeof err),
                 SLUICE_EINVAL);
    char id[66];
    memset(id, 'a', 65);
    id[65] = '\0';
    CHECK_INT_EQ(con_logs_key_of("logs/", "web", id, "a", key, err, sizeof err), SLUICE_EINVAL);
    id[64] = '\0';
    CHECK_INT_EQ(con_logs_key_of("logs/", "web", id, id, key, err, sizeof err), 0);
    static char prefix[CON_LOGS_KEY_MAX];
    memset(prefix, 'p', sizeof prefix - 1);
    CHECK_INT_EQ(con_logs_key_of(prefix, "web", "e", "a", key, err, sizeof err), SLUICE_ETOOBIG);
    CHECK(key[0] == '\0');
}

static void test_answer_page(void)
{
    bool found = true;
    char next[CON_LOGS_TOKEN_MAX];
    char err[256];
    const char *page = "{\"actionExecutionDetails\": [{\"actionExecutionId\": \"a-1\"}, "
                       "{\"actionExecutionId\": 7}, {\"actionExecutionId\": \"a-2\"}], "
                       "\"nextToken\": \"t-2\"}";
    CHECK_INT_EQ(con_logs_answer_page(page, strlen(page), "a-2", &found, next, err, sizeof err), 0);
    CHECK(found);
    CHECK_STR_EQ(next, "t-2");
    CHECK_INT_EQ(con_logs_answer_page(page, strlen(page), "a-3", &found, next, err, sizeof err), 0);
    CHECK(!found);
    const char *last = "{\"actionExecutionDetails\": []}";
    CHECK_INT_EQ(con_logs_answer_page(last, strlen(last), "a-1", &found, next, err, sizeof err), 0);
    CHECK(!found && next[0] == '\0');
    /* what is not the api's answer is refused, saying what */
    const char *bad[] = {"",
                         "[]",
                         "not json",
                         "{\"actionExecutionDetails\": {}}",
                         "{\"nextToken\": 3}",
                         "{\"a\": 1, \"a\": 2}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        found = true;
        CHECK_INT_EQ(
            con_logs_answer_page(bad[i], strlen(bad[i]), "a-1", &found, next, err, sizeof err),
            SLUICE_EPARSE);
        CHECK(!found && next[0] == '\0' && strstr(err, "ListActionExecutions") != NULL);
    }
    /* a nextToken too long to send back is refused, not cut */
    static char longer[CON_LOGS_TOKEN_MAX + 64];
    int n = snprintf(longer, sizeof longer, "{\"nextToken\": \"");
    memset(longer + n, 't', CON_LOGS_TOKEN_MAX);
    memcpy(longer + n + CON_LOGS_TOKEN_MAX, "\"}", 3);
    CHECK_INT_EQ(con_logs_answer_page(longer, strlen(longer), "a-1", &found, next, err, sizeof err),
                 SLUICE_EPARSE);
}

int main(void)
{
    test_start_grow_and_share();
    test_cut_and_bounds();
    test_key_of();
    test_answer_page();
    return sluice_test_report();
}
