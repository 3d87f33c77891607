/*
 * wk_plan.c — job document → run plan (see wk_plan.h).
 */
#include "wk_plan.h"

#include "sluice/buf.h"
#include "sluice/error.h"
#include "sluice/model_registry.h"
#include "sluice/time.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WK_PLAN_ENV_MAX 64 /* standard variables, one per input, declared ones */

/* ---- small helpers ------------------------------------------------------------------------ */

static char *wk_plan_strf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *wk_plan_strf(const char *fmt, ...)
{
    sluice_buf b;
    sluice_buf_init(&b, 2 * WK_PLAN_VALUE_MAX + WK_PLAN_WORKSPACE_MAX);
    va_list ap;
    va_start(ap, fmt);
    int rc = sluice_buf_vappendf(&b, fmt, ap);
    va_end(ap);
    if (rc != 0) {
        sluice_buf_free(&b);
        return NULL;
    }
    return sluice_buf_steal(&b);
}

/* [A-Za-z0-9_]+, at most WK_PLAN_NAME_MAX bytes; a leading digit when digit_first. */
static bool wk_plan_is_name(const char *s, bool digit_first)
{
    size_t n = strlen(s);
    if (n == 0 || n > WK_PLAN_NAME_MAX || (!digit_first && s[0] >= '0' && s[0] <= '9')) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool ok =
            (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
        if (!ok) {
            return false;
        }
    }
    return true;
}

/* An artifact name: [A-Za-z0-9_-]+, at most 100 bytes (CodePipeline's pattern). */
static bool wk_plan_is_artifact(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 100) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '-';
        if (!ok) {
            return false;
        }
    }
    return true;
}

/* A required non-empty string member; NULL with err set when absent. */
static const char *wk_plan_string(const json_t *obj, const char *member, const char *where,
                                  char *err, size_t errlen)
{
    const char *s = json_string_value(json_object_get(obj, member));
    if (s == NULL || s[0] == '\0') {
        sluice_error_set(err, errlen, SLUICE_EINVAL, "%s%s is missing or not a non-empty string",
                         where, member);
        return NULL;
    }
    return s;
}

/* An optional array member: 0 with *arr NULL when absent; SLUICE_EINVAL when not an array. */
static int wk_plan_array(const json_t *obj, const char *member, size_t max, json_t **arr, char *err,
                         size_t errlen)
{
    *arr = json_object_get(obj, member);
    if (*arr == NULL || json_is_null(*arr)) {
        *arr = NULL;
        return 0;
    }
    if (!json_is_array(*arr)) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL, "%s is not an array", member);
    }
    if (json_array_size(*arr) > max) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL, "%s holds %zu entries; at most %zu",
                                member, json_array_size(*arr), max);
    }
    return 0;
}

/* ---- the environment ---------------------------------------------------------------------- */

typedef struct wk_plan_envb {
    size_t n;
    char *vars[WK_PLAN_ENV_MAX + 1];
} wk_plan_envb;

/* Sets NAME=value, replacing an earlier NAME. SLUICE_ETOOBIG when full, SLUICE_ENOMEM. */
static int wk_plan_setenv(wk_plan_envb *e, const char *name, const char *value)
{
    char *var = wk_plan_strf("%s=%s", name, value);
    if (var == NULL) {
        return SLUICE_ENOMEM;
    }
    size_t nlen = strlen(name);
    for (size_t i = 0; i < e->n; i++) {
        if (strncmp(e->vars[i], name, nlen) == 0 && e->vars[i][nlen] == '=') {
            free(e->vars[i]);
            e->vars[i] = var;
            return 0;
        }
    }
    if (e->n == WK_PLAN_ENV_MAX) {
        free(var);
        return SLUICE_ETOOBIG;
    }
    e->vars[e->n++] = var;
    e->vars[e->n] = NULL;
    return 0;
}

