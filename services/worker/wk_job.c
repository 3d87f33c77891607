/*
 * wk_job.c — one job from claim to result (see wk_job.h).
 */
#define _GNU_SOURCE /* nftw, renameat2 */
#include "wk_job.h"

#include "wk_archive.h"
#include "wk_buildspec.h"
#include "wk_clone.h"
#include "wk_codebuild.h"
#include "wk_deploy.h"
#include "wk_exec.h"
#include "wk_lambda.h"
#include "wk_log.h"
#include "wk_plan.h"
#include "wk_result.h"
#include "wk_s3deploy.h"
#include "wk_user.h"

#include "sluice/aws_job.h"
#include "sluice/buf.h"
#include "sluice/error.h"
#include "sluice/fs.h"
#include "sluice/log.h"
#include "sluice/state_key.h"
#include "sluice/time.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <hiredis/hiredis.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define WK_JOB_ERR_MAX 2048

/* ---- the workspace ----------------------------------------------------------------------- */

static int wk_job_unlock_cb(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)ftw;
    if (flag == FTW_D && (st->st_mode & 0700) != 0700) {
        (void)chmod(path, st->st_mode | 0700); /* so its entries can be removed */
    }
    return 0;
}

static int wk_job_remove_cb(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    int r = (flag == FTW_DP) ? rmdir(path) : unlink(path);
    return r == 0 || errno == ENOENT ? 0 : -1;
}

int wk_job_remove_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0) {
        return errno == ENOENT ? 0 : SLUICE_EIO;
    }
    (void)nftw(path, wk_job_unlock_cb, 16, FTW_PHYS);
    return nftw(path, wk_job_remove_cb, 16, FTW_DEPTH | FTW_PHYS) == 0 ? 0 : SLUICE_EIO;
}

static int wk_job_mkdir(const char *path, char *err, size_t errlen)
{
    if (mkdir(path, 0700) != 0 && errno != EEXIST) {
        return sluice_error_set(err, errlen, SLUICE_EIO, "cannot create %s: %s", path,
                                strerror(errno));
    }
    return 0;
}

static int wk_job_workspace(const wk_plan *plan, char *err, size_t errlen)
{
    char src[WK_PLAN_WORKSPACE_MAX + 8];
    snprintf(src, sizeof src, "%s/src", plan->workspace);
    if (wk_job_remove_tree(plan->workspace) != 0) {
        return sluice_error_set(err, errlen, SLUICE_EIO, "cannot clear the workspace %s",
                                plan->workspace);
    }
    int rc = wk_job_mkdir(plan->workspace, err, errlen);
    rc = rc ? rc : wk_job_mkdir(src, err, errlen);
    rc = rc ? rc : wk_job_mkdir(plan->home_dir, err, errlen);
    rc = rc ? rc : wk_job_mkdir(plan->tmp_dir, err, errlen);
    rc = rc ? rc : wk_job_mkdir(plan->run_dir, err, errlen);
    rc = rc ? rc : wk_job_mkdir(plan->src_dir, err, errlen);
    for (size_t i = 0; rc == 0 && i < plan->ninputs; i++) {
        rc = wk_job_mkdir(plan->inputs[i].dir, err, errlen);
    }
    return rc;
}

/* ---- output sinks ------------------------------------------------------------------------- */

/* The job's log: run/log on disk and the tail kept for the failure message. */
typedef struct wk_job_log {
    int fd;
    uint64_t written;
    uint64_t max;
    char tail[WK_RESULT_TAIL_MAX];
    size_t tail_len;
    wk_log *stream; /* the log in the artifact store (wk_log.h), or NULL */
} wk_job_log;

static bool wk_job_log_sink(void *ctx, const char *data, size_t n)
{
    wk_job_log *log = ctx;
    if (log->written + n > log->max) {
        return false;
    }
    log->written += n;
    if (log->fd >= 0) {
        (void)!write(log->fd, data, n);
    }
    wk_log_write(log->stream, data, n);
    if (n >= sizeof log->tail) {
        memcpy(log->tail, data + n - sizeof log->tail, sizeof log->tail);
        log->tail_len = sizeof log->tail;
    } else {
        size_t keep = sizeof log->tail - n;
        if (log->tail_len > keep) {
            memmove(log->tail, log->tail + (log->tail_len - keep), keep);
            log->tail_len = keep;
        }
        memcpy(log->tail + log->tail_len, data, n);
        log->tail_len += n;
    }
    return true;
}

static bool wk_job_buf_sink(void *ctx, const char *data, size_t n)
{
    return sluice_buf_append(ctx, data, n) == 0;
}

/* ---- the steps ---------------------------------------------------------------------------- */

typedef struct wk_job_ctx {
    wk_slot *slot;
    const wk_config *cfg;
    json_t *job;
    json_t *record;
    wk_plan *plan;
    aws_s3_cred cred;
    wk_job_log log;
    wk_result_outcome outcome;
    json_t *variables;
    wk_codebuild *build; /* CodeBuild actions */
    size_t build_output;
    char summary[WK_DEPLOY_KEY_MAX + WK_DEPLOY_PATH_MAX + 256];
    char reason[WK_JOB_ERR_MAX];
    int64_t started_mono;
    char log_url[WK_LOG_URL_MAX];
    char masked_tail[WK_RESULT_TAIL_MAX];
    bool invoked;          /* a function took the job: it answers through the api, not the worker */
    wk_deploy_store store; /* S3 deploys into the artifact store */
} wk_job_ctx;

/* The identity the commands take (wk_user.h), or NULL: the worker's own. */
static const wk_exec_ident *wk_job_ident(const wk_job_ctx *c)
{
    const wk_user *user = &c->slot->service->run_as;
    return user->switch_to ? &user->ident : NULL;
}

/*
 * Opens the job's log in the artifact store (wk_log.h) for a plan that runs
 * commands; without it (not configured, or it could not be opened: logged)
 * the job runs on.
 */
