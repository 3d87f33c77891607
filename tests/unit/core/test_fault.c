/*
 * Unit tests of sluice/fault.h: the SLUICE_FAULT_POINTS parser (counts,
 * bounds, unknown and repeated names, errors naming the byte), and an armed
 * point killing a child process with SIGKILL exactly on its n-th reach after
 * recording it in the fault log.
 */
#include "sluice/error.h"
#include "sluice/fault.h"
#include "sluice_test.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *const known[] = {"after_cas", "after_publish", "after_trim"};
#define NKNOWN (sizeof known / sizeof known[0])

static int parse(const char *spec, sluice_fault_plan *plan, char *err, size_t errlen)
{
    return sluice_fault_parse(spec, strlen(spec), known, NKNOWN, plan, err, errlen);
}

static void test_parse_ok(void)
{
    sluice_fault_plan plan;
    char err[256];
    CHECK_INT_EQ(parse("", &plan, err, sizeof err), SLUICE_OK);
    CHECK_INT_EQ(plan.count, 0);

    CHECK_INT_EQ(parse("after_cas:3,after_publish:2,after_trim", &plan, err, sizeof err),
                 SLUICE_OK);
    CHECK_INT_EQ(plan.count, 3);
    CHECK_STR_EQ(plan.arms[0].name, "after_cas");
    CHECK_INT_EQ(plan.arms[0].at, 3);
    CHECK_STR_EQ(plan.arms[1].name, "after_publish");
    CHECK_INT_EQ(plan.arms[1].at, 2);
    CHECK_STR_EQ(plan.arms[2].name, "after_trim");
    CHECK_INT_EQ(plan.arms[2].at, 1);

    CHECK_INT_EQ(parse("after_trim:1000000", &plan, err, sizeof err), SLUICE_OK);
    CHECK_INT_EQ(plan.arms[0].at, 1000000);
    CHECK_INT_EQ(parse("after_trim:007", &plan, err, sizeof err), SLUICE_OK);
    CHECK_INT_EQ(plan.arms[0].at, 7);
}

static void expect_error(const char *spec, int code, const char *needle)
{
    sluice_fault_plan plan;
    char err[256] = "";
    int rc = parse(spec, &plan, err, sizeof err);
    CHECK_INT_EQ(rc, code);
    CHECK_INT_EQ(plan.count, 0);
    CHECK_STR_CONTAINS(err, needle);
}

static void test_parse_errors(void)
{
    expect_error("after_cs", SLUICE_EPARSE,
                 "unknown point \"after_cs\" at byte 0 (known: after_cas, after_publish, "
                 "after_trim)");
    expect_error("after_cas,after_cs:2", SLUICE_EPARSE, "unknown point \"after_cs\" at byte 10");
    expect_error("after_cas:0", SLUICE_EPARSE, "count 0 is outside 1..1000000");
    expect_error("after_cas:1000001", SLUICE_EPARSE, "count 1000001 is outside");
    expect_error("after_cas:12345678", SLUICE_EPARSE, "the count after ':' must be 1..1000000");
    expect_error("after_cas:", SLUICE_EPARSE, "the count after ':' must be");
    expect_error("after_cas:-1", SLUICE_EPARSE, "byte 10 of its count is not a digit");
    expect_error("after_cas:2x", SLUICE_EPARSE, "byte 11 of its count is not a digit");
    expect_error("after_cas,", SLUICE_EPARSE, "empty entry at byte 10");
    expect_error(",after_cas", SLUICE_EPARSE, "empty entry at byte 0");
    expect_error("after_cas,,after_trim", SLUICE_EPARSE, "empty entry at byte 10");
    expect_error(":3", SLUICE_EPARSE, "empty point name at byte 0");
    expect_error("after_cas:1,after_cas:2", SLUICE_EPARSE,
                 "point after_cas armed twice (again at byte 12)");
    expect_error("After_cas", SLUICE_EPARSE, "byte 0: point names are a-z, 0-9 and '_' only");
    expect_error("after_cas: 3", SLUICE_EPARSE, "byte 10 of its count is not a digit");
    expect_error("after_cas ,after_trim", SLUICE_EPARSE, "byte 9: point names");
    expect_error("a234567890123456789012345678901234", SLUICE_EPARSE,
                 "point name at byte 0 is longer than 31 bytes");

    /* Bounds: the whole spec and the number of entries. */
    char big[SLUICE_FAULT_SPEC_MAX + 2];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    expect_error(big, SLUICE_ETOOBIG, "1025 bytes, more than 1024");

    /* Seventeen entries: the parser stops at the bound before it checks names. */
    char many[512] = "";
    for (int i = 0; i < SLUICE_FAULT_ARMS_MAX + 1; i++) {
        size_t used = strlen(many);
        snprintf(many + used, sizeof many - used, "%sp%d", i > 0 ? "," : "", i);
    }
    static const char *const lots[] = {"p0", "p1",  "p2",  "p3",  "p4",  "p5",  "p6",  "p7", "p8",
                                       "p9", "p10", "p11", "p12", "p13", "p14", "p15", "p16"};
    sluice_fault_plan plan;
    char err[256];
    CHECK_INT_EQ(sluice_fault_parse(many, strlen(many), lots, 17, &plan, err, sizeof err),
                 SLUICE_ETOOBIG);
    CHECK_STR_CONTAINS(err, "more than 16 points");
    CHECK_INT_EQ(plan.count, 0);

    /* A NUL inside the given length. */
    CHECK_INT_EQ(sluice_fault_parse("after_cas\0x", 11, known, NKNOWN, &plan, err, sizeof err),
                 SLUICE_EPARSE);
    CHECK_STR_CONTAINS(err, "NUL byte at byte 9");

    /* A length shorter than the text: only that much is read. */
    CHECK_INT_EQ(sluice_fault_parse("after_trim:5", 10, known, NKNOWN, &plan, err, sizeof err),
                 SLUICE_OK);
    CHECK_INT_EQ(plan.arms[0].at, 1);
}

