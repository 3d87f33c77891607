/*
 * src_run.c — one Source action job (see src_run.h).
 */
#include "src_run.h"

#include "src_action.h"
#include "src_failure.h"
#include "src_job.h"
#include "src_result.h"
#include "src_revision.h"
#include "src_s3.h"
#include "src_upload.h"
#include "src_zip.h"

#include "sluice/aws_cloneref.h"
#include "sluice/aws_job.h"
#include "sluice/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct src_run_ctx {
    const src_run_env *env;
    src_job job;
    src_failure fail;
} src_run_ctx;

static int src_run_fail(src_run_ctx *ctx, src_failure_type type, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int src_run_fail(src_run_ctx *ctx, src_failure_type type, const char *fmt, ...)
{
    ctx->fail.type = type;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ctx->fail.message, sizeof ctx->fail.message, fmt, ap);
    va_end(ap);
    return -1;
}

/* The revision to fetch: the job's COMMIT_ID, or NULL for the branch head. */
static int src_run_revision(src_run_ctx *ctx, const char **commit)
{
    *commit = NULL;
    if (ctx->job.revision_type == NULL) {
        return 0;
    }
    if (strcmp(ctx->job.revision_type, "COMMIT_ID") != 0) {
        return src_run_fail(ctx, SRC_FAILURE_CONFIGURATION,
                            "The source revision of type %s does not apply to a git source; give "
                            "a COMMIT_ID",
                            ctx->job.revision_type);
    }
    if (!src_commit_id_ok(ctx->job.revision_value)) {
        return src_run_fail(ctx, SRC_FAILURE_CONFIGURATION,
                            "The source revision \"%.100s\" is not a full commit id (40 or 64 "
                            "lowercase hex digits)",
                            ctx->job.revision_value);
    }
    *commit = ctx->job.revision_value;
    return 0;
}

/* True when the worker can clone target's remote as it is: no credentials, no ssh. */
static bool src_run_clonable(const src_target *target)
{
    const src_credentials *c = target->credentials;
    if (target->kind == SRC_REMOTE_SSH) {
        return false;
    }
    return c == NULL || (c->username[0] == '\0' && c->password == NULL &&
                         c->password_file[0] == '\0' && c->ssh_key_file[0] == '\0');
}

/* The CODEBUILD_CLONE_REF artifact of commit: a zip of AWS_CLONEREF_FILE. */
static int src_run_clone_ref(const src_target *target, const char *commit, const char *zip,
                             int64_t *bytes, char *err, size_t errlen)
{
    aws_cloneref ref;
    memset(&ref, 0, sizeof ref);
    const char *repository = target->provider == SRC_PROVIDER_CONNECTION
                                 ? target->full_repository_id
                                 : target->repository_name;
    int n1 = snprintf(ref.url, sizeof ref.url, "%s", target->url);
    int n2 = snprintf(ref.commit, sizeof ref.commit, "%s", commit);
    int n3 = snprintf(ref.branch, sizeof ref.branch, "%s", target->branch);
    int n4 = snprintf(ref.repository, sizeof ref.repository, "%s", repository);
    if (n1 < 0 || (size_t)n1 >= sizeof ref.url || n2 < 0 || (size_t)n2 >= sizeof ref.commit ||
        n3 < 0 || (size_t)n3 >= sizeof ref.branch || n4 < 0 ||
        (size_t)n4 >= sizeof ref.repository) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                "the clone reference's url, branch or repository is too long");
    }
    char *text = NULL;
    size_t len = 0;
    int rc = aws_cloneref_build(&ref, &text, &len, err, errlen);
    if (rc == 0) {
        rc = src_zip_single(AWS_CLONEREF_FILE, text, len, zip, bytes, err, errlen);
    }
    free(text);
    return rc;
}