static void wk_job_log_open(wk_job_ctx *c)
{
    const wk_plan *plan = c->plan;
    if (c->cfg->logs_bucket[0] == '\0' || plan->kind == WK_PLAN_DEPLOY || plan->run_id == NULL) {
        return;
    }
    char title[600];
    snprintf(title, sizeof title, "%s %s of stage %s, pipeline %s, execution %s",
             plan->kind == WK_PLAN_RULE ? "rule" : "action", plan->name, plan->stage,
             plan->pipeline, plan->execution_id != NULL ? plan->execution_id : "-");
    wk_log_params params = {
        .endpoint = c->cfg->artifacts_endpoint,
        .region = c->cfg->region,
        .url_base = c->cfg->logs_url,
        .bucket = c->cfg->logs_bucket,
        .prefix = c->cfg->logs_prefix,
        .pipeline = plan->pipeline,
        .execution_id = plan->execution_id,
        .job_id = plan->job_id,
        .run_id = plan->run_id,
        .title = title,
        .keys = c->slot->service->job_keys,
        .expires_s = sluice_time_now_ms() / 1000 + plan->timeout_ms / 1000 + WK_LOG_GRACE_S,
        .max_bytes = (uint64_t)c->cfg->log_stored_max_bytes,
        .flush_ms = c->cfg->log_flush_ms,
    };
    char err[WK_JOB_ERR_MAX] = "";
    if (wk_log_open(&params, &c->log.stream, err, sizeof err) != 0) {
        SLUICE_WARN("job %s: its log is not stored: %s", plan->job_id, err);
        return;
    }
    wk_log_secrets(c->log.stream, (const char *const *)plan->secrets, plan->nsecrets);
    snprintf(c->log_url, sizeof c->log_url, "%s", wk_log_url(c->log.stream));
}

