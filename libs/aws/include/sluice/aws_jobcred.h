/*
 * aws_jobcred.h — job credentials: short-lived AWS-style credentials scoped
 * to one job's artifacts, verified without calling anyone.
 *
 * The orchestrator side (the api today; any service that runs jobs) mints
 * them; the artifact store verifies them. Both read the same key file, named
 * by SLUICE_JOB_CREDENTIAL_KEYS_FILE:
 *
 *   # comment
 *   <key id> <secret>          secret: >= 32 bytes, as hex or base64
 *
 * The first key signs; every key verifies, so keys rotate by prepending a
 * new key and dropping the old one once its tokens have expired.
 *
 * The session token carries the scope, signed:
 *
 *   SLJ1.<key id>.<base64url(payload)>.<base64url(HMAC-SHA256(key, everything before))>
 *   payload {"job":..., "pipeline":..., "e":..., "exp": <epoch s>, "r": ["bucket/key",...],
 *            "w": [...]}
 *
 * "e" is the pipeline execution id the job belongs to; it is written only when
 * the scope names one, so tokens minted without it (and tokens minted before
 * it existed) are unchanged and verify with an empty execution_id. The
 * artifact store records pipeline and "e" with every object such a token
 * writes (its retention sweeper keeps or removes artifacts by execution).
 *
 * and the other two parts derive from it: the secret access key is the first
 * 40 characters of base64(HMAC-SHA256(key, "sluice-job-secret\n" + token)),
 * the access key id "ASIA" + the first 16 base32 (RFC 4648) characters of
 * SHA-256(token). Minting is a pure function of the key and the scope, so a
 * replayed job gets the same credentials. Tokens are at most
 * AWS_JOBCRED_TOKEN_MAX bytes.
 *
 * Scope: read (GetObject, HeadObject) exactly the objects of r, write
 * (PutObject, multipart upload) exactly those of w; the caller maps S3
 * operations to AWS_JOBCRED_READ / AWS_JOBCRED_WRITE and asks
 * aws_jobcred_allows. Secrets and key material are wiped when freed and never
 * appear in messages.
 */
#ifndef SLUICE_AWS_JOBCRED_H
#define SLUICE_AWS_JOBCRED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AWS_JOBCRED_OBJECTS_MAX    32   /* objects in each of r and w */
#define AWS_JOBCRED_OBJECT_MAX     1100 /* bytes of "bucket/key" with the NUL */
#define AWS_JOBCRED_TOKEN_MAX      4096
#define AWS_JOBCRED_KEYS_MAX       16
#define AWS_JOBCRED_KEY_ID_MAX     64 /* [A-Za-z0-9_-] */
#define AWS_JOBCRED_SECRET_MIN     32 /* bytes of decoded key secret */
#define AWS_JOBCRED_SECRET_MAX     128
#define AWS_JOBCRED_ACCESS_KEY_LEN 20
#define AWS_JOBCRED_SECRET_LEN     40
#define AWS_JOBCRED_PREFIX         "SLJ1."

typedef struct aws_jobcred_keys aws_jobcred_keys;

/* What one job's credentials allow. */
typedef struct aws_jobcred_scope {
    char job_id[128];
    char pipeline[128];
    char execution_id[128]; /* "" when the token names no execution */
    int64_t expires_s;      /* epoch seconds: the job's deadline */
    size_t read_count, write_count;
    char read[AWS_JOBCRED_OBJECTS_MAX][AWS_JOBCRED_OBJECT_MAX]; /* "bucket/key" */
    char write[AWS_JOBCRED_OBJECTS_MAX][AWS_JOBCRED_OBJECT_MAX];
} aws_jobcred_scope;

/* Minted credentials; session_token is owned (aws_jobcred_clear frees it). */
typedef struct aws_jobcred {
    char access_key_id[AWS_JOBCRED_ACCESS_KEY_LEN + 1];
    char secret_access_key[AWS_JOBCRED_SECRET_LEN + 1];
    char *session_token;
} aws_jobcred;

typedef enum { AWS_JOBCRED_READ, AWS_JOBCRED_WRITE } aws_jobcred_access;

/*
 * Parses a key file's text (format above) into a new key set. 0, or
 * SLUICE_EPARSE (a malformed line, a short secret, a duplicate key id; err
 * names the line, never the secret), SLUICE_ENOTFOUND (no key at all),
 * SLUICE_ETOOBIG (more than AWS_JOBCRED_KEYS_MAX keys), SLUICE_ENOMEM.
 */
int aws_jobcred_keys_parse(aws_jobcred_keys **out, const char *text, char *err, size_t errlen);

/*
 * Reads and parses the key file at path (at most 64 KiB), refusing a file its group or others
 * may access (sluice_fs_check_private). NULL with err set on failure.
 */
aws_jobcred_keys *aws_jobcred_keys_load(const char *path, char *err, size_t errlen);

/* Wipes and frees. Accepts NULL. */
void aws_jobcred_keys_free(aws_jobcred_keys *keys);

/* The id of the signing (first) key; borrowed. */
const char *aws_jobcred_keys_signing_id(const aws_jobcred_keys *keys);

/*
 * Mints the credentials of scope with the first key. 0, or SLUICE_EINVAL
 * (empty job id, an object without '/', a field with control characters;
 * pipeline and execution_id may be empty),
 * SLUICE_ETOOBIG (token over AWS_JOBCRED_TOKEN_MAX), SLUICE_ENOMEM; out is
 * cleared on failure. Deterministic: the same keys and scope give the same
 * credentials.
 */
int aws_jobcred_mint(const aws_jobcred_keys *keys, const aws_jobcred_scope *scope, aws_jobcred *out,
                     char *err, size_t errlen);

/* Frees session_token and wipes the secret. Accepts a zeroed struct. */
void aws_jobcred_clear(aws_jobcred *cred);

/*
 * Checks session_token's form, key id and signature, that access_key_id is
 * the token's, and that now_ms is before its expiry; then fills scope and the
 * derived secret. 0, or SLUICE_EDENIED with s3_code "InvalidToken"
 * (malformed, unknown key, bad signature), "InvalidAccessKeyId" (the access
 * key id is not the token's) or "ExpiredToken", and err; SLUICE_ENOMEM.
 */
int aws_jobcred_verify(const aws_jobcred_keys *keys, const char *access_key_id,
                       const char *session_token, int64_t now_ms, aws_jobcred_scope *scope,
                       char secret[AWS_JOBCRED_SECRET_LEN + 1], char s3_code[64], char *err,
                       size_t errlen);

/* True when scope grants access to bucket/key (exact match; WRITE does not imply READ). */
bool aws_jobcred_allows(const aws_jobcred_scope *scope, aws_jobcred_access access,
                        const char *bucket, const char *key);

/* True when text looks like a job session token (starts with AWS_JOBCRED_PREFIX). */
bool aws_jobcred_is_token(const char *text);

#endif
