/*
 * src_run.h — one Source action job, start to end: the job document and its
 * pipeline's definition in, the job result document (src_result.h) out.
 *
 *   read the job (src_job) → its record with output locations and
 *   artifactCredentials (libs/aws aws_job_record, minted with the job
 *   credential keys the api uses) → the action's remote and branch
 *   (src_action) → fetch the revision into the remote's mirror: the job's
 *   sourceRevision (COMMIT_ID, from the trigger or a StartPipelineExecution
 *   override) or the branch head (src_git) → git archive → CODE_ZIP
 *   (src_zip, bounded) → PutObject to the output location with the job's
 *   credentials (src_upload) → output variables and revision (src_revision).
 *   With OutputArtifactFormat CODEBUILD_CLONE_REF the artifact is instead a
 *   zip of one reference file (aws_cloneref.h: the remote's URL, the commit,
 *   the branch, the repository) for a CodeBuild action to clone; a remote
 *   the worker could not clone as it is — ssh, or declared with credentials
 *   — is a ConfigurationError.
 *
 * AWS/S3: the object's version (the job's S3_OBJECT_VERSION_ID, from the
 * trigger or an override, else the latest) read with sluice-source's own
 * key of the store (SLUICE_SOURCE_S3_KEY_FILE: job credentials reach only
 * the job's artifacts) → PutObject of its bytes to the output location with
 * the job's credentials → ETag, VersionId and the revision (src_s3).
 *
 * Every failure is a Failed result with CodePipeline's failure type and a
 * message saying what to fix; the run never throws a job away. Temporary
 * files live in work_dir and are removed before returning.
 *
 * Runs on the calling thread; env's objects must outlive the call (its
 * http_client is used by this thread only during the call).
 */
#ifndef SLUICE_SRC_RUN_H
#define SLUICE_SRC_RUN_H

#include "src_git.h"
#include "src_repos.h"

#include "sluice/aws_jobcred.h"
#include "sluice/aws_s3.h"
#include "sluice/http_client.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct src_run_env {
    const src_repos *repos;
    src_git *git;
    http_client *http;
    const aws_jobcred_keys *job_keys;
    const char *account;            /* 12 digits */
    const char *region;             /* signing region of the artifact store */
    const char *artifacts_endpoint; /* "http://127.0.0.1:7071" */
    const char *work_dir;           /* absolute; temporary tar and zip files */
    int64_t zip_max_bytes;
    aws_s3 *s3;                /* AWS/S3 sources: the store's client (bodies <= zip_max_bytes) */
    const aws_s3_cred *s3_key; /* SLUICE_SOURCE_S3_KEY_FILE's key; NULL: S3 sources fail */
} src_run_env;

typedef struct src_run_stats {
    bool succeeded;
    const char *failure_type; /* CodePipeline's spelling; NULL when it succeeded */
    int64_t zip_bytes;
} src_run_stats;

/*
 * Runs the job doc (borrowed) of a pipeline whose definition document is
 * definition (borrowed; NULL when it could not be read: the job then fails
 * with SystemUnavailable). Returns the result detail (a new reference) —
 * Succeeded or Failed —, or NULL when doc is not a job of a built-in Source
 * provider (*stats untouched) or out of memory. now_ms signs the upload.
 */
json_t *src_run_job(const src_run_env *env, const json_t *doc, const json_t *definition,
                    int64_t now_ms, src_run_stats *stats);

#endif
