/*
 * Unit tests of src_failure.h: git's and OpenSSH's real stderr texts mapped
 * to CodePipeline failure types, each message naming the remote and what to
 * fix, and git's words quoted from its first "fatal:" line.
 */
#include "src_failure.h"

#include "sluice_test.h"

#include <string.h>

#define URL "https://git.example.com/team/app.git"

static src_failure classify(src_git_op op, const char *text)
{
    src_failure f;
    memset(&f, 0, sizeof f);
    src_failure_classify(op, URL, "main", NULL, false, text, &f);
    return f;
}

static void test_credentials(void)
{
    src_failure f = classify(SRC_GIT_OP_FETCH, "remote: Invalid username or password.\n"
                                               "fatal: Authentication failed for '" URL "/'\n");
    CHECK_INT_EQ(f.type, SRC_FAILURE_PERMISSION);
    CHECK_STR_CONTAINS(f.message, URL);
    CHECK_STR_CONTAINS(f.message, "fix the \"credentials\"");
    CHECK_STR_CONTAINS(f.message, "git: fatal: Authentication failed");
    f = classify(SRC_GIT_OP_LS_REMOTE, "fatal: could not read Username for "
                                       "'https://git.example.com': terminal prompts disabled\n");
    CHECK_INT_EQ(f.type, SRC_FAILURE_PERMISSION);
    f = classify(SRC_GIT_OP_FETCH,
                 "git@git.example.com: Permission denied (publickey).\n"
                 "fatal: Could not read from remote repository.\n\n"
                 "Please make sure you have the correct access rights\nand the repository "
                 "exists.\n");
    CHECK_INT_EQ(f.type, SRC_FAILURE_PERMISSION);
    f = classify(SRC_GIT_OP_FETCH,
                 "fatal: unable to access '" URL "/': The requested URL returned error: 403\n");
    CHECK_INT_EQ(f.type, SRC_FAILURE_PERMISSION);
    f = classify(SRC_GIT_OP_FETCH, "Host key verification failed.\n"
                                   "fatal: Could not read from remote repository.\n");
    CHECK_INT_EQ(f.type, SRC_FAILURE_PERMISSION);
}

static void test_unreachable(void)
{
    src_failure f = classify(SRC_GIT_OP_LS_REMOTE,
                             "fatal: unable to access 'https://nohost.invalid/app.git/': Could not "
                             "resolve host: nohost.invalid\n");
    CHECK_INT_EQ(f.type, SRC_FAILURE_SYSTEM_UNAVAILABLE);
    CHECK_STR_CONTAINS(f.message, "cannot be reached");
    f = classify(SRC_GIT_OP_FETCH, "fatal: unable to access '" URL "/': Failed to connect to "
                                   "git.example.com port 443: Connection refused\n");
    CHECK_INT_EQ(f.type, SRC_FAILURE_SYSTEM_UNAVAILABLE);
    f = classify(SRC_GIT_OP_FETCH, "ssh: connect to host git.example.com port 22: Connection "
                                   "timed out\nfatal: Could not read from remote repository.\n");
    CHECK_INT_EQ(f.type, SRC_FAILURE_SYSTEM_UNAVAILABLE);
    src_failure_classify(SRC_GIT_OP_FETCH, URL, "main", NULL, true, "", &f);
    CHECK_INT_EQ(f.type, SRC_FAILURE_SYSTEM_UNAVAILABLE);
    CHECK_STR_CONTAINS(f.message, "SLUICE_SOURCE_GIT_TIMEOUT_MS");
}

static void test_missing(void)
{
    src_failure f =
        classify(SRC_GIT_OP_FETCH, "fatal: '/srv/git/nope' does not appear to be a git repository\n"
                                   "fatal: Could not read from remote repository.\n\n"
                                   "Please make sure you have the correct access rights\n");
    CHECK_INT_EQ(f.type, SRC_FAILURE_CONFIGURATION);
    CHECK_STR_CONTAINS(f.message, "There is no git repository at " URL);
    CHECK_STR_CONTAINS(f.message, "'/srv/git/nope' does not appear"); /* the first fatal line */
    f = classify(SRC_GIT_OP_FETCH,
                 "remote: Repository not found.\nfatal: repository '" URL "/' not found\n");
    CHECK_INT_EQ(f.type, SRC_FAILURE_CONFIGURATION);
    f = classify(SRC_GIT_OP_FETCH, "fatal: couldn't find remote ref refs/heads/main\n");
    CHECK_INT_EQ(f.type, SRC_FAILURE_REVISION_UNAVAILABLE);
    CHECK_STR_CONTAINS(f.message, "The branch main does not exist");
    CHECK_STR_CONTAINS(f.message, "BranchName");
    src_failure_classify(SRC_GIT_OP_FETCH, URL, "main", "3f786850e387550fdab836ed7e6dc881de23001b",
                         false, "fatal: remote error: upload-pack: not our ref 3f78\n", &f);
    CHECK_INT_EQ(f.type, SRC_FAILURE_REVISION_UNAVAILABLE);
    CHECK_STR_CONTAINS(f.message, "The commit 3f786850e387550fdab836ed7e6dc881de23001b is not on");
    src_failure_missing_branch(URL, "dev", &f);
    CHECK_INT_EQ(f.type, SRC_FAILURE_REVISION_UNAVAILABLE);
    CHECK_STR_CONTAINS(f.message, "The branch dev does not exist in the repository " URL);
}

static void test_other(void)
{
    src_failure f = classify(SRC_GIT_OP_LOCAL, "error: \xff bad pack\nwarning: something\n");
    CHECK_INT_EQ(f.type, SRC_FAILURE_JOB_FAILED);
    CHECK_STR_CONTAINS(f.message, "git failed with the repository " URL ": error:");
    CHECK_STR_CONTAINS(f.message, "\xef\xbf\xbd");
    /* local reads never blame credentials: "Permission denied" there is the file system's */
    f = classify(SRC_GIT_OP_LOCAL, "fatal: Permission denied\n");
    CHECK_INT_EQ(f.type, SRC_FAILURE_JOB_FAILED);
    f = classify(SRC_GIT_OP_FETCH, NULL);
    CHECK_INT_EQ(f.type, SRC_FAILURE_JOB_FAILED);
    CHECK_STR_CONTAINS(f.message, "no message");
}

int main(void)
{
    RUN_TEST(test_credentials);
    RUN_TEST(test_unreachable);
    RUN_TEST(test_missing);
    RUN_TEST(test_other);
    return sluice_test_report();
}
