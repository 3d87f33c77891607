/*
 * aws_credentials.h — the access keys Sluice accepts, from configuration.
 *
 * A store maps an access key id to its secret access key, an optional
 * session token, the identity it authenticates (a user name) and that
 * identity's role (what the api allows it to do is the api's business).
 * It is filled once at start-up — from a configuration string or entry by
 * entry — and read-only afterwards, so lookups are thread-safe without locks.
 *
 * Secrets (secret access keys and session tokens) are never copied into
 * error messages, and are wiped from memory when the store is freed.
 *
 * Configuration string: entries separated by ',' ';' or newlines, each
 *   ACCESS_KEY_ID:SECRET_ACCESS_KEY:IDENTITY:ROLE[(SCOPE)][:SESSION_TOKEN][:groups=G1|G2...][:email=ADDR]
 * e.g. "AKIASLUICEDEMO000001:c2x1aWNlLWRlbW8tc2VjcmV0:demo:admin" or
 * "AKIAALICE00000000001:c2VjcmV0:alice:approver:groups=release|ops:email=alice@example.com".
 * SCOPE, in parentheses right after the role, is kept as text for the
 * service to interpret (the api's worker scopes, api_scope.h): 1..256 of
 * [A-Za-z0-9_*|/-]. groups (at most AWS_CREDENTIAL_MAX_GROUPS names of
 * [A-Za-z0-9_+=.@-]) and email are the identity's, for approval policies;
 * every entry of one identity that carries them must carry the same.
 * Surrounding blanks are ignored.
 */
#ifndef SLUICE_AWS_CREDENTIALS_H
#define SLUICE_AWS_CREDENTIALS_H

#include <stddef.h>

#define AWS_ACCESS_KEY_ID_MAX     128 /* IAM's bound on AccessKeyId */
#define AWS_SECRET_KEY_MAX        128
#define AWS_SESSION_TOKEN_MAX     4096
#define AWS_IDENTITY_MAX          64 /* IAM user names */
#define AWS_ROLE_MAX              64
#define AWS_SCOPE_MAX             256 /* characters of a role's scope */
#define AWS_CREDENTIALS_MAX       256 /* entries in one store */
#define AWS_CREDENTIAL_MAX_GROUPS 16  /* groups of one identity */
#define AWS_GROUP_MAX             64  /* bytes of a group name */
#define AWS_EMAIL_MAX             254 /* bytes of an e-mail address (RFC 5321 path) */

typedef struct aws_credentials aws_credentials;

/* One entry. Secret and token are owned by the store; never log them. */
typedef struct aws_credential {
    char access_key_id[AWS_ACCESS_KEY_ID_MAX + 1];
    char identity[AWS_IDENTITY_MAX + 1];
    char role[AWS_ROLE_MAX + 1];
    char scope[AWS_SCOPE_MAX + 1]; /* "" when the entry has no scope */
    const char *secret_access_key;
    const char *session_token; /* NULL when the key is used without a session token */
    char groups[AWS_CREDENTIAL_MAX_GROUPS][AWS_GROUP_MAX + 1]; /* the identity's groups */
    size_t ngroups;
    char email[AWS_EMAIL_MAX + 1]; /* the identity's e-mail address; "" when none */
} aws_credential;

/* An empty store, or NULL when out of memory. */
aws_credentials *aws_credentials_new(void);

/* Wipes every secret and frees the store. Accepts NULL. */
void aws_credentials_free(aws_credentials *store);

/*
 * Adds one entry (all strings copied). access_key_id: 1..128 of [A-Za-z0-9_];
 * secret: 1..128 printable ASCII characters without blanks; identity and role:
 * 1..64 of [A-Za-z0-9_+=,.@-]; session_token: NULL or 1..4096 printable ASCII
 * without blanks. 0, or SLUICE_EINVAL (a malformed field or a duplicate access
 * key id; err names the field, never a value), SLUICE_ETOOBIG (store full),
 * SLUICE_ENOMEM; the store is unchanged on failure. Not thread-safe.
 */
int aws_credentials_add(aws_credentials *store, const char *access_key_id,
                        const char *secret_access_key, const char *session_token,
                        const char *identity, const char *role, char *err, size_t errlen);

/*
 * Adds every entry of a configuration string (format above). 0, or the
 * first failure of aws_credentials_add / aws_credentials_set_profile (or
 * SLUICE_EINVAL for an entry without four fields, an unknown optional field,
 * groups or email given twice or differing between entries of one identity;
 * SLUICE_ETOOBIG for an entry over its bound) with err naming the
 * entry by position and the field (never a value, so a misplaced secret is
 * not echoed; a malformed scope is SLUICE_EINVAL too); entries before the
 * failing one stay added. Not thread-safe.
 */
int aws_credentials_parse(aws_credentials *store, const char *spec, char *err, size_t errlen);

/*
 * Gives the entry of access_key_id its identity's groups ('|'-separated names,
 * or NULL) and e-mail address (or NULL). 0, or SLUICE_EINVAL (no such entry, a
 * malformed name or address, more than AWS_CREDENTIAL_MAX_GROUPS groups; err
 * says which) with the entry unchanged. Not thread-safe.
 */
int aws_credentials_set_profile(aws_credentials *store, const char *access_key_id,
                                const char *groups, const char *email, char *err, size_t errlen);

/*
 * The first entry of identity that carries groups or an e-mail address, else
 * its first entry, else NULL; borrowed like aws_credentials_find.
 */
const aws_credential *aws_credentials_find_identity(const aws_credentials *store,
                                                    const char *identity);

/*
 * The entry of access_key_id (exact match), or NULL. Borrowed from the store
 * and valid until the next aws_credentials_add or aws_credentials_free.
 * Thread-safe once the store is no longer being filled.
 */
const aws_credential *aws_credentials_find(const aws_credentials *store, const char *access_key_id);

/* Number of entries. */
size_t aws_credentials_count(const aws_credentials *store);

/*
 * The entry at index (0 .. aws_credentials_count - 1, in the order added),
 * or NULL past the end; borrowed like aws_credentials_find.
 */
const aws_credential *aws_credentials_at(const aws_credentials *store, size_t index);

#endif
