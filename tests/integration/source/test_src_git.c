/*
 * int_source_git — src_git.h and src_zip.h against real git repositories the
 * test makes: the branch head ls-remote reports, fetches into a mirror (the
 * head, an older commit, a missing branch, a missing commit, a missing
 * repository), eight concurrent fetches of one remote through its lock, the
 * commit as git log describes it, and the CODE_ZIP of a commit holding
 * exactly its tree (paths, modes, symbolic links, bytes) compared with
 * `git ls-tree` and `git show`; the zip bound. A stand-in git program checks
 * what a child gets: the password only in its environment (never in its
 * arguments, never in a message), none of the service's SLUICE_* variables.
 * For V2 triggers: fetches of any ref (a branch, an annotated tag, a pull
 * request's refs/pull/<n>/head), the changed files of a push and of a pull
 * request (from its merge base), ancestry and commits fetched by id.
 */
#include "src_git.h"
#include "src_zip.h"

#include "sluice/buf.h"
#include "sluice/error.h"
#include "sluice_test.h"

#include <archive.h>
#include <archive_entry.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[] = "/tmp/sluice-src-git-XXXXXX";
static char repo[256];
static src_git *git;
static char head[SRC_COMMIT_ID_MAX + 1];
static char first[SRC_COMMIT_ID_MAX + 1];

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int sh(const char *fmt, ...)
{
    char cmd[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    return system(cmd);
}

/* The first line a command prints, into out. */
static void sh_line(char *out, size_t outlen, const char *cmd)
{
    out[0] = '\0';
    FILE *p = popen(cmd, "r");
    if (p != NULL) {
        if (fgets(out, (int)outlen, p) != NULL) {
            out[strcspn(out, "\n")] = '\0';
        }
        pclose(p);
    }
}

static int make_repo(void)
{
    snprintf(repo, sizeof repo, "%s/repo", dir);
    const char *env = "GIT_AUTHOR_NAME='Ada Lovelace' GIT_AUTHOR_EMAIL=ada@example.com "
                      "GIT_AUTHOR_DATE='2026-12-01T09:00:00Z' GIT_COMMITTER_NAME='Grace Hopper' "
                      "GIT_COMMITTER_EMAIL=grace@example.com "
                      "GIT_COMMITTER_DATE='2026-12-01T10:00:00Z'";
    int rc = sh("set -e; git init -q -b main %s; cd %s; printf 'one\\n' > a.txt;"
                " mkdir -p bin sub/dir; printf '#!/bin/sh\\necho run\\n' > bin/run.sh;"
                " chmod 755 bin/run.sh; ln -s a.txt link; printf 'deep\\n' > sub/dir/deep.txt;"
                " git add -A; %s git commit -q -m 'First commit'",
                repo, repo, env);
    rc |= sh("set -e; cd %s; printf 'two\\n' >> a.txt; git add -A;"
             " %s git commit -q -m 'Second: a.txt grows' -m 'Body line.';"
             " git branch other HEAD~1",
             repo, env);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "git -C %s rev-parse main", repo);
    sh_line(head, sizeof head, cmd);
    snprintf(cmd, sizeof cmd, "git -C %s rev-parse main~1", repo);
    sh_line(first, sizeof first, cmd);
    return rc;
}

static src_git_remote local_remote(const char *url)
{
    src_git_remote r = {url, SRC_REMOTE_LOCAL, NULL};
    return r;
}

static void test_ls_remote(void)
{
    src_git_remote r = local_remote(repo);
    char commit[SRC_COMMIT_ID_MAX + 1];
    src_failure fail;
    CHECK_INT_EQ(src_git_ls_remote(git, &r, "main", commit, &fail), 0);
    CHECK_STR_EQ(commit, head);
    CHECK_INT_EQ(src_git_ls_remote(git, &r, "other", commit, &fail), 0);
    CHECK_STR_EQ(commit, first);
    CHECK_INT_EQ(src_git_ls_remote(git, &r, "nope", commit, &fail), SLUICE_ENOTFOUND);
    CHECK_INT_EQ(fail.type, SRC_FAILURE_REVISION_UNAVAILABLE);
    CHECK_STR_CONTAINS(fail.message, "The branch nope does not exist");
    /* "ain" is a suffix of main's ref name, not a branch */
    CHECK_INT_EQ(src_git_ls_remote(git, &r, "ain", commit, &fail), SLUICE_ENOTFOUND);
    char missing[300];
    snprintf(missing, sizeof missing, "%s/missing.git", dir);
    r = local_remote(missing);
    CHECK(src_git_ls_remote(git, &r, "main", commit, &fail) != 0);
    CHECK_INT_EQ(fail.type, SRC_FAILURE_CONFIGURATION);
    CHECK_STR_CONTAINS(fail.message, missing);
}

