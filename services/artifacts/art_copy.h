/*
 * art_copy.h — the pure parts of CopyObject and UploadPartCopy: the
 * x-amz-copy-source header ("[/]bucket/key[?versionId=v]", the key
 * percent-encoded as the SDKs send it), x-amz-copy-source-range
 * ("bytes=first-last", both inclusive and inside the source), the
 * x-amz-copy-source-if-* preconditions with S3's precedence, and the
 * CopyObjectResult / CopyPartResult documents. Pure; thread-safe.
 */
#ifndef ART_COPY_H
#define ART_COPY_H

#include "art_keypath.h"

#include "sluice/buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ART_COPY_VERSION_MAX 64

typedef struct art_copy_source {
    char bucket[ART_KEYPATH_BUCKET_MAX + 1];
    char key[ART_KEYPATH_KEY_MAX + 1];
    char version_id[ART_COPY_VERSION_MAX + 1]; /* "" when none was named */
} art_copy_source;

/*
 * Parses an x-amz-copy-source value into out. 0, or SLUICE_EINVAL (no bucket or
 * no key, a bad percent escape, an invalid bucket name or key, an over-long
 * versionId, another query parameter): S3's InvalidArgument.
 */
int art_copy_source_parse(const char *header, art_copy_source *out);

/*
 * Parses an x-amz-copy-source-range against a source of size bytes into
 * [*start, *start + *length). 0, SLUICE_EPARSE (not "bytes=a-b" with a <= b:
 * InvalidArgument) or SLUICE_ERANGE (last byte beyond the source: InvalidRange).
 */
int art_copy_range_parse(const char *header, uint64_t size, uint64_t *start, uint64_t *length);

/* The x-amz-copy-source-if-* headers; NULL / false when absent. */
typedef struct art_copy_conditions {
    const char *if_match;      /* an ETag, quoted or not, or "*" */
    const char *if_none_match; /* same */
    bool has_modified_since;
    int64_t modified_since_ms;
    bool has_unmodified_since;
    int64_t unmodified_since_ms;
} art_copy_conditions;

/*
 * Whether the copy may go ahead for a source with etag (unquoted) last
 * modified at mtime_ms (compared at one-second precision, as HTTP dates are).
 * S3's rules: if-match true with if-unmodified-since false proceeds;
 * if-none-match false with if-modified-since true fails. false means
 * PreconditionFailed.
 */
bool art_copy_conditions_hold(const art_copy_conditions *c, const char *etag, int64_t mtime_ms);

/*
 * Appends <root><LastModified>iso</LastModified><ETag>"etag"</ETag></root>
 * (root "CopyObjectResult" or "CopyPartResult") to out. 0, SLUICE_ENOMEM, SLUICE_ETOOBIG.
 */
int art_copy_result_xml(const char *root, const char *etag, int64_t mtime_ms, sluice_buf *out);

#endif
