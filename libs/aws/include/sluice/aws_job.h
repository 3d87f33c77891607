/*
 * aws_job.h — jobs as job runners see them: the record of a job and its
 * CodePipeline JobData, shared by the api (PollForJobs, GetJobDetails) and
 * Sluice's own job runners (worker, source), so every one of them assigns the
 * same output locations and mints the same credentials.
 *
 * The orchestrator publishes one job document per action attempt to the jobs
 * topic (libs/engine engine_step.h). The api keeps a record of each job in its
 * job store (api_backend job_*): the record is built here once, when the job
 * arrives, so every later answer (PollForJobs, GetJobDetails) shows the same
 * data, output locations included:
 *
 *   {"id": <job id>, "pipeline": <name>, "pipelineExecutionId", "stage", "action",
 *    "actionType": "<Owner>/<Category>/<Provider>/<Version>", "queued": <bool>,
 *    "accountId": <12 digits>, "data": <JobData>}
 *
 * JobData follows botocore's shape: actionTypeId, actionConfiguration
 * {configuration}, pipelineContext {pipelineName, stage {name}, action {name,
 * actionExecutionId}, pipelineArn, pipelineExecutionId}, inputArtifacts and
 * outputArtifacts [{name, location {type "S3", s3Location {bucketName,
 * objectKey}}}] in the pipeline's artifact store, artifactCredentials,
 * continuationToken, encryptionKey. Output objects are assigned here as
 * CodePipeline assigns them: "<pipeline, 20 chars>/<artifact, 10 chars>/<7
 * characters>" in the artifact store's bucket (derived from the job id, so a
 * replayed job gets the same keys). artifactCredentials are job credentials
 * (aws_jobdata.h) minted with the api's job keys: read exactly the inputs,
 * write exactly the outputs, until the job's deadline; deterministic, so a
 * replayed job gets the same credentials. Without keys, or for a job document
 * without a deadline, artifactCredentials are left out.
 *
 * Pure; thread-compatible.
 */
#ifndef SLUICE_AWS_JOB_H
#define SLUICE_AWS_JOB_H

#include "sluice/aws_jobcred.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define AWS_JOB_TYPE_KEY_MAX 160 /* "<Owner>/<Category>/<Provider>/<Version>" */

/*
 * Writes "<owner>/<category>/<provider>/<version>" of an ActionTypeId object
 * into out. 0, or SLUICE_EINVAL when a member is missing, not a string, empty
 * or holds '/' or control characters, SLUICE_ETOOBIG when it does not fit.
 */
int aws_job_type_key(const json_t *action_type_id, char *out, size_t outlen);

/*
 * Builds the record of job document job (borrowed). definition is the
 * pipeline's definition document ({"pipeline": {...}}; may be NULL when the
 * pipeline is gone: locations then use the bucket "sluice-artifacts");
 * account the 12-digit account; queued whether workers take it through
 * PollForJobs; job_keys (may be NULL) sign the artifactCredentials. Returns a
 * new reference, or NULL with the reason in err when the document lacks
 * jobId, pipeline or actionTypeId or its credentials cannot be minted (more
 * artifacts than a token holds).
 */
json_t *aws_job_record(const json_t *job, const json_t *definition, const char *account,
                       bool queued, const aws_jobcred_keys *job_keys, char *err, size_t errlen);

/*
 * The Job of PollForJobs ({"id", "data", "nonce", "accountId"}) when nonce is
 * non-NULL, else the JobDetails of GetJobDetails ({"id", "data",
 * "accountId"}). A new reference, or NULL when out of memory.
 */
json_t *aws_job_render(const json_t *record, const char *nonce);

/*
 * The output artifacts of a record as a job result names them:
 * [{"name", "bucket", "key"}]. A new reference (possibly an empty array).
 */
json_t *aws_job_output_locations(const json_t *record);

#endif