static void test_fetch(void)
{
    src_git_remote r = local_remote(repo);
    char resolved[SRC_COMMIT_ID_MAX + 1];
    char mirror[SRC_GIT_PATH_MAX];
    src_failure fail;
    CHECK_INT_EQ(src_git_fetch(git, &r, "main", NULL, resolved, mirror, &fail), 0);
    CHECK_STR_EQ(resolved, head);
    char path[SRC_GIT_PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/HEAD", mirror);
    struct stat st;
    CHECK(stat(path, &st) == 0);
    char expected[SRC_GIT_PATH_MAX];
    CHECK_INT_EQ(src_git_mirror_path(git, repo, expected), 0);
    CHECK_STR_EQ(mirror, expected);
    /* an older commit of the branch */
    CHECK_INT_EQ(src_git_fetch(git, &r, "main", first, resolved, mirror, &fail), 0);
    CHECK_STR_EQ(resolved, first);
    /* a commit the remote does not have */
    CHECK(src_git_fetch(git, &r, "main", "0123456789abcdef0123456789abcdef01234567", resolved,
                        mirror, &fail) != 0);
    CHECK_INT_EQ(fail.type, SRC_FAILURE_REVISION_UNAVAILABLE);
    CHECK_STR_CONTAINS(fail.message, "The commit 0123456789abcdef0123456789abcdef01234567");
    /* a missing branch */
    CHECK(src_git_fetch(git, &r, "gone", NULL, resolved, mirror, &fail) != 0);
    CHECK_INT_EQ(fail.type, SRC_FAILURE_REVISION_UNAVAILABLE);
    CHECK_STR_CONTAINS(fail.message, "The branch gone does not exist");
    /* a new commit is fetched into the same mirror */
    CHECK_INT_EQ(sh("cd %s && printf 'three\\n' > c.txt && git add c.txt && "
                    "git -c user.name=T -c user.email=t@x commit -q -m third",
                    repo),
                 0);
    char now[SRC_COMMIT_ID_MAX + 1];
    char cmd[512];
    snprintf(cmd, sizeof cmd, "git -C %s rev-parse main", repo);
    sh_line(now, sizeof now, cmd);
    CHECK_INT_EQ(src_git_fetch(git, &r, "main", NULL, resolved, mirror, &fail), 0);
    CHECK_STR_EQ(resolved, now);
    CHECK_INT_EQ(sh("cd %s && git reset -q --hard %s", repo, head), 0);
}

typedef struct fetch_job {
    int rc;
    char resolved[SRC_COMMIT_ID_MAX + 1];
} fetch_job;

static void *fetch_thread(void *arg)
{
    fetch_job *job = arg;
    src_git_remote r = local_remote(repo);
    char mirror[SRC_GIT_PATH_MAX];
    src_failure fail;
    job->rc = src_git_fetch(git, &r, "main", NULL, job->resolved, mirror, &fail);
    if (job->rc != 0) {
        fprintf(stderr, "  concurrent fetch: %s\n", fail.message);
    }
    return NULL;
}

static void test_concurrent_fetches(void)
{
    /* a fresh remote URL (file://), so the eight fetches race to create its mirror */
    char url[300];
    snprintf(url, sizeof url, "file://%s", repo);
    pthread_t threads[8];
    fetch_job jobs[8];
    memset(jobs, 0, sizeof jobs);
    for (int i = 0; i < 8; i++) {
        pthread_create(&threads[i], NULL, fetch_thread, &jobs[i]);
    }
    for (int i = 0; i < 8; i++) {
        pthread_join(threads[i], NULL);
        CHECK_INT_EQ(jobs[i].rc, 0);
        CHECK_STR_EQ(jobs[i].resolved, head);
    }
    char mirror[SRC_GIT_PATH_MAX];
    src_git_mirror_path(git, repo, mirror);
    CHECK_INT_EQ(sh("git -C %s fsck --no-progress --no-dangling 2>/dev/null", mirror), 0);
}

static void test_commit_info(void)
{
    char mirror[SRC_GIT_PATH_MAX];
    src_git_mirror_path(git, repo, mirror);
    src_commit c;
    src_failure fail;
    CHECK_INT_EQ(src_git_commit_info(git, mirror, head, &c, &fail), 0);
    CHECK_STR_EQ(c.id, head);
    CHECK_STR_EQ(c.author_name, "Ada Lovelace");
    CHECK_STR_EQ(c.author_email, "ada@example.com");
    CHECK_STR_EQ(c.committer_name, "Grace Hopper");
    CHECK_INT_EQ(c.author_time_s, 1796115600);    /* 2026-12-01T09:00:00Z */
    CHECK_INT_EQ(c.committer_time_s, 1796119200); /* 2026-12-01T10:00:00Z */
    CHECK_STR_EQ(c.message, "Second: a.txt grows\n\nBody line.");
    CHECK(src_git_commit_info(git, mirror, "0123456789abcdef0123456789abcdef01234567", &c, &fail) !=
          0);
    CHECK_INT_EQ(fail.type, SRC_FAILURE_REVISION_UNAVAILABLE);
    CHECK_STR_CONTAINS(fail.message, "The commit 0123456789abcdef0123456789abcdef01234567");
}

/* One line per entry: "<mode octal> <path>[ -> <target>] <content>" sorted, for comparing. */
static void zip_listing(const char *zip, sluice_buf *out)
{
    struct archive *a = archive_read_new();
    archive_read_support_format_zip(a);
    if (archive_read_open_filename(a, zip, 65536) != ARCHIVE_OK) {
        archive_read_free(a);
        return;
    }
    struct archive_entry *e;
    while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
        if (archive_entry_filetype(e) == AE_IFDIR) {
            continue; /* git's trees list files only */
        }
        char data[256] = "";
        ssize_t n = archive_read_data(a, data, sizeof data - 1);
        data[n > 0 ? n : 0] = '\0';
        data[strcspn(data, "\n")] = '\0';
        const char *link = archive_entry_symlink(e);
        sluice_buf_appendf(out, "%o %s%s%s %s\n", (unsigned)archive_entry_mode(e),
                           archive_entry_pathname(e), link != NULL ? " -> " : "",
                           link != NULL ? link : "", link != NULL ? "" : data);
    }
    archive_read_free(a);
}

