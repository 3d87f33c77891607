/*
 * src_failure.h — why a git operation of a Source action failed, told as
 * CodePipeline tells it: a failure type and a message that says what to fix.
 *
 * git reports through its exit status and stderr; the classification reads
 * the stderr lines git, git-remote-http(s) and OpenSSH print:
 *
 *   PermissionError      the remote refused the credentials ("Authentication
 *                        failed", "could not read Username/Password", "Permission
 *                        denied (publickey)", HTTP 401/403, "Host key verification
 *                        failed")
 *   ConfigurationError   no repository there ("does not appear to be a git
 *                        repository", "Repository not found", HTTP 404, a local path
 *                        that does not exist)
 *   SystemUnavailable    the remote cannot be reached (DNS, refused or timed-out
 *                        connections, TLS errors) or git ran out of time
 *   RevisionUnavailable  the branch or commit is not on the remote
 *   JobFailed            anything else, with git's own words
 *
 * Pure; thread-safe. The remote is named by its URL (which holds no
 * credential, src_remote.h); git's text is made valid UTF-8 and cut.
 */
#ifndef SLUICE_SRC_FAILURE_H
#define SLUICE_SRC_FAILURE_H

#include "src_result.h"

#include <stdbool.h>
#include <stddef.h>

typedef enum src_git_op {
    SRC_GIT_OP_LS_REMOTE = 0, /* asking the remote for a branch head */
    SRC_GIT_OP_FETCH,         /* fetching a branch or commit */
    SRC_GIT_OP_LOCAL,         /* reading the mirror (log, archive) */
} src_git_op;

typedef struct src_failure {
    src_failure_type type;
    char message[1024];
} src_failure;

/*
 * Classifies a failed git run. op says what was being done; url is the
 * remote, branch the branch (may be NULL), commit the commit asked for (may
 * be NULL); timed_out whether the run was killed for its time limit;
 * git_stderr git's stderr (may be NULL). Fills *out.
 */
void src_failure_classify(src_git_op op, const char *url, const char *branch, const char *commit,
                          bool timed_out, const char *git_stderr, src_failure *out);

/* Fills *out for a branch that does not exist on the remote. */
void src_failure_missing_branch(const char *url, const char *branch, src_failure *out);

/* Fills *out for a commit that is not reachable from the branch on the remote. */
void src_failure_missing_commit(const char *url, const char *branch, const char *commit,
                                src_failure *out);

#endif
