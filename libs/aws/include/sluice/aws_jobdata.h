/*
 * aws_jobdata.h — the job credentials of a CodePipeline JobData document:
 * the one place that turns a job into its scope and mints its
 * artifactCredentials, for every service that hands out jobs (the api's
 * PollForJobs and GetJobDetails today; Sluice's own job runners later).
 *
 * Scope (aws_jobcred.h): read exactly the objects of data.inputArtifacts[*]
 * .location.s3Location {bucketName, objectKey}, write exactly those of
 * data.outputArtifacts[*], until the job's deadline; job id,
 * data.pipelineContext.pipelineName and data.pipelineContext
 * .pipelineExecutionId (the token's "e"; absent: none) are recorded.
 * Artifacts without a
 * location are skipped. Minting is deterministic, so the same job always
 * gets the same credentials. Pure.
 */
#ifndef SLUICE_AWS_JOBDATA_H
#define SLUICE_AWS_JOBDATA_H

#include "sluice/aws_jobcred.h"

#include <jansson.h>
#include <stdint.h>

/*
 * Fills scope from job_id, JobData data (borrowed) and the expiry (epoch
 * seconds). 0, or SLUICE_EINVAL (no job id, a location with an empty or
 * over-long bucket or key, an over-long pipeline execution id),
 * SLUICE_ETOOBIG (more than AWS_JOBCRED_OBJECTS_MAX inputs or outputs), with
 * err set.
 */
int aws_jobdata_scope(const char *job_id, const json_t *data, int64_t expires_s,
                      aws_jobcred_scope *scope, char *err, size_t errlen);

/*
 * The artifactCredentials object {"accessKeyId", "secretAccessKey",
 * "sessionToken"} of the job, minted with keys. A new reference, or NULL with
 * the reason in err (failures of aws_jobdata_scope and aws_jobcred_mint).
 */
json_t *aws_jobdata_credentials(const aws_jobcred_keys *keys, const char *job_id,
                                const json_t *data, int64_t expires_s, char *err, size_t errlen);

#endif
