/*
 * src_result.h — the job result a Source action sends: the detail of a
 * PROTOCOL_DETAIL_JOB_RESULT envelope on the requests topic (key: the
 * pipeline), the same document the api's PutJobSuccessResult and
 * PutJobFailureResult build (engine_input.h):
 *
 *   success {"type": "JobResult", "jobId", "pipeline", "outcome": "Succeeded",
 *            "outputArtifacts": [{"name", "bucket", "key"}],
 *            "currentRevision": {...}, "outputVariables": {...},
 *            "executionDetails": {"summary"}}
 *   failure {"type": "JobResult", "jobId", "pipeline", "outcome": "Failed",
 *            "failureDetails": {"type", "message"}}
 *
 * Failure types are CodePipeline's FailureType: JobFailed,
 * ConfigurationError, PermissionError, RevisionOutOfSync,
 * RevisionUnavailable, SystemUnavailable. A failure message is made valid
 * UTF-8 and cut to the API's 5000 bytes; an execution summary to 2048.
 *
 * Pure; thread-safe.
 */
#ifndef SLUICE_SRC_RESULT_H
#define SLUICE_SRC_RESULT_H

#include <jansson.h>

#define SRC_RESULT_MESSAGE_MAX 5000
#define SRC_RESULT_SUMMARY_MAX 2048

typedef enum src_failure_type {
    SRC_FAILURE_JOB_FAILED = 0,
    SRC_FAILURE_CONFIGURATION,        /* ConfigurationError */
    SRC_FAILURE_PERMISSION,           /* PermissionError */
    SRC_FAILURE_REVISION_OUT_OF_SYNC, /* RevisionOutOfSync */
    SRC_FAILURE_REVISION_UNAVAILABLE, /* RevisionUnavailable */
    SRC_FAILURE_SYSTEM_UNAVAILABLE,   /* SystemUnavailable */
} src_failure_type;

/* CodePipeline's spelling of type. */
const char *src_result_failure_name(src_failure_type type);

/*
 * A success result. outputs ([{"name","bucket","key"}], e.g.
 * aws_job_output_locations), revision and variables are borrowed (copied);
 * revision, variables and summary may be NULL. A new reference, or NULL
 * when out of memory or job_id / pipeline is NULL or empty.
 */
json_t *src_result_success(const char *job_id, const char *pipeline, const json_t *outputs,
                           const json_t *revision, const json_t *variables, const char *summary);

/*
 * A failure result with message (any bytes; made valid UTF-8 and cut). A new
 * reference, or NULL when out of memory or job_id / pipeline is NULL or empty
 * (an empty message becomes "the source action failed").
 */
json_t *src_result_failure(const char *job_id, const char *pipeline, src_failure_type type,
                           const char *message);

#endif
