/*
 * src_result.c — job results of Source actions (see src_result.h).
 */
#include "src_result.h"

#include "src_text.h"

#include "sluice/protocol_names.h"

#include <string.h>

const char *src_result_failure_name(src_failure_type type)
{
    switch (type) {
    case SRC_FAILURE_JOB_FAILED:
        return "JobFailed";
    case SRC_FAILURE_CONFIGURATION:
        return "ConfigurationError";
    case SRC_FAILURE_PERMISSION:
        return "PermissionError";
    case SRC_FAILURE_REVISION_OUT_OF_SYNC:
        return "RevisionOutOfSync";
    case SRC_FAILURE_REVISION_UNAVAILABLE:
        return "RevisionUnavailable";
    case SRC_FAILURE_SYSTEM_UNAVAILABLE:
        return "SystemUnavailable";
    }
    return "JobFailed";
}

static json_t *src_result_base(const char *job_id, const char *pipeline, const char *outcome)
{
    if (job_id == NULL || job_id[0] == '\0' || pipeline == NULL || pipeline[0] == '\0') {
        return NULL;
    }
    return json_pack("{s:s, s:s, s:s, s:s}", "type", PROTOCOL_REQUEST_JOB_RESULT, "jobId", job_id,
                     "pipeline", pipeline, "outcome", outcome);
}

json_t *src_result_success(const char *job_id, const char *pipeline, const json_t *outputs,
                           const json_t *revision, const json_t *variables, const char *summary)
{
    json_t *detail = src_result_base(job_id, pipeline, "Succeeded");
    if (detail == NULL) {
        return NULL;
    }
    int rc = json_object_set_new(detail, "outputArtifacts",
                                 json_is_array(outputs) ? json_deep_copy(outputs) : json_array());
    if (revision != NULL) {
        rc |= json_object_set_new(detail, "currentRevision", json_deep_copy(revision));
    }
    if (variables != NULL) {
        rc |= json_object_set_new(detail, "outputVariables", json_deep_copy(variables));
    }
    if (summary != NULL && summary[0] != '\0') {
        char text[SRC_RESULT_SUMMARY_MAX + 1];
        src_text_copy(text, sizeof text, summary, strlen(summary), true);
        rc |= json_object_set_new(detail, "executionDetails", json_pack("{s:s}", "summary", text));
    }
    if (rc != 0) {
        json_decref(detail);
        return NULL;
    }
    return detail;
}

json_t *src_result_failure(const char *job_id, const char *pipeline, src_failure_type type,
                           const char *message)
{
    json_t *detail = src_result_base(job_id, pipeline, "Failed");
    if (detail == NULL) {
        return NULL;
    }
    char text[SRC_RESULT_MESSAGE_MAX + 1];
    if (message == NULL || message[0] == '\0') {
        message = "the source action failed";
    }
    src_text_copy(text, sizeof text, message, strlen(message), false);
    if (json_object_set_new(
            detail, "failureDetails",
            json_pack("{s:s, s:s}", "type", src_result_failure_name(type), "message", text)) != 0) {
        json_decref(detail);
        return NULL;
    }
    return detail;
}