/* CODEBUILD_SRC_DIR_<name> with characters other than [A-Za-z0-9_] as '_'. */
static void wk_plan_src_var(char *out, size_t outlen, const char *artifact)
{
    int n = snprintf(out, outlen, "CODEBUILD_SRC_DIR_%s", artifact);
    if (n < 0) {
        out[0] = '\0';
        return;
    }
    for (char *p = out; *p != '\0'; p++) {
        char c = *p;
        bool ok =
            (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
        if (!ok) {
            *p = '_';
        }
    }
}

static int wk_plan_standard_env(wk_plan *plan, const wk_plan_params *params, wk_plan_envb *e)
{
    const json_t *job = plan->job;
    const char *region = json_string_value(json_object_get(job, "region"));
    const char *revision =
        json_string_value(json_object_get(json_object_get(job, "sourceRevision"), "revisionValue"));
    char build_id[320];
    char initiator[320];
    snprintf(build_id, sizeof build_id, "sluice:%s", plan->run_id);
    snprintf(initiator, sizeof initiator, "codepipeline/%s", plan->pipeline);
    int rc = 0;
    rc = rc ? rc : wk_plan_setenv(e, "PATH", params->path ? params->path : WK_PLAN_DEFAULT_PATH);
    rc = rc ? rc : wk_plan_setenv(e, "HOME", plan->home_dir);
    rc = rc ? rc : wk_plan_setenv(e, "TMPDIR", plan->tmp_dir);
    rc = rc ? rc : wk_plan_setenv(e, "PWD", plan->src_dir);
    rc = rc ? rc : wk_plan_setenv(e, "LANG", "C.UTF-8");
    rc = rc ? rc : wk_plan_setenv(e, "CODEBUILD_SRC_DIR", plan->src_dir);
    for (size_t i = 0; rc == 0 && i < plan->ninputs; i++) {
        char name[WK_PLAN_NAME_MAX + 32];
        wk_plan_src_var(name, sizeof name, plan->inputs[i].name);
        rc = wk_plan_setenv(e, name, plan->inputs[i].dir);
    }
    rc = rc ? rc : wk_plan_setenv(e, "CODEBUILD_BUILD_ID", build_id);
    if (rc == 0 && plan->kind == WK_PLAN_CODEBUILD) {
        rc = wk_plan_setenv(e, "CODEBUILD_BUILD_SUCCEEDING", "1");
    }
    rc = rc ? rc : wk_plan_setenv(e, "CODEBUILD_INITIATOR", initiator);
    if (rc == 0 && revision != NULL) {
        rc = wk_plan_setenv(e, "CODEBUILD_RESOLVED_SOURCE_VERSION", revision);
    }
    rc = rc ? rc : wk_plan_setenv(e, "CODEPIPELINE_PIPELINE_NAME", plan->pipeline);
    rc = rc ? rc : wk_plan_setenv(e, "CODEPIPELINE_EXECUTION_ID", plan->execution_id);
    rc = rc ? rc : wk_plan_setenv(e, "CODEPIPELINE_STAGE_NAME", plan->stage);
    rc = rc ? rc
            : wk_plan_setenv(e,
                             plan->kind == WK_PLAN_RULE ? "CODEPIPELINE_RULE_NAME"
                                                        : "CODEPIPELINE_ACTION_NAME",
                             plan->name);
    rc = rc ? rc : wk_plan_setenv(e, "CODEPIPELINE_ACTION_EXECUTION_ID", plan->run_id);
    if (rc == 0 && region != NULL) {
        rc = wk_plan_setenv(e, "AWS_REGION", region);
        rc = rc ? rc : wk_plan_setenv(e, "AWS_DEFAULT_REGION", region);
    }
    return rc;
}

static int wk_plan_declared_env(wk_plan *plan, const wk_plan_params *params, wk_plan_envb *e,
                                char *err, size_t errlen)
{
    json_t *vars = NULL;
    int rc = wk_plan_array(plan->job, "environmentVariables", WK_PLAN_DECLARED_ENV_MAX, &vars, err,
                           errlen);
    size_t i;
    json_t *var;
    json_array_foreach(vars, i, var)
    {
        const char *name = json_string_value(json_object_get(var, "name"));
        const char *value = json_string_value(json_object_get(var, "value"));
        const char *type = json_string_value(json_object_get(var, "type"));
        if (name == NULL || !wk_plan_is_name(name, false)) {
            return sluice_error_set(
                err, errlen, SLUICE_EINVAL,
                "environmentVariables[%zu]: the name is not [A-Za-z_][A-Za-z0-9_]* "
                "of at most %d characters",
                i, WK_PLAN_NAME_MAX);
        }
        if (value == NULL || strlen(value) > WK_PLAN_VALUE_MAX) {
            return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                    "environment variable %s: the value is missing or longer than "
                                    "%d bytes",
                                    name, WK_PLAN_VALUE_MAX);
        }
        if (type == NULL || strcmp(type, "PLAINTEXT") == 0) {
            rc = wk_plan_setenv(e, name, value);
        } else if (strcmp(type, "SECRETS_MANAGER") == 0) {
            const char *secret =
                params->secret != NULL ? params->secret(params->secret_ctx, value) : NULL;
            if (secret == NULL) {
                return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                        "environment variable %s: the secret \"%s\" is not "
                                        "configured on this worker",
                                        name, value);
            }
            if (strlen(secret) > WK_PLAN_VALUE_MAX) {
                return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                        "environment variable %s: the secret's value is longer "
                                        "than %d bytes",
                                        name, WK_PLAN_VALUE_MAX);
            }
            rc = wk_plan_setenv(e, name, secret);
            if (rc == 0 && secret[0] != '\0') {
                plan->secrets[plan->nsecrets] = strdup(secret);
                if (plan->secrets[plan->nsecrets] == NULL) {
                    return SLUICE_ENOMEM;
                }
                plan->nsecrets++;
            }
        } else {
            return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                    "environment variable %s: type \"%s\" is not PLAINTEXT or "
                                    "SECRETS_MANAGER",
                                    name, type);
        }
        if (rc == SLUICE_ETOOBIG) {
            return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                    "more than %d environment variables", WK_PLAN_ENV_MAX);
        }
        if (rc != 0) {
            return rc;
        }
    }
    return rc;
}

