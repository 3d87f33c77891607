/*
 * Unit tests of src_remote.h: which remote URLs sluice-source accepts and
 * why the others are refused, branch names after git check-ref-format,
 * FullRepositoryIds and joining a connection's base URL.
 */
#include "src_remote.h"

#include "sluice/error.h"
#include "sluice_test.h"

#include <string.h>

static void check_kind(const char *url, src_remote_kind want)
{
    src_remote_kind kind = SRC_REMOTE_LOCAL;
    char err[256] = "";
    int rc = src_remote_classify(url, &kind, err, sizeof err);
    if (rc != 0) {
        fprintf(stderr, "  %s: %s\n", url, err);
    }
    CHECK_INT_EQ(rc, 0);
    CHECK_INT_EQ(kind, want);
}

static void check_refused(const char *url, const char *why)
{
    src_remote_kind kind = SRC_REMOTE_LOCAL;
    char err[256] = "";
    CHECK_INT_EQ(src_remote_classify(url, &kind, err, sizeof err), SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, why);
}

static void test_classify_accepts(void)
{
    check_kind("/srv/git/app.git", SRC_REMOTE_LOCAL);
    check_kind("file:///srv/git/app.git", SRC_REMOTE_FILE);
    check_kind("http://git.example.com/app.git", SRC_REMOTE_HTTP);
    check_kind("https://github.com", SRC_REMOTE_HTTPS);
    check_kind("https://git.example.com:8443/team/app", SRC_REMOTE_HTTPS);
    check_kind("ssh://git@git.example.com:2222/team/app.git", SRC_REMOTE_SSH);
    check_kind("ssh://git.example.com/team/app.git", SRC_REMOTE_SSH);
    check_kind("git@github.com:team/app.git", SRC_REMOTE_SSH);
    check_kind("host:repo", SRC_REMOTE_SSH);
    CHECK_STR_EQ(src_remote_kind_name(SRC_REMOTE_SSH), "ssh");
    CHECK_STR_EQ(src_remote_kind_name(SRC_REMOTE_HTTPS), "https");
}

static void test_classify_refuses(void)
{
    check_refused("", "empty");
    check_refused("relative/path", "relative path");
    check_refused("-uhack", "starts with '-'");
    check_refused("ext::sh -c touch% /tmp/x", "whitespace");
    check_refused("ext::sh", "remote helper");
    check_refused("fd::3", "remote helper");
    check_refused("git://example.com/app.git", "scheme");
    check_refused("ftp://example.com/app.git", "scheme");
    check_refused("file://relative", "absolute path");
    check_refused("https://", "no host");
    check_refused("https:///path", "no host");
    check_refused("/srv/git/a\nb", "control character");
    check_refused("@:path", "no host");
    check_refused("host:", "no path");
    /* Credentials never in the URL, and the refusal does not echo them. */
    src_remote_kind kind;
    char err[256] = "";
    CHECK_INT_EQ(
        src_remote_classify("https://ci:s3cret@git.example.com/app", &kind, err, sizeof err),
        SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "credentials");
    CHECK(strstr(err, "s3cret") == NULL);
    CHECK_INT_EQ(src_remote_classify("https://token@git.example.com/app", &kind, err, sizeof err),
                 SLUICE_EINVAL);
    CHECK(strstr(err, "token") == NULL);
    CHECK_INT_EQ(src_remote_classify("ssh://git:pw@host/app", &kind, err, sizeof err),
                 SLUICE_EINVAL);
    CHECK(strstr(err, "pw@") == NULL);
    char long_url[SRC_URL_MAX + 8];
    memset(long_url, 'a', sizeof long_url - 1);
    long_url[0] = '/';
    long_url[sizeof long_url - 1] = '\0';
    check_refused(long_url, "at most 1023");
}

static void check_branch(const char *branch, bool ok)
{
    char err[256] = "";
    int rc = src_remote_branch_check(branch, err, sizeof err);
    if ((rc == 0) != ok) {
        fprintf(stderr, "  branch \"%s\": rc %d (%s)\n", branch, rc, err);
    }
    CHECK((rc == 0) == ok);
    if (!ok) {
        CHECK(err[0] != '\0');
    }
}

