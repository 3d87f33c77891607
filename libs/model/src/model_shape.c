/*
 * model_shape.c — botocore's PipelineDeclaration shapes as a static table,
 * and the two passes that walk a document against it (model_shape.h).
 *
 * The table is written leaves first so every shape is defined before the
 * shapes that use it. Patterns are the few character classes botocore uses
 * (plus the IAM role ARN pattern), matched by hand over the whole string.
 * Pure; the table is read-only.
 */
#include "model_shape.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>

typedef enum shape_type {
    SHAPE_STRING,
    SHAPE_INT,
    SHAPE_OBJECT,
    SHAPE_LIST,
    SHAPE_MAP,
} shape_type;

typedef enum shape_pattern {
    PATTERN_NONE,
    PATTERN_NAME,      /* [A-Za-z0-9.@\-_]+ */
    PATTERN_ARTIFACT,  /* [a-zA-Z0-9_\-]+ (also ActionProvider, Version) */
    PATTERN_NAMESPACE, /* [A-Za-z0-9@\-_]+ */
    PATTERN_BUCKET,    /* [a-zA-Z0-9\-\.]+ */
    PATTERN_ENV_NAME,  /* [A-Za-z0-9_]+ */
    PATTERN_ROLE_ARN,  /* arn:aws(-[\w]+)*:iam::[0-9]{12}:role/.* */
} shape_pattern;

typedef struct shape shape;

typedef struct shape_member {
    const char *name;
    const shape *type;
    bool required;
} shape_member;

struct shape {
    shape_type type;
    int64_t min; /* length, size or value; NO_BOUND when unbounded */
    int64_t max;
    shape_pattern pattern;
    const char *const *enums; /* NULL-terminated; NULL when not an enum */
    const shape_member *members;
    size_t nmembers;
    const shape *item;     /* list member or map value */
    const shape *key;      /* map key */
    const char *exception; /* for value problems; NULL: ValidationException */
};

#define NO_BOUND INT64_MIN
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

#define STRING(lo, hi, pat)                                                                        \
    {                                                                                              \
        .type = SHAPE_STRING, .min = (lo), .max = (hi), .pattern = (pat)                           \
    }
#define ENUM(values)                                                                               \
    {                                                                                              \
        .type = SHAPE_STRING, .min = NO_BOUND, .max = NO_BOUND, .enums = (values)                  \
    }
#define INT(lo, hi)                                                                                \
    {                                                                                              \
        .type = SHAPE_INT, .min = (lo), .max = (hi)                                                \
    }
#define OBJECT(m)                                                                                  \
    {                                                                                              \
        .type = SHAPE_OBJECT, .min = NO_BOUND, .max = NO_BOUND, .members = (m),                    \
        .nmembers = COUNT(m)                                                                       \
    }
#define LIST(of, lo, hi)                                                                           \
    {                                                                                              \
        .type = SHAPE_LIST, .min = (lo), .max = (hi), .item = (of)                                 \
    }
#define MAP(k, v, lo, hi)                                                                          \
    {                                                                                              \
        .type = SHAPE_MAP, .min = (lo), .max = (hi), .key = (k), .item = (v)                       \
    }

/* ---- leaves ------------------------------------------------------------------------------ */

static const char *const enum_store_type[] = {"S3", NULL};
static const char *const enum_key_type[] = {"KMS", NULL};
static const char *const enum_blocker_type[] = {"Schedule", NULL};
static const char *const enum_category[] = {"Source", "Build",    "Deploy",  "Test",
                                            "Invoke", "Approval", "Compute", NULL};