/* ---- inputs, commands, outputs ------------------------------------------------------------ */

static int wk_plan_inputs(wk_plan *plan, char *err, size_t errlen)
{
    json_t *inputs = NULL;
    int rc = wk_plan_array(plan->job, "inputArtifacts", WK_PLAN_INPUTS_MAX, &inputs, err, errlen);
    size_t i;
    json_t *in;
    json_array_foreach(inputs, i, in)
    {
        wk_plan_input *pi = &plan->inputs[i];
        const json_t *loc = json_object_get(in, "s3location");
        pi->name = json_string_value(json_object_get(in, "name"));
        pi->bucket = json_string_value(json_object_get(loc, "bucket"));
        pi->key = json_string_value(json_object_get(loc, "key"));
        if (pi->name == NULL || !wk_plan_is_artifact(pi->name)) {
            return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                    "inputArtifacts[%zu]: the name is not [A-Za-z0-9_-]+ of at "
                                    "most 100 characters",
                                    i);
        }
        if (pi->bucket == NULL || pi->key == NULL || pi->bucket[0] == '\0' || pi->key[0] == '\0') {
            return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                    "input artifact %s has no location in the artifact store "
                                    "(s3location bucket and key)",
                                    pi->name);
        }
        for (size_t j = 0; j < i; j++) {
            if (strcmp(plan->inputs[j].name, pi->name) == 0) {
                return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                        "input artifact %s is named twice", pi->name);
            }
        }
        pi->dir = wk_plan_strf("%s/src/%s", plan->workspace, pi->name);
        if (pi->dir == NULL) {
            return SLUICE_ENOMEM;
        }
        plan->ninputs = i + 1;
    }
    return rc;
}

static int wk_plan_commands(wk_plan *plan, char *err, size_t errlen)
{
    json_t *commands = NULL;
    int rc = wk_plan_array(plan->job, "commands", WK_PLAN_COMMANDS_MAX, &commands, err, errlen);
    if (rc != 0) {
        return rc;
    }
    if (json_array_size(commands) == 0 && plan->kind != WK_PLAN_CODEBUILD &&
        plan->kind != WK_PLAN_DEPLOY && plan->kind != WK_PLAN_INVOKE) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL, "the job carries no commands");
    }
    size_t i;
    json_t *cmd;
    json_array_foreach(commands, i, cmd)
    {
        const char *text = json_string_value(cmd);
        if (text == NULL || text[0] == '\0') {
            return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                    "commands[%zu] is not a non-empty string", i);
        }
        if (json_string_length(cmd) > WK_PLAN_COMMAND_MAX ||
            strlen(text) != json_string_length(cmd)) {
            return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                    "commands[%zu] is longer than %d bytes or holds a NUL byte", i,
                                    WK_PLAN_COMMAND_MAX);
        }
        plan->commands[i] = text;
        plan->ncommands = i + 1;
    }
    return 0;
}