/* Ends the stored log with the outcome: the first line of the failure message, masked. */
static void wk_job_log_outcome(wk_job_ctx *c)
{
    char line[WK_RESULT_MESSAGE_MAX + 64];
    int n = 0;
    if (c->outcome.end == WK_RESULT_SUCCEEDED) {
        n = snprintf(line, sizeof line, "[sluice] the %s succeeded\n",
                     c->plan->kind == WK_PLAN_RULE ? "rule" : "action");
    } else {
        char message[WK_RESULT_MESSAGE_MAX + 1];
        wk_result_outcome first = c->outcome;
        first.log_tail = NULL; /* the lines are in the log already */
        first.log_tail_len = 0;
        wk_result_message(c->plan, &first, message, sizeof message);
        message[strcspn(message, "\n")] = '\0';
        n = snprintf(line, sizeof line, "[sluice] the %s failed: %s\n",
                     c->plan->kind == WK_PLAN_RULE ? "rule" : "action", message);
    }
    if (n > 0) {
        wk_log_end_line(c->log.stream);
        wk_log_write(c->log.stream, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
    }
}

/* The definition document of the job's pipelineVersion, or NULL (the pipeline is gone). */
static json_t *wk_job_definition(wk_slot *slot, const char *pipeline, const json_t *job)
{
    json_int_t version = json_integer_value(json_object_get(job, "pipelineVersion"));
    char suffix[64];
    char key[STATE_KEY_MAX + 1];
    snprintf(suffix, sizeof suffix, "%s:v%" JSON_INTEGER_FORMAT, STATE_KEY_DEFINITION, version);
    if (version <= 0 || state_key_build(key, sizeof key, pipeline, suffix) != 0) {
        return NULL;
    }
    const char *argv[] = {"GET", key};
    redisReply *reply = NULL;
    if (state_redis_commandv(slot->redis, STATE_REDIS_RETRY, 2, argv, NULL, &reply) != 0) {
        return NULL;
    }
    json_t *doc = NULL;
    if (reply->type == REDIS_REPLY_STRING) {
        doc = json_loadb(reply->str, reply->len, 0, NULL);
    }
    freeReplyObject(reply);
    return doc;
}

/*
 * The job document aws_job_record reads: a rule's job names its ruleTypeId,
 * rule and ruleExecutionId where an action's names actionTypeId, action and
 * actionExecutionId. A new reference.
 */
static json_t *wk_job_as_action(json_t *job)
{
    json_t *copy = json_copy(job);
    json_t *rule_type = json_object_get(job, "ruleTypeId");
    if (copy != NULL && rule_type != NULL) {
        json_object_set(copy, "actionTypeId", rule_type);
        json_object_set(copy, "action", json_object_get(job, "rule"));
        json_object_set(copy, "actionExecutionId", json_object_get(job, "ruleExecutionId"));
        json_object_del(copy, "outputArtifacts");
    }
    return copy;
}

static void wk_job_fail(wk_job_ctx *c, wk_result_end end, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void wk_job_fail(wk_job_ctx *c, wk_result_end end, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->reason, sizeof c->reason, fmt, ap);
    va_end(ap);
    c->outcome.end = end;
    c->outcome.reason = c->reason;
}

/* The value of NAME in the plan's environment, or NULL. */
static const char *wk_job_env_value(const wk_plan *plan, const char *name)
{
    size_t n = strlen(name);
    for (char *const *e = plan->env; e != NULL && *e != NULL; e++) {
        if (strncmp(*e, name, n) == 0 && (*e)[n] == '=') {
            return *e + n + 1;
        }
    }
    return NULL;
}

/*
 * Input i is a CODEBUILD_CLONE_REF reference (wk_clone.h): a CodeBuild
 * action clones it into the input's directory and checks the commit out;
 * any other action cannot use it (CodePipeline's rule).
 */
static bool wk_job_clone(wk_job_ctx *c, size_t i, uint64_t *unpacked)
{
    wk_plan *plan = c->plan;
    const wk_plan_input *in = &plan->inputs[i];
    if (plan->kind != WK_PLAN_CODEBUILD) {
        wk_job_fail(c, WK_RESULT_CONFIGURATION,
                    "input artifact %s is a CODEBUILD_CLONE_REF reference, which only an "
                    "AWS/CodeBuild action can use; set the source action's OutputArtifactFormat "
                    "to CODE_ZIP",
                    in->name);
        return false;
    }
    char err[WK_JOB_ERR_MAX] = "";
    aws_cloneref ref;
    int rc = wk_clone_read(in->dir, &ref, err, sizeof err);
    if (rc != 0) {
        wk_job_fail(c, rc == SLUICE_EIO ? WK_RESULT_SYSTEM : WK_RESULT_JOB_FAILED,
                    "input artifact %s: the clone reference cannot be used: %s", in->name, err);
        return false;
    }
    char banner[AWS_CLONEREF_URL_MAX + 200];
    int len = snprintf(banner, sizeof banner, "[sluice] input %s: cloning %s at commit %s\n",
                       in->name, ref.url, ref.commit);
    (void)wk_job_log_sink(&c->log, banner,
                          len > 0 && (size_t)len < sizeof banner ? (size_t)len : strlen(banner));
    const char *path = wk_job_env_value(plan, "PATH");
    wk_clone_run run = {
        .path = path != NULL ? path : WK_PLAN_DEFAULT_PATH,
        .home = plan->home_dir,
        .deadline_ms = c->started_mono + plan->timeout_ms,
        .stop = &c->slot->abort,
        .sink = wk_job_log_sink,
        .sink_ctx = &c->log,
    };
    rc = wk_clone_checkout(&ref, in->dir, &run, err, sizeof err);
    wk_log_end_line(c->log.stream);
    if (rc != 0) {
        wk_job_fail(c,
                    rc == SLUICE_EINVAL || rc == SLUICE_ETIMEDOUT ? WK_RESULT_JOB_FAILED
                    : rc == SLUICE_ENOTFOUND                      ? WK_RESULT_CONFIGURATION
                                                                  : WK_RESULT_SYSTEM,
                    "input artifact %s: %s", in->name, err);
        return false;
    }
    *unpacked += wk_clone_tree_bytes(in->dir);
    if (*unpacked > (uint64_t)c->cfg->unpacked_max_bytes) {
        wk_job_fail(c, WK_RESULT_JOB_FAILED,
                    "input artifact %s: the clone of %s takes the input artifacts over %lld "
                    "bytes (SLUICE_WORKER_UNPACKED_MAX_BYTES)",
                    in->name, ref.url, (long long)c->cfg->unpacked_max_bytes);
        return false;
    }
    if (i == 0 && wk_plan_set_env(plan, "CODEBUILD_RESOLVED_SOURCE_VERSION", ref.commit) != 0) {
        wk_job_fail(c, WK_RESULT_SYSTEM, "out of memory");
        return false;
    }
    return true;
}

static bool wk_job_inputs(wk_job_ctx *c)
{
    const wk_plan *plan = c->plan;
    uint64_t unpacked = 0;
    for (size_t i = 0; i < plan->ninputs; i++) {
        const wk_plan_input *in = &plan->inputs[i];
        char err[WK_JOB_ERR_MAX] = "";
        http_client_response resp;
        int rc = aws_s3_get(&c->slot->s3, &c->cred, in->bucket, in->key, &resp, err, sizeof err);
        if (rc == 0) {
            rc = wk_archive_unpack(resp.body.data != NULL ? resp.body.data : "", resp.body.len,
                                   in->dir, (uint64_t)c->cfg->unpacked_max_bytes, &unpacked, err,
                                   sizeof err);
            http_client_response_free(&resp);
            if (rc != 0) {
                wk_job_fail(c, rc == SLUICE_EIO ? WK_RESULT_SYSTEM : WK_RESULT_JOB_FAILED,
                            "input artifact %s cannot be unpacked: %s", in->name, err);
                return false;
            }
            if (wk_clone_is_ref(in->dir) && !wk_job_clone(c, i, &unpacked)) {
                return false;
            }
            continue;
        }
        http_client_response_free(&resp);
        wk_job_fail(c,
                    rc == SLUICE_ENOTFOUND || rc == SLUICE_EDENIED || rc == SLUICE_ETOOBIG
                        ? WK_RESULT_JOB_FAILED
                        : WK_RESULT_SYSTEM,
                    "input artifact %s cannot be read: %s", in->name, err);
        return false;
    }
    return true;
}

typedef enum wk_job_step {
    WK_JOB_STEP_OK = 0, /* every command succeeded */
    WK_JOB_STEP_FAILED, /* a command failed: the outcome says which (the first failure) */
    WK_JOB_STEP_END,    /* the job ends now: timeout, stop, output bound, a system failure */
} wk_job_step;

/*
 * Runs commands (n) one by one, stopping at the first that fails. phase
 * (NULL for Commands actions) names them in messages. The outcome is set by
 * the first failure of the job only.
 */
static wk_job_step wk_job_run_list(wk_job_ctx *c, const char *phase, const char *const *commands,
                                   size_t n)
{
    const wk_plan *plan = c->plan;
    int64_t deadline = c->started_mono + plan->timeout_ms;
    bool first = c->outcome.end == WK_RESULT_SUCCEEDED;
    wk_log_secrets(c->log.stream, (const char *const *)plan->secrets, plan->nsecrets);
    for (size_t i = 0; i < n; i++) {
        const char *argv[8];
        wk_plan_argv(plan, 0, argv);
        argv[6] = commands[i];
        char banner[160];
        int len = snprintf(banner, sizeof banner, "[sluice] %s%scommand %zu of %zu\n",
                           phase != NULL ? phase : "", phase != NULL ? ": " : "", i + 1, n);
        (void)wk_job_log_sink(&c->log, banner, (size_t)len);
        wk_exec_result res;
        char err[512] = "";
        int rc = wk_exec_run_as(argv, plan->env, plan->src_dir, deadline, &c->slot->abort,
                                wk_job_ident(c), wk_job_log_sink, &c->log, &res, err, sizeof err);
        wk_log_end_line(c->log.stream);
        if (rc != 0) {
            wk_job_fail(c, WK_RESULT_SYSTEM, "command %zu of %zu could not be started: %s", i + 1,
                        n, err);
            return WK_JOB_STEP_END;
        }
        if (res.end == WK_EXEC_EXITED && res.exit_code == 0 && res.signal == 0) {
            continue;
        }
        if (first || res.end != WK_EXEC_EXITED) {
            c->outcome.command = i;
            c->outcome.phase = phase;
            c->outcome.commands = commands;
            c->outcome.ncommands = n;
        }
        switch (res.end) {
        case WK_EXEC_EXITED:
            if (first) {
                c->outcome.end = WK_RESULT_COMMAND_FAILED;
                c->outcome.exit_code = res.exit_code;
                c->outcome.signal = res.signal;
            }
            return WK_JOB_STEP_FAILED;
        case WK_EXEC_TIMED_OUT:
            c->outcome.end = WK_RESULT_TIMED_OUT;
            return WK_JOB_STEP_END;
        case WK_EXEC_OVERFLOW:
            wk_job_fail(c, WK_RESULT_JOB_FAILED,
                        "command %zu of %zu wrote more than the %" PRId64
                        " bytes of output a job may write",
                        i + 1, n, c->cfg->log_max_bytes);
            return WK_JOB_STEP_END;
        case WK_EXEC_STOPPED:
            wk_job_fail(c, WK_RESULT_SYSTEM,
                        "command %zu of %zu was stopped: the worker shut down or lost the job",
                        i + 1, n);
            return WK_JOB_STEP_END;
        }
    }
    return WK_JOB_STEP_OK;
}

static bool wk_job_commands(wk_job_ctx *c)
{
    return wk_job_run_list(c, NULL, c->plan->commands, c->plan->ncommands) == WK_JOB_STEP_OK;
}

/* ---- CodeBuild ------------------------------------------------------------------------------ */

/* Reads the build project, the buildspec, and completes the plan. */
static bool wk_job_codebuild_prepare(wk_job_ctx *c)
{
    const json_t *config = json_object_get(c->plan->job, "configuration");
    const char *name = json_string_value(json_object_get(config, "ProjectName"));
    const json_t *projects = c->slot->service->projects;
    const json_t *project = NULL;
    if (projects != NULL) {
        project = name != NULL ? json_object_get(projects, name) : NULL;
        if (project == NULL) {
            wk_job_fail(c, WK_RESULT_CONFIGURATION,
                        "build project %s is not configured on this worker",
                        name != NULL ? name : "(no ProjectName)");
            return false;
        }
    }
    const char *inline_text = NULL;
    const char *path = NULL;
    char err[WK_JOB_ERR_MAX] = "";
    if (wk_codebuild_buildspec_source(project, &inline_text, &path, err, sizeof err) != 0) {
        wk_job_fail(c, WK_RESULT_CONFIGURATION, "%s", err);
        return false;
    }
    sluice_buf text;
    sluice_buf_init(&text, WK_BUILDSPEC_MAX_BYTES + 1);
    int rc = 0;
    if (inline_text != NULL) {
        rc = sluice_buf_append_str(&text, inline_text);
    } else {
        char full[WK_PLAN_WORKSPACE_MAX + 1200];
        snprintf(full, sizeof full, "%s/%s", c->plan->src_dir, path);
        rc = sluice_fs_read_file(full, &text);
        if (rc != 0) {
            sluice_buf_free(&text);
            wk_job_fail(c, WK_RESULT_JOB_FAILED,
                        "%s: the primary source artifact has no readable buildspec (%s)", path,
                        rc == SLUICE_ETOOBIG ? "too large" : "not found");
            return false;
        }
    }
    json_t *spec = NULL;
    if (rc == 0) {
        rc = wk_buildspec_parse(text.data != NULL ? text.data : "", text.len, &spec, err,
                                sizeof err);
    }
    sluice_buf_free(&text);
    if (rc != 0) {
        wk_job_fail(c, WK_RESULT_JOB_FAILED, "%s: %s",
                    inline_text != NULL ? "the project's buildspec" : path, err);
        return false;
    }
    wk_plan_params params = {.secret = wk_service_secret, .secret_ctx = c->slot->service};
    rc = wk_codebuild_new(c->plan, spec, project, &params, &c->build, err, sizeof err);
    const json_t *notes = json_object_get(spec, "notes");
    size_t i;
    json_t *note;
    json_array_foreach(notes, i, note)
    {
        char line[600];
        int n = snprintf(line, sizeof line, "[sluice] %s\n", json_string_value(note));
        (void)wk_job_log_sink(&c->log, line, (size_t)n);
    }
    json_decref(spec);
    if (rc != 0) {
        wk_job_fail(c, WK_RESULT_CONFIGURATION, "%s", err);
        return false;
    }
    return true;
}

/*
 * The phases, as CodeBuild runs them: a phase's commands stop at the first
 * failure, its finally commands run after them either way; after a failed
 * phase with on-failure ABORT the later phases are skipped, except
 * post_build after a failed build (with CODEBUILD_BUILD_SUCCEEDING=0);
 * with CONTINUE the next phase runs and the build still fails.
 */
static bool wk_job_codebuild_run(wk_job_ctx *c)
{
    const wk_codebuild *build = c->build;
    bool failed = false;
    bool aborted = false;
    int failed_phase = -1;
    for (int i = 0; i < WK_CODEBUILD_PHASES; i++) {
        const wk_codebuild_phase *ph = &build->phases[i];
        if (!ph->present) {
            continue;
        }
        bool post_build_after_build = i == 3 && failed_phase == 2;
        if (aborted && !post_build_after_build) {
            continue;
        }
        if (failed) {
            /* the file is the commands' (wk_user.h): never followed through a link */
            int fd = open(c->plan->env_file, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
                          0600);
            if (fd >= 0) {
                static const char line[] = "export CODEBUILD_BUILD_SUCCEEDING='0'\n";
                (void)!write(fd, line, sizeof line - 1);
                close(fd);
            }
        }
        wk_job_step step = wk_job_run_list(c, ph->label, ph->commands, ph->ncommands);
        if (step == WK_JOB_STEP_END) {
            return false;
        }
        wk_job_step fin = ph->nfinally > 0
                              ? wk_job_run_list(c, ph->finally_label, ph->finally, ph->nfinally)
                              : WK_JOB_STEP_OK;
        if (fin == WK_JOB_STEP_END) {
            return false;
        }
        if (step == WK_JOB_STEP_FAILED || fin == WK_JOB_STEP_FAILED) {
            failed = true;
            if (failed_phase < 0) {
                failed_phase = i;
            }
            if (!ph->on_failure_continue) {
                aborted = true;
            }
        }
    }
    return !failed;
}

/* ---- S3 deploy to a directory ------------------------------------------------------------ */

/* mkdir -p of path's parent directories (not path itself). */
static int wk_job_mkdir_parents(const char *path, char *err, size_t errlen)
{
    char buf[WK_DEPLOY_PATH_MAX];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p != '\0'; p++) {
        if (*p == '/') {
            *p = '\0';
            if (mkdir(buf, 0755) != 0 && errno != EEXIST) {
                return sluice_error_set(err, errlen, SLUICE_EIO, "cannot create %s: %s", buf,
                                        strerror(errno));
            }
            *p = '/';
        }
    }
    return 0;
}

