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
 * no meaning for a directory and are not read. Pure.
 */
#ifndef SLUICE_WK_DEPLOY_H
#define SLUICE_WK_DEPLOY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define WK_DEPLOY_TARGETS_MAX 64
#define WK_DEPLOY_PATH_MAX    1024

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

#endif