static const char *const enum_owner[] = {"AWS", "ThirdParty", "Custom", NULL};
static const char *const enum_env_type[] = {"PLAINTEXT", "SECRETS_MANAGER", NULL};
static const char *const enum_result[] = {"ROLLBACK", "FAIL", "RETRY", "SKIP", NULL};
static const char *const enum_retry_mode[] = {"FAILED_ACTIONS", "ALL_ACTIONS", NULL};
static const char *const enum_rule_category[] = {"Rule", NULL};
static const char *const enum_rule_owner[] = {"AWS", NULL};
static const char *const enum_mode[] = {"QUEUED", "SUPERSEDED", "PARALLEL", NULL};
static const char *const enum_type[] = {"V1", "V2", NULL};
static const char *const enum_trigger_provider[] = {"CodeStarSourceConnection", NULL};
static const char *const enum_pr_event[] = {"OPEN", "UPDATED", "CLOSED", NULL};

static const shape s_name = STRING(1, 100, PATTERN_NAME); /* pipeline, stage, action, rule */
static const shape s_role_arn = STRING(NO_BOUND, 1024, PATTERN_ROLE_ARN);
static const shape s_region = STRING(4, 30, PATTERN_NONE);
static const shape s_store_type = ENUM(enum_store_type);
static const shape s_store_location = STRING(3, 63, PATTERN_BUCKET);
static const shape s_key_id = STRING(1, 400, PATTERN_NONE);
static const shape s_key_type = ENUM(enum_key_type);
static const shape s_blocker_name = STRING(1, 100, PATTERN_NONE);
static const shape s_blocker_type = {.type = SHAPE_STRING,
                                     .min = NO_BOUND,
                                     .max = NO_BOUND,
                                     .enums = enum_blocker_type,
                                     .exception = MODEL_EXC_STAGE};
static const shape s_category = ENUM(enum_category);
static const shape s_owner = ENUM(enum_owner);
static const shape s_provider = STRING(1, 35, PATTERN_ARTIFACT);
static const shape s_version = STRING(1, 9, PATTERN_ARTIFACT);
static const shape s_run_order = INT(1, 999);
static const shape s_config_key = STRING(1, 50, PATTERN_NONE);
static const shape s_config_value = STRING(1, 1000, PATTERN_NONE);
static const shape s_rule_config_value = STRING(1, 10000, PATTERN_NONE);
static const shape s_command = STRING(1, 1000, PATTERN_NONE);
static const shape s_artifact_name = STRING(1, 100, PATTERN_ARTIFACT);
static const shape s_file_path = STRING(1, 128, PATTERN_NONE);
static const shape s_output_variable = STRING(1, 128, PATTERN_NONE);
static const shape s_namespace = STRING(1, 100, PATTERN_NAMESPACE);
static const shape s_timeout = INT(5, 86400);
static const shape s_env_name = STRING(1, 128, PATTERN_ENV_NAME);
static const shape s_env_value = STRING(1, 2000, PATTERN_NONE);
static const shape s_env_type = ENUM(enum_env_type);
static const shape s_result = ENUM(enum_result);
static const shape s_retry_mode = ENUM(enum_retry_mode);
static const shape s_rule_category = ENUM(enum_rule_category);
static const shape s_rule_owner = ENUM(enum_rule_owner);
static const shape s_pipeline_version = INT(1, INT64_MAX);
static const shape s_mode = ENUM(enum_mode);
static const shape s_type = ENUM(enum_type);
static const shape s_variable_name = STRING(1, 128, PATTERN_NAMESPACE);
static const shape s_variable_value = STRING(1, 1000, PATTERN_NONE);
static const shape s_variable_description = STRING(0, 200, PATTERN_NONE);
static const shape s_trigger_provider = ENUM(enum_trigger_provider);
static const shape s_git_pattern = STRING(1, 255, PATTERN_NONE);
static const shape s_pr_event = ENUM(enum_pr_event);

/* ---- artifact stores -------------------------------------------------------------------- */

static const shape_member m_encryption_key[] = {
    {"id", &s_key_id, true},
    {"type", &s_key_type, true},
};
static const shape s_encryption_key = OBJECT(m_encryption_key);
static const shape_member m_artifact_store[] = {
    {"type", &s_store_type, true},
    {"location", &s_store_location, true},
    {"encryptionKey", &s_encryption_key, false},
};
static const shape s_artifact_store = OBJECT(m_artifact_store);
static const shape s_artifact_stores = MAP(&s_region, &s_artifact_store, NO_BOUND, NO_BOUND);