static void test_zip(void)
{
    char mirror[SRC_GIT_PATH_MAX];
    src_git_mirror_path(git, repo, mirror);
    char tar[300], zip[300];
    snprintf(tar, sizeof tar, "%s/tree.tar", dir);
    snprintf(zip, sizeof zip, "%s/tree.zip", dir);
    src_failure fail;
    CHECK_INT_EQ(src_git_archive(git, mirror, head, tar, &fail), 0);
    int64_t bytes = 0;
    char err[256] = "";
    CHECK_INT_EQ(src_zip_from_tar(tar, zip, 1 << 20, &bytes, err, sizeof err), 0);
    struct stat st;
    CHECK(stat(zip, &st) == 0 && st.st_size == bytes && bytes > 0);
    sluice_buf got;
    sluice_buf_init(&got, 1 << 16);
    zip_listing(zip, &got);
    /* what git says the tree is: regular files 100644/100755, links 120000 */
    const char *want = "100644 a.txt one\n"
                       "100755 bin/run.sh #!/bin/sh\n"
                       "120777 link -> a.txt \n"
                       "100644 sub/dir/deep.txt deep\n";
    CHECK_STR_EQ(got.data, want);
    char cmd[512], tree[1024] = "";
    snprintf(cmd, sizeof cmd, "git -C %s ls-tree -r %s | awk '{print $1, $4}' | tr '\\n' ','", repo,
             head);
    sh_line(tree, sizeof tree, cmd);
    CHECK_STR_EQ(tree, "100644 a.txt,100755 bin/run.sh,120000 link,100644 sub/dir/deep.txt,");
    sluice_buf_free(&got);
    unlink(zip);
    /* a zip over its bound is refused and removed */
    CHECK_INT_EQ(src_zip_from_tar(tar, zip, 64, &bytes, err, sizeof err), SLUICE_ETOOBIG);
    CHECK_STR_CONTAINS(err, "exceeds 64 bytes");
    CHECK(stat(zip, &st) != 0);
    CHECK_INT_EQ(bytes, 0);
    unlink(tar);
}