/* Swaps staging in as target: atomically when target exists (RENAME_EXCHANGE). */
static int wk_job_swap_in(const char *staging, const char *target, char *err, size_t errlen)
{
    if (renameat2(AT_FDCWD, staging, AT_FDCWD, target, RENAME_EXCHANGE) == 0) {
        (void)wk_job_remove_tree(staging); /* now the previous deployment */
        return 0;
    }
    if (errno == ENOENT && rename(staging, target) == 0) {
        return 0; /* the first deployment */
    }
    return sluice_error_set(err, errlen, SLUICE_EIO, "cannot put the deployment in place at %s: %s",
                            target, strerror(errno));
}

/* An S3 deploy into a bucket of the artifact store (wk_s3deploy.h). */
static bool wk_job_deploy_store(wk_job_ctx *c)
{
    const wk_plan *plan = c->plan;
    if (plan->ninputs != 1) {
        wk_job_fail(c, WK_RESULT_CONFIGURATION, "an S3 deploy takes exactly one input artifact");
        return false;
    }
    char dir[WK_PLAN_WORKSPACE_MAX + 16];
    snprintf(dir, sizeof dir, "%s/deploy", plan->workspace);
    char err[WK_JOB_ERR_MAX] = "";
    if (wk_job_mkdir(dir, err, sizeof err) != 0) {
        wk_job_fail(c, WK_RESULT_SYSTEM, "%s", err);
        return false;
    }
    wk_s3deploy_params params = {
        .s3 = &c->slot->s3,
        .job_cred = &c->cred,
        .deploy_cred = &c->slot->service->deploy_cred,
        .target = &c->store,
        .job_id = plan->job_id,
        .input_name = plan->inputs[0].name,
        .input_bucket = plan->inputs[0].bucket,
        .input_key = plan->inputs[0].key,
        .dir = dir,
        .unpacked_max = (uint64_t)c->cfg->unpacked_max_bytes,
        .object_max_bytes = (size_t)c->cfg->artifact_max_bytes,
    };
    wk_result_end end = WK_RESULT_SYSTEM;
    if (wk_s3deploy_run(&params, c->summary, sizeof c->summary, &end, err, sizeof err) != 0) {
        wk_job_fail(c, end, "%s", err);
        return false;
    }
    return true;
}