/* ---- actions ---------------------------------------------------------------------------- */

static const shape_member m_action_type_id[] = {
    {"category", &s_category, true},
    {"owner", &s_owner, true},
    {"provider", &s_provider, true},
    {"version", &s_version, true},
};
static const shape s_action_type_id = OBJECT(m_action_type_id);
static const shape s_configuration = MAP(&s_config_key, &s_config_value, NO_BOUND, NO_BOUND);
static const shape s_commands = LIST(&s_command, 1, 50);
static const shape s_file_paths = LIST(&s_file_path, 1, 10);
static const shape_member m_output_artifact[] = {
    {"name", &s_artifact_name, true},
    {"files", &s_file_paths, false},
};
static const shape s_output_artifact = OBJECT(m_output_artifact);
static const shape s_output_artifacts = LIST(&s_output_artifact, NO_BOUND, NO_BOUND);
static const shape_member m_input_artifact[] = {
    {"name", &s_artifact_name, true},
};
static const shape s_input_artifact = OBJECT(m_input_artifact);
static const shape s_input_artifacts = LIST(&s_input_artifact, NO_BOUND, NO_BOUND);
static const shape s_output_variables = LIST(&s_output_variable, 1, 15);
static const shape_member m_env_var[] = {
    {"name", &s_env_name, true},
    {"value", &s_env_value, true},
    {"type", &s_env_type, false},
};
static const shape s_env_var = OBJECT(m_env_var);
static const shape s_env_vars = LIST(&s_env_var, 1, 10);
static const shape_member m_action[] = {
    {"name", &s_name, true},
    {"actionTypeId", &s_action_type_id, true},
    {"runOrder", &s_run_order, false},
    {"configuration", &s_configuration, false},
    {"commands", &s_commands, false},
    {"outputArtifacts", &s_output_artifacts, false},
    {"inputArtifacts", &s_input_artifacts, false},
    {"outputVariables", &s_output_variables, false},
    {"roleArn", &s_role_arn, false},
    {"region", &s_region, false},
    {"namespace", &s_namespace, false},
    {"timeoutInMinutes", &s_timeout, false},
    {"environmentVariables", &s_env_vars, false},
};
static const shape s_action = OBJECT(m_action);
static const shape s_actions = LIST(&s_action, NO_BOUND, NO_BOUND);

/* ---- stage conditions (V2) ------------------------------------------------------------- */

static const shape_member m_rule_type_id[] = {
    {"category", &s_rule_category, true},
    {"owner", &s_rule_owner, false},
    {"provider", &s_provider, true},
    {"version", &s_version, false},
};
static const shape s_rule_type_id = OBJECT(m_rule_type_id);
static const shape s_rule_configuration = MAP(&s_config_key, &s_rule_config_value, 0, 200);
static const shape_member m_rule[] = {
    {"name", &s_name, true},
    {"ruleTypeId", &s_rule_type_id, true},
    {"configuration", &s_rule_configuration, false},
    {"commands", &s_commands, false},
    {"inputArtifacts", &s_input_artifacts, false},
    {"roleArn", &s_role_arn, false},
    {"region", &s_region, false},
    {"timeoutInMinutes", &s_timeout, false},
};
static const shape s_rule = OBJECT(m_rule);
static const shape s_rules = LIST(&s_rule, 1, 5);
static const shape_member m_condition[] = {
    {"result", &s_result, false},
    {"rules", &s_rules, false},
};
static const shape s_condition = OBJECT(m_condition);
static const shape s_conditions = LIST(&s_condition, 1, 1);
static const shape_member m_retry_configuration[] = {
    {"retryMode", &s_retry_mode, false},
};
static const shape s_retry_configuration = OBJECT(m_retry_configuration);
static const shape_member m_failure_conditions[] = {
    {"result", &s_result, false},
    {"retryConfiguration", &s_retry_configuration, false},
    {"conditions", &s_conditions, false},
};
static const shape s_failure_conditions = OBJECT(m_failure_conditions);
static const shape_member m_success_conditions[] = {
    {"conditions", &s_conditions, true},
};
static const shape s_success_conditions = OBJECT(m_success_conditions);