static void test_child_environment(void)
{
    /* a stand-in git: records its arguments and environment, fails with the password */
    char fake[300], argv_file[300], env_file[300];
    snprintf(fake, sizeof fake, "%s/fake-git", dir);
    snprintf(argv_file, sizeof argv_file, "%s/argv", dir);
    snprintf(env_file, sizeof env_file, "%s/env", dir);
    FILE *f = fopen(fake, "w");
    REQUIRE(f != NULL);
    fprintf(f,
            "#!/bin/sh\necho \"$@\" > %s\nenv > %s\n"
            "echo \"fatal: Authentication failed for https://ci:$SLUICE_GIT_PASSWORD@h/\" >&2\n"
            "exit 128\n",
            argv_file, env_file);
    fclose(f);
    chmod(fake, 0700);
    char cache[300];
    snprintf(cache, sizeof cache, "%s/cache", dir);
    src_git_config cfg = {fake, cache, 10000};
    src_git *g = NULL;
    char err[256];
    REQUIRE(src_git_new(&cfg, &g, err, sizeof err) == 0);
    setenv("SLUICE_REDIS_PASSWORD", "service-secret", 1);
    setenv("GIT_DIR", "/nowhere", 1);
    src_credentials cred;
    memset(&cred, 0, sizeof cred);
    snprintf(cred.username, sizeof cred.username, "ci");
    cred.password = strdup("hunter2-token");
    src_git_remote r = {"https://git.example.com/app.git", SRC_REMOTE_HTTPS, &cred};
    char commit[SRC_COMMIT_ID_MAX + 1];
    src_failure fail;
    CHECK(src_git_ls_remote(g, &r, "main", commit, &fail) != 0);
    CHECK_INT_EQ(fail.type, SRC_FAILURE_PERMISSION);
    CHECK(strstr(fail.message, "hunter2") == NULL);
    CHECK_STR_CONTAINS(fail.message, "https://ci:***@h/");
    char line[1024];
    snprintf(line, sizeof line, "grep -c hunter2 %s", argv_file);
    char count[16];
    sh_line(count, sizeof count, line);
    CHECK_STR_EQ(count, "0");
    CHECK_INT_EQ(sh("grep -qx 'SLUICE_GIT_PASSWORD=hunter2-token' %s", env_file), 0);
    CHECK_INT_EQ(sh("grep -qx 'GIT_TERMINAL_PROMPT=0' %s", env_file), 0);
    CHECK_INT_EQ(sh("grep -q '^GIT_ASKPASS=%s/askpass.sh$' %s", cache, env_file), 0);
    CHECK(sh("grep -q 'SLUICE_REDIS_PASSWORD\\|GIT_DIR' %s", env_file) != 0);
    /* the askpass helper answers git's two questions from the environment */
    char answer[64];
    snprintf(line, sizeof line,
             "SLUICE_GIT_USERNAME=ci SLUICE_GIT_PASSWORD=pw %s/askpass.sh \"Username for "
             "'https://h': \"",
             cache);
    sh_line(answer, sizeof answer, line);
    CHECK_STR_EQ(answer, "ci");
    snprintf(line, sizeof line,
             "SLUICE_GIT_USERNAME=ci SLUICE_GIT_PASSWORD=pw %s/askpass.sh \"Password for "
             "'https://ci@h': \"",
             cache);
    sh_line(answer, sizeof answer, line);
    CHECK_STR_EQ(answer, "pw");
    /* ssh: the key and known hosts reach ssh through GIT_SSH_COMMAND */
    free(cred.password);
    memset(&cred, 0, sizeof cred);
    snprintf(cred.ssh_key_file, sizeof cred.ssh_key_file, "/etc/sluice/id key");
    snprintf(cred.known_hosts_file, sizeof cred.known_hosts_file, "/etc/sluice/known_hosts");
    src_git_remote s = {"git@git.example.com:team/app.git", SRC_REMOTE_SSH, &cred};
    CHECK(src_git_ls_remote(g, &s, "main", commit, &fail) != 0);
    CHECK_INT_EQ(sh("grep -qx \"GIT_SSH_COMMAND=ssh -o BatchMode=yes -o IdentitiesOnly=yes -i "
                    "'/etc/sluice/id key' -o StrictHostKeyChecking=yes -o "
                    "UserKnownHostsFile='/etc/sluice/known_hosts'\" %s",
                    env_file),
                 0);
    unsetenv("SLUICE_REDIS_PASSWORD");
    unsetenv("GIT_DIR");
    src_git_free(g);
}

