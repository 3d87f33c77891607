/*
 * art_access.h — what a long-lived access key's role may do in the artifact
 * store. The roles are the api's (SLUICE_API_CREDENTIALS and
 * SLUICE_ARTIFACTS_CREDENTIALS share one specification, docs/security.md);
 * each S3 operation belongs to one class:
 *
 *   role      read  write  manage
 *   viewer     x
 *   approver   x
 *   worker     x
 *   operator   x      x
 *   admin      x      x      x
 *
 *   read    ListBuckets, HeadBucket, GetBucketLocation, GetBucketVersioning,
 *           ListObjects(V2), ListObjectVersions, ListMultipartUploads, ListParts,
 *           GetObject, HeadObject
 *   write   PutObject, CopyObject, DeleteObject, DeleteObjects and the multipart
 *           upload operations (e.g. an operator uploading a source bundle)
 *   manage  CreateBucket, DeleteBucket, PutBucketVersioning
 *
 * Job credentials are not roles: their scope decides (aws_jobcred_allows).
 * Pure and thread-safe.
 */
#ifndef ART_ACCESS_H
#define ART_ACCESS_H

#include "art_route.h"

#include <stdbool.h>

typedef enum art_access_class {
    ART_ACCESS_READ = 0,
    ART_ACCESS_WRITE,
    ART_ACCESS_MANAGE,
} art_access_class;

/* The class of an operation (ART_OP_UNKNOWN counts as manage). */
art_access_class art_access_class_of(art_route_op op);

/* True when role (exact, lowercase) may perform op; false for unknown roles and NULL. */
bool art_access_allows(const char *role, art_route_op op);

#endif