static json_t *src_run_git(src_run_ctx *ctx, const src_target *target, const json_t *record,
                           int64_t now_ms, src_run_stats *stats)
{
    const src_run_env *env = ctx->env;
    const char *commit = NULL;
    if (src_run_revision(ctx, &commit) != 0) {
        return NULL;
    }
    if (target->format == SRC_FORMAT_CLONE_REF && !src_run_clonable(target)) {
        src_run_fail(ctx, SRC_FAILURE_CONFIGURATION,
                     "OutputArtifactFormat CODEBUILD_CLONE_REF needs a remote the worker can "
                     "clone without credentials (an absolute path, file:// or a public http(s) "
                     "URL); %s is %s; use CODE_ZIP",
                     target->url,
                     target->kind == SRC_REMOTE_SSH ? "an ssh remote"
                                                    : "declared with credentials");
        return NULL;
    }
    json_t *outputs = aws_job_output_locations(record);
    json_t *out0 = json_array_get(outputs, 0);
    const char *bucket = json_string_value(json_object_get(out0, "bucket"));
    const char *key = json_string_value(json_object_get(out0, "key"));
    json_t *cred = json_object_get(json_object_get(record, "data"), "artifactCredentials");
    if (bucket == NULL || key == NULL) {
        json_decref(outputs);
        src_run_fail(ctx, SRC_FAILURE_CONFIGURATION,
                     "The action declares no output artifact to hold the source; add one");
        return NULL;
    }
    if (!json_is_object(cred)) {
        json_decref(outputs);
        src_run_fail(ctx, SRC_FAILURE_SYSTEM_UNAVAILABLE,
                     "The job carries no deadline, so no artifact credentials can be minted for "
                     "its output");
        return NULL;
    }
    src_git_remote remote = {target->url, target->kind, target->credentials};
    char resolved[SRC_COMMIT_ID_MAX + 1];
    char mirror[SRC_GIT_PATH_MAX];
    src_commit info;
    if (src_git_fetch(env->git, &remote, target->branch, commit, resolved, mirror, &ctx->fail) !=
            0 ||
        src_git_commit_info(env->git, mirror, resolved, &info, &ctx->fail) != 0) {
        json_decref(outputs);
        return NULL;
    }
    char tar[SRC_GIT_PATH_MAX], zip[SRC_GIT_PATH_MAX];
    snprintf(tar, sizeof tar, "%s/%s.tar", env->work_dir, ctx->job.job_id);
    snprintf(zip, sizeof zip, "%s/%s.zip", env->work_dir, ctx->job.job_id);
    unlink(tar);
    unlink(zip);
    json_t *result = NULL;
    int64_t bytes = 0;
    char err[512] = "";
    int rc;
    if (target->format == SRC_FORMAT_CLONE_REF) {
        rc = src_run_clone_ref(target, resolved, zip, &bytes, err, sizeof err);
    } else {
        if (src_git_archive(env->git, mirror, resolved, tar, &ctx->fail) != 0) {
            goto done;
        }
        rc = src_zip_from_tar(tar, zip, env->zip_max_bytes, &bytes, err, sizeof err);
        unlink(tar);
    }
    if (rc == SLUICE_ETOOBIG) {
        src_run_fail(ctx, SRC_FAILURE_JOB_FAILED,
                     "The source of commit %s zips to more than %lld bytes; raise "
                     "SLUICE_SOURCE_ZIP_MAX_BYTES or keep large files out of the repository",
                     resolved, (long long)env->zip_max_bytes);
        goto done;
    }
    if (rc != 0) {
        src_run_fail(ctx, SRC_FAILURE_JOB_FAILED, "Packing commit %s failed: %s", resolved, err);
        goto done;
    }
    src_upload_target up = {
        .endpoint = env->artifacts_endpoint,
        .region = env->region,
        .bucket = bucket,
        .key = key,
        .access_key_id = json_string_value(json_object_get(cred, "accessKeyId")),
        .secret_access_key = json_string_value(json_object_get(cred, "secretAccessKey")),
        .session_token = json_string_value(json_object_get(cred, "sessionToken")),
    };
    rc = src_upload_put(env->http, &up, zip, env->zip_max_bytes, now_ms, err, sizeof err);
    if (rc != 0) {
        src_run_fail(ctx,
                     rc == SLUICE_EDENIED ? SRC_FAILURE_PERMISSION : SRC_FAILURE_SYSTEM_UNAVAILABLE,
                     "Storing the source artifact failed: %s", err);
        goto done;
    }
    json_t *vars = src_revision_variables(target, &info);
    json_t *rev = src_revision_document(target, &info);
    char summary[SRC_REVISION_SUMMARY_MAX + 1];
    src_revision_summary(&info, summary, sizeof summary);
    result = src_result_success(ctx->job.job_id, ctx->job.pipeline, outputs, rev, vars, summary);
    json_decref(vars);
    json_decref(rev);
    stats->zip_bytes = bytes;
done:
    unlink(tar);
    unlink(zip);
    json_decref(outputs);
    return result;
}