static int wk_plan_output_vars(wk_plan *plan, char *err, size_t errlen)
{
    json_t *vars = NULL;
    int rc =
        wk_plan_array(plan->job, "outputVariables", WK_PLAN_OUTPUT_VARS_MAX, &vars, err, errlen);
    size_t i;
    json_t *var;
    json_array_foreach(vars, i, var)
    {
        const char *name = json_string_value(var);
        if (name == NULL || !wk_plan_is_name(name, false)) {
            return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                    "outputVariables[%zu] is not a variable name "
                                    "[A-Za-z_][A-Za-z0-9_]* of at most %d characters",
                                    i, WK_PLAN_NAME_MAX);
        }
        plan->output_vars[i] = name;
        plan->noutput_vars = i + 1;
    }
    return rc;
}

/* The location the job data assigns to output name: 0 and bucket/key, or both NULL. */
static void wk_plan_location(const json_t *locations, const char *name, const char **bucket,
                             const char **key)
{
    *bucket = NULL;
    *key = NULL;
    size_t i;
    json_t *loc;
    json_array_foreach(locations, i, loc)
    {
        const char *n = json_string_value(json_object_get(loc, "name"));
        if (n != NULL && strcmp(n, name) == 0) {
            *bucket = json_string_value(json_object_get(loc, "bucket"));
            *key = json_string_value(json_object_get(loc, "key"));
            return;
        }
    }
}

static int wk_plan_outputs(wk_plan *plan, char *err, size_t errlen)
{
    json_t *outputs = NULL;
    int rc =
        wk_plan_array(plan->job, "outputArtifacts", WK_PLAN_OUTPUTS_MAX, &outputs, err, errlen);
    size_t i;
    json_t *out;
    json_array_foreach(outputs, i, out)
    {
        wk_plan_output *po = &plan->outputs[i];
        po->name = json_string_value(json_object_get(out, "name"));
        if (po->name == NULL || !wk_plan_is_artifact(po->name)) {
            return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                    "outputArtifacts[%zu]: the name is not [A-Za-z0-9_-]+ of at "
                                    "most 100 characters",
                                    i);
        }
        plan->noutputs = i + 1;
        wk_plan_location(plan->locations, po->name, &po->bucket, &po->key);
        json_t *files = json_object_get(out, "files");
        if (files != NULL &&
            (!json_is_array(files) || json_array_size(files) > WK_PLAN_FILES_MAX)) {
            return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                    "output artifact %s: files is not a list of at most %d globs",
                                    po->name, WK_PLAN_FILES_MAX);
        }
        size_t j;
        json_t *file;
        json_array_foreach(files, j, file)
        {
            const char *pattern = json_string_value(file);
            char why[256] = "";
            if (pattern == NULL) {
                return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                        "output artifact %s: files[%zu] is not a string", po->name,
                                        j);
            }
            /* A leading "./" selects the same files as the glob without it. */
            const char *p = pattern;
            while (p[0] == '.' && p[1] == '/') {
                p += 2;
            }
            rc = model_glob_compile(p, &po->globs[j], why, sizeof why);
            if (rc != 0) {
                return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                        "output artifact %s: files[%zu] \"%s\" is not a glob: %s",
                                        po->name, j, pattern, why);
            }
            po->files[j] = pattern;
            po->nfiles = j + 1;
        }
    }
    return rc;
}

/* ---- the plan ------------------------------------------------------------------------------ */