/* ---- stages ----------------------------------------------------------------------------- */

static const shape_member m_blocker[] = {
    {"name", &s_blocker_name, true},
    {"type", &s_blocker_type, true},
};
static const shape s_blocker = OBJECT(m_blocker);
static const shape s_blockers = LIST(&s_blocker, NO_BOUND, NO_BOUND);
static const shape_member m_stage[] = {
    {"name", &s_name, true},
    {"blockers", &s_blockers, false},
    {"actions", &s_actions, true},
    {"onFailure", &s_failure_conditions, false},
    {"onSuccess", &s_success_conditions, false},
    {"beforeEntry", &s_success_conditions, false},
};
static const shape s_stage = OBJECT(m_stage);
static const shape s_stages = LIST(&s_stage, NO_BOUND, NO_BOUND);

/* ---- variables and triggers (V2) ------------------------------------------------------- */

static const shape_member m_variable[] = {
    {"name", &s_variable_name, true},
    {"defaultValue", &s_variable_value, false},
    {"description", &s_variable_description, false},
};
static const shape s_variable = OBJECT(m_variable);
static const shape s_variables = LIST(&s_variable, NO_BOUND, 50);
static const shape s_git_patterns = LIST(&s_git_pattern, 1, 8);
static const shape_member m_git_criteria[] = {
    {"includes", &s_git_patterns, false},
    {"excludes", &s_git_patterns, false},
};
static const shape s_git_criteria = OBJECT(m_git_criteria);
static const shape_member m_push_filter[] = {
    {"tags", &s_git_criteria, false},
    {"branches", &s_git_criteria, false},
    {"filePaths", &s_git_criteria, false},
};
static const shape s_push_filter = OBJECT(m_push_filter);
static const shape s_push_filters = LIST(&s_push_filter, 1, 3);
static const shape s_pr_events = LIST(&s_pr_event, 1, 3);
static const shape_member m_pr_filter[] = {
    {"events", &s_pr_events, false},
    {"branches", &s_git_criteria, false},
    {"filePaths", &s_git_criteria, false},
};
static const shape s_pr_filter = OBJECT(m_pr_filter);
static const shape s_pr_filters = LIST(&s_pr_filter, 1, 3);
static const shape_member m_git_configuration[] = {
    {"sourceActionName", &s_name, true},
    {"push", &s_push_filters, false},
    {"pullRequest", &s_pr_filters, false},
};
static const shape s_git_configuration = OBJECT(m_git_configuration);
static const shape_member m_trigger[] = {
    {"providerType", &s_trigger_provider, true},
    {"gitConfiguration", &s_git_configuration, true},
};
static const shape s_trigger = OBJECT(m_trigger);
static const shape s_triggers = LIST(&s_trigger, NO_BOUND, 50);

/* ---- the pipeline ----------------------------------------------------------------------- */

static const shape_member m_pipeline[] = {
    {"name", &s_name, true},
    {"roleArn", &s_role_arn, true},
    {"artifactStore", &s_artifact_store, false},
    {"artifactStores", &s_artifact_stores, false},
    {"stages", &s_stages, true},
    {"version", &s_pipeline_version, false},
    {"executionMode", &s_mode, false},
    {"pipelineType", &s_type, false},
    {"variables", &s_variables, false},
    {"triggers", &s_triggers, false},
};
static const shape s_pipeline = OBJECT(m_pipeline);

/* ---- patterns --------------------------------------------------------------------------- */

