/*
 * wk_s3deploy.h — an AWS/Deploy/S3/1 action into a bucket of the artifact
 * store (the targets and keys: wk_deploy.h wk_deploy_store).
 *
 * The input artifact is read with the job's credentials; everything the
 * deploy writes is written with the worker's deploy key
 * (SLUICE_WORKER_DEPLOY_KEY_FILE: a long-lived key of the store, since job
 * credentials write only the job's own output objects).
 *
 * Extract false: the zip is one PutObject to ObjectKey (an object appears
 * whole or not at all).
 * Extract true: the zip is unpacked into the workspace with the input
 * checks (wk_archive.h), then, in this order:
 *   1. every regular file is written to its staging key
 *      (.sluice-deploy/<job id>/<key>); a failure deletes what was staged
 *      and leaves the live keys untouched;
 *   2. each staged object is copied into place (CopyObject, in the store:
 *      no bytes through the worker); a failure stops here and says how
 *      many objects were already replaced (S3 has no multi-object
 *      transaction: during this step a reader may see some objects of the
 *      new deployment and some of the old);
 *   3. the staged objects are deleted.
 * Objects under the prefix that the artifact no longer holds are left as
 * they are, as S3 deploys do. Symbolic links and empty directories of the
 * artifact are not objects and are skipped.
 *
 * Runs on a slot's thread with the slot's aws_s3.
 */
#ifndef SLUICE_WK_S3DEPLOY_H
#define SLUICE_WK_S3DEPLOY_H

#include "wk_deploy.h"
#include "wk_result.h"
#include "sluice/aws_s3.h"

#include <stddef.h>
#include <stdint.h>

#define WK_S3DEPLOY_FILES_MAX 10000 /* objects one extracted deploy writes */

typedef struct wk_s3deploy_params {
    aws_s3 *s3;
    const aws_s3_cred *job_cred;    /* reads the input */
    const aws_s3_cred *deploy_cred; /* writes the bucket */
    const wk_deploy_store *target;
    const char *job_id;
    const char *input_name;
    const char *input_bucket;
    const char *input_key;
    const char *dir;         /* an empty directory of the workspace to unpack into */
    uint64_t unpacked_max;   /* bytes the artifact may unpack to */
    size_t object_max_bytes; /* largest file uploaded */
} wk_s3deploy_params;

/*
 * Runs the deploy. 0 with summary ("extracted BuildOut to s3://web/site/v2:
 * 3 objects"); otherwise the failure type in *end (JOB_FAILED: the input is
 * missing, refused or cannot be unpacked, a file is too large; SYSTEM: the
 * store or the disk failed) and the message in err.
 */
int wk_s3deploy_run(const wk_s3deploy_params *p, char *summary, size_t summarylen,
                    wk_result_end *end, char *err, size_t errlen);

#endif
