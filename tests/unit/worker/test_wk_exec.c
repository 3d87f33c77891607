/*
 * test_wk_exec.c — commands run in a process group of their own: exit codes
 * and signals, exactly the environment given, the timeout, a stop and an
 * output bound kill the whole group, grandchildren included.
 */
#include "wk_exec.h"

#include "sluice/buf.h"
#include "sluice/error.h"
#include "sluice/time.h"
#include "sluice_test.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static char env_path[] = "PATH=/usr/bin:/bin";
static char env_only[] = "ONLY=this";
static char *const env_min[] = {env_path, env_only, NULL};

typedef struct capture {
    sluice_buf out;
    size_t limit; /* refuse output past it (0: none) */
} capture;

static bool sink(void *ctx, const char *data, size_t n)
{
    capture *c = ctx;
    if (c->limit > 0 && c->out.len + n > c->limit) {
        return false;
    }
    return sluice_buf_append(&c->out, data, n) == 0;
}

static int run_sh(const char *script, int64_t timeout_ms, const atomic_bool *stop, capture *c,
                  wk_exec_result *res)
{
    const char *argv[] = {"/bin/sh", "-c", script, NULL};
    char err[256];
    sluice_buf_init(&c->out, 1 << 20);
    return wk_exec_run(argv, env_min, "/tmp", sluice_time_monotonic_ms() + timeout_ms, stop, sink,
                       c, res, err, sizeof err);
}

/* True when pid is gone (or a zombie waiting for init). */
static bool gone(long pid)
{
    if (kill((pid_t)pid, 0) != 0 && errno == ESRCH) {
        return true;
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        return true;
    }
    char line[512] = "";
    char *ok = fgets(line, sizeof line, f);
    fclose(f);
    const char *close_paren = ok != NULL ? strrchr(line, ')') : NULL;
    return close_paren != NULL && close_paren[1] == ' ' && close_paren[2] == 'Z';
}

static bool gone_soon(long pid)
{
    for (int i = 0; i < 100; i++) {
        if (gone(pid)) {
            return true;
        }
        struct timespec ts = {0, 10 * 1000000L};
        nanosleep(&ts, NULL);
    }
    return false;
}

static void test_exit_codes_and_output(void)
{
    capture c = {0};
    wk_exec_result res;
    CHECK_INT_EQ(run_sh("echo out; echo err >&2; exit 3", 5000, NULL, &c, &res), 0);
    CHECK_INT_EQ(res.end, WK_EXEC_EXITED);
    CHECK_INT_EQ(res.exit_code, 3);
    CHECK_INT_EQ(res.signal, 0);
    CHECK_STR_CONTAINS(sluice_buf_cstr(&c.out), "out\n");
    CHECK_STR_CONTAINS(sluice_buf_cstr(&c.out), "err\n");
    sluice_buf_free(&c.out);

    CHECK_INT_EQ(run_sh("kill -TERM $$", 5000, NULL, &c, &res), 0);
    CHECK_INT_EQ(res.end, WK_EXEC_EXITED);
    CHECK_INT_EQ(res.signal, SIGTERM);
    sluice_buf_free(&c.out);

    /* stdin is /dev/null, the directory is the one given */
    CHECK_INT_EQ(run_sh("cat; pwd", 5000, NULL, &c, &res), 0);
    CHECK_STR_EQ(sluice_buf_cstr(&c.out), "/tmp\n");
    sluice_buf_free(&c.out);
}

static void test_environment_is_exactly_given(void)
{
    setenv("SLUICE_SECRET_OF_THE_WORKER", "not for commands", 1);
    capture c = {0};
    wk_exec_result res;
    CHECK_INT_EQ(run_sh("env | sort | grep -v '^PWD=' | grep -v '^SHLVL='", 5000, NULL, &c, &res),
                 0);
    CHECK_STR_EQ(sluice_buf_cstr(&c.out), "ONLY=this\nPATH=/usr/bin:/bin\n");
    sluice_buf_free(&c.out);
}

static void test_timeout_kills_the_group(void)
{
    capture c = {0};
    wk_exec_result res;
    int64_t start = sluice_time_monotonic_ms();
    CHECK_INT_EQ(run_sh("sh -c 'sleep 37' & echo $!; sleep 38", 300, NULL, &c, &res), 0);
    CHECK_INT_EQ(res.end, WK_EXEC_TIMED_OUT);
    CHECK(sluice_time_monotonic_ms() - start < 3000);
    long grandchild = strtol(sluice_buf_cstr(&c.out), NULL, 10);
    CHECK(grandchild > 1);
    CHECK(gone_soon(grandchild));
    sluice_buf_free(&c.out);
}

static void test_background_left_is_killed(void)
{
    capture c = {0};
    wk_exec_result res;
    CHECK_INT_EQ(run_sh("sleep 39 & echo $!", 5000, NULL, &c, &res), 0);
    CHECK_INT_EQ(res.end, WK_EXEC_EXITED);
    CHECK_INT_EQ(res.exit_code, 0);
    long background = strtol(sluice_buf_cstr(&c.out), NULL, 10);
    CHECK(background > 1);
    CHECK(gone_soon(background));
    sluice_buf_free(&c.out);
}

static void test_stop_and_overflow(void)
{
    capture c = {0};
    wk_exec_result res;
    atomic_bool stop;
    atomic_init(&stop, true);
    CHECK_INT_EQ(run_sh("sleep 40", 5000, &stop, &c, &res), 0);
    CHECK_INT_EQ(res.end, WK_EXEC_STOPPED);
    CHECK_INT_EQ(res.signal, SIGKILL);
    sluice_buf_free(&c.out);

    capture bounded = {.limit = 4096};
    CHECK_INT_EQ(run_sh("yes sluice", 5000, NULL, &bounded, &res), 0);
    CHECK_INT_EQ(res.end, WK_EXEC_OVERFLOW);
    CHECK(bounded.out.len <= 4096);
    sluice_buf_free(&bounded.out);
}

static void test_missing_program(void)
{
    const char *argv[] = {"/nonexistent/program", NULL};
    capture c = {0};
    sluice_buf_init(&c.out, 1024);
    wk_exec_result res;
    char err[256];
    CHECK_INT_EQ(wk_exec_run(argv, env_min, "/tmp", sluice_time_monotonic_ms() + 5000, NULL, sink,
                             &c, &res, err, sizeof err),
                 0);
    CHECK_INT_EQ(res.exit_code, 127);
    sluice_buf_free(&c.out);
}

int main(void)
{
    RUN_TEST(test_exit_codes_and_output);
    RUN_TEST(test_environment_is_exactly_given);
    RUN_TEST(test_timeout_kills_the_group);
    RUN_TEST(test_background_left_is_killed);
    RUN_TEST(test_stop_and_overflow);
    RUN_TEST(test_missing_program);
    return sluice_test_report();
}