static void test_timeout(void)
{
    char fake[300];
    snprintf(fake, sizeof fake, "%s/slow-git", dir);
    FILE *f = fopen(fake, "w");
    REQUIRE(f != NULL);
    fprintf(f, "#!/bin/sh\nsleep 30\n");
    fclose(f);
    chmod(fake, 0700);
    char cache[300];
    snprintf(cache, sizeof cache, "%s/cache", dir);
    src_git_config cfg = {fake, cache, 300};
    src_git *g = NULL;
    char err[256];
    REQUIRE(src_git_new(&cfg, &g, err, sizeof err) == 0);
    src_git_remote r = local_remote(repo);
    char commit[SRC_COMMIT_ID_MAX + 1];
    src_failure fail;
    int64_t start = (int64_t)time(NULL);
    CHECK_INT_EQ(src_git_ls_remote(g, &r, "main", commit, &fail), SLUICE_ETIMEDOUT);
    CHECK((int64_t)time(NULL) - start < 5);
    CHECK_INT_EQ(fail.type, SRC_FAILURE_SYSTEM_UNAVAILABLE);
    CHECK_STR_CONTAINS(fail.message, "did not finish in time");
    src_git_free(g);
}

/* The NUL-separated list in buf as one line joined by ',' into out. */
static void joined(const sluice_buf *buf, char *out, size_t outlen)
{
    out[0] = '\0';
    size_t at = 0;
    for (size_t i = 0; i < buf->len && at + 1 < outlen; i++) {
        out[at++] = buf->data[i] == '\0' ? ',' : buf->data[i];
    }
    out[at] = '\0';
}

