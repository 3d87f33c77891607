/*
 * wk_clone.h — an input artifact that is a CODEBUILD_CLONE_REF reference
 * (libs/aws aws_cloneref.h) turned into a git working copy, as CodeBuild
 * does for a CodePipeline source of that format: the repository cloned with
 * its full history and the commit checked out (detached HEAD).
 *
 * Recognised after unpacking: the artifact's directory holds exactly one
 * entry, the regular file AWS_CLONEREF_FILE. The file is read (bounded),
 * parsed, removed, and git runs in that directory:
 *
 *   git -c credential.helper= clone --quiet --no-local --no-checkout -- <url> <dir>
 *   git -C <dir> cat-file -e <commit>   (when absent: a commit no branch or tag
 *       holds, such as a revision override, is fetched by its id:)
 *   git -c credential.helper= -C <dir> fetch --quiet origin <commit>
 *   git -c credential.helper= -c advice.detachedHead=false -C <dir>
 *       checkout --quiet --detach <commit>
 *
 * --no-local copies a local repository's objects instead of hard-linking
 * them (the workspace is later handed to the commands' user). git runs with
 * the worker's process rules (wk_exec.h: its own process group, killed at the
 * deadline or on stop) and an environment of its own, nothing inherited:
 * PATH (the plan's), HOME (the plan's, so no user configuration is read),
 * LANG=C.UTF-8, GIT_TERMINAL_PROMPT=0, GIT_CONFIG_NOSYSTEM=1 and
 * GIT_ALLOW_PROTOCOL=file:http:https. A reference carries no credentials
 * (its URL is refused if it has any), so only remotes that need none can be
 * cloned. Submodules are not cloned. What git prints goes to the sink and
 * its first line into err on failure.
 *
 * Thread-safe: each call has its own processes and buffers.
 */
#ifndef SLUICE_WK_CLONE_H
#define SLUICE_WK_CLONE_H

#include "wk_exec.h"

#include "sluice/aws_cloneref.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * True when dir holds exactly the regular file AWS_CLONEREF_FILE and nothing
 * else.
 */
bool wk_clone_is_ref(const char *dir);

/*
 * Reads and removes dir/AWS_CLONEREF_FILE into *ref. 0, or SLUICE_EIO /
 * SLUICE_ETOOBIG / SLUICE_EPARSE / SLUICE_EINVAL (aws_cloneref_parse) with
 * err.
 */
int wk_clone_read(const char *dir, aws_cloneref *ref, char *err, size_t errlen);

typedef struct wk_clone_run {
    const char *path;    /* PATH git is looked up in and runs with */
    const char *home;    /* HOME of git */
    int64_t deadline_ms; /* monotonic (sluice_time_monotonic_ms) */
    const atomic_bool *stop;
    wk_exec_sink sink; /* git's output; may be NULL */
    void *sink_ctx;
} wk_clone_run;

/*
 * Clones ref into dir (which exists and is empty) and checks out its commit.
 * 0; SLUICE_ENOTFOUND (no git in run->path), SLUICE_ETIMEDOUT (the deadline),
 * SLUICE_EAGAIN (*run->stop was set), SLUICE_EIO (git could not be started),
 * SLUICE_EINVAL (git failed: the remote cannot be read, the commit is not in
 * it), each with err.
 */
int wk_clone_checkout(const aws_cloneref *ref, const char *dir, const wk_clone_run *run, char *err,
                      size_t errlen);

/* Bytes of regular files under dir, 64 levels deep (symbolic links not followed). */
uint64_t wk_clone_tree_bytes(const char *dir);

#endif
