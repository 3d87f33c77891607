/*
 * src_s3.h — the pure core of AWS/S3 Source actions: an object of the
 * artifact store (S3Bucket, S3ObjectKey) watched by its version and copied
 * to the job's output location.
 *
 *   revision     the object's version id (x-amz-version-id); in a bucket
 *                without versioning (no id, or "null") "etag:" + its ETag,
 *                which starts executions but cannot be fetched by id
 *   variables    {"ETag": <ETag without quotes>, "VersionId": <id or "null">}
 *   revision doc {"revision": <version id>, "changeIdentifier": <version id>,
 *                 "created": <Last-Modified, epoch seconds>,
 *                 "revisionSummary": "s3://<bucket>/<key> version <id>"}
 *   trigger detail "arn:aws:s3:::<bucket>/<key>"
 *
 * A store's answer to a read of the object maps to CodePipeline's failure
 * types (src_s3_failure): NoSuchBucket ConfigurationError, NoSuchKey /
 * NoSuchVersion / a delete marker RevisionUnavailable, 403
 * PermissionError, the store away SystemUnavailable, larger than the
 * bound JobFailed — each message naming the bucket and key.
 *
 * Pure; thread-safe.
 */
#ifndef SLUICE_SRC_S3_H
#define SLUICE_SRC_S3_H

#include "src_result.h"

#include "sluice/http_client.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define SRC_S3_REVISION_MAX 64   /* a version id (32 hex digits), or "etag:" + an ETag */
#define SRC_S3_ETAG_MAX     70   /* an ETag without its quotes ("<32 hex>-<parts>") */
#define SRC_S3_DETAIL_MAX   1100 /* "arn:aws:s3:::" + bucket + "/" + key */

/*
 * The revision of an object from its HEAD or GET answer's version_id and
 * etag headers (either NULL when absent) into out. 0; SLUICE_EINVAL when
 * neither is usable (no ETag, an over-long value or one with control
 * characters).
 */
int src_s3_revision(const char *version_id, const char *etag, char out[SRC_S3_REVISION_MAX + 1]);

/* True when revision is a version id (to fetch by), false for an "etag:" one. */
int src_s3_revision_is_version(const char *revision);

/* True when text is a version id a sourceRevisions override may name: 1..64 of [A-Za-z0-9._-]. */
int src_s3_version_id_ok(const char *text);

/* etag without its surrounding quotes into out ("" when NULL or too long). */
void src_s3_etag(const char *etag, char out[SRC_S3_ETAG_MAX + 1]);

/* "arn:aws:s3:::<bucket>/<key>" into out (cut to outlen). */
void src_s3_detail(const char *bucket, const char *key, char *out, size_t outlen);

/*
 * The failure of a read (GET or HEAD) of bucket/key: rc is aws_s3's code,
 * resp the answer (its body names the S3 error code; may be NULL), why the
 * client's message. Fills *type and message.
 */
void src_s3_failure(int rc, const http_client_response *resp, const char *bucket, const char *key,
                    const char *version_id, int64_t max_bytes, const char *why,
                    src_failure_type *type, char *message, size_t messagelen);

/*
 * An HTTP date (RFC 7231 IMF-fixdate, "Thu, 03 Dec 2026 09:00:00 GMT", as
 * Last-Modified carries it) in epoch seconds; 0 when text is NULL or not
 * one (a year before 1970, a month name, day or time out of range).
 */
int64_t src_s3_http_date(const char *text);

/* The output variables of a copied object (etag, version_id: header values or NULL). */
json_t *src_s3_variables(const char *etag, const char *version_id);

/*
 * The currentRevision document and the execution summary (into summary)
 * of version version_id (NULL: "null") of bucket/key last modified at
 * created_s (epoch seconds; 0 unknown).
 */
json_t *src_s3_revision_document(const char *bucket, const char *key, const char *version_id,
                                 int64_t created_s, char *summary, size_t summarylen);

#endif
