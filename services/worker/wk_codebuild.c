/*
 * wk_codebuild.c — a CodeBuild action's build from its project and
 * buildspec (see wk_codebuild.h).
 */
#include "wk_codebuild.h"

#include "sluice/buf.h"
#include "sluice/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const wk_cb_phase_names[WK_CODEBUILD_PHASES][3] = {
    {"install", "INSTALL", "INSTALL finally"},
    {"pre_build", "PRE_BUILD", "PRE_BUILD finally"},
    {"build", "BUILD", "BUILD finally"},
    {"post_build", "POST_BUILD", "POST_BUILD finally"},
};

void wk_codebuild_free(wk_codebuild *build)
{
    if (build == NULL) {
        return;
    }
    for (size_t i = 0; i < build->nartifacts; i++) {
        wk_codebuild_artifact *a = &build->artifacts[i];
        free(a->base_dir);
        for (size_t j = 0; j < a->nfiles; j++) {
            model_glob_free(a->files[j]);
        }
        for (size_t j = 0; j < a->nexclude; j++) {
            model_glob_free(a->exclude[j]);
        }
    }
    json_decref(build->spec);
    free(build);
}

/* A relative path without "..", "" allowed. */
static bool wk_cb_safe_relative(const char *path)
{
    if (path[0] == '/') {
        return false;
    }
    const char *p = path;
    while (*p != '\0') {
        size_t n = strcspn(p, "/");
        if (n == 2 && p[0] == '.' && p[1] == '.') {
            return false;
        }
        p += n;
        if (*p == '/') {
            p++;
        }
    }
    return true;
}

int wk_codebuild_buildspec_source(const json_t *project, const char **inline_text,
                                  const char **path, char *err, size_t errlen)
{
    *inline_text = NULL;
    *path = WK_CODEBUILD_PROJECT;
    const char *value = json_string_value(json_object_get(project, "buildspec"));
    if (value == NULL || value[0] == '\0') {
        return 0;
    }
    if (strchr(value, '\n') != NULL) {
        *inline_text = value;
        return 0;
    }
    if (!wk_cb_safe_relative(value)) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                "the project's buildspec \"%.200s\" is not a path inside the "
                                "source",
                                value);
    }
    *path = value;
    return 0;
}

/* Adds a secret value to the plan's list, for masking. */
static int wk_cb_secret(wk_plan *plan, const char *value, char *err, size_t errlen)
{
    if (value[0] == '\0') {
        return 0;
    }
    if (plan->nsecrets == WK_PLAN_DECLARED_ENV_MAX) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL, "more than %d secret variables",
                                WK_PLAN_DECLARED_ENV_MAX);
    }
    plan->secrets[plan->nsecrets] = strdup(value);
    if (plan->secrets[plan->nsecrets] == NULL) {
        return SLUICE_ENOMEM;
    }
    plan->nsecrets++;
    return 0;
}

static int wk_cb_set(wk_plan *plan, const char *where, const char *name, const char *value,
                     char *err, size_t errlen)
{
    int rc = wk_plan_set_env(plan, name, value);
    if (rc == SLUICE_ETOOBIG) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                "%s: %s is too long, or there are too many variables", where, name);
    }
    return rc;
}

/* [A-Za-z_][A-Za-z0-9_]* */
static bool wk_cb_name(const char *s)
{
    if (s == NULL || s[0] == '\0' || strlen(s) > WK_PLAN_NAME_MAX || (s[0] >= '0' && s[0] <= '9')) {
        return false;
    }
    for (const char *p = s; *p != '\0'; p++) {
        char c = *p;
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_')) {
            return false;
        }
    }
    return true;
}

/* A map {name: value} of the buildspec's env; secret maps look each value up. */
static int wk_cb_env_map(wk_plan *plan, json_t *map, const char *where, bool secret,
                         const wk_plan_params *params, char *err, size_t errlen)
{
    const char *name;
    json_t *value;
    json_object_foreach(map, name, value)
    {
        const char *v = json_string_value(value);
        if (!wk_cb_name(name) || v == NULL) {
            return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                    "%s: \"%.100s\" is not a variable name", where, name);
        }
        if (secret) {
            const char *found =
                params->secret != NULL ? params->secret(params->secret_ctx, v) : NULL;
            if (found == NULL) {
                return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                        "%s.%s: \"%.200s\" is not configured on this worker", where,
                                        name, v);
            }
            int rc = wk_cb_secret(plan, found, err, errlen);
            if (rc != 0) {
                return rc;
            }
            v = found;
        }
        int rc = wk_cb_set(plan, where, name, v, err, errlen);
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