static void test_refs_and_changed_files(void)
{
    char hosted[300];
    snprintf(hosted, sizeof hosted, "%s/hosted", dir);
    const char *env = "GIT_AUTHOR_NAME=Ada GIT_AUTHOR_EMAIL=ada@example.com "
                      "GIT_COMMITTER_NAME=Ada GIT_COMMITTER_EMAIL=ada@example.com";
    REQUIRE(sh("set -e; git init -q -b main %s; cd %s; printf 'a\\n' > a.txt; mkdir docs;"
               " printf 'x\\n' > docs/x.md; git add -A; %s git commit -q -m one;"
               " git checkout -q -b topic; mkdir api; printf 'g\\n' > api/x.go; git add -A;"
               " %s git commit -q -m topic; git update-ref refs/pull/3/head HEAD;"
               " git checkout -q main; mkdir src; printf 'c\\n' > src/a.c; git add -A;"
               " %s git commit -q -m two; %s git tag -a -m release v1",
               hosted, hosted, env, env, env, env) == 0);
    char c1[SRC_COMMIT_ID_MAX + 1], c2[SRC_COMMIT_ID_MAX + 1], c3[SRC_COMMIT_ID_MAX + 1];
    char cmd[512];
    snprintf(cmd, sizeof cmd, "git -C %s rev-parse main~1", hosted);
    sh_line(c1, sizeof c1, cmd);
    snprintf(cmd, sizeof cmd, "git -C %s rev-parse main", hosted);
    sh_line(c2, sizeof c2, cmd);
    snprintf(cmd, sizeof cmd, "git -C %s rev-parse topic", hosted);
    sh_line(c3, sizeof c3, cmd);

    src_git_remote r = local_remote(hosted);
    char resolved[SRC_COMMIT_ID_MAX + 1];
    char mirror[SRC_GIT_PATH_MAX];
    src_failure fail;
    CHECK_INT_EQ(src_git_fetch_ref(git, &r, "refs/heads/main", resolved, mirror, &fail), 0);
    CHECK_STR_EQ(resolved, c2);
    CHECK_INT_EQ(src_git_fetch_ref(git, &r, "refs/tags/v1", resolved, mirror, &fail), 0);
    CHECK_STR_EQ(resolved, c2); /* the annotated tag's commit */
    CHECK_INT_EQ(src_git_fetch_ref(git, &r, "refs/pull/3/head", resolved, mirror, &fail), 0);
    CHECK_STR_EQ(resolved, c3);
    CHECK_INT_EQ(src_git_fetch_ref(git, &r, "refs/pull/9/head", resolved, mirror, &fail),
                 SLUICE_ENOTFOUND);
    CHECK_INT_EQ(src_git_fetch_ref(git, &r, "refs/heads/../x", resolved, mirror, &fail),
                 SLUICE_EINVAL);
    CHECK_INT_EQ(src_git_fetch_ref(git, &r, "main", resolved, mirror, &fail), SLUICE_EINVAL);

    CHECK(src_git_is_ancestor(git, mirror, c1, c2));
    CHECK(src_git_is_ancestor(git, mirror, c2, c2));
    CHECK(!src_git_is_ancestor(git, mirror, c3, c2));
    CHECK(!src_git_is_ancestor(git, mirror, "0123456789abcdef0123456789abcdef01234567", c2));
    CHECK(src_git_has_commit(git, &r, mirror, c1));
    CHECK(!src_git_has_commit(git, &r, mirror, "0123456789abcdef0123456789abcdef01234567"));

    sluice_buf buf;
    char list[512];
    /* a push: before..after */
    CHECK_INT_EQ(src_git_changed_files(git, mirror, c1, c2, false, 65536, &buf, &fail), 0);
    joined(&buf, list, sizeof list);
    CHECK_STR_EQ(list, "src/a.c,");
    sluice_buf_free(&buf);
    /* a new branch: the commit's own files */
    CHECK_INT_EQ(src_git_changed_files(git, mirror, "", c1, false, 65536, &buf, &fail), 0);
    joined(&buf, list, sizeof list);
    CHECK_STR_EQ(list, "a.txt,docs/x.md,");
    sluice_buf_free(&buf);
    /* a pull request topic -> main: what topic adds since the merge base, not main's src/a.c */
    CHECK_INT_EQ(src_git_changed_files(git, mirror, c2, c3, true, 65536, &buf, &fail), 0);
    joined(&buf, list, sizeof list);
    CHECK_STR_EQ(list, "api/x.go,");
    sluice_buf_free(&buf);
    /* the two-dot diff of the same pair also shows main's file */
    CHECK_INT_EQ(src_git_changed_files(git, mirror, c2, c3, false, 65536, &buf, &fail), 0);
    joined(&buf, list, sizeof list);
    CHECK_STR_EQ(list, "api/x.go,src/a.c,");
    sluice_buf_free(&buf);
    /* bounded */
    CHECK(src_git_changed_files(git, mirror, "", c1, false, 4, &buf, &fail) != 0);
    CHECK_INT_EQ(src_git_changed_files(git, mirror, "xyz", c1, false, 4, &buf, &fail),
                 SLUICE_EINVAL);
}

int main(void)
{
    if (mkdtemp(dir) == NULL || make_repo() != 0) {
        fprintf(stderr, "cannot make the test repository\n");
        return 1;
    }
    char cache[300], err[256];
    snprintf(cache, sizeof cache, "%s/cache", dir);
    src_git_config cfg = {NULL, cache, 60000};
    if (src_git_new(&cfg, &git, err, sizeof err) != 0) {
        fprintf(stderr, "src_git_new: %s\n", err);
        return 1;
    }
    RUN_TEST(test_ls_remote);
    RUN_TEST(test_fetch);
    RUN_TEST(test_concurrent_fetches);
    RUN_TEST(test_commit_info);
    RUN_TEST(test_zip);
    RUN_TEST(test_child_environment);
    RUN_TEST(test_timeout);
    RUN_TEST(test_refs_and_changed_files);
    src_git_free(git);
    sh("rm -rf %s", dir);
    return sluice_test_report();
}
