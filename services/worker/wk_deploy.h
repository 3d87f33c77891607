/*
 * wk_deploy.h — where an AWS/Deploy/S3/1 action deploys: the pure
 * resolution of its configuration against the worker's deploy targets.
 *
 * Targets (SLUICE_WORKER_DEPLOY_DIRS): "<bucket>=<absolute directory>"
 * entries separated by commas; an action's BucketName must name one.
 *   Extract "true":  the input artifact is unpacked into the bucket's
 *                    directory, or into ObjectKey below it when given;
 *   Extract "false": the artifact is stored unextracted as the file
 *                    ObjectKey (required) below the bucket's directory.
 * ObjectKey is a relative path without "..". CannedACL and CacheControl have
 * no meaning for a directory and are not read.
 *
 * Store buckets (SLUICE_WORKER_DEPLOY_BUCKETS): buckets of the artifact
 * store, separated by commas; an action whose BucketName is one deploys
 * there (wk_deploy_resolve_store), with the worker's deploy key:
 *   Extract "true":  every regular file of the artifact becomes the object
 *                    <ObjectKey>/<path in the artifact> (ObjectKey is a key
 *                    prefix; without it the path alone);
 *   Extract "false": the artifact's zip becomes the object ObjectKey.
 * The objects are first written under the staging prefix
 * ".sluice-deploy/<job id>/" of the bucket (wk_deploy_staging_key), then
 * copied into place and the staged copies deleted (wk_job.c).
 * CacheControl (at most WK_DEPLOY_META_MAX bytes of printable ASCII) and
 * CannedACL (one of S3's canned ACL names) are kept with every object as
 * the metadata x-amz-meta-cache-control and x-amz-meta-canned-acl; the
 * content type follows the file's extension (wk_deploy_content_type).
 * Pure.
 */
#ifndef SLUICE_WK_DEPLOY_H
#define SLUICE_WK_DEPLOY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define WK_DEPLOY_TARGETS_MAX    64
#define WK_DEPLOY_PATH_MAX       1024
#define WK_DEPLOY_KEY_MAX        1024 /* bytes of an object key (S3's bound) */
#define WK_DEPLOY_META_MAX       1024
#define WK_DEPLOY_STAGING_PREFIX ".sluice-deploy/"

typedef struct wk_deploy {
    bool extract;
    char path[WK_DEPLOY_PATH_MAX]; /* the directory (extract) or the file, absolute */
} wk_deploy;

/*
 * Parses a targets list into a new object {bucket: directory}. NULL or ""
 * gives an empty object. 0 and *out; SLUICE_EINVAL with err naming the bad
 * entry (not "bucket=/dir", a relative directory, a bucket named twice);
 * SLUICE_ETOOBIG past WK_DEPLOY_TARGETS_MAX; SLUICE_ENOMEM.
 */
int wk_deploy_targets_parse(const char *list, json_t **out, char *err, size_t errlen);

/*
 * Resolves the action's configuration (borrowed) against targets. 0 and
 * *out; SLUICE_EINVAL with err (no such target, Extract neither true nor
 * false, a missing or unsafe ObjectKey, a path too long).
 */
int wk_deploy_resolve(const json_t *targets, const json_t *configuration, wk_deploy *out, char *err,
                      size_t errlen);

/* An S3 deploy into a bucket of the artifact store. */
typedef struct wk_deploy_store {
    bool extract;
    char bucket[64];
    char key[WK_DEPLOY_KEY_MAX + 1];            /* the key prefix ("" none) or the object's key */
    char cache_control[WK_DEPLOY_META_MAX + 1]; /* "" when not given */
    char canned_acl[32];                        /* "" when not given */
} wk_deploy_store;

/*
 * Parses a store-bucket list into a new object {bucket: true}. NULL or ""
 * gives an empty object. A bucket also named by dirs (the parsed
 * SLUICE_WORKER_DEPLOY_DIRS; may be NULL) is refused. 0 and *out;
 * SLUICE_EINVAL with err naming the entry (not an S3 bucket name: 3..63 of
 * [a-z0-9.-], starting and ending with a letter or digit; named twice; a
 * directory target too); SLUICE_ETOOBIG past WK_DEPLOY_TARGETS_MAX;
 * SLUICE_ENOMEM.
 */
int wk_deploy_buckets_parse(const char *list, const json_t *dirs, json_t **out, char *err,
                            size_t errlen);

/*
 * Resolves the action's configuration (borrowed) against the store buckets
 * (may be NULL). 0 and *out; SLUICE_ENOTFOUND when BucketName is not a
 * store bucket (a directory target, or none: see wk_deploy_resolve);
 * SLUICE_EINVAL with err (Extract neither true nor false, a missing or
 * unsafe ObjectKey, a CannedACL S3 does not know, a CacheControl that is
 * too long or not printable ASCII).
 */
int wk_deploy_resolve_store(const json_t *buckets, const json_t *configuration,
                            wk_deploy_store *out, char *err, size_t errlen);

/*
 * The object key of relpath (a file's "/"-separated path in the artifact)
 * when extracting: "<prefix>/<relpath>", or relpath without a prefix. 0, or
 * SLUICE_ETOOBIG past WK_DEPLOY_KEY_MAX or outlen.
 */
int wk_deploy_object_key(const wk_deploy_store *d, const char *relpath, char *out, size_t outlen);

/*
 * The staging key of an object key: ".sluice-deploy/<job id>/<key>". 0, or
 * SLUICE_ETOOBIG past WK_DEPLOY_KEY_MAX or outlen.
 */
int wk_deploy_staging_key(const char *job_id, const char *key, char *out, size_t outlen);

/*
 * The content type of a file by its extension (html, css, js, json, svg,
 * png, jpg, gif, txt, xml, wasm, zip, ...; case-insensitive);
 * "application/octet-stream" otherwise. A static string.
 */
const char *wk_deploy_content_type(const char *relpath);

#endif
