/*
 * aws_jobdata.c — job credentials of a JobData document (see aws_jobdata.h).
 * The scope struct is large (it holds every object name inline), so it lives
 * on the heap here.
 */
#include "sluice/aws_jobdata.h"

#include "sluice/error.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int jobdata_objects(const json_t *artifacts, const char *what,
                           char items[][AWS_JOBCRED_OBJECT_MAX], size_t *count, char *err,
                           size_t errlen)
{
    *count = 0;
    size_t i;
    const json_t *artifact;
    json_array_foreach(artifacts, i, artifact)
    {
        const json_t *s3 = json_object_get(json_object_get(artifact, "location"), "s3Location");
        const char *bucket = json_string_value(json_object_get(s3, "bucketName"));
        const char *key = json_string_value(json_object_get(s3, "objectKey"));
        if (bucket == NULL && key == NULL) {
            continue;
        }
        if (bucket == NULL || key == NULL || bucket[0] == '\0' || key[0] == '\0' ||
            strchr(bucket, '/') != NULL) {
            return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                    "%s artifact %zu has a malformed s3Location", what, i);
        }
        if (*count == AWS_JOBCRED_OBJECTS_MAX) {
            return sluice_error_set(err, errlen, SLUICE_ETOOBIG, "more than %d %s artifacts",
                                    AWS_JOBCRED_OBJECTS_MAX, what);
        }
        int n = snprintf(items[*count], AWS_JOBCRED_OBJECT_MAX, "%s/%s", bucket, key);
        if (n < 0 || (size_t)n >= AWS_JOBCRED_OBJECT_MAX) {
            return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                    "%s artifact %zu: bucket/key longer than %d bytes", what, i,
                                    AWS_JOBCRED_OBJECT_MAX - 1);
        }
        (*count)++;
    }
    return SLUICE_OK;
}

int aws_jobdata_scope(const char *job_id, const json_t *data, int64_t expires_s,
                      aws_jobcred_scope *scope, char *err, size_t errlen)
{
    memset(scope, 0, sizeof *scope);
    if (job_id == NULL || job_id[0] == '\0' || strlen(job_id) >= sizeof scope->job_id) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL, "missing or over-long job id");
    }
    memcpy(scope->job_id, job_id, strlen(job_id) + 1);
    const json_t *context = json_object_get(data, "pipelineContext");
    const char *pipeline = json_string_value(json_object_get(context, "pipelineName"));
    if (pipeline != NULL) {
        snprintf(scope->pipeline, sizeof scope->pipeline, "%s", pipeline);
    }
    const char *execution = json_string_value(json_object_get(context, "pipelineExecutionId"));
    if (execution != NULL) {
        if (strlen(execution) >= sizeof scope->execution_id) {
            return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                    "pipeline execution id longer than %zu bytes",
                                    sizeof scope->execution_id - 1);
        }
        memcpy(scope->execution_id, execution, strlen(execution) + 1);
    }
    scope->expires_s = expires_s;
    int rc = jobdata_objects(json_object_get(data, "inputArtifacts"), "input", scope->read,
                             &scope->read_count, err, errlen);
    if (rc == SLUICE_OK) {
        rc = jobdata_objects(json_object_get(data, "outputArtifacts"), "output", scope->write,
                             &scope->write_count, err, errlen);
    }
    return rc;
}

json_t *aws_jobdata_credentials(const aws_jobcred_keys *keys, const char *job_id,
                                const json_t *data, int64_t expires_s, char *err, size_t errlen)
{
    aws_jobcred_scope *scope = malloc(sizeof *scope);
    if (scope == NULL) {
        sluice_error_set(err, errlen, SLUICE_ENOMEM, "out of memory");
        return NULL;
    }
    aws_jobcred cred;
    memset(&cred, 0, sizeof cred);
    json_t *out = NULL;
    int rc = aws_jobdata_scope(job_id, data, expires_s, scope, err, errlen);
    if (rc == SLUICE_OK) {
        rc = aws_jobcred_mint(keys, scope, &cred, err, errlen);
    }
    if (rc == SLUICE_OK) {
        out = json_pack("{s:s, s:s, s:s}", "accessKeyId", cred.access_key_id, "secretAccessKey",
                        cred.secret_access_key, "sessionToken", cred.session_token);
        if (out == NULL) {
            sluice_error_set(err, errlen, SLUICE_ENOMEM, "out of memory");
        }
    }
    aws_jobcred_clear(&cred);
    free(scope);
    return out;
}