/* A list [{"name", "value", "type"}] of the project or the action's configuration. */
static int wk_cb_env_list(wk_plan *plan, const json_t *list, const char *where,
                          const wk_plan_params *params, char *err, size_t errlen)
{
    if (list == NULL) {
        return 0;
    }
    if (!json_is_array(list) || json_array_size(list) > 100) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                "%s is not a list of at most 100 {name, value, type}", where);
    }
    size_t i;
    json_t *var;
    json_array_foreach(list, i, var)
    {
        const char *name = json_string_value(json_object_get(var, "name"));
        const char *value = json_string_value(json_object_get(var, "value"));
        const char *type = json_string_value(json_object_get(var, "type"));
        if (!wk_cb_name(name) || value == NULL) {
            return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                    "%s[%zu]: a name [A-Za-z_][A-Za-z0-9_]* and a value are "
                                    "required",
                                    where, i);
        }
        if (type != NULL && strcmp(type, "PLAINTEXT") != 0) {
            if (strcmp(type, "PARAMETER_STORE") != 0 && strcmp(type, "SECRETS_MANAGER") != 0) {
                return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                        "%s[%zu]: type \"%.40s\" is not PLAINTEXT, "
                                        "PARAMETER_STORE or SECRETS_MANAGER",
                                        where, i, type);
            }
            const char *found =
                params->secret != NULL ? params->secret(params->secret_ctx, value) : NULL;
            if (found == NULL) {
                return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                        "%s: %s: \"%.200s\" is not configured on this worker",
                                        where, name, value);
            }
            int rc = wk_cb_secret(plan, found, err, errlen);
            if (rc != 0) {
                return rc;
            }
            value = found;
        }
        int rc = wk_cb_set(plan, where, name, value, err, errlen);
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

static int wk_cb_environment(wk_plan *plan, const json_t *spec, const json_t *project,
                             const wk_plan_params *params, char *err, size_t errlen)
{
    const json_t *env = json_object_get(spec, "env");
    int rc = wk_cb_env_map(plan, json_object_get(env, "variables"), "env.variables", false, params,
                           err, errlen);
    if (rc == 0) {
        rc = wk_cb_env_map(plan, json_object_get(env, "parameterStore"), "env.parameter-store",
                           true, params, err, errlen);
    }
    if (rc == 0) {
        rc = wk_cb_env_map(plan, json_object_get(env, "secretsManager"), "env.secrets-manager",
                           true, params, err, errlen);
    }
    if (rc == 0) {
        rc = wk_cb_env_list(plan, json_object_get(project, "environmentVariables"),
                            "the build project's environmentVariables", params, err, errlen);
    }
    const char *action_env = json_string_value(
        json_object_get(json_object_get(plan->job, "configuration"), "EnvironmentVariables"));
    if (rc == 0 && action_env != NULL) {
        json_error_t jerr;
        json_t *list = json_loads(action_env, JSON_REJECT_DUPLICATES, &jerr);
        if (list == NULL) {
            return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                    "the action's EnvironmentVariables is not JSON: %s at "
                                    "character %d",
                                    jerr.text, jerr.position);
        }
        rc = wk_cb_env_list(plan, list, "the action's EnvironmentVariables", params, err, errlen);
        json_decref(list);
    }
    return rc;
}

static int wk_cb_strings(const json_t *list, const char **out, size_t max, size_t *n,
                         const char *where, char *err, size_t errlen)
{
    *n = 0;
    if (json_array_size(list) > max) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL, "%s holds more than %zu entries", where,
                                max);
    }
    size_t i;
    json_t *item;
    json_array_foreach(list, i, item)
    {
        out[i] = json_string_value(item);
        if (out[i] == NULL || out[i][0] == '\0') {
            return sluice_error_set(err, errlen, SLUICE_EINVAL, "%s[%zu] is empty", where, i);
        }
        *n = i + 1;
    }
    return 0;
}