/* Reads the kind and the names; SLUICE_ENOTFOUND when the job is not a Commands one. */
static int wk_plan_kind_of(wk_plan *plan, char *err, size_t errlen)
{
    const json_t *job = plan->job;
    const json_t *type = json_object_get(job, "ruleTypeId");
    bool rule = type != NULL;
    if (!rule) {
        type = json_object_get(job, "actionTypeId");
    }
    if (!json_is_object(type)) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                "the job names neither an actionTypeId nor a ruleTypeId");
    }
    const char *category = json_string_value(json_object_get(type, "category"));
    const char *owner = json_string_value(json_object_get(type, "owner"));
    const char *provider = json_string_value(json_object_get(type, "provider"));
    const char *version = json_string_value(json_object_get(type, "version"));
    bool aws_v1 = owner != NULL && strcmp(owner, "AWS") == 0 && provider != NULL &&
                  (version == NULL || strcmp(version, "1") == 0) && category != NULL;
    bool commands = aws_v1 && strcmp(provider, "Commands") == 0 &&
                    strcmp(category, rule ? "Rule" : "Compute") == 0;
    bool codebuild = aws_v1 && !rule && strcmp(provider, "CodeBuild") == 0 &&
                     (strcmp(category, "Build") == 0 || strcmp(category, "Test") == 0);
    bool deploy = aws_v1 && !rule && strcmp(provider, "S3") == 0 && strcmp(category, "Deploy") == 0;
    bool invoke =
        aws_v1 && (rule ? strcmp(provider, "LambdaInvoke") == 0 && strcmp(category, "Rule") == 0
                        : strcmp(provider, "Lambda") == 0 && strcmp(category, "Invoke") == 0);
    if (!commands && !codebuild && !deploy && !invoke) {
        return sluice_error_set(err, errlen, SLUICE_ENOTFOUND,
                                "the job is not a Commands %s or a CodeBuild action",
                                rule ? "rule" : "action");
    }
    plan->kind = invoke      ? WK_PLAN_INVOKE
                 : rule      ? WK_PLAN_RULE
                 : codebuild ? WK_PLAN_CODEBUILD
                 : deploy    ? WK_PLAN_DEPLOY
                             : WK_PLAN_ACTION;
    const char *name_key = rule ? "rule" : "action";
    const char *run_key = rule ? "ruleExecutionId" : "actionExecutionId";
    if ((plan->job_id = wk_plan_string(job, "jobId", "", err, errlen)) == NULL ||
        (plan->pipeline = wk_plan_string(job, "pipeline", "", err, errlen)) == NULL ||
        (plan->execution_id = wk_plan_string(job, "pipelineExecutionId", "", err, errlen)) ==
            NULL ||
        (plan->stage = wk_plan_string(job, "stage", "", err, errlen)) == NULL ||
        (plan->name = wk_plan_string(job, name_key, "", err, errlen)) == NULL ||
        (plan->run_id = wk_plan_string(job, run_key, "", err, errlen)) == NULL) {
        return SLUICE_EINVAL;
    }
    if (strlen(plan->pipeline) > 100 || strlen(plan->run_id) > 200 || strlen(plan->name) > 100 ||
        strlen(plan->stage) > 100) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                "a pipeline, stage, action or execution id is too long");
    }
    return 0;
}

static int wk_plan_timeout(wk_plan *plan, const wk_plan_params *params, char *err, size_t errlen)
{
    const json_t *deadline = json_object_get(plan->job, "deadline");
    int64_t deadline_ms = 0;
    if (deadline == NULL || json_is_null(deadline)) {
        int64_t minutes = 0;
        if (plan->kind != WK_PLAN_RULE) {
            const model_provider *p =
                plan->kind == WK_PLAN_CODEBUILD
                    ? model_registry_find(NULL, "Build", "AWS", "CodeBuild", "1")
                : plan->kind == WK_PLAN_DEPLOY
                    ? model_registry_find(NULL, "Deploy", "AWS", "S3", "1")
                : plan->kind == WK_PLAN_INVOKE
                    ? model_registry_find(NULL, "Invoke", "AWS", "Lambda", "1")
                    : model_registry_find(NULL, "Compute", "AWS", "Commands", "1");
            minutes = p != NULL ? p->default_timeout_minutes : 0;
        }
        plan->timeout_ms = minutes > 0 ? minutes * 60 * 1000 : WK_PLAN_DEFAULT_TIMEOUT_MS;
        return 0;
    }
    const char *text = json_string_value(deadline);
    if (json_is_integer(deadline)) {
        deadline_ms = json_integer_value(deadline);
    } else if (text == NULL || sluice_time_parse_rfc3339(text, &deadline_ms) != 0) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL, "deadline is not an RFC 3339 time");
    }
    plan->timeout_ms = deadline_ms > params->now_ms ? deadline_ms - params->now_ms : 0;
    return 0;
}

static int wk_plan_layout(wk_plan *plan, const wk_plan_params *params, char *err, size_t errlen)
{
    const char *w = params->workspace;
    if (w == NULL || w[0] != '/' || strlen(w) > WK_PLAN_WORKSPACE_MAX || w[strlen(w) - 1] == '/') {
        return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                "the workspace is not an absolute path of at most %d bytes "
                                "without a trailing /",
                                WK_PLAN_WORKSPACE_MAX);
    }
    plan->workspace = strdup(w);
    plan->run_dir = wk_plan_strf("%s/run", w);
    plan->env_file = wk_plan_strf("%s/run/env", w);
    plan->home_dir = wk_plan_strf("%s/home", w);
    plan->tmp_dir = wk_plan_strf("%s/tmp", w);
    if (plan->workspace == NULL || plan->run_dir == NULL || plan->env_file == NULL ||
        plan->home_dir == NULL || plan->tmp_dir == NULL) {
        return SLUICE_ENOMEM;
    }
    return 0;
}