static void test_branch(void)
{
    check_branch("main", true);
    check_branch("feature/login-2", true);
    check_branch("release-1.2", true);
    check_branch("", false);
    check_branch("-delete", false);
    check_branch("/main", false);
    check_branch("main/", false);
    check_branch("main.", false);
    check_branch("main.lock", false);
    check_branch("a..b", false);
    check_branch("a//b", false);
    check_branch("a/.hidden", false);
    check_branch(".hidden", false);
    check_branch("a@{1}", false);
    check_branch("@", false);
    check_branch("with space", false);
    check_branch("a:b", false);
    check_branch("a~1", false);
    check_branch("a^", false);
    check_branch("a*", false);
    check_branch("a[b", false);
    check_branch("a\\b", false);
    check_branch("a\tb", false);
    char long_branch[SRC_BRANCH_MAX + 2];
    memset(long_branch, 'b', sizeof long_branch - 1);
    long_branch[sizeof long_branch - 1] = '\0';
    check_branch(long_branch, false);
}

static void test_repository_id(void)
{
    char err[256] = "";
    CHECK_INT_EQ(src_remote_repository_id_check("octo-org/app.web", err, sizeof err), 0);
    CHECK_INT_EQ(src_remote_repository_id_check("group/sub/app", err, sizeof err), 0);
    CHECK_INT_EQ(src_remote_repository_id_check("app", err, sizeof err), SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "owner/repository");
    CHECK_INT_EQ(src_remote_repository_id_check("../etc", err, sizeof err), SLUICE_EINVAL);
    CHECK_INT_EQ(src_remote_repository_id_check("a/../b", err, sizeof err), SLUICE_EINVAL);
    CHECK_INT_EQ(src_remote_repository_id_check("a/./b", err, sizeof err), SLUICE_EINVAL);
    CHECK_INT_EQ(src_remote_repository_id_check("/a/b", err, sizeof err), SLUICE_EINVAL);
    CHECK_INT_EQ(src_remote_repository_id_check("a/b/", err, sizeof err), SLUICE_EINVAL);
    CHECK_INT_EQ(src_remote_repository_id_check("a/-b", err, sizeof err), SLUICE_EINVAL);
    CHECK_INT_EQ(src_remote_repository_id_check("a/b c", err, sizeof err), SLUICE_EINVAL);
    CHECK_INT_EQ(src_remote_repository_id_check("a/b/c/d/e/f/g/h/i", err, sizeof err),
                 SLUICE_EINVAL);
    CHECK(src_remote_repository_name_ok("my-repo_1.0"));
    CHECK(!src_remote_repository_name_ok("my/repo"));
    CHECK(!src_remote_repository_name_ok(""));
    CHECK(!src_remote_repository_name_ok(NULL));
}

static void test_join(void)
{
    char out[SRC_URL_MAX];
    char err[256] = "";
    CHECK_INT_EQ(src_remote_join("https://github.com/", "octo/app", ".git", out, sizeof out, err,
                                 sizeof err),
                 0);
    CHECK_STR_EQ(out, "https://github.com/octo/app.git");
    CHECK_INT_EQ(src_remote_join("/srv/git", "team/app", "", out, sizeof out, err, sizeof err), 0);
    CHECK_STR_EQ(out, "/srv/git/team/app");
    CHECK_INT_EQ(src_remote_join("/srv/git", "../../etc", "", out, sizeof out, err, sizeof err),
                 SLUICE_EINVAL);
    char small[16];
    CHECK_INT_EQ(
        src_remote_join("/srv/git", "team/application", "", small, sizeof small, err, sizeof err),
        SLUICE_ETOOBIG);
    CHECK_STR_EQ(small, "");
}

int main(void)
{
    RUN_TEST(test_classify_accepts);
    RUN_TEST(test_classify_refuses);
    RUN_TEST(test_branch);
    RUN_TEST(test_repository_id);
    RUN_TEST(test_join);
    return sluice_test_report();
}
