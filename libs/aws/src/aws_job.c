/*
 * aws_job.c — job records and JobData (see aws_job.h).
 */
#include "sluice/aws_job.h"

#include "sluice/aws_jobdata.h"
#include "sluice/aws_sigv4.h"
#include "sluice/error.h"
#include "sluice/time.h"

#include <stdio.h>
#include <string.h>

#define AWS_JOB_DEFAULT_BUCKET  "sluice-artifacts"
#define AWS_JOB_PIPELINE_PREFIX 20 /* characters of the pipeline name in an object key */
#define AWS_JOB_ARTIFACT_PREFIX 10 /* characters of the artifact name */
#define AWS_JOB_KEY_SUFFIX      7  /* characters derived from the job id */

static bool aws_job_part_ok(const char *s)
{
    if (s == NULL || s[0] == '\0') {
        return false;
    }
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        if (*p < 0x20 || *p == 0x7f || *p == '/') {
            return false;
        }
    }
    return true;
}

int aws_job_type_key(const json_t *action_type_id, char *out, size_t outlen)
{
    const char *owner = json_string_value(json_object_get(action_type_id, "owner"));
    const char *category = json_string_value(json_object_get(action_type_id, "category"));
    const char *provider = json_string_value(json_object_get(action_type_id, "provider"));
    const char *version = json_string_value(json_object_get(action_type_id, "version"));
    if (outlen > 0) {
        out[0] = '\0';
    }
    if (!aws_job_part_ok(owner) || !aws_job_part_ok(category) || !aws_job_part_ok(provider) ||
        !aws_job_part_ok(version)) {
        return SLUICE_EINVAL;
    }
    int n = snprintf(out, outlen, "%s/%s/%s/%s", owner, category, provider, version);
    if (n < 0 || (size_t)n >= outlen) {
        if (outlen > 0) {
            out[0] = '\0';
        }
        return SLUICE_ETOOBIG;
    }
    return 0;
}

/* The artifact store (ArtifactStore object) a job's artifacts live in, or NULL. */
static const json_t *aws_job_store(const json_t *definition, const char *region)
{
    const json_t *pipeline = json_object_get(definition, "pipeline");
    const json_t *store = json_object_get(pipeline, "artifactStore");
    if (json_is_object(store)) {
        return store;
    }
    json_t *stores = json_object_get(pipeline, "artifactStores");
    if (!json_is_object(stores)) {
        return NULL;
    }
    if (region != NULL && json_is_object(json_object_get(stores, region))) {
        return json_object_get(stores, region);
    }
    const char *key;
    json_t *value;
    json_object_foreach(stores, key, value)
    {
        if (json_is_object(value)) {
            return value;
        }
    }
    return NULL;
}

/* The first n characters (UTF-8 code points) of s as a byte length. */
static int aws_job_prefix_len(const char *s, size_t chars)
{
    size_t i = 0;
    size_t seen = 0;
    while (s[i] != '\0') {
        if ((((unsigned char)s[i]) & 0xC0) != 0x80) {
            if (seen == chars) {
                break;
            }
            seen++;
        }
        i++;
    }
    return (int)i;
}

static json_t *aws_job_location(const char *bucket, const char *key)
{
    return json_pack("{s:s, s:{s:s, s:s}}", "type", "S3", "s3Location", "bucketName", bucket,
                     "objectKey", key);
}

static json_t *aws_job_inputs(const json_t *job)
{
    json_t *list = json_array();
    size_t i;
    json_t *item;
    json_array_foreach(json_object_get(job, "inputArtifacts"), i, item)
    {
        const char *name = json_string_value(json_object_get(item, "name"));
        if (name == NULL) {
            continue;
        }
        json_t *artifact = json_pack("{s:s}", "name", name);
        const json_t *loc = json_object_get(item, "s3location");
        const char *bucket = json_string_value(json_object_get(loc, "bucket"));
        const char *key = json_string_value(json_object_get(loc, "key"));
        if (bucket != NULL && key != NULL) {
            json_object_set_new(artifact, "location", aws_job_location(bucket, key));
        }
        json_array_append_new(list, artifact);
    }
    return list;
}

static json_t *aws_job_outputs(const json_t *job, const char *pipeline, const char *job_id,
                               const char *bucket)
{
    json_t *list = json_array();
    size_t i;
    json_t *item;
    json_array_foreach(json_object_get(job, "outputArtifacts"), i, item)
    {
        const char *name = json_string_value(json_object_get(item, "name"));
        if (name == NULL) {
            continue;
        }
        char seed[256];
        char hex[AWS_SIGV4_HEX_LEN + 1];
        int n = snprintf(seed, sizeof seed, "%s:%s", job_id, name);
        aws_sigv4_sha256_hex(seed, n > 0 ? strnlen(seed, sizeof seed) : 0, hex);
        char key[512];
        snprintf(key, sizeof key, "%.*s/%.*s/%.*s",
                 aws_job_prefix_len(pipeline, AWS_JOB_PIPELINE_PREFIX), pipeline,
                 aws_job_prefix_len(name, AWS_JOB_ARTIFACT_PREFIX), name, AWS_JOB_KEY_SUFFIX, hex);
        json_t *artifact =
            json_pack("{s:s, s:o}", "name", name, "location", aws_job_location(bucket, key));
        json_array_append_new(list, artifact);
    }
    return list;
}