int wk_plan_new(json_t *job, const wk_plan_params *params, wk_plan **out, char *err, size_t errlen)
{
    *out = NULL;
    if (!json_is_object(job)) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL, "the job is not a JSON object");
    }
    wk_plan *plan = calloc(1, sizeof *plan);
    if (plan == NULL) {
        return SLUICE_ENOMEM;
    }
    plan->job = json_incref(job);
    plan->locations = json_incref(params->output_locations);
    wk_plan_envb env = {0};
    int rc = wk_plan_kind_of(plan, err, errlen);
    if (rc == 0) {
        rc = wk_plan_layout(plan, params, err, errlen);
    }
    if (rc == 0) {
        rc = wk_plan_inputs(plan, err, errlen);
    }
    if (rc == 0) {
        plan->src_dir = plan->ninputs > 0 ? strdup(plan->inputs[0].dir)
                                          : wk_plan_strf("%s/src", plan->workspace);
        rc = plan->src_dir != NULL ? 0 : SLUICE_ENOMEM;
    }
    if (rc == 0) {
        rc = wk_plan_commands(plan, err, errlen);
    }
    if (rc == 0) {
        rc = wk_plan_output_vars(plan, err, errlen);
    }
    if (rc == 0) {
        rc = wk_plan_outputs(plan, err, errlen);
    }
    if (rc == 0) {
        rc = wk_plan_timeout(plan, params, err, errlen);
    }
    if (rc == 0) {
        rc = wk_plan_standard_env(plan, params, &env);
        if (rc == SLUICE_ETOOBIG) {
            rc = sluice_error_set(err, errlen, SLUICE_EINVAL, "too many environment variables");
        }
    }
    if (rc == 0) {
        rc = wk_plan_declared_env(plan, params, &env, err, errlen);
    }
    if (rc == 0) {
        plan->env = calloc(env.n + 1, sizeof(char *));
        rc = plan->env != NULL ? 0 : SLUICE_ENOMEM;
    }
    if (rc != 0) {
        for (size_t i = 0; i < env.n; i++) {
            free(env.vars[i]);
        }
        if (rc == SLUICE_ENOMEM) {
            sluice_error_set(err, errlen, rc, "out of memory");
        }
        wk_plan_free(plan);
        return rc;
    }
    memcpy(plan->env, env.vars, env.n * sizeof(char *));
    plan->nenv = env.n;
    *out = plan;
    return 0;
}

void wk_plan_free(wk_plan *plan)
{
    if (plan == NULL) {
        return;
    }
    for (size_t i = 0; i < plan->ninputs; i++) {
        free(plan->inputs[i].dir);
    }
    for (size_t i = 0; i < plan->noutputs; i++) {
        for (size_t j = 0; j < plan->outputs[i].nfiles; j++) {
            model_glob_free(plan->outputs[i].globs[j]);
        }
    }
    for (size_t i = 0; i < plan->nenv; i++) {
        free(plan->env[i]);
    }
    for (size_t i = 0; i < plan->nsecrets; i++) {
        explicit_bzero(plan->secrets[i], strlen(plan->secrets[i]));
        free(plan->secrets[i]);
    }
    free(plan->env);
    free(plan->workspace);
    free(plan->src_dir);
    free(plan->run_dir);
    free(plan->env_file);
    free(plan->home_dir);
    free(plan->tmp_dir);
    json_decref(plan->job);
    json_decref(plan->locations);
    free(plan);
}

int wk_plan_set_env(wk_plan *plan, const char *name, const char *value)
{
    if (strlen(value) > WK_PLAN_VALUE_MAX) {
        return SLUICE_ETOOBIG;
    }
    char *var = wk_plan_strf("%s=%s", name, value);
    if (var == NULL) {
        return SLUICE_ENOMEM;
    }
    size_t nlen = strlen(name);
    for (size_t i = 0; i < plan->nenv; i++) {
        if (strncmp(plan->env[i], name, nlen) == 0 && plan->env[i][nlen] == '=') {
            free(plan->env[i]);
            plan->env[i] = var;
            return 0;
        }
    }
    if (plan->nenv >= 4 * WK_PLAN_ENV_MAX) {
        free(var);
        return SLUICE_ETOOBIG;
    }
    char **grown = realloc(plan->env, (plan->nenv + 2) * sizeof(char *));
    if (grown == NULL) {
        free(var);
        return SLUICE_ENOMEM;
    }
    plan->env = grown;
    plan->env[plan->nenv++] = var;
    plan->env[plan->nenv] = NULL;
    return 0;
}