static bool is_alnum(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool class_matches(shape_pattern pattern, unsigned char c)
{
    switch (pattern) {
    case PATTERN_NAME:
        return is_alnum(c) || c == '.' || c == '@' || c == '-' || c == '_';
    case PATTERN_ARTIFACT:
        return is_alnum(c) || c == '-' || c == '_';
    case PATTERN_NAMESPACE:
        return is_alnum(c) || c == '@' || c == '-' || c == '_';
    case PATTERN_BUCKET:
        return is_alnum(c) || c == '-' || c == '.';
    case PATTERN_ENV_NAME:
        return is_alnum(c) || c == '_';
    case PATTERN_NONE:
    case PATTERN_ROLE_ARN:
        break;
    }
    return true;
}

/* arn:aws(-[\w]+)*:iam::[0-9]{12}:role/.* */
static bool is_role_arn(const char *text)
{
    const char *p = text;
    if (strncmp(p, "arn:aws", 7) != 0) {
        return false;
    }
    p += 7;
    while (*p == '-') {
        p++;
        if (!is_alnum((unsigned char)*p) && *p != '_') {
            return false;
        }
        while (is_alnum((unsigned char)*p) || *p == '_') {
            p++;
        }
    }
    if (strncmp(p, ":iam::", 6) != 0) {
        return false;
    }
    p += 6;
    for (int i = 0; i < 12; i++, p++) {
        if (*p < '0' || *p > '9') {
            return false;
        }
    }
    return strncmp(p, ":role/", 6) == 0 && strchr(p, '\n') == NULL;
}

static bool pattern_matches(shape_pattern pattern, const char *text)
{
    if (pattern == PATTERN_NONE) {
        return true;
    }
    if (pattern == PATTERN_ROLE_ARN) {
        return is_role_arn(text);
    }
    if (*text == '\0') {
        return false;
    }
    for (const unsigned char *p = (const unsigned char *)text; *p != '\0'; p++) {
        if (!class_matches(pattern, *p)) {
            return false;
        }
    }
    return true;
}

static const char *pattern_text(shape_pattern pattern)
{
    switch (pattern) {
    case PATTERN_NAME:
        return "[A-Za-z0-9.@\\-_]+";
    case PATTERN_ARTIFACT:
        return "[a-zA-Z0-9_\\-]+";
    case PATTERN_NAMESPACE:
        return "[A-Za-z0-9@\\-_]+";
    case PATTERN_BUCKET:
        return "[a-zA-Z0-9\\-\\.]+";
    case PATTERN_ENV_NAME:
        return "[A-Za-z0-9_]+";
    case PATTERN_ROLE_ARN:
        return "arn:aws(-[\\w]+)*:iam::[0-9]{12}:role/.*";
    case PATTERN_NONE:
        break;
    }
    return ".*";
}

size_t model_shape_length(const char *text)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)text; *p != '\0'; p++) {
        if ((*p & 0xC0) != 0x80) {
            n++;
        }
    }
    return n;
}

bool model_shape_is_name(const char *text)
{
    return pattern_matches(PATTERN_NAME, text);
}

bool model_shape_is_namespace(const char *text)
{
    return pattern_matches(PATTERN_NAMESPACE, text);
}

/* ---- the walk --------------------------------------------------------------------------- */

typedef struct walk {
    model_shape_mode mode;
    model_path *path;
    size_t first;
    model_errors *errs;
} walk;

static const char *json_type_name(const json_t *value)
{
    switch (json_typeof(value)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "a list";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
        return "an integer";
    case JSON_REAL:
        return "a number with a fraction";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    case JSON_NULL:
        return "null";
    }
    return "a value";
}

static bool type_fits(const json_t *value, shape_type type)
{
    switch (type) {
    case SHAPE_STRING:
        return json_is_string(value);
    case SHAPE_INT:
        return json_is_integer(value);
    case SHAPE_OBJECT:
    case SHAPE_MAP:
        return json_is_object(value);
    case SHAPE_LIST:
        return json_is_array(value);
    }
    return false;
}

static const char *type_wanted(shape_type type)
{
    switch (type) {
    case SHAPE_STRING:
        return "a string";
    case SHAPE_INT:
        return "an integer";
    case SHAPE_OBJECT:
        return "an object";
    case SHAPE_MAP:
        return "an object of string values";
    case SHAPE_LIST:
        return "a list";
    }
    return "a value";
}

