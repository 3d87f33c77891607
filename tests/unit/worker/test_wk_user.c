/*
 * test_wk_user.c — isolation of the commands: the timeout kills a
 * grandchild that ignores SIGTERM; as root, commands run as the
 * unprivileged user of SLUICE_WORKER_RUN_AS (created here when absent) in a
 * workspace given to it, without supplementary groups, with no_new_privs,
 * and a directory it turned into a link out of the workspace is not read;
 * the user is refused when it is root, unknown, or cannot reach the
 * workspaces. The root-only cases say so and are skipped when not root.
 */
#include "wk_exec.h"
#include "wk_user.h"

#include "sluice/buf.h"
#include "sluice/error.h"
#include "sluice/time.h"
#include "sluice_test.h"

#include <errno.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define RUN_AS "sluice-run"

static char env_path[] = "PATH=/usr/bin:/bin";
static char *const env_min[] = {env_path, NULL};

static bool sink(void *ctx, const char *data, size_t n)
{
    return sluice_buf_append(ctx, data, n) == 0;
}

static int run_sh_as(const char *script, const char *cwd, int64_t timeout_ms,
                     const wk_exec_ident *ident, sluice_buf *out, wk_exec_result *res)
{
    const char *argv[] = {"/bin/sh", "-c", script, NULL};
    char err[256];
    sluice_buf_init(out, 1 << 20);
    return wk_exec_run_as(argv, env_min, cwd, sluice_time_monotonic_ms() + timeout_ms, NULL, ident,
                          sink, out, res, err, sizeof err);
}

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

static void test_timeout_kills_a_grandchild_ignoring_sigterm(void)
{
    sluice_buf out;
    wk_exec_result res;
    /* the grandchild ignores SIGTERM (shown by sending it one); the timeout still ends it */
    const char *script = "sh -c 'trap \"\" TERM; exec sleep 41' & p=$!; echo $p; sleep 0.2; "
                         "kill -TERM $p; sleep 0.2; kill -0 $p && echo alive; sleep 42";
    int64_t start = sluice_time_monotonic_ms();
    CHECK_INT_EQ(run_sh_as(script, "/tmp", 1200, NULL, &out, &res), 0);
    CHECK_INT_EQ(res.end, WK_EXEC_TIMED_OUT);
    CHECK(sluice_time_monotonic_ms() - start < 4000);
    CHECK_STR_CONTAINS(sluice_buf_cstr(&out), "alive\n");
    long grandchild = strtol(sluice_buf_cstr(&out), NULL, 10);
    CHECK(grandchild > 1);
    CHECK(gone_soon(grandchild));
    sluice_buf_free(&out);
}

static void test_refusals(void)
{
    wk_user user;
    char err[512] = "";
    CHECK_INT_EQ(wk_user_resolve("", "/tmp", &user, err, sizeof err), 0);
    CHECK(!user.switch_to);
    CHECK_INT_EQ(wk_user_resolve("no-such-user-sluice", "/tmp", &user, err, sizeof err),
                 SLUICE_ENOTFOUND);
    CHECK_STR_CONTAINS(err, "SLUICE_WORKER_RUN_AS: no user \"no-such-user-sluice\"");
    CHECK_INT_EQ(wk_user_resolve("root", "/tmp", &user, err, sizeof err), SLUICE_EDENIED);
    CHECK_STR_CONTAINS(err, "is root");
}

/* Creates RUN_AS when absent; false when that is not possible. */
static bool ensure_user(struct passwd **pw)
{
    *pw = getpwnam(RUN_AS);
    if (*pw == NULL) {
        int rc = system("useradd --system --no-create-home --shell /usr/sbin/nologin " RUN_AS
                        " >/dev/null 2>&1");
        (void)rc;
        *pw = getpwnam(RUN_AS);
    }
    return *pw != NULL;
}