static json_t *src_run_s3(src_run_ctx *ctx, const src_target *target, const json_t *record,
                          int64_t now_ms, src_run_stats *stats)
{
    (void)now_ms;
    const src_run_env *env = ctx->env;
    const char *version = NULL;
    if (ctx->job.revision_type != NULL) {
        if (strcmp(ctx->job.revision_type, "S3_OBJECT_VERSION_ID") != 0) {
            src_run_fail(ctx, SRC_FAILURE_CONFIGURATION,
                         "The source revision of type %s does not apply to an S3 source; give "
                         "an S3_OBJECT_VERSION_ID",
                         ctx->job.revision_type);
            return NULL;
        }
        if (!src_s3_version_id_ok(ctx->job.revision_value)) {
            src_run_fail(ctx, SRC_FAILURE_CONFIGURATION,
                         "The source revision \"%.100s\" is not an S3 version id",
                         ctx->job.revision_value);
            return NULL;
        }
        version = ctx->job.revision_value;
    }
    if (env->s3 == NULL || env->s3_key == NULL) {
        src_run_fail(ctx, SRC_FAILURE_CONFIGURATION,
                     "sluice-source has no key of the artifact store to read s3://%s/%s with; "
                     "set SLUICE_SOURCE_S3_KEY_FILE",
                     target->bucket, target->key);
        return NULL;
    }
    json_t *outputs = aws_job_output_locations(record);
    json_t *out0 = json_array_get(outputs, 0);
    const char *bucket = json_string_value(json_object_get(out0, "bucket"));
    const char *key = json_string_value(json_object_get(out0, "key"));
    json_t *cred = json_object_get(json_object_get(record, "data"), "artifactCredentials");
    if (bucket == NULL || key == NULL || !json_is_object(cred)) {
        json_decref(outputs);
        src_run_fail(ctx,
                     bucket == NULL || key == NULL ? SRC_FAILURE_CONFIGURATION
                                                   : SRC_FAILURE_SYSTEM_UNAVAILABLE,
                     bucket == NULL || key == NULL
                         ? "The action declares no output artifact to hold the source; add one"
                         : "The job carries no deadline, so no artifact credentials can be "
                           "minted for its output");
        return NULL;
    }
    http_client_response got;
    char err[512] = "";
    int rc = aws_s3_get_version(env->s3, env->s3_key, target->bucket, target->key, version, &got,
                                err, sizeof err);
    if (rc != 0) {
        src_s3_failure(rc, &got, target->bucket, target->key, version, env->zip_max_bytes, err,
                       &ctx->fail.type, ctx->fail.message, sizeof ctx->fail.message);
        http_client_response_free(&got);
        json_decref(outputs);
        return NULL;
    }
    if ((int64_t)got.body.len > env->zip_max_bytes) {
        src_s3_failure(SLUICE_ETOOBIG, &got, target->bucket, target->key, version,
                       env->zip_max_bytes, "", &ctx->fail.type, ctx->fail.message,
                       sizeof ctx->fail.message);
        http_client_response_free(&got);
        json_decref(outputs);
        return NULL;
    }
    const char *got_version = http_client_response_header(&got, "x-amz-version-id");
    const char *etag = http_client_response_header(&got, "ETag");
    aws_s3_cred job = {
        .access_key_id = json_string_value(json_object_get(cred, "accessKeyId")),
        .secret_access_key = json_string_value(json_object_get(cred, "secretAccessKey")),
        .session_token = json_string_value(json_object_get(cred, "sessionToken")),
    };
    json_t *result = NULL;
    if (job.access_key_id == NULL || job.secret_access_key == NULL) {
        src_run_fail(ctx, SRC_FAILURE_SYSTEM_UNAVAILABLE,
                     "The job's artifact credentials are incomplete");
    } else if ((rc = aws_s3_put(env->s3, &job, bucket, key,
                                got.body.data != NULL ? got.body.data : "", got.body.len, err,
                                sizeof err)) != 0) {
        src_run_fail(ctx,
                     rc == SLUICE_EDENIED ? SRC_FAILURE_PERMISSION : SRC_FAILURE_SYSTEM_UNAVAILABLE,
                     "Storing the source artifact failed: %s", err);
    } else {
        json_t *vars = src_s3_variables(etag, got_version);
        char summary[SRC_S3_DETAIL_MAX + 96];
        json_t *rev = src_s3_revision_document(
            target->bucket, target->key, got_version,
            src_s3_http_date(http_client_response_header(&got, "Last-Modified")), summary,
            sizeof summary);
        result =
            src_result_success(ctx->job.job_id, ctx->job.pipeline, outputs, rev, vars, summary);
        json_decref(vars);
        json_decref(rev);
        stats->zip_bytes = (int64_t)got.body.len;
    }
    http_client_response_free(&got);
    json_decref(outputs);
    return result;
}

