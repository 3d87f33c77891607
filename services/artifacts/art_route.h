/*
 * art_route.h — S3 REST request routing: (method, path, query, Host, whether a
 * copy source is named) → the S3 operation, bucket and key. Path-style
 * ("/bucket/key") and virtual-host style ("bucket.<domain>" in Host with the
 * key as the whole path) as S3 serves them. Pure; thread-safe.
 */
#ifndef ART_ROUTE_H
#define ART_ROUTE_H

#include "art_keypath.h"

#include "sluice/http_message.h"

#include <stdbool.h>
#include <stddef.h>

#define ART_ROUTE_OPS(X)                                                                           \
    X(UNKNOWN, "Unknown")                                                                          \
    X(LIST_BUCKETS, "ListBuckets")                                                                 \
    X(CREATE_BUCKET, "CreateBucket")                                                               \
    X(HEAD_BUCKET, "HeadBucket")                                                                   \
    X(DELETE_BUCKET, "DeleteBucket")                                                               \
    X(GET_BUCKET_LOCATION, "GetBucketLocation")                                                    \
    X(GET_BUCKET_VERSIONING, "GetBucketVersioning")                                                \
    X(PUT_BUCKET_VERSIONING, "PutBucketVersioning")                                                \
    X(LIST_OBJECTS, "ListObjects")                                                                 \
    X(LIST_OBJECTS_V2, "ListObjectsV2")                                                            \
    X(LIST_OBJECT_VERSIONS, "ListObjectVersions")                                                  \
    X(LIST_MULTIPART_UPLOADS, "ListMultipartUploads")                                              \
    X(DELETE_OBJECTS, "DeleteObjects")                                                             \
    X(PUT_OBJECT, "PutObject")                                                                     \
    X(COPY_OBJECT, "CopyObject")                                                                   \
    X(GET_OBJECT, "GetObject")                                                                     \
    X(HEAD_OBJECT, "HeadObject")                                                                   \
    X(DELETE_OBJECT, "DeleteObject")                                                               \
    X(CREATE_MULTIPART_UPLOAD, "CreateMultipartUpload")                                            \
    X(UPLOAD_PART, "UploadPart")                                                                   \
    X(UPLOAD_PART_COPY, "UploadPartCopy")                                                          \
    X(COMPLETE_MULTIPART_UPLOAD, "CompleteMultipartUpload")                                        \
    X(ABORT_MULTIPART_UPLOAD, "AbortMultipartUpload")                                              \
    X(LIST_PARTS, "ListParts")

typedef enum art_route_op {
#define ART_ROUTE_ENUM(name, text) ART_OP_##name,
    ART_ROUTE_OPS(ART_ROUTE_ENUM)
#undef ART_ROUTE_ENUM
        ART_OP_COUNT
} art_route_op;

typedef struct art_route {
    art_route_op op;
    char bucket[ART_KEYPATH_BUCKET_MAX + 1]; /* "" for ListBuckets */
    char key[ART_KEYPATH_KEY_MAX + 1];       /* "" for bucket operations */
} art_route;

/*
 * Resolves a request. vhost_domain ("" to disable) is the domain under which
 * Host names a bucket ("b.<domain>[:port]"). Returns 0 with out filled, or
 *   SLUICE_ENOTFOUND: no S3 operation has this shape (NotImplemented / MethodNotAllowed),
 *   SLUICE_EINVAL:    the bucket name is invalid (InvalidBucketName),
 *   SLUICE_ETOOBIG:   the key is invalid or longer than 1024 bytes (KeyTooLongError /
 * InvalidArgument). out->op is ART_OP_UNKNOWN on failure.
 */
int art_route_resolve(const char *method, const char *path, const http_pair *query,
                      size_t query_count, const char *host, bool has_copy_source,
                      const char *vhost_domain, art_route *out);

/* The S3 name of an operation ("PutObject"). */
const char *art_route_op_name(art_route_op op);

#endif
