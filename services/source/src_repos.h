/*
 * src_repos.h — the repositories and connections sluice-source serves: the
 * file SLUICE_SOURCE_REPOSITORIES_FILE names, read and validated once at
 * start-up (docs/source.md has the format and an example).
 *
 *   {"repositories": [{"name": <CodeCommit RepositoryName>, "url": <remote>,
 *                      "credentials": {...}}],
 *    "connections":  [{"arn": <ConnectionArn>, "baseUrl": <remote prefix>,
 *                      "suffix": <appended to FullRepositoryId, e.g. ".git">,
 *                      "providerType": "GitHub" | "GitLab" | "Bitbucket" | ...,
 *                      "webhookSecret" | "webhookSecretFile": the secret GitHub signs
 *                      push deliveries with (X-Hub-Signature-256),
 *                      "credentials": {...}}]}
 *
 * A repository serves AWS/CodeCommit actions whose RepositoryName is its
 * name; a connection serves AWS/CodeStarSourceConnection actions whose
 * ConnectionArn is its arn, the remote being baseUrl + "/" +
 * FullRepositoryId + suffix. Remotes follow src_remote.h. credentials:
 *   http(s): {"username", "password" | "passwordFile"}  (a token is a password)
 *   ssh:     {"sshKeyFile", "knownHostsFile"}            (both optional)
 * local and file remotes take none. A passwordFile is read by src_repos_load
 * (its first line; at most SRC_REPOS_SECRET_MAX bytes).
 *
 * Every problem is an error naming the entry ("repositories[2] (name
 * \"app\"): ..."), unknown members included, so a typo never passes
 * silently. Secrets never appear in messages and are wiped when freed.
 * Bounds: the file SRC_REPOS_FILE_MAX bytes, JSON depth 8,
 * SRC_REPOS_ENTRIES_MAX entries of each kind, names unique.
 *
 * Immutable once built; safe to read from several threads.
 */
#ifndef SLUICE_SRC_REPOS_H
#define SLUICE_SRC_REPOS_H

#include "src_remote.h"

#include <stddef.h>

#define SRC_REPOS_FILE_MAX     (1024 * 1024)
#define SRC_REPOS_ENTRIES_MAX  4096
#define SRC_REPOS_SECRET_MAX   4096
#define SRC_REPOS_PATH_MAX     1024
#define SRC_REPOS_ARN_MAX      256 /* ConnectionArn's bound in the API model */
#define SRC_REPOS_USER_MAX     256
#define SRC_REPOS_SUFFIX_MAX   32
#define SRC_REPOS_PROVIDER_MAX 32

typedef struct src_credentials {
    char username[SRC_REPOS_USER_MAX];
    char *password; /* owned, NUL-terminated, wiped when freed; NULL: none */
    char password_file[SRC_REPOS_PATH_MAX];
    char ssh_key_file[SRC_REPOS_PATH_MAX];
    char known_hosts_file[SRC_REPOS_PATH_MAX];
} src_credentials;

typedef struct src_repository {
    char name[SRC_REPO_NAME_MAX + 1];
    char url[SRC_URL_MAX];
    src_remote_kind kind;
    src_credentials credentials;
} src_repository;

typedef struct src_connection {
    char arn[SRC_REPOS_ARN_MAX];
    char base_url[SRC_URL_MAX];
    src_remote_kind kind;
    char suffix[SRC_REPOS_SUFFIX_MAX];
    char provider_type[SRC_REPOS_PROVIDER_MAX]; /* "" when unknown */
    src_credentials credentials;
    char *webhook_secret; /* owned, wiped when freed; NULL: no webhook */
    char webhook_secret_file[SRC_REPOS_PATH_MAX];
} src_connection;

typedef struct src_repos src_repos;

/*
 * Parses the file's text (len bytes, need not be NUL-terminated). 0 with
 * *out a new set (src_repos_free), or SLUICE_EPARSE (not JSON, or nested
 * deeper than 8), SLUICE_EINVAL (an entry breaks a rule; err names it),
 * SLUICE_ETOOBIG (text or an entry list over its bound), SLUICE_ENOMEM; *out
 * is NULL on failure. passwordFile and webhookSecretFile members are
 * recorded, not read.
 */
int src_repos_parse(const char *text, size_t len, src_repos **out, char *err, size_t errlen);

/*
 * Reads the file at path, parses it and reads every passwordFile and
 * webhookSecretFile (first line, trailing CR/LF dropped; an empty or
 * unreadable one is an error naming the entry and the file). Every secret
 * file (passwordFile, webhookSecretFile, sshKeyFile) must pass
 * sluice_fs_check_private, and so must path itself when it holds a password
 * or webhookSecret inline. 0 with *out a new set, or the codes of
 * src_repos_parse, sluice_fs_check_private (SLUICE_EDENIED: a file others
 * may read), SLUICE_ENOTFOUND / SLUICE_EIO naming the file.
 */
int src_repos_load(const char *path, src_repos **out, char *err, size_t errlen);

/* Wipes the secrets and frees. Accepts NULL. */
void src_repos_free(src_repos *repos);

/* The repository named name, or NULL. Borrowed from repos. */
const src_repository *src_repos_repository(const src_repos *repos, const char *name);

/* The connection whose arn is arn, or NULL. Borrowed from repos. */
const src_connection *src_repos_connection(const src_repos *repos, const char *arn);

size_t src_repos_repository_count(const src_repos *repos);
size_t src_repos_connection_count(const src_repos *repos);

/* The i-th repository / connection in file order (i below the count). */
const src_repository *src_repos_repository_at(const src_repos *repos, size_t i);
const src_connection *src_repos_connection_at(const src_repos *repos, size_t i);

#endif
