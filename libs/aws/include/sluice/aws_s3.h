/*
 * aws_s3.h — the artifact store's S3 client of the services (the worker's
 * inputs, outputs and deploys, sluice-source's S3 sources): GetObject,
 * HeadObject, PutObject, CopyObject and DeleteObject (and a GetObject from an
 * offset on: the console's tail of a growing log),
 * path-style (<endpoint>/<bucket>/<key>), signed with SigV4 for S3 with a
 * job's artifactCredentials (aws_jobcred.h: the store lets them read exactly
 * the job's inputs and write exactly its outputs).
 *
 * Signed headers: host, x-amz-content-sha256 (the body's SHA-256), x-amz-date
 * and x-amz-security-token, scope <date>/<region>/s3/aws4_request
 * (libs/aws aws_sigv4.h building blocks; S3's canonical URI, encoded once;
 * the versionId query argument when a call names a version).
 * Bodies are held in memory, bounded by max_bytes.
 *
 * One aws_s3 per thread (it owns an http_client).
 */
#ifndef SLUICE_AWS_S3_H
#define SLUICE_AWS_S3_H

#include "sluice/http_client.h"

#include <stddef.h>

typedef struct aws_s3 {
    http_client *client;
    char endpoint[256]; /* without a trailing "/" */
    char host[256];     /* host[:port] of the endpoint */
    char region[32];
} aws_s3;

/*
 * A job's artifactCredentials, or a long-lived key of the store
 * (session_token NULL: x-amz-security-token is neither sent nor signed);
 * borrowed strings.
 */
typedef struct aws_s3_cred {
    const char *access_key_id;
    const char *secret_access_key;
    const char *session_token;
} aws_s3_cred;

/* What an S3 deploy keeps with each object; NULL members are not sent. */
typedef struct aws_s3_meta {
    const char *content_type;  /* Content-Type (default application/zip) */
    const char *cache_control; /* the action's CacheControl, as x-amz-meta-cache-control */
    const char *canned_acl;    /* the action's CannedACL, as x-amz-meta-canned-acl */
} aws_s3_meta;

/*
 * Prepares s3 for endpoint ("http://host:port"), region and responses of at
 * most max_bytes. 0, or SLUICE_EINVAL (a malformed endpoint) / SLUICE_ENOMEM
 * with err.
 */
int aws_s3_init(aws_s3 *s3, const char *endpoint, const char *region, size_t max_bytes,
                long timeout_ms, char *err, size_t errlen);

/* Releases the client. Accepts a zeroed struct. */
void aws_s3_release(aws_s3 *s3);

/*
 * Reads bucket/key into out (initialised by the call; release it with
 * http_client_response_free whatever the result). 0 on 200; SLUICE_ENOTFOUND
 * (404), SLUICE_EDENIED (403), SLUICE_ETOOBIG (over max_bytes), SLUICE_EIO
 * (another status, or the store unreachable), each with err naming the
 * object and the store's error code.
 */
int aws_s3_get(aws_s3 *s3, const aws_s3_cred *cred, const char *bucket, const char *key,
               http_client_response *out, char *err, size_t errlen);

/*
 * As aws_s3_get, of the bytes from offset from on (Range: bytes=<from>-):
 * 0 with them in out's body on 206 (or 200: the whole object), and 0 with an
 * empty body when the object has no byte at from yet (416); the object's size
 * is in out's Content-Range. Failures as aws_s3_get.
 */
int aws_s3_get_from(aws_s3 *s3, const aws_s3_cred *cred, const char *bucket, const char *key,
                    unsigned long long from, http_client_response *out, char *err, size_t errlen);

/*
 * As aws_s3_get, of the version version_id (NULL: the latest). A delete
 * marker as the latest, an unknown version or key are SLUICE_ENOTFOUND; the
 * response's headers (ETag, x-amz-version-id) are in out.
 */
int aws_s3_get_version(aws_s3 *s3, const aws_s3_cred *cred, const char *bucket, const char *key,
                       const char *version_id, http_client_response *out, char *err, size_t errlen);

/*
 * HeadObject of bucket/key (version_id NULL: the latest): out's headers
 * carry ETag and x-amz-version-id; no body. Failures as aws_s3_get (a HEAD
 * answer has no error document, so err names the status only).
 */
int aws_s3_head(aws_s3 *s3, const aws_s3_cred *cred, const char *bucket, const char *key,
                const char *version_id, http_client_response *out, char *err, size_t errlen);

/* Writes len bytes of body to bucket/key. 0 on 200; failures as aws_s3_get. */
int aws_s3_put(aws_s3 *s3, const aws_s3_cred *cred, const char *bucket, const char *key,
               const void *body, size_t len, char *err, size_t errlen);

/*
 * As aws_s3_put, with meta (may be NULL): its content type, and its cache
 * control and canned ACL as signed x-amz-meta-* headers (the artifact store
 * keeps x-amz-meta-* with the object and answers them on GET and HEAD).
 */
int aws_s3_put_object(aws_s3 *s3, const aws_s3_cred *cred, const char *bucket, const char *key,
                      const void *body, size_t len, const aws_s3_meta *meta, char *err,
                      size_t errlen);

/*
 * CopyObject src_bucket/src_key to bucket/key in the store (x-amz-copy-source,
 * metadata directive COPY: the source's content type and x-amz-meta-* go
 * along). 0 on 200 without an <Error> document; failures as aws_s3_get.
 */
int aws_s3_copy(aws_s3 *s3, const aws_s3_cred *cred, const char *src_bucket, const char *src_key,
                const char *bucket, const char *key, char *err, size_t errlen);

/* DeleteObject bucket/key. 0 on 200 or 204; failures as aws_s3_get. */
int aws_s3_delete(aws_s3 *s3, const aws_s3_cred *cred, const char *bucket, const char *key,
                  char *err, size_t errlen);

#endif