static void test_commands_run_as_the_user(void)
{
    if (geteuid() != 0) {
        printf("  skipped: not root, so the worker cannot switch users (the commands run as "
               "the worker's own user)\n");
        return;
    }
    struct passwd *pw = NULL;
    if (!ensure_user(&pw)) {
        printf("  skipped: the user " RUN_AS " does not exist and useradd failed\n");
        return;
    }
    uid_t uid = pw->pw_uid;
    gid_t gid = pw->pw_gid;
    char root[] = "/tmp/wk-user-XXXXXX";
    REQUIRE(mkdtemp(root) != NULL);
    char err[512] = "";
    wk_user user;
    REQUIRE(wk_user_resolve(RUN_AS, root, &user, err, sizeof err) == 0);
    CHECK(user.switch_to);
    CHECK(user.ident.uid == uid && user.ident.gid == gid);
    struct stat st;
    CHECK(stat(root, &st) == 0 && (st.st_mode & 07777) == 0711);

    /* a workspace made by root, given to the user; a link in it is given, not followed */
    char ws[128], file[160], link[160], closed[160];
    snprintf(ws, sizeof ws, "%s/job", root);
    snprintf(file, sizeof file, "%s/input.txt", ws);
    snprintf(link, sizeof link, "%s/etc-link", ws);
    snprintf(closed, sizeof closed, "%s/closed", root);
    REQUIRE(mkdir(ws, 0700) == 0 && mkdir(closed, 0755) == 0);
    FILE *f = fopen(file, "w");
    REQUIRE(f != NULL);
    fputs("from the source\n", f);
    fclose(f);
    REQUIRE(symlink("/etc/hostname", link) == 0);
    CHECK_INT_EQ(wk_user_own_tree(&user, ws, err, sizeof err), 0);
    CHECK(lstat(link, &st) == 0 && st.st_uid == uid);
    CHECK(stat("/etc/hostname", &st) != 0 || st.st_uid == 0);

    sluice_buf out;
    wk_exec_result res;
    char script[512];
    snprintf(script, sizeof script,
             "id -u; id -g; id -G; cat input.txt && echo more >> input.txt && echo wrote; "
             "grep NoNewPrivs /proc/self/status; touch %s/x 2>/dev/null || echo refused",
             closed);
    CHECK_INT_EQ(run_sh_as(script, ws, 5000, &user.ident, &out, &res), 0);
    CHECK_INT_EQ(res.end, WK_EXEC_EXITED);
    CHECK_INT_EQ(res.exit_code, 0);
    char want[256];
    snprintf(want, sizeof want, "%u\n%u\n%u\nfrom the source\nwrote\n", (unsigned)uid,
             (unsigned)gid, (unsigned)gid);
    CHECK_STR_CONTAINS(sluice_buf_cstr(&out), want);
    CHECK_STR_CONTAINS(sluice_buf_cstr(&out), "NoNewPrivs:\t1");
    CHECK_STR_CONTAINS(sluice_buf_cstr(&out), "refused\n");
    sluice_buf_free(&out);

    /* a directory of the workspace the user turned into a link out of it is not read */
    char out_dir[192], escape[192];
    snprintf(out_dir, sizeof out_dir, "%s/out", ws);
    snprintf(escape, sizeof escape, "%s/escape", ws);
    REQUIRE(mkdir(out_dir, 0755) == 0 && symlink("/etc", escape) == 0);
    CHECK_INT_EQ(wk_user_confined(&user, out_dir, ws, err, sizeof err), 0);
    CHECK_INT_EQ(wk_user_confined(&user, escape, ws, err, sizeof err), SLUICE_EDENIED);
    CHECK_STR_CONTAINS(err, "the directory escape leads out of the workspace");
    wk_user none;
    memset(&none, 0, sizeof none);
    CHECK_INT_EQ(wk_user_confined(&none, escape, ws, err, sizeof err), 0);

    /* workspaces the user cannot reach are refused at start-up */
    char hidden[192];
    snprintf(hidden, sizeof hidden, "%s/hidden", closed);
    REQUIRE(mkdir(hidden, 0700) == 0);
    REQUIRE(chmod(closed, 0700) == 0);
    CHECK_INT_EQ(wk_user_resolve(RUN_AS, hidden, &user, err, sizeof err), SLUICE_EDENIED);
    CHECK_STR_CONTAINS(err, "cannot reach SLUICE_WORKER_WORKSPACES");

    char rm[256];
    snprintf(rm, sizeof rm, "rm -rf '%s'", root);
    CHECK_INT_EQ(system(rm), 0);
}

int main(void)
{
    RUN_TEST(test_timeout_kills_a_grandchild_ignoring_sigterm);
    RUN_TEST(test_refusals);
    RUN_TEST(test_commands_run_as_the_user);
    return sluice_test_report();
}
