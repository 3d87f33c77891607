/*
 * src_remote.h — what a git remote of sluice-source may be, and the names
 * that travel with it: remote URLs, CodeStar connection repository ids,
 * CodeCommit repository names and branch names.
 *
 * A remote is one of
 *   /absolute/path          a repository on this machine (SRC_REMOTE_LOCAL)
 *   file:///absolute/path   the same through git's file transport (SRC_REMOTE_FILE)
 *   http://host[:port]/...  smart HTTP (SRC_REMOTE_HTTP)
 *   https://host[:port]/... (SRC_REMOTE_HTTPS)
 *   ssh://[user@]host[:port]/path, [user@]host:path   OpenSSH (SRC_REMOTE_SSH)
 * Everything else is refused: relative paths, other schemes (git's ext::
 * and fd:: transports run commands), a URL starting with '-' (it would be
 * read as an option), whitespace or control characters, and a password in
 * the URL (userinfo with ':' in http(s), any userinfo in http(s): credentials
 * belong in the credentials member of the configuration, never in the URL,
 * so a URL can be logged as it is).
 *
 * A branch name follows git check-ref-format's rules for one ref below
 * refs/heads (no "..", "@{", "//", no leading '-' or '/', no trailing '/',
 * '.' or ".lock", none of space ~ ^ : ? * [ \ or control characters), at
 * most SRC_BRANCH_MAX bytes. A FullRepositoryId is "owner/name" or
 * "group/subgroup/.../name": 2..SRC_REPO_ID_SEGMENTS_MAX segments of
 * [A-Za-z0-9._-], none "." or "..", none starting with '-'. A CodeCommit
 * repository name is CodeCommit's: [A-Za-z0-9._-], 1..100 bytes.
 *
 * Pure; thread-safe. Messages name the value (never a credential: none can
 * be in an accepted URL, and a refused URL's userinfo is not echoed).
 */
#ifndef SLUICE_SRC_REMOTE_H
#define SLUICE_SRC_REMOTE_H

#include <stdbool.h>
#include <stddef.h>

#define SRC_URL_MAX              1024 /* bytes of a remote URL with the NUL */
#define SRC_BRANCH_MAX           255
#define SRC_REPO_NAME_MAX        100
#define SRC_REPO_ID_MAX          255
#define SRC_REPO_ID_SEGMENTS_MAX 8

typedef enum src_remote_kind {
    SRC_REMOTE_LOCAL = 0,
    SRC_REMOTE_FILE,
    SRC_REMOTE_HTTP,
    SRC_REMOTE_HTTPS,
    SRC_REMOTE_SSH,
} src_remote_kind;

/*
 * Classifies url (see above). 0 with *kind set, or SLUICE_EINVAL with err
 * saying what is wrong and what to write instead.
 */
int src_remote_classify(const char *url, src_remote_kind *kind, char *err, size_t errlen);

/* "local", "file", "http", "https" or "ssh". */
const char *src_remote_kind_name(src_remote_kind kind);

/*
 * Joins a connection's base URL, a FullRepositoryId and a suffix (e.g.
 * ".git"; may be empty) into out: "<base without trailing '/'>/<id><suffix>".
 * 0, SLUICE_EINVAL (id not a FullRepositoryId; err says why), SLUICE_ETOOBIG
 * (longer than outlen).
 */
int src_remote_join(const char *base, const char *repository_id, const char *suffix, char *out,
                    size_t outlen, char *err, size_t errlen);

/* 0 when branch is a branch name (above), else SLUICE_EINVAL with err naming the rule. */
int src_remote_branch_check(const char *branch, char *err, size_t errlen);

/* 0 when id is a FullRepositoryId (above), else SLUICE_EINVAL with err. */
int src_remote_repository_id_check(const char *id, char *err, size_t errlen);

/* True when name is a CodeCommit repository name (above; NULL: false). */
bool src_remote_repository_name_ok(const char *name);

#endif