json_t *src_run_job(const src_run_env *env, const json_t *doc, const json_t *definition,
                    int64_t now_ms, src_run_stats *stats)
{
    src_run_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.env = env;
    char err[512] = "";
    int rc = src_job_read(doc, &ctx.job, err, sizeof err);
    if (rc == SLUICE_ENOTFOUND) {
        return NULL;
    }
    memset(stats, 0, sizeof *stats);
    const char *job_id = json_string_value(json_object_get(doc, "jobId"));
    const char *pipeline = json_string_value(json_object_get(doc, "pipeline"));
    if (rc != 0) {
        /* a job that cannot be read cannot be answered unless it names itself */
        stats->failure_type = src_result_failure_name(SRC_FAILURE_JOB_FAILED);
        return src_result_failure(job_id, pipeline, SRC_FAILURE_JOB_FAILED, err);
    }
    json_t *result = NULL;
    json_t *record = NULL;
    src_target target;
    if (definition == NULL) {
        src_run_fail(&ctx, SRC_FAILURE_SYSTEM_UNAVAILABLE,
                     "The definition of pipeline %s could not be read; the job is tried again "
                     "when the pipeline is started again",
                     ctx.job.pipeline);
        goto out;
    }
    record = aws_job_record(doc, definition, env->account, false, env->job_keys, err, sizeof err);
    if (record == NULL) {
        src_run_fail(&ctx, SRC_FAILURE_JOB_FAILED, "The job cannot be prepared: %s", err);
        goto out;
    }
    if (src_action_resolve(env->repos, ctx.job.action_type_id, ctx.job.configuration, &target, err,
                           sizeof err) != 0) {
        src_run_fail(&ctx, SRC_FAILURE_CONFIGURATION, "%s", err);
        goto out;
    }
    result = target.provider == SRC_PROVIDER_S3 ? src_run_s3(&ctx, &target, record, now_ms, stats)
                                                : src_run_git(&ctx, &target, record, now_ms, stats);
out:
    json_decref(record);
    if (result != NULL) {
        stats->succeeded = true;
        return result;
    }
    stats->failure_type = src_result_failure_name(ctx.fail.type);
    return src_result_failure(ctx.job.job_id, ctx.job.pipeline, ctx.fail.type, ctx.fail.message);
}
