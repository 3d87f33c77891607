/*
 * src_job.c — job documents of Source actions (see src_job.h).
 */
#include "src_job.h"

#include "sluice/error.h"
#include "sluice/protocol_names.h"

#include <string.h>

static const char *src_job_string(const json_t *doc, const char *name, size_t max, bool required,
                                  int *rc, char *err, size_t errlen)
{
    json_t *value = json_object_get(doc, name);
    if (value == NULL) {
        if (required && *rc == 0) {
            *rc = sluice_error_set(err, errlen, SLUICE_EPARSE, "the job has no %s", name);
        }
        return NULL;
    }
    size_t len = json_string_length(value);
    if (!json_is_string(value) || len == 0 || len > max ||
        strlen(json_string_value(value)) != len) {
        if (*rc == 0) {
            *rc = sluice_error_set(err, errlen, SLUICE_EPARSE,
                                   "the job's %s must be a string of 1 to %zu bytes", name, max);
        }
        return NULL;
    }
    return json_string_value(value);
}

int src_job_read(const json_t *doc, src_job *job, char *err, size_t errlen)
{
    memset(job, 0, sizeof *job);
    if (!json_is_object(doc)) {
        return sluice_error_set(err, errlen, SLUICE_EPARSE, "the job is not an object");
    }
    job->action_type_id = json_object_get(doc, "actionTypeId");
    if (src_action_provider(job->action_type_id, &job->provider) != 0) {
        memset(job, 0, sizeof *job);
        return SLUICE_ENOTFOUND;
    }
    int rc = 0;
    job->job_id = src_job_string(doc, "jobId", 127, true, &rc, err, errlen);
    job->pipeline =
        src_job_string(doc, "pipeline", PROTOCOL_PIPELINE_NAME_MAX, true, &rc, err, errlen);
    job->execution_id = src_job_string(doc, "pipelineExecutionId", 127, false, &rc, err, errlen);
    if (rc == 0 && !protocol_pipeline_name_ok(job->pipeline)) {
        rc = sluice_error_set(err, errlen, SLUICE_EPARSE, "the job's pipeline is not a name");
    }
    json_t *version = json_object_get(doc, "pipelineVersion");
    if (rc == 0 && version != NULL) {
        if (!json_is_integer(version) || json_integer_value(version) < 1) {
            rc = sluice_error_set(err, errlen, SLUICE_EPARSE,
                                  "the job's pipelineVersion must be a positive integer");
        } else {
            job->pipeline_version = json_integer_value(version);
        }
    }
    job->configuration = json_object_get(doc, "configuration");
    if (rc == 0 && job->configuration != NULL && !json_is_object(job->configuration)) {
        rc = sluice_error_set(err, errlen, SLUICE_EPARSE,
                              "the job's configuration is not an object");
    }
    json_t *revision = json_object_get(doc, "sourceRevision");
    if (rc == 0 && revision != NULL) {
        if (!json_is_object(revision)) {
            rc = sluice_error_set(err, errlen, SLUICE_EPARSE,
                                  "the job's sourceRevision is not an object");
        } else {
            job->revision_type =
                src_job_string(revision, "revisionType", 32, true, &rc, err, errlen);
            job->revision_value = src_job_string(revision, "revisionValue", SRC_JOB_REVISION_MAX,
                                                 true, &rc, err, errlen);
        }
    }
    if (rc != 0) {
        memset(job, 0, sizeof *job);
    }
    return rc;
}