static void walk_value(walk *w, const json_t *value, const shape *sh);

/* Value problems are reported once: not where the parser already reported something. */
static bool value_reportable(const walk *w)
{
    return !model_errors_covers(w->errs, w->first, SIZE_MAX, w->path->buf);
}

static const char *value_exception(const shape *sh)
{
    return sh->exception != NULL ? sh->exception : MODEL_EXC_VALIDATION;
}

static void check_string(walk *w, const char *text, const shape *sh)
{
    size_t len = model_shape_length(text);
    if (!value_reportable(w)) {
        return;
    }
    if ((sh->min != NO_BOUND && (int64_t)len < sh->min) ||
        (sh->max != NO_BOUND && (int64_t)len > sh->max)) {
        if (sh->min != NO_BOUND) {
            model_errors_add(w->errs, value_exception(sh), w->path->buf,
                             "must be %" PRId64 " to %" PRId64 " characters long (is %zu)", sh->min,
                             sh->max, len);
        } else {
            model_errors_add(w->errs, value_exception(sh), w->path->buf,
                             "must be at most %" PRId64 " characters long (is %zu)", sh->max, len);
        }
        return;
    }
    if (!pattern_matches(sh->pattern, text)) {
        model_errors_add(w->errs, value_exception(sh), w->path->buf,
                         "\"%.80s\" does not match the pattern %s", text,
                         pattern_text(sh->pattern));
        return;
    }
    if (sh->enums != NULL) {
        char allowed[160] = "";
        size_t used = 0;
        for (size_t i = 0; sh->enums[i] != NULL; i++) {
            if (strcmp(sh->enums[i], text) == 0) {
                return;
            }
            int n = snprintf(allowed + used, sizeof(allowed) - used, "%s%s", i > 0 ? ", " : "",
                             sh->enums[i]);
            if (n > 0 && (size_t)n < sizeof(allowed) - used) {
                used += (size_t)n;
            }
        }
        model_errors_add(w->errs, value_exception(sh), w->path->buf, "\"%.80s\" is not one of %s",
                         text, allowed);
    }
}

static void check_int(walk *w, const json_t *value, const shape *sh)
{
    int64_t n = (int64_t)json_integer_value(value);
    if (!value_reportable(w)) {
        return;
    }
    if (n < sh->min || n > sh->max) {
        if (sh->max == INT64_MAX) {
            model_errors_add(w->errs, value_exception(sh), w->path->buf,
                             "must be at least %" PRId64 " (is %" PRId64 ")", sh->min, n);
        } else {
            model_errors_add(w->errs, value_exception(sh), w->path->buf,
                             "must be between %" PRId64 " and %" PRId64 " (is %" PRId64 ")",
                             sh->min, sh->max, n);
        }
    }
}

static void check_count(walk *w, size_t count, const shape *sh, const char *unit)
{
    if (!value_reportable(w)) {
        return;
    }
    if (sh->min != NO_BOUND && (int64_t)count < sh->min) {
        if (sh->max != NO_BOUND) {
            model_errors_add(w->errs, value_exception(sh), w->path->buf,
                             "must have %" PRId64 " to %" PRId64 " %s (has %zu)", sh->min, sh->max,
                             unit, count);
        } else {
            model_errors_add(w->errs, value_exception(sh), w->path->buf,
                             "must have at least %" PRId64 " %s (has %zu)", sh->min, unit, count);
        }
    } else if (sh->max != NO_BOUND && (int64_t)count > sh->max) {
        if (sh->min != NO_BOUND) {
            model_errors_add(w->errs, value_exception(sh), w->path->buf,
                             "must have %" PRId64 " to %" PRId64 " %s (has %zu)", sh->min, sh->max,
                             unit, count);
        } else {
            model_errors_add(w->errs, value_exception(sh), w->path->buf,
                             "must have at most %" PRId64 " %s (has %zu)", sh->max, unit, count);
        }
    }
}

