/*
 * src_git.h — git, run as a child process: the branch head a remote
 * advertises, fetches into one bare mirror per remote, and the commit and
 * tree of a fetched revision. docs/source.md says why the git CLI and not
 * libgit2.
 *
 * Mirrors live in <cache dir>/mirrors/<first 32 hex digits of SHA-256(url)>.git;
 * a fetch holds <mirror>.lock (flock) for as long as it writes, so
 * concurrent jobs of one remote — threads of this process or other
 * replicas on the same cache directory — take turns and never corrupt it;
 * reads (log, archive) need no lock, git's object store being append-only
 * while automatic gc is off (gc.auto=0).
 *
 * Every run: stdin /dev/null, stdout read into a bounded buffer, stderr into
 * an unlinked temporary file (its first SRC_GIT_STDERR_MAX bytes kept), its
 * own process group killed when the time limit passes. The child's
 * environment is the service's without any GIT_*, SSH_ASKPASS or SLUICE_*
 * variable (the service's own secrets stay with it), plus
 * GIT_TERMINAL_PROMPT=0, GIT_ALLOW_PROTOCOL=file:http:https:ssh (no ext::
 * or submodule tricks) and the remote's credentials: for http(s), git's
 * GIT_ASKPASS points at a helper script in the cache directory that prints
 * SLUICE_GIT_USERNAME / SLUICE_GIT_PASSWORD of the child's environment; for
 * ssh, GIT_SSH_COMMAND names the key and known-hosts files (BatchMode, so
 * ssh never prompts). A credential is never an argument and never in a
 * message: git's stderr is scrubbed of the password before it is kept.
 * Credential helpers configured for the user are disabled
 * (-c credential.helper=).
 *
 * One src_git may be used by several threads at once (it holds only
 * configuration); each call spawns its own processes.
 */
#ifndef SLUICE_SRC_GIT_H
#define SLUICE_SRC_GIT_H

#include "src_commit.h"
#include "src_failure.h"
#include "src_remote.h"
#include "src_repos.h"

#include "sluice/buf.h"

#include <stdbool.h>
#include <stdint.h>

#define SRC_GIT_PATH_MAX   1200
#define SRC_GIT_STDERR_MAX 4096

typedef struct src_git_config {
    const char *git;       /* the git program; "git" (looked up in PATH) when NULL */
    const char *cache_dir; /* absolute; created when missing */
    int64_t timeout_ms;    /* bound on one git run */
} src_git_config;

/* A remote as the runner needs it; borrowed strings. */
typedef struct src_git_remote {
    const char *url;
    src_remote_kind kind;
    const src_credentials *credentials; /* NULL: none */
} src_git_remote;

typedef struct src_git src_git;

/*
 * Creates the cache directory (and mirrors/) when missing and writes the
 * askpass helper (mode 0700). 0 with *out, or SLUICE_EINVAL / SLUICE_EIO /
 * SLUICE_ENOMEM with err naming the path.
 */
int src_git_new(const src_git_config *config, src_git **out, char *err, size_t errlen);

/* Frees. Accepts NULL. */
void src_git_free(src_git *git);

/*
 * The commit refs/heads/<branch> names on the remote (git ls-remote), into
 * commit. 0; SLUICE_ENOTFOUND when the remote has no such branch; another
 * negative code when git failed; *fail says why in both cases.
 */
int src_git_ls_remote(src_git *git, const src_git_remote *remote, const char *branch,
                      char commit[SRC_COMMIT_ID_MAX + 1], src_failure *fail);

/*
 * Every branch head the remote advertises (one `git ls-remote --heads`) into
 * heads (reset first; its bound, e.g. sluice_buf_init(heads,
 * SRC_GIT_HEADS_MAX), bounds the answer), as git prints them:
 * lines "<id>\t refs/heads/<branch>" without the space; look branches up with
 * src_git_heads_find. 0; a negative code when git failed (or the answer is
 * longer than the bound), with *fail saying why (the branch named in it is
 * "*").
 */
#define SRC_GIT_HEADS_MAX (8 * 1024 * 1024)
int src_git_ls_remote_heads(src_git *git, const src_git_remote *remote, sluice_buf *heads,
                            src_failure *fail);

/*
 * The commit of refs/heads/<branch> in listing (ls-remote's lines, as
 * src_git_ls_remote_heads gives them; exact names only: ls-remote's
 * patterns match suffixes) into commit. 0; SLUICE_ENOTFOUND when the branch
 * is not listed; SLUICE_EPARSE when its id is not a commit id. Pure.
 */
int src_git_heads_find(const char *listing, const char *branch, char commit[SRC_COMMIT_ID_MAX + 1]);

/*
 * Fetches branch into the remote's mirror under its lock and resolves the
 * revision: commit when given (fetched by id when the branch does not hold
 * it), else the branch head. 0 with resolved and mirror (the mirror's path)
 * filled; a negative code with *fail (RevisionUnavailable for a missing
 * branch or commit, the classification of src_failure.h otherwise).
 */
int src_git_fetch(src_git *git, const src_git_remote *remote, const char *branch,
                  const char *commit, char resolved[SRC_COMMIT_ID_MAX + 1],
                  char mirror[SRC_GIT_PATH_MAX], src_failure *fail);

/* Reads commit from mirror (git log). 0, or a negative code with *fail. */
int src_git_commit_info(src_git *git, const char *mirror, const char *commit, src_commit *out,
                        src_failure *fail);

/*
 * Writes the tree of commit as a tar file at tar_path (git archive: file
 * modes and symbolic links as git stores them, no .git). 0, or a negative
 * code with *fail.
 */
int src_git_archive(src_git *git, const char *mirror, const char *commit, const char *tar_path,
                    src_failure *fail);

/*
 * Fetches ref (a full ref name: refs/heads/<b>, refs/tags/<t>,
 * refs/pull/<n>/head, …) into the remote's mirror under the same name,
 * under its lock, and resolves it to the commit it names (a tag to its
 * commit). 0 with resolved and mirror filled; SLUICE_ENOTFOUND when the
 * remote has no such ref; another negative code with *fail.
 */
int src_git_fetch_ref(src_git *git, const src_git_remote *remote, const char *ref,
                      char resolved[SRC_COMMIT_ID_MAX + 1], char mirror[SRC_GIT_PATH_MAX],
                      src_failure *fail);

/*
 * True when commit is in mirror (fetching it by id from the remote when it
 * is not).
 */
bool src_git_has_commit(src_git *git, const src_git_remote *remote, const char *mirror,
                        const char *commit);

/* True when ancestor is head or one of its ancestors in mirror (git merge-base --is-ancestor). */
bool src_git_is_ancestor(src_git *git, const char *mirror, const char *ancestor, const char *head);

/*
 * The paths the change from → to touches, NUL-separated into out (at most
 * max_bytes): git diff --name-only from to, or from...to (what to adds
 * since its merge base with from) when merge_base; from NULL or "": the
 * files of to's own commit (git diff-tree --root). Both commits must be in
 * mirror. out is initialised here (sluice_buf_free it). 0, or a negative
 * code with *fail and out empty (SLUICE_ETOOBIG past max_bytes).
 */
int src_git_changed_files(src_git *git, const char *mirror, const char *from, const char *to,
                          bool merge_base, size_t max_bytes, sluice_buf *out, src_failure *fail);

/* The mirror path of url into out. 0, or SLUICE_ETOOBIG. */
int src_git_mirror_path(const src_git *git, const char *url, char out[SRC_GIT_PATH_MAX]);

#endif