static void aws_job_copy(json_t *to, const char *to_key, const json_t *from, const char *key)
{
    json_t *value = json_object_get(from, key);
    if (value != NULL && !json_is_null(value)) {
        json_object_set_new(to, to_key, json_deep_copy(value));
    }
}

json_t *aws_job_record(const json_t *job, const json_t *definition, const char *account,
                       bool queued, const aws_jobcred_keys *job_keys, char *err, size_t errlen)
{
    const char *job_id = json_string_value(json_object_get(job, "jobId"));
    const char *pipeline = json_string_value(json_object_get(job, "pipeline"));
    const json_t *type = json_object_get(job, "actionTypeId");
    char type_key[AWS_JOB_TYPE_KEY_MAX];
    if (job_id == NULL || pipeline == NULL) {
        sluice_error_set(err, errlen, SLUICE_EINVAL, "job document without jobId or pipeline");
        return NULL;
    }
    if (aws_job_type_key(type, type_key, sizeof type_key) != 0) {
        sluice_error_set(err, errlen, SLUICE_EINVAL, "job %s: malformed actionTypeId", job_id);
        return NULL;
    }
    const char *region = json_string_value(json_object_get(job, "region"));
    const json_t *store = aws_job_store(definition, region);
    const char *bucket = json_string_value(json_object_get(store, "location"));
    if (bucket == NULL) {
        bucket = AWS_JOB_DEFAULT_BUCKET;
    }

    json_t *context = json_pack("{s:s}", "pipelineName", pipeline);
    json_t *stage = json_object();
    aws_job_copy(stage, "name", job, "stage");
    json_object_set_new(context, "stage", stage);
    json_t *action = json_object();
    aws_job_copy(action, "name", job, "action");
    aws_job_copy(action, "actionExecutionId", job, "actionExecutionId");
    json_object_set_new(context, "action", action);
    aws_job_copy(context, "pipelineArn", job, "pipelineArn");
    aws_job_copy(context, "pipelineExecutionId", job, "pipelineExecutionId");

    json_t *data = json_object();
    json_object_set_new(data, "actionTypeId", json_deep_copy(type));
    json_t *config = json_object_get(job, "configuration");
    json_object_set_new(data, "actionConfiguration",
                        json_pack("{s:o}", "configuration",
                                  json_is_object(config) ? json_deep_copy(config) : json_object()));
    json_object_set_new(data, "pipelineContext", context);
    json_object_set_new(data, "inputArtifacts", aws_job_inputs(job));
    json_object_set_new(data, "outputArtifacts", aws_job_outputs(job, pipeline, job_id, bucket));
    int64_t deadline_ms = 0;
    const char *deadline = json_string_value(json_object_get(job, "deadline"));
    if (job_keys != NULL && deadline != NULL &&
        sluice_time_parse_rfc3339(deadline, &deadline_ms) == SLUICE_OK) {
        /* the job's credentials expire at its deadline, rounded up to the second; they name
         * the job, its pipeline and (pipelineContext.pipelineExecutionId) its pipeline
         * execution, which the artifact store records with every object they write */
        json_t *cred = aws_jobdata_credentials(job_keys, job_id, data, (deadline_ms + 999) / 1000,
                                               err, errlen);
        if (cred == NULL) {
            json_decref(data);
            return NULL;
        }
        json_object_set_new(data, "artifactCredentials", cred);
    }
    aws_job_copy(data, "continuationToken", job, "continuationToken");
    const json_t *key = json_object_get(store, "encryptionKey");
    if (json_is_object(key)) {
        json_object_set_new(data, "encryptionKey", json_deep_copy(key));
    }

    json_t *record = json_pack("{s:s, s:s, s:s, s:b, s:s}", "id", job_id, "pipeline", pipeline,
                               "actionType", type_key, "queued", queued, "accountId", account);
    if (record == NULL) {
        json_decref(data);
        sluice_error_set(err, errlen, SLUICE_ENOMEM, "out of memory");
        return NULL;
    }
    aws_job_copy(record, "pipelineExecutionId", job, "pipelineExecutionId");
    aws_job_copy(record, "stage", job, "stage");
    aws_job_copy(record, "action", job, "action");
    aws_job_copy(record, "deadline", job, "deadline");
    json_object_set_new(record, "data", data);
    return record;
}

json_t *aws_job_render(const json_t *record, const char *nonce)
{
    json_t *out = json_object();
    aws_job_copy(out, "id", record, "id");
    aws_job_copy(out, "data", record, "data");
    if (nonce != NULL) {
        json_object_set_new(out, "nonce", json_string(nonce));
    }
    aws_job_copy(out, "accountId", record, "accountId");
    return out;
}

json_t *aws_job_output_locations(const json_t *record)
{
    json_t *list = json_array();
    size_t i;
    json_t *item;
    json_array_foreach(json_object_get(json_object_get(record, "data"), "outputArtifacts"), i, item)
    {
        const json_t *s3 = json_object_get(json_object_get(item, "location"), "s3Location");
        const char *name = json_string_value(json_object_get(item, "name"));
        const char *bucket = json_string_value(json_object_get(s3, "bucketName"));
        const char *key = json_string_value(json_object_get(s3, "objectKey"));
        if (name != NULL && bucket != NULL && key != NULL) {
            json_array_append_new(
                list, json_pack("{s:s, s:s, s:s}", "name", name, "bucket", bucket, "key", key));
        }
    }
    return list;
}
