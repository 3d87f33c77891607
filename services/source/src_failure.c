/*
 * src_failure.c — git's failures as CodePipeline failure types (see
 * src_failure.h). The patterns are the messages of git 2.39 (remote-curl.c,
 * transport.c, connect.c) and OpenSSH 9.2.
 */
#include "src_failure.h"

#include "src_text.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define SRC_FAILURE_GIT_TEXT_MAX 400 /* bytes of git's words quoted in a message */

static const char *const src_failure_denied[] = {
    "Authentication failed",
    "could not read Username",
    "could not read Password",
    "Permission denied",
    "The requested URL returned error: 401",
    "The requested URL returned error: 403",
    "Host key verification failed",
    "terminal prompts disabled",
    "invalid credentials",
    NULL,
};

static const char *const src_failure_missing[] = {
    "does not appear to be a git repository",
    "Repository not found",
    "repository not found",
    "The requested URL returned error: 404",
    "not a git repository",
    "No such file or directory",
    NULL,
};

static const char *const src_failure_unreachable[] = {
    "Could not resolve host",
    "Could not resolve hostname",
    "Connection refused",
    "Connection timed out",
    "Operation timed out",
    "Network is unreachable",
    "No route to host",
    "Failed to connect",
    "SSL certificate problem",
    "server certificate verification failed",
    "gnutls_handshake() failed",
    "Connection reset",
    "The requested URL returned error: 5",
    NULL,
};

static const char *const src_failure_no_ref[] = {
    "couldn't find remote ref",
    "not our ref",
    "unknown revision",
    "bad revision",
    "invalid object name",
    "bad object",
    NULL,
};

static bool src_failure_has(const char *text, const char *const *patterns)
{
    for (size_t i = 0; text != NULL && patterns[i] != NULL; i++) {
        if (strstr(text, patterns[i]) != NULL) {
            return true;
        }
    }
    return false;
}

/* git's words: its first "fatal:" line, else its first "error:" line, else its last line. */
static void src_failure_git_words(const char *git_stderr, char *out, size_t outlen)
{
    out[0] = '\0';
    if (git_stderr == NULL) {
        return;
    }
    const char *fatal = NULL, *error = NULL, *last = NULL;
    size_t fatal_len = 0, error_len = 0, last_len = 0;
    const char *p = git_stderr;
    while (*p != '\0') {
        size_t len = strcspn(p, "\r\n");
        if (len > 0) {
            if (fatal == NULL && strncmp(p, "fatal:", 6) == 0) {
                fatal = p;
                fatal_len = len;
            } else if (error == NULL && strncmp(p, "error:", 6) == 0) {
                error = p;
                error_len = len;
            }
            last = p;
            last_len = len;
        }
        p += len;
        p += strspn(p, "\r\n");
    }
    const char *best = fatal != NULL ? fatal : (error != NULL ? error : last);
    size_t best_len = fatal != NULL ? fatal_len : (error != NULL ? error_len : last_len);
    if (best != NULL) {
        size_t outmax = outlen < SRC_FAILURE_GIT_TEXT_MAX ? outlen : SRC_FAILURE_GIT_TEXT_MAX;
        src_text_copy(out, outmax, best, best_len, true);
    }
}

void src_failure_missing_branch(const char *url, const char *branch, src_failure *out)
{
    out->type = SRC_FAILURE_REVISION_UNAVAILABLE;
    snprintf(out->message, sizeof out->message,
             "The branch %s does not exist in the repository %s; push the branch or change the "
             "action's BranchName",
             branch != NULL ? branch : "(none)", url);
}

void src_failure_missing_commit(const char *url, const char *branch, const char *commit,
                                src_failure *out)
{
    out->type = SRC_FAILURE_REVISION_UNAVAILABLE;
    snprintf(out->message, sizeof out->message,
             "The commit %s is not on the branch %s of the repository %s; give a commit of that "
             "branch as the source revision, or start the pipeline without one",
             commit != NULL ? commit : "(none)", branch != NULL ? branch : "(none)", url);
}

void src_failure_classify(src_git_op op, const char *url, const char *branch, const char *commit,
                          bool timed_out, const char *git_stderr, src_failure *out)
{
    char words[SRC_FAILURE_GIT_TEXT_MAX];
    src_failure_git_words(git_stderr, words, sizeof words);
    const char *said = words[0] != '\0' ? words : "no message";
    if (timed_out) {
        out->type = SRC_FAILURE_SYSTEM_UNAVAILABLE;
        snprintf(out->message, sizeof out->message,
                 "git did not finish in time with the repository %s; check that the remote "
                 "answers, or raise SLUICE_SOURCE_GIT_TIMEOUT_MS",
                 url);
        return;
    }
    if (op != SRC_GIT_OP_LOCAL && src_failure_has(git_stderr, src_failure_denied)) {
        out->type = SRC_FAILURE_PERMISSION;
        snprintf(out->message, sizeof out->message,
                 "The repository %s refused sluice-source's credentials (git: %s); fix the "
                 "\"credentials\" of its entry in SLUICE_SOURCE_REPOSITORIES_FILE",
                 url, said);
        return;
    }
    if (op != SRC_GIT_OP_LOCAL && src_failure_has(git_stderr, src_failure_unreachable)) {
        out->type = SRC_FAILURE_SYSTEM_UNAVAILABLE;
        snprintf(out->message, sizeof out->message,
                 "The repository %s cannot be reached (git: %s); check the host, the network and "
                 "the URL in SLUICE_SOURCE_REPOSITORIES_FILE",
                 url, said);
        return;
    }
    if (op != SRC_GIT_OP_LOCAL && src_failure_has(git_stderr, src_failure_no_ref)) {
        if (commit != NULL && commit[0] != '\0') {
            src_failure_missing_commit(url, branch, commit, out);
        } else {
            src_failure_missing_branch(url, branch, out);
        }
        return;
    }
    if (op != SRC_GIT_OP_LOCAL && src_failure_has(git_stderr, src_failure_missing)) {
        out->type = SRC_FAILURE_CONFIGURATION;
        snprintf(out->message, sizeof out->message,
                 "There is no git repository at %s (git: %s); fix the URL of its entry in "
                 "SLUICE_SOURCE_REPOSITORIES_FILE or create the repository",
                 url, said);
        return;
    }
    if (op == SRC_GIT_OP_LOCAL && src_failure_has(git_stderr, src_failure_no_ref)) {
        src_failure_missing_commit(url, branch, commit, out);
        return;
    }
    out->type = SRC_FAILURE_JOB_FAILED;
    snprintf(out->message, sizeof out->message, "git failed with the repository %s: %s", url, said);
}
