/*
 * aws_cloneref.h — the artifact of a git Source action whose
 * OutputArtifactFormat is CODEBUILD_CLONE_REF: instead of the commit's tree,
 * a zip holding one file, AWS_CLONEREF_FILE, that tells a CodeBuild action
 * where to clone from and what to check out:
 *
 *   {"url": "/srv/git/demo.git", "commit": "<40 or 64 hex digits>",
 *    "branch": "main", "repository": "demo"}
 *
 *   url         the remote as declared to sluice-source, never with
 *               credentials: an absolute path, file:///path or
 *               http(s)://host[:port]/path without a user or password
 *   commit      the full commit id the Source action resolved (lowercase)
 *   branch      the action's BranchName (git check-ref-format rules)
 *   repository  RepositoryName (CodeCommit) or FullRepositoryId (connection)
 *
 * sluice-source builds it (aws_cloneref_build), sluice-worker reads it
 * (aws_cloneref_parse) and clones. Other members are ignored, so a later
 * writer may add some. Bounds: AWS_CLONEREF_MAX_BYTES of JSON and the
 * member bounds below. Pure; thread-safe.
 */
#ifndef SLUICE_AWS_CLONEREF_H
#define SLUICE_AWS_CLONEREF_H

#include <stdbool.h>
#include <stddef.h>

#define AWS_CLONEREF_FILE           "sluice-clone-ref.json"
#define AWS_CLONEREF_MAX_BYTES      8192
#define AWS_CLONEREF_URL_MAX        2048
#define AWS_CLONEREF_COMMIT_MAX     64
#define AWS_CLONEREF_BRANCH_MAX     255
#define AWS_CLONEREF_REPOSITORY_MAX 255

typedef struct aws_cloneref {
    char url[AWS_CLONEREF_URL_MAX + 1];
    char commit[AWS_CLONEREF_COMMIT_MAX + 1];
    char branch[AWS_CLONEREF_BRANCH_MAX + 1];
    char repository[AWS_CLONEREF_REPOSITORY_MAX + 1];
} aws_cloneref;

/*
 * True when url is one a clone reference may carry: an absolute path,
 * file:///..., http:// or https:// with a host and no user information
 * ('@' before the path), no whitespace or control characters, not starting
 * with '-', at most AWS_CLONEREF_URL_MAX bytes.
 */
bool aws_cloneref_url_ok(const char *url);

/*
 * Checks every member of ref (see the rules above). 0, or SLUICE_EINVAL with
 * err naming the member and what is wrong.
 */
int aws_cloneref_check(const aws_cloneref *ref, char *err, size_t errlen);

/*
 * The JSON text of ref (checked first), NUL-terminated, in *out (free()
 * it) with its length in *outlen. 0, SLUICE_EINVAL (a member breaks the
 * rules, err says which) or SLUICE_ENOMEM.
 */
int aws_cloneref_build(const aws_cloneref *ref, char **out, size_t *outlen, char *err,
                       size_t errlen);

/*
 * Reads len bytes of text (need not be NUL-terminated) into *ref. 0, or
 * SLUICE_ETOOBIG (over AWS_CLONEREF_MAX_BYTES), SLUICE_EPARSE (not a JSON
 * object), SLUICE_EINVAL (a member missing, not a string or breaking its
 * rule), with err saying which; *ref is cleared on failure.
 */
int aws_cloneref_parse(const char *text, size_t len, aws_cloneref *ref, char *err, size_t errlen);

#endif