static int wk_cb_phases(wk_codebuild *build, char *err, size_t errlen)
{
    const json_t *phases = json_object_get(build->spec, "phases");
    for (size_t i = 0; i < WK_CODEBUILD_PHASES; i++) {
        wk_codebuild_phase *ph = &build->phases[i];
        ph->name = wk_cb_phase_names[i][0];
        ph->label = wk_cb_phase_names[i][1];
        ph->finally_label = wk_cb_phase_names[i][2];
        const json_t *p = json_object_get(phases, ph->name);
        if (p == NULL) {
            continue;
        }
        ph->present = true;
        const char *on_failure = json_string_value(json_object_get(p, "onFailure"));
        ph->on_failure_continue = on_failure != NULL && strcmp(on_failure, "CONTINUE") == 0;
        char where[64];
        snprintf(where, sizeof where, "phases.%s.commands", ph->name);
        int rc = wk_cb_strings(json_object_get(p, "commands"), ph->commands,
                               WK_CODEBUILD_COMMANDS_MAX, &ph->ncommands, where, err, errlen);
        snprintf(where, sizeof where, "phases.%s.finally", ph->name);
        if (rc == 0) {
            rc = wk_cb_strings(json_object_get(p, "finally"), ph->finally,
                               WK_CODEBUILD_COMMANDS_MAX, &ph->nfinally, where, err, errlen);
        }
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

/*
 * CodeBuild's artifact globs let a "**" segment match no directory at all: its
 * "everything" pattern (two stars, a slash, a star) packs the top-level files
 * too, where the trigger filters' Java glob (model_glob) needs the slash.
 * Compiles pattern with every segment of two stars and a slash written as a
 * brace alternative of that segment and nothing; a pattern with braces of its
 * own is compiled as written.
 */
static int wk_cb_glob_compile(const char *pattern, model_glob **out, char *why, size_t whylen)
{
    if (strchr(pattern, '{') != NULL || strstr(pattern, "**/") == NULL) {
        return model_glob_compile(pattern, out, why, whylen);
    }
    sluice_buf rewritten;
    sluice_buf_init(&rewritten, 4 * MODEL_GLOB_MAX_PATTERN);
    int rc = SLUICE_OK;
    for (const char *p = pattern; *p != '\0' && rc == SLUICE_OK;) {
        bool segment_start = p == pattern || p[-1] == '/';
        if (segment_start && strncmp(p, "**/", 3) == 0) {
            rc = sluice_buf_append_str(&rewritten, "{**/,}");
            p += 3;
        } else {
            rc = sluice_buf_append(&rewritten, p, 1);
            p++;
        }
    }
    if (rc == SLUICE_OK) {
        rc = model_glob_compile(sluice_buf_cstr(&rewritten), out, why, whylen);
    } else {
        snprintf(why, whylen, "longer than %d bytes", MODEL_GLOB_MAX_PATTERN);
    }
    sluice_buf_free(&rewritten);
    return rc;
}

static int wk_cb_globs(const json_t *list, model_glob **out, size_t *n, const char *where,
                       char *err, size_t errlen)
{
    *n = 0;
    if (json_array_size(list) > WK_CODEBUILD_GLOBS_MAX) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL, "%s holds more than %d globs", where,
                                WK_CODEBUILD_GLOBS_MAX);
    }
    size_t i;
    json_t *item;
    json_array_foreach(list, i, item)
    {
        const char *pattern = json_string_value(item);
        char why[256] = "";
        while (pattern != NULL && pattern[0] == '.' && pattern[1] == '/') {
            pattern += 2;
        }
        if (pattern == NULL || wk_cb_glob_compile(pattern, &out[i], why, sizeof why) != 0) {
            return sluice_error_set(err, errlen, SLUICE_EINVAL, "%s[%zu] is not a glob: %s", where,
                                    i, why);
        }
        *n = i + 1;
    }
    return 0;
}

static int wk_cb_artifact(const wk_plan *plan, wk_codebuild_artifact *a, const json_t *spec_art,
                          const char *where, char *err, size_t errlen)
{
    const char *base = json_string_value(json_object_get(spec_art, "baseDirectory"));
    if (base == NULL) {
        base = "";
    }
    while (base[0] == '.' && base[1] == '/') {
        base += 2;
    }
    if (!wk_cb_safe_relative(base)) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                "%s.base-directory \"%.200s\" is not a directory of the source",
                                where, base);
    }
    size_t blen = strlen(base);
    while (blen > 0 && base[blen - 1] == '/') {
        blen--;
    }
    size_t n = strlen(plan->src_dir) + blen + 2;
    a->base_dir = malloc(n);
    if (a->base_dir == NULL) {
        return SLUICE_ENOMEM;
    }
    if (blen == 0 || (blen == 1 && base[0] == '.')) {
        snprintf(a->base_dir, n, "%s", plan->src_dir);
    } else {
        snprintf(a->base_dir, n, "%s/%.*s", plan->src_dir, (int)blen, base);
    }
    a->discard_paths = json_is_true(json_object_get(spec_art, "discardPaths"));
    char sub[160];
    snprintf(sub, sizeof sub, "%s.files", where);
    int rc =
        wk_cb_globs(json_object_get(spec_art, "files"), a->files, &a->nfiles, sub, err, errlen);
    snprintf(sub, sizeof sub, "%s.exclude-paths", where);
    if (rc == 0) {
        rc = wk_cb_globs(json_object_get(spec_art, "excludePaths"), a->exclude, &a->nexclude, sub,
                         err, errlen);
    }
    return rc;
}