static bool wk_job_deploy(wk_job_ctx *c)
{
    const wk_plan *plan = c->plan;
    wk_deploy target;
    char err[WK_JOB_ERR_MAX] = "";
    const json_t *config = json_object_get(plan->job, "configuration");
    int src = wk_deploy_resolve_store(c->slot->service->deploy_buckets, config, &c->store, err,
                                      sizeof err);
    if (src != 0 && src != SLUICE_ENOTFOUND) {
        wk_job_fail(c, WK_RESULT_CONFIGURATION, "%s", err);
        return false;
    }
    if (src == 0) {
        return wk_job_deploy_store(c);
    }
    if (wk_deploy_resolve(c->slot->service->deploy_targets, config, &target, err, sizeof err) !=
        0) {
        wk_job_fail(c, WK_RESULT_CONFIGURATION, "%s", err);
        return false;
    }
    if (plan->ninputs != 1) {
        wk_job_fail(c, WK_RESULT_CONFIGURATION, "an S3 deploy takes exactly one input artifact");
        return false;
    }
    const wk_plan_input *in = &plan->inputs[0];
    http_client_response resp;
    int rc = aws_s3_get(&c->slot->s3, &c->cred, in->bucket, in->key, &resp, err, sizeof err);
    if (rc != 0) {
        http_client_response_free(&resp);
        wk_job_fail(c, rc == SLUICE_EIO ? WK_RESULT_SYSTEM : WK_RESULT_JOB_FAILED,
                    "input artifact %s cannot be read: %s", in->name, err);
        return false;
    }
    const char *data = resp.body.data != NULL ? resp.body.data : "";
    char staging[WK_DEPLOY_PATH_MAX + 160];
    const char *base = strrchr(target.path, '/');
    snprintf(staging, sizeof staging, "%.*s/.%s.sluice-%s", (int)(base - target.path), target.path,
             base + 1, plan->job_id);
    rc = wk_job_mkdir_parents(target.path, err, sizeof err);
    if (rc == 0 && target.extract) {
        (void)wk_job_remove_tree(staging);
        rc = wk_job_mkdir(staging, err, sizeof err);
        uint64_t unpacked = 0;
        if (rc == 0) {
            rc =
                wk_archive_unpack(data, resp.body.len, staging,
                                  (uint64_t)c->cfg->unpacked_max_bytes, &unpacked, err, sizeof err);
            if (rc != 0 && rc != SLUICE_EIO) {
                http_client_response_free(&resp);
                (void)wk_job_remove_tree(staging);
                wk_job_fail(c, WK_RESULT_JOB_FAILED, "input artifact %s cannot be unpacked: %s",
                            in->name, err);
                return false;
            }
        }
        (void)chmod(staging, 0755);
        rc = rc ? rc : wk_job_swap_in(staging, target.path, err, sizeof err);
        if (rc != 0) {
            (void)wk_job_remove_tree(staging);
        }
    } else if (rc == 0) {
        int fd = open(staging, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        bool written =
            fd >= 0 && write(fd, data, resp.body.len) == (ssize_t)resp.body.len && fsync(fd) == 0;
        if (fd >= 0) {
            close(fd);
        }
        if (!written || rename(staging, target.path) != 0) {
            rc = sluice_error_set(err, sizeof err, SLUICE_EIO, "cannot write %s: %s", target.path,
                                  strerror(errno));
            (void)unlink(staging);
        }
    }
    http_client_response_free(&resp);
    if (rc != 0) {
        wk_job_fail(c, WK_RESULT_SYSTEM, "%s", err);
        return false;
    }
    snprintf(c->summary, sizeof c->summary, "%s %s to %s", target.extract ? "extracted" : "copied",
             in->name, target.path);
    return true;
}

/* ---- Lambda invokes ---------------------------------------------------------------------- */

/*
 * POSTs the CodePipeline.job event to the function's URL. A 2xx answer means
 * the function took the job: it reports through PutJobSuccessResult /
 * PutJobFailureResult on the api, and the worker sends no result of its own.
 */
static bool wk_job_invoke(wk_job_ctx *c)
{
    const json_t *config = json_object_get(c->plan->job, "configuration");
    const char *name = json_string_value(json_object_get(config, "FunctionName"));
    const char *url = wk_lambda_url(c->slot->service->functions, name);
    if (url == NULL) {
        wk_job_fail(
            c, WK_RESULT_CONFIGURATION,
            "function %.64s is not configured on this worker (SLUICE_WORKER_FUNCTIONS_FILE)",
            name != NULL ? name : "(no FunctionName)");
        return false;
    }
    json_t *event = wk_lambda_event(c->record);
    char *text = event != NULL ? json_dumps(event, JSON_COMPACT) : NULL;
    json_decref(event);
    if (text == NULL) {
        wk_job_fail(c, WK_RESULT_SYSTEM, "the event of function %s cannot be built", name);
        return false;
    }
    http_client_config hcfg;
    http_client_config_defaults(&hcfg);
    hcfg.connect_timeout_ms = WK_LAMBDA_CONNECT_TIMEOUT_MS;
    hcfg.timeout_ms = WK_LAMBDA_INVOKE_TIMEOUT_MS;
    hcfg.max_response = WK_LAMBDA_ANSWER_MAX_BYTES;
    hcfg.user_agent = "sluice-worker";
    http_client_response resp;
    char err[512] = "";
    int rc = SLUICE_ENOMEM;
    http_client *client = http_client_new(&hcfg, err, sizeof err);
    if (client != NULL) {
        rc = http_client_post_json(client, url, text, strlen(text), &resp, err, sizeof err);
        http_client_free(client);
    } else {
        memset(&resp, 0, sizeof resp);
    }
    free(text);
    if (rc != 0) {
        wk_job_fail(c, WK_RESULT_JOB_FAILED, "function %s cannot be invoked at %s: %s", name, url,
                    err);
    } else if (resp.status < 200 || resp.status > 299) {
        const char *body = resp.body.data != NULL ? resp.body.data : "";
        wk_job_fail(c, WK_RESULT_JOB_FAILED, "function %s refused the invocation: HTTP %ld %.200s",
                    name, resp.status, body);
    } else {
        c->invoked = true;
        SLUICE_INFO("job %s: function %s invoked", c->plan->job_id, name);
    }
    http_client_response_free(&resp);
    return c->invoked;
}

static bool wk_job_codebuild_match(void *ctx, const char *relpath)
{
    const wk_job_ctx *c = ctx;
    return wk_codebuild_match(c->build, c->build_output, relpath);
}

static bool wk_job_variables(wk_job_ctx *c)
{
    const wk_plan *plan = c->plan;
    if (plan->noutput_vars == 0) {
        return true;
    }
    char *script = wk_plan_capture_script(plan);
    if (script == NULL) {
        wk_job_fail(c, WK_RESULT_SYSTEM, "out of memory");
        return false;
    }
    const char *argv[] = {"/bin/sh", "-c", script, "sluice-capture", plan->env_file, NULL};
    sluice_buf out;
    sluice_buf_init(&out, WK_PLAN_VARIABLES_MAX);
    wk_exec_result res;
    char err[512] = "";
    int rc = wk_exec_run_as(argv, plan->env, plan->src_dir, sluice_time_monotonic_ms() + 10000,
                            &c->slot->abort, wk_job_ident(c), wk_job_buf_sink, &out, &res, err,
                            sizeof err);
    free(script);
    if (rc == 0 && (res.end != WK_EXEC_EXITED || res.exit_code != 0)) {
        rc = SLUICE_EIO;
        snprintf(err, sizeof err, "the capture ended with status %d", res.exit_code);
    }
    if (rc == 0) {
        rc = wk_plan_read_variables(plan, out.data != NULL ? out.data : "", out.len, &c->variables,
                                    err, sizeof err);
    }
    sluice_buf_free(&out);
    if (rc != 0) {
        wk_job_fail(c, WK_RESULT_JOB_FAILED, "the output variables cannot be read: %s", err);
        return false;
    }
    return true;
}

static bool wk_job_outputs(wk_job_ctx *c)
{
    const wk_plan *plan = c->plan;
    for (size_t i = 0; i < plan->noutputs; i++) {
        const wk_plan_output *po = &plan->outputs[i];
        if (po->bucket == NULL || po->key == NULL) {
            wk_job_fail(c, WK_RESULT_SYSTEM, "output artifact %s has no location in the job data",
                        po->name);
            return false;
        }
        sluice_buf zip;
        sluice_buf_init(&zip, (size_t)c->cfg->output_max_bytes);
        size_t nfiles = 0;
        char err[WK_JOB_ERR_MAX] = "";
        int rc = 0;
        const char *from = c->build != NULL ? c->build->artifacts[i].base_dir : plan->src_dir;
        if (wk_user_confined(&c->slot->service->run_as, from, plan->workspace, err, sizeof err) !=
            0) {
            /* the commands' user made the directory lead out of the workspace */
            wk_job_fail(c, WK_RESULT_JOB_FAILED, "output artifact %s: %s", po->name, err);
            sluice_buf_free(&zip);
            return false;
        }
        if (c->build != NULL) {
            c->build_output = i;
            const wk_codebuild_artifact *a = &c->build->artifacts[i];
            rc = wk_archive_pack_dir(a->base_dir, a->discard_paths, wk_job_codebuild_match, c,
                                     po->name, "the buildspec's files", &zip, &nfiles, err,
                                     sizeof err);
        } else {
            rc = wk_archive_pack(plan, i, &zip, &nfiles, err, sizeof err);
        }
        if (rc == 0) {
            rc = aws_s3_put(&c->slot->s3, &c->cred, po->bucket, po->key,
                            zip.data != NULL ? zip.data : "", zip.len, err, sizeof err);
            if (rc != 0) {
                wk_job_fail(c, WK_RESULT_SYSTEM, "output artifact %s cannot be stored: %s",
                            po->name, err);
            }
        } else {
            wk_job_fail(c, rc == SLUICE_EIO ? WK_RESULT_SYSTEM : WK_RESULT_JOB_FAILED, "%s", err);
        }
        sluice_buf_free(&zip);
        if (rc != 0) {
            return false;
        }
        SLUICE_DEBUG("job %s: output artifact %s: %zu files", plan->job_id, po->name, nfiles);
    }
    return true;
}

/* Reads the credentials out of the record; false when it has none. */
static bool wk_job_credentials(wk_job_ctx *c)
{
    const json_t *cred = json_object_get(json_object_get(c->record, "data"), "artifactCredentials");
    c->cred.access_key_id = json_string_value(json_object_get(cred, "accessKeyId"));
    c->cred.secret_access_key = json_string_value(json_object_get(cred, "secretAccessKey"));
    c->cred.session_token = json_string_value(json_object_get(cred, "sessionToken"));
    return c->cred.access_key_id != NULL && c->cred.secret_access_key != NULL &&
           c->cred.session_token != NULL;
}

static const char *wk_job_outcome_name(wk_result_end end)
{
    return end == WK_RESULT_SUCCEEDED ? "Succeeded" : "Failed";
}

static void wk_job_account(wk_job_ctx *c, const char *provider, wk_result_end end, bool invoked)
{
    wk_metrics *m = &c->slot->service->metrics;
    const char *outcome = invoked                          ? "Invoked"
                          : end == WK_RESULT_SUCCEEDED     ? "Succeeded"
                          : end == WK_RESULT_CONFIGURATION ? "ConfigurationError"
                          : end == WK_RESULT_SYSTEM        ? "SystemUnavailable"
                          : end == WK_RESULT_TIMED_OUT     ? "TimedOut"
                                                           : "JobFailed";
    const char *labels[] = {provider, outcome};
    (void)http_metrics_inc(m->jobs, labels, 1);
    const char *by_provider[] = {provider};
    (void)http_metrics_observe(m->durations, by_provider,
                               (double)(sluice_time_monotonic_ms() - c->started_mono) / 1000.0);
}

void wk_job_run(wk_slot *slot, json_t *job, const char *adopted_owner, long long attempts)
{
    wk_service *svc = slot->service;
    const wk_config *cfg = svc->cfg;
    wk_job_ctx c = {.slot = slot, .cfg = cfg, .job = job, .log = {.fd = -1}};
    c.started_mono = sluice_time_monotonic_ms();
    c.log.max = (uint64_t)cfg->log_max_bytes;
    char provider[160];
    wk_service_provider_label(job, provider, sizeof provider);
    const char *job_id = json_string_value(json_object_get(job, "jobId"));
    const char *pipeline = json_string_value(json_object_get(job, "pipeline"));
    char err[WK_JOB_ERR_MAX] = "";
    char owner[WK_LEASE_OWNER_MAX];
    json_t *detail = NULL;
    if (job_id == NULL || pipeline == NULL || wk_lease_owner(owner) != 0) {
        SLUICE_WARN("a job without jobId or pipeline is skipped");
        json_decref(job);
        return;
    }
    if (adopted_owner != NULL) {
        snprintf(owner, sizeof owner, "%s", adopted_owner); /* the sweep holds its lease */
    }

    /* 1. the claim */
    wk_lease_claim claim = WK_LEASE_HELD;
    int rc = wk_lease_claim_job(slot->redis, pipeline, job_id, owner, cfg->lease_ms, &claim, err,
                                sizeof err);
    if (rc != 0 || claim != WK_LEASE_CLAIMED) {
        const char *why = rc != 0                  ? err
                          : claim == WK_LEASE_DONE ? "finished already"
                                                   : "running on another worker";
        SLUICE_INFO("job %s of %s not run: %s", job_id, pipeline, why);
        const char *labels[] = {rc != 0 ? "redis" : claim == WK_LEASE_DONE ? "done" : "held"};
        (void)http_metrics_inc(svc->metrics.skipped, labels, 1);
        json_decref(job);
        return;
    }
    pthread_mutex_lock(&svc->lock);
    snprintf(slot->pipeline, sizeof slot->pipeline, "%s", pipeline);
    snprintf(slot->job_id, sizeof slot->job_id, "%s", job_id);
    memcpy(slot->owner, owner, sizeof owner);
    slot->leased = true;
    pthread_mutex_unlock(&svc->lock);
    SLUICE_INFO("job %s of %s (%s) claimed%s", job_id, pipeline, provider,
                adopted_owner != NULL ? " from a lost worker" : "");
    char *doc_text = json_dumps(job, JSON_COMPACT);
    if (doc_text != NULL) {
        (void)wk_lease_track(slot->redis, pipeline, job_id, sluice_time_now_ms() + cfg->lease_ms,
                             doc_text, strlen(doc_text), cfg->done_ttl_ms, err, sizeof err);
        free(doc_text);
    }
    bool given_up = adopted_owner != NULL && attempts > 1 + cfg->lost_retries;

    /* 2. the record: output locations and credentials */
    json_t *definition = wk_job_definition(slot, pipeline, job);
    json_t *as_action = wk_job_as_action(job);
    c.record =
        aws_job_record(as_action, definition, cfg->account, false, svc->job_keys, err, sizeof err);
    json_decref(as_action);
    json_decref(definition);

    /* 3. the plan */
    char workspace[WK_PLAN_WORKSPACE_MAX + 1];
    snprintf(workspace, sizeof workspace, "%s/%s", cfg->workspace_root, job_id);
    if (given_up) {
        char reason[256];
        snprintf(reason, sizeof reason,
                 "the worker running this job was lost, %lld times; it is not run again",
                 attempts - 1);
        detail = wk_result_refused(job_id, reason);
        if (detail != NULL) {
            json_object_set_new(json_object_get(detail, "failureDetails"), "type",
                                json_string("SystemUnavailable"));
        }
        c.outcome.end = WK_RESULT_SYSTEM;
    } else if (c.record == NULL) {
        detail = wk_result_refused(job_id, err);
        c.outcome.end = WK_RESULT_CONFIGURATION;
    } else {
        wk_plan_params params = {
            .workspace = workspace,
            .path = cfg->path,
            .now_ms = sluice_time_now_ms(),
            .output_locations = aws_job_output_locations(c.record),
            .secret = wk_service_secret,
            .secret_ctx = svc,
        };
        rc = wk_plan_new(job, &params, &c.plan, err, sizeof err);
        json_decref(params.output_locations);
        if (rc != 0) {
            detail = wk_result_refused(job_id, err);
            c.outcome.end = WK_RESULT_CONFIGURATION;
        }
    }
    if (c.plan != NULL) {
        if (cfg->timeout_max_ms > 0 && c.plan->timeout_ms > cfg->timeout_max_ms) {
            c.plan->timeout_ms = cfg->timeout_max_ms;
        }
        /* 4.-7. */
        bool ok = true;
        if (!wk_job_credentials(&c)) {
            wk_job_fail(&c, WK_RESULT_SYSTEM,
                        "the job has no artifact credentials (no deadline, or no job keys)");
            ok = false;
        }
        if (ok && wk_job_workspace(c.plan, err, sizeof err) != 0) {
            wk_job_fail(&c, WK_RESULT_SYSTEM, "%s", err);
            ok = false;
        }
        if (ok) {
            char log_path[WK_PLAN_WORKSPACE_MAX + 16];
            snprintf(log_path, sizeof log_path, "%s/log", c.plan->run_dir);
            c.log.fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
            wk_job_log_open(&c);
        }
        if (c.plan->kind == WK_PLAN_DEPLOY) {
            ok = ok && wk_job_deploy(&c);
        } else if (c.plan->kind != WK_PLAN_INVOKE) {
            ok = ok && wk_job_inputs(&c);
            if (ok && wk_user_own_tree(&svc->run_as, c.plan->workspace, err, sizeof err) != 0) {
                wk_job_fail(&c, WK_RESULT_SYSTEM, "%s", err);
                ok = false;
            }
        }
        if (c.plan->kind == WK_PLAN_DEPLOY) {
            /* done above */
        } else if (c.plan->kind == WK_PLAN_INVOKE) {
            ok = ok && wk_job_invoke(&c);
        } else if (c.plan->kind == WK_PLAN_CODEBUILD) {
            ok = ok && wk_job_codebuild_prepare(&c);
            ok = ok && wk_job_codebuild_run(&c);
        } else {
            ok = ok && wk_job_commands(&c);
        }
        ok = ok && wk_job_variables(&c);
        ok = ok && (c.plan->kind == WK_PLAN_INVOKE || wk_job_outputs(&c));
        if (ok) {
            c.outcome.end = WK_RESULT_SUCCEEDED;
            c.outcome.summary = c.build != NULL        ? "the build succeeded"
                                : c.summary[0] != '\0' ? c.summary
                                                       : NULL;
        }
        c.outcome.log_tail = c.log.tail;
        c.outcome.log_tail_len = c.log.tail_len;
        if (c.log.stream != NULL) {
            wk_job_log_outcome(&c);
            /* the stored log's tail: masked already, secrets cut by a boundary included */
            c.outcome.log_tail_len = wk_log_tail(c.log.stream, c.masked_tail, sizeof c.masked_tail);
            c.outcome.log_tail = c.masked_tail;
            /* complete in the store before the result is sent; no URL to a log not stored */
            c.outcome.log_url = wk_log_close(c.log.stream) ? c.log_url : NULL;
            c.log.stream = NULL;
        }
        c.outcome.variables = c.variables;
        c.outcome.duration_ms = sluice_time_monotonic_ms() - c.started_mono;
        detail = wk_result_build(c.plan, &c.outcome);
        if (c.log.fd >= 0) {
            close(c.log.fd);
        }
    }

    /* 8. the result */
    pthread_mutex_lock(&svc->lock);
    slot->leased = false;
    pthread_mutex_unlock(&svc->lock);
    bool aborted = atomic_load(&slot->abort);
    if (c.invoked) {
        rc = 0; /* the function answers through the api */
    } else {
        rc = detail != NULL
                 ? wk_bus_send_result(&svc->sender, pipeline, job_id, detail, err, sizeof err)
                 : SLUICE_ENOMEM;
    }
    if (rc == 0) {
        const char *outcome = c.invoked ? "Invoked" : wk_job_outcome_name(c.outcome.end);
        SLUICE_INFO("job %s of %s: %s", job_id, pipeline, outcome);
        if (wk_lease_finish(slot->redis, pipeline, job_id, owner, outcome, cfg->done_ttl_ms, err,
                            sizeof err) != 0) {
            SLUICE_WARN("job %s of %s: not marked finished: %s", job_id, pipeline, err);
        }
        wk_job_account(&c, provider, c.outcome.end, c.invoked);
    } else {
        SLUICE_ERROR("job %s of %s: the result was not sent: %s%s", job_id, pipeline, err,
                     aborted ? " (the worker is stopping)" : "");
        (void)wk_lease_release(slot->redis, pipeline, job_id, owner, err, sizeof err);
    }
    if (c.plan != NULL && !cfg->keep_workspaces) {
        (void)wk_job_remove_tree(c.plan->workspace);
    }
    json_decref(detail);
    json_decref(c.variables);
    json_decref(c.record);
    wk_codebuild_free(c.build);
    wk_plan_free(c.plan);
    json_decref(job);
}