void wk_plan_argv(const wk_plan *plan, size_t i, const char *argv[8])
{
    argv[0] = "/bin/sh";
    argv[1] = "-c";
    argv[2] = WK_PLAN_WRAPPER;
    argv[3] = "sluice-command";
    argv[4] = plan->env_file;
    argv[5] = plan->env_file;
    argv[6] = i < plan->ncommands ? plan->commands[i] : ":";
    argv[7] = NULL;
}

char *wk_plan_capture_script(const wk_plan *plan)
{
    sluice_buf b;
    sluice_buf_init(&b, 64 * 1024);
    int rc = sluice_buf_append_str(&b, "if [ -s \"$1\" ]; then . \"$1\" || exit 125; fi; ");
    for (size_t i = 0; rc == 0 && i < plan->noutput_vars; i++) {
        const char *v = plan->output_vars[i];
        rc = sluice_buf_appendf(&b, "if [ \"${%s+x}\" = x ]; then printf '%s=%%s\\0' \"$%s\"; fi; ",
                                v, v, v);
    }
    if (rc == 0) {
        rc = sluice_buf_append_str(&b, "exit 0");
    }
    if (rc != 0) {
        sluice_buf_free(&b);
        return NULL;
    }
    return sluice_buf_steal(&b);
}

int wk_plan_read_variables(const wk_plan *plan, const char *data, size_t len, json_t **vars,
                           char *err, size_t errlen)
{
    *vars = NULL;
    if (len > WK_PLAN_VARIABLES_MAX) {
        return sluice_error_set(err, errlen, SLUICE_ETOOBIG,
                                "the output variables take %zu bytes; at most %d", len,
                                WK_PLAN_VARIABLES_MAX);
    }
    json_t *obj = json_object();
    if (obj == NULL) {
        return SLUICE_ENOMEM;
    }
    size_t pos = 0;
    while (pos < len) {
        const char *rec = data + pos;
        const char *nul = memchr(rec, '\0', len - pos);
        if (nul == NULL) {
            json_decref(obj);
            return sluice_error_set(err, errlen, SLUICE_EPARSE,
                                    "output variable record at byte %zu is not NUL-terminated",
                                    pos);
        }
        size_t rlen = (size_t)(nul - rec);
        const char *eq = memchr(rec, '=', rlen);
        size_t nlen = eq != NULL ? (size_t)(eq - rec) : 0;
        const char *name = NULL;
        for (size_t i = 0; eq != NULL && i < plan->noutput_vars; i++) {
            if (strlen(plan->output_vars[i]) == nlen &&
                memcmp(plan->output_vars[i], rec, nlen) == 0) {
                name = plan->output_vars[i];
            }
        }
        if (name == NULL) {
            json_decref(obj);
            return sluice_error_set(err, errlen, SLUICE_EPARSE,
                                    "output variable record at byte %zu does not name one of the "
                                    "action's outputVariables",
                                    pos);
        }
        if (json_object_get(obj, name) != NULL) {
            json_decref(obj);
            return sluice_error_set(err, errlen, SLUICE_EPARSE, "output variable %s is repeated",
                                    name);
        }
        json_t *value = json_stringn(eq + 1, rlen - nlen - 1);
        if (value == NULL) {
            json_decref(obj);
            return sluice_error_set(err, errlen, SLUICE_EPARSE,
                                    "output variable %s is not UTF-8 text", name);
        }
        json_object_set_new(obj, name, value);
        pos += rlen + 1;
    }
    *vars = obj;
    return 0;
}

bool wk_plan_output_match(const wk_plan *plan, size_t i, const char *relpath)
{
    if (i >= plan->noutputs) {
        return false;
    }
    const wk_plan_output *po = &plan->outputs[i];
    if (po->nfiles == 0) {
        return true;
    }
    for (size_t j = 0; j < po->nfiles; j++) {
        if (model_glob_match(po->globs[j], relpath)) {
            return true;
        }
    }
    return false;
}