static int wk_cb_artifacts(const wk_plan *plan, wk_codebuild *build, char *err, size_t errlen)
{
    const json_t *artifacts = json_object_get(build->spec, "artifacts");
    const json_t *secondary = json_object_get(artifacts, "secondary");
    for (size_t i = 0; i < plan->noutputs; i++) {
        wk_codebuild_artifact *a = &build->artifacts[i];
        a->output = plan->outputs[i].name;
        build->nartifacts = i + 1;
        const json_t *spec_art = json_object_get(secondary, a->output);
        char where[160];
        snprintf(where, sizeof where, "artifacts.secondary-artifacts.%s", a->output);
        if (spec_art == NULL && i == 0 && json_object_get(artifacts, "files") != NULL) {
            spec_art = artifacts;
            snprintf(where, sizeof where, "artifacts");
        }
        if (spec_art == NULL) {
            return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                    "output artifact %s: the buildspec declares no artifact for "
                                    "it (artifacts.files for the first output, "
                                    "secondary-artifacts.%s otherwise)",
                                    a->output, a->output);
        }
        int rc = wk_cb_artifact(plan, a, spec_art, where, err, errlen);
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

static int wk_cb_exported(wk_plan *plan, const json_t *spec, char *err, size_t errlen)
{
    const json_t *list = json_object_get(json_object_get(spec, "env"), "exportedVariables");
    if (json_array_size(list) > WK_PLAN_OUTPUT_VARS_MAX) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                "env.exported-variables holds more than %d names",
                                WK_PLAN_OUTPUT_VARS_MAX);
    }
    size_t i;
    json_t *item;
    json_array_foreach(list, i, item)
    {
        if (!wk_cb_name(json_string_value(item))) {
            return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                    "env.exported-variables[%zu] is not a variable name", i);
        }
        plan->output_vars[i] = json_string_value(item);
        plan->noutput_vars = i + 1;
    }
    return 0;
}

int wk_codebuild_new(wk_plan *plan, json_t *spec, const json_t *project,
                     const wk_plan_params *params, wk_codebuild **out, char *err, size_t errlen)
{
    *out = NULL;
    if (plan->kind != WK_PLAN_CODEBUILD) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL, "not a CodeBuild plan");
    }
    wk_codebuild *build = calloc(1, sizeof *build);
    if (build == NULL) {
        return SLUICE_ENOMEM;
    }
    build->spec = json_incref(spec);
    int rc = wk_cb_phases(build, err, errlen);
    if (rc == 0) {
        rc = wk_cb_artifacts(plan, build, err, errlen);
    }
    if (rc == 0) {
        rc = wk_cb_environment(plan, spec, project, params, err, errlen);
    }
    if (rc == 0) {
        rc = wk_cb_exported(plan, spec, err, errlen);
    }
    if (rc != 0) {
        if (rc == SLUICE_ENOMEM) {
            sluice_error_set(err, errlen, rc, "out of memory");
        }
        wk_codebuild_free(build);
        return rc;
    }
    json_int_t minutes = json_integer_value(json_object_get(project, "timeoutInMinutes"));
    if (minutes > 0 && minutes * 60 * 1000 < plan->timeout_ms) {
        plan->timeout_ms = minutes * 60 * 1000;
    }
    /* the spec holds the output variable names now: keep it as long as the plan */
    *out = build;
    return 0;
}

bool wk_codebuild_match(const wk_codebuild *build, size_t i, const char *relpath)
{
    if (i >= build->nartifacts) {
        return false;
    }
    const wk_codebuild_artifact *a = &build->artifacts[i];
    bool in = false;
    for (size_t j = 0; j < a->nfiles && !in; j++) {
        in = model_glob_match(a->files[j], relpath);
    }
    for (size_t j = 0; j < a->nexclude && in; j++) {
        in = !model_glob_match(a->exclude[j], relpath);
    }
    return in;
}