static void member_names(const shape *sh, char *out, size_t outlen)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < sh->nmembers; i++) {
        int n = snprintf(out + used, outlen - used, "%s%s", i > 0 ? ", " : "", sh->members[i].name);
        if (n < 0 || (size_t)n >= outlen - used) {
            break;
        }
        used += (size_t)n;
    }
}

static void walk_object(walk *w, const json_t *value, const shape *sh)
{
    const char *key;
    json_t *member;
    json_object_foreach(model_shape_iterable(value), key, member)
    {
        const shape_member *m = NULL;
        for (size_t i = 0; i < sh->nmembers; i++) {
            if (strcmp(sh->members[i].name, key) == 0) {
                m = &sh->members[i];
                break;
            }
        }
        size_t mark = model_path_key(w->path, key);
        if (m != NULL) {
            walk_value(w, member, m->type);
        } else if (w->mode == MODEL_SHAPE_TYPES) {
            char names[400];
            member_names(sh, names, sizeof(names));
            model_errors_add(w->errs, MODEL_EXC_VALIDATION, w->path->buf,
                             "unknown field; expected one of %s", names);
        }
        model_path_restore(w->path, mark);
    }
    if (w->mode == MODEL_SHAPE_TYPES) {
        for (size_t i = 0; i < sh->nmembers; i++) {
            if (sh->members[i].required && json_object_get(value, sh->members[i].name) == NULL) {
                size_t mark = model_path_key(w->path, sh->members[i].name);
                model_errors_add(w->errs, MODEL_EXC_VALIDATION, w->path->buf,
                                 "required field is missing");
                model_path_restore(w->path, mark);
            }
        }
    }
}

static void walk_value(walk *w, const json_t *value, const shape *sh)
{
    if (!type_fits(value, sh->type)) {
        if (w->mode == MODEL_SHAPE_TYPES) {
            model_errors_add(w->errs, MODEL_EXC_VALIDATION, w->path->buf, "must be %s, not %s",
                             type_wanted(sh->type), json_type_name(value));
        }
        return;
    }
    switch (sh->type) {
    case SHAPE_STRING:
        if (w->mode == MODEL_SHAPE_VALUES) {
            check_string(w, json_string_value(value), sh);
        }
        break;
    case SHAPE_INT:
        if (w->mode == MODEL_SHAPE_VALUES) {
            check_int(w, value, sh);
        }
        break;
    case SHAPE_OBJECT:
        walk_object(w, value, sh);
        break;
    case SHAPE_LIST: {
        size_t i;
        json_t *item;
        if (w->mode == MODEL_SHAPE_VALUES) {
            check_count(w, json_array_size(value), sh, "items");
        }
        json_array_foreach(value, i, item)
        {
            size_t mark = model_path_index(w->path, i);
            walk_value(w, item, sh->item);
            model_path_restore(w->path, mark);
        }
        break;
    }
    case SHAPE_MAP: {
        const char *key;
        json_t *item;
        if (w->mode == MODEL_SHAPE_VALUES) {
            check_count(w, json_object_size(value), sh, "entries");
        }
        json_object_foreach(model_shape_iterable(value), key, item)
        {
            size_t mark = model_path_key(w->path, key);
            if (w->mode == MODEL_SHAPE_VALUES) {
                size_t before = model_errors_total(w->errs);
                check_string(w, key, sh->key);
                if (model_errors_total(w->errs) != before) {
                    model_path_restore(w->path, mark);
                    continue; /* one problem per entry: the key's */
                }
            }
            walk_value(w, item, sh->item);
            model_path_restore(w->path, mark);
        }
        break;
    }
    }
}

void model_shape_check_pipeline(const json_t *pipeline, model_shape_mode mode, model_path *path,
                                size_t first, model_errors *errs)
{
    walk w = {.mode = mode, .path = path, .first = first, .errs = errs};
    walk_value(&w, pipeline, &s_pipeline);
}