static void test_unset_arms_nothing(void)
{
    char err[256];
    unsetenv(SLUICE_FAULT_ENV);
    CHECK_INT_EQ(sluice_fault_init(known, NKNOWN, err, sizeof err), SLUICE_OK);
    CHECK(!sluice_fault_armed);
    SLUICE_FAULT_POINT("after_cas"); /* returns */
    setenv(SLUICE_FAULT_ENV, "", 1);
    CHECK_INT_EQ(sluice_fault_init(known, NKNOWN, err, sizeof err), SLUICE_OK);
    CHECK(!sluice_fault_armed);
    setenv(SLUICE_FAULT_ENV, "after_cass", 1);
    CHECK_INT_EQ(sluice_fault_init(known, NKNOWN, err, sizeof err), SLUICE_EPARSE);
    CHECK_STR_CONTAINS(err, "SLUICE_FAULT_POINTS: unknown point \"after_cass\"");
    CHECK(!sluice_fault_armed);
    unsetenv(SLUICE_FAULT_ENV);
}

/*
 * In a child: arms spec, then reaches after_publish 5 times and after_cas
 * 5 times, writing one byte to fd before each reach. Returns the wait status
 * and the number of reaches that came back (bytes read).
 */
static int run_child(const char *spec, const char *log, int *reached)
{
    int fds[2];
    if (pipe(fds) != 0) {
        return -1;
    }
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        setenv(SLUICE_FAULT_ENV, spec, 1);
        setenv(SLUICE_FAULT_LOG_ENV, log, 1);
        char err[256];
        if (sluice_fault_init(known, NKNOWN, err, sizeof err) != SLUICE_OK) {
            _exit(3);
        }
        for (int i = 0; i < 5; i++) {
            SLUICE_FAULT_POINT("after_publish");
            (void)!write(fds[1], "p", 1);
        }
        for (int i = 0; i < 5; i++) {
            SLUICE_FAULT_POINT("after_cas");
            (void)!write(fds[1], "c", 1);
        }
        _exit(0);
    }
    close(fds[1]);
    char buf[64];
    *reached = 0;
    ssize_t n;
    while ((n = read(fds[0], buf, sizeof buf)) > 0) {
        *reached += (int)n;
    }
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    return status;
}

static void read_file(const char *path, char *out, size_t outlen)
{
    out[0] = '\0';
    FILE *f = fopen(path, "r");
    if (f != NULL) {
        size_t n = fread(out, 1, outlen - 1, f);
        out[n] = '\0';
        fclose(f);
    }
}

static void test_kill_on_nth_reach(void)
{
    char log[] = "/tmp/sluice-fault-test-XXXXXX";
    int fd = mkstemp(log);
    CHECK(fd >= 0);
    close(fd);

    int reached = 0;
    int status = run_child("after_cas:3", log, &reached);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    CHECK_INT_EQ(reached, 5 + 2); /* all of after_publish, then two after_cas came back */
    char text[256];
    read_file(log, text, sizeof text);
    CHECK(strncmp(text, "after_cas 3 ", 12) == 0);
    CHECK(strchr(text, '\n') == text + strlen(text) - 1);

    /* The next restart, armed elsewhere, appends. */
    status = run_child("after_trim:1,after_publish:1", log, &reached);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    CHECK_INT_EQ(reached, 0);
    read_file(log, text, sizeof text);
    CHECK(strncmp(text, "after_cas 3 ", 12) == 0);
    CHECK_STR_CONTAINS(text, "\nafter_publish 1 ");

    /* Armed past the reaches: the child ends normally. */
    status = run_child("after_cas:6", log, &reached);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK_INT_EQ(reached, 10);
    unlink(log);
}

int main(void)
{
    test_parse_ok();
    test_parse_errors();
    test_unset_arms_nothing();
    test_kill_on_nth_reach();
    return sluice_test_report();
}
