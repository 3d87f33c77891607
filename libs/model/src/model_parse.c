/*
 * model_parse.c — JSON to model_pipeline (model_parse.h).
 *
 * Two steps. First the shape table's types pass walks the JSON and reports
 * wrong types, missing required members and unknown members. Then the
 * extraction below copies what has the right type into the model and skips
 * the rest silently (already reported). Lists keep their length even when an
 * element cannot be read, so indexes — and paths — stay those of the input.
 * V2 stage conditions, blockers, artifact stores and triggers are kept as
 * JSON copies. Text input is bounded in size and, before jansson sees it,
 * in nesting depth. Pure.
 */
#include "sluice/model_parse.h"

#include "model_path.h"
#include "model_shape.h"
#include "sluice/error.h"
#include "sluice/jsontext.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct parser {
    model_path path;
    model_errors *errs;
    bool oom;
} parser;

static char *take_string(parser *ps, const json_t *obj, const char *key)
{
    const json_t *value = json_object_get(obj, key);
    if (!json_is_string(value)) {
        return NULL;
    }
    char *copy = strdup(json_string_value(value));
    if (copy == NULL) {
        ps->oom = true;
    }
    return copy;
}

static json_t *take_json(parser *ps, const json_t *obj, const char *key, bool want_object)
{
    json_t *value = json_object_get(obj, key);
    if (value == NULL || (want_object ? !json_is_object(value) : !json_is_array(value))) {
        return NULL;
    }
    json_t *copy = json_deep_copy(value);
    if (copy == NULL) {
        ps->oom = true;
    }
    return copy;
}

/* Allocates an array for a JSON list: non-NULL even when empty. */
static void *take_array(parser *ps, const json_t *list, size_t size)
{
    size_t n = json_array_size(list);
    void *items = calloc(n == 0 ? 1 : n, size);
    if (items == NULL) {
        ps->oom = true;
    }
    return items;
}

static char **take_strings(parser *ps, const json_t *obj, const char *key, size_t *n)
{
    const json_t *list = json_object_get(obj, key);
    *n = 0;
    if (!json_is_array(list)) {
        return NULL;
    }
    char **items = take_array(ps, list, sizeof(char *));
    if (items == NULL) {
        return NULL;
    }
    for (size_t i = 0; i < json_array_size(list); i++) {
        const json_t *item = json_array_get(list, i);
        (*n)++;
        if (json_is_string(item)) {
            items[i] = strdup(json_string_value(item));
            if (items[i] == NULL) {
                ps->oom = true;
            }
        }
    }
    return items;
}

static model_artifact *take_artifacts(parser *ps, const json_t *obj, const char *key, size_t *n)
{
    const json_t *list = json_object_get(obj, key);
    *n = 0;
    if (!json_is_array(list)) {
        return NULL;
    }
    model_artifact *items = take_array(ps, list, sizeof(model_artifact));
    if (items == NULL) {
        return NULL;
    }
    for (size_t i = 0; i < json_array_size(list); i++) {
        const json_t *item = json_array_get(list, i);
        (*n)++;
        if (json_is_object(item)) {
            items[i].name = take_string(ps, item, "name");
            items[i].files = take_strings(ps, item, "files", &items[i].nfiles);
        }
    }
    return items;
}

static void parse_configuration(parser *ps, const json_t *obj, model_action *action)
{
    const json_t *map = json_object_get(obj, "configuration");
    const char *key;
    json_t *value;
    if (!json_is_object(map)) {
        return;
    }
    action->has_configuration = true;
    action->configuration =
        calloc(json_object_size(map) == 0 ? 1 : json_object_size(map), sizeof(model_kv));
    if (action->configuration == NULL) {
        ps->oom = true;
        return;
    }
    json_object_foreach(model_shape_iterable(map), key, value)
    {
        if (!json_is_string(value)) {
            continue; /* reported by the types pass */
        }
        model_kv *kv = &action->configuration[action->nconfiguration++];
        kv->key = strdup(key);
        kv->value = strdup(json_string_value(value));
        if (kv->key == NULL || kv->value == NULL) {
            ps->oom = true;
        }
    }
}

static void parse_env_vars(parser *ps, const json_t *obj, model_action *action)
{
    const json_t *list = json_object_get(obj, "environmentVariables");
    if (!json_is_array(list)) {
        return;
    }
    action->environment_variables = take_array(ps, list, sizeof(model_env_var));
    if (action->environment_variables == NULL) {
        return;
    }
    for (size_t i = 0; i < json_array_size(list); i++) {
        const json_t *item = json_array_get(list, i);
        model_env_var *var = &action->environment_variables[i];
        action->nenvironment_variables++;
        if (json_is_object(item)) {
            var->name = take_string(ps, item, "name");
            var->value = take_string(ps, item, "value");
            var->type = take_string(ps, item, "type");
        }
    }
}

/* An integer member the model holds in a narrower type or with a reserved value:
 * values it cannot hold are reported here, as the values pass would. */
static bool take_int(parser *ps, const json_t *obj, const char *key, int64_t min, int64_t max,
                     const char *exception, int64_t *out)
{
    const json_t *value = json_object_get(obj, key);
    if (!json_is_integer(value)) {
        return false;
    }
    int64_t n = (int64_t)json_integer_value(value);
    if (n < min || n > max) {
        size_t mark = model_path_key(&ps->path, key);
        model_errors_add(ps->errs, exception, ps->path.buf,
                         "must be between %lld and %lld (is %lld)", (long long)min, (long long)max,
                         (long long)n);
        model_path_restore(&ps->path, mark);
        return false;
    }
    *out = n;
    return true;
}

static void parse_action(parser *ps, const json_t *obj, model_action *action)
{
    const json_t *type_id = json_object_get(obj, "actionTypeId");
    int64_t n = 0;

    action->run_order = 1;
    action->category = MODEL_CATEGORY_UNKNOWN;
    if (!json_is_object(obj)) {
        return;
    }
    action->name = take_string(ps, obj, "name");
    if (json_is_object(type_id)) {
        action->type_id.category = take_string(ps, type_id, "category");
        action->type_id.owner = take_string(ps, type_id, "owner");
        action->type_id.provider = take_string(ps, type_id, "provider");
        action->type_id.version = take_string(ps, type_id, "version");
        action->category = model_category_parse(action->type_id.category);
    }
    /* runOrder beyond int: the values pass could not see the real number. */
    const json_t *run_order = json_object_get(obj, "runOrder");
    if (json_is_integer(run_order) &&
        (json_integer_value(run_order) < INT_MIN || json_integer_value(run_order) > INT_MAX)) {
        take_int(ps, obj, "runOrder", 1, 999, MODEL_EXC_VALIDATION, &n);
    } else if (json_is_integer(run_order)) {
        action->run_order = (int)json_integer_value(run_order);
    }
    parse_configuration(ps, obj, action);
    action->commands = take_strings(ps, obj, "commands", &action->ncommands);
    action->output_artifacts =
        take_artifacts(ps, obj, "outputArtifacts", &action->noutput_artifacts);
    action->input_artifacts = take_artifacts(ps, obj, "inputArtifacts", &action->ninput_artifacts);
    action->output_variables = take_strings(ps, obj, "outputVariables", &action->noutput_variables);
    action->role_arn = take_string(ps, obj, "roleArn");
    action->region = take_string(ps, obj, "region");
    action->namespace_ = take_string(ps, obj, "namespace");
    /* 0 means "absent" in the model, so a written 0 is reported here. */
    if (json_is_integer(json_object_get(obj, "timeoutInMinutes")) &&
        json_integer_value(json_object_get(obj, "timeoutInMinutes")) == 0) {
        take_int(ps, obj, "timeoutInMinutes", 5, 86400, MODEL_EXC_VALIDATION, &n);
    } else if (json_is_integer(json_object_get(obj, "timeoutInMinutes"))) {
        action->timeout_in_minutes =
            (int64_t)json_integer_value(json_object_get(obj, "timeoutInMinutes"));
    }
    parse_env_vars(ps, obj, action);
}

static void parse_stage(parser *ps, const json_t *obj, model_stage *stage)
{
    const json_t *actions = json_object_get(obj, "actions");
    if (!json_is_object(obj)) {
        return;
    }
    stage->name = take_string(ps, obj, "name");
    stage->blockers = take_json(ps, obj, "blockers", false);
    stage->on_failure = take_json(ps, obj, "onFailure", true);
    stage->on_success = take_json(ps, obj, "onSuccess", true);
    stage->before_entry = take_json(ps, obj, "beforeEntry", true);
    if (!json_is_array(actions)) {
        return;
    }
    stage->actions = take_array(ps, actions, sizeof(model_action));
    if (stage->actions == NULL) {
        return;
    }
    size_t mark = model_path_key(&ps->path, "actions");
    for (size_t i = 0; i < json_array_size(actions); i++) {
        size_t item_mark = model_path_index(&ps->path, i);
        stage->nactions++;
        parse_action(ps, json_array_get(actions, i), &stage->actions[i]);
        model_path_restore(&ps->path, item_mark);
    }
    model_path_restore(&ps->path, mark);
}

static void parse_enum_member(parser *ps, const json_t *obj, const char *key,
                              const char *const *names, int *out)
{
    const json_t *value = json_object_get(obj, key);
    char allowed[80] = "";
    size_t used = 0;
    if (!json_is_string(value)) {
        return;
    }
    for (int i = 0; names[i] != NULL; i++) {
        if (strcmp(names[i], json_string_value(value)) == 0) {
            *out = i;
            return;
        }
        int n =
            snprintf(allowed + used, sizeof(allowed) - used, "%s%s", i > 0 ? ", " : "", names[i]);
        if (n > 0 && (size_t)n < sizeof(allowed) - used) {
            used += (size_t)n;
        }
    }
    size_t mark = model_path_key(&ps->path, key);
    model_errors_add(ps->errs, MODEL_EXC_VALIDATION, ps->path.buf, "\"%.80s\" is not one of %s",
                     json_string_value(value), allowed);
    model_path_restore(&ps->path, mark);
}

static void parse_variables(parser *ps, const json_t *obj, model_pipeline *pipeline)
{
    const json_t *list = json_object_get(obj, "variables");
    if (!json_is_array(list)) {
        return;
    }
    pipeline->variables = take_array(ps, list, sizeof(model_variable));
    if (pipeline->variables == NULL) {
        return;
    }
    for (size_t i = 0; i < json_array_size(list); i++) {
        const json_t *item = json_array_get(list, i);
        model_variable *var = &pipeline->variables[i];
        pipeline->nvariables++;
        if (json_is_object(item)) {
            var->name = take_string(ps, item, "name");
            var->default_value = take_string(ps, item, "defaultValue");
            var->description = take_string(ps, item, "description");
        }
    }
}

int model_pipeline_parse(const json_t *pipeline, model_pipeline **out, model_errors *errs)
{
    static const char *const type_names[] = {"V1", "V2", NULL};
    static const char *const mode_names[] = {"SUPERSEDED", "QUEUED", "PARALLEL", NULL};
    parser ps = {.errs = errs};
    model_pipeline *p = NULL;
    size_t before = model_errors_total(errs);
    const json_t *stages;
    int value;

    *out = NULL;
    model_path_init(&ps.path, "pipeline");
    if (!json_is_object(pipeline)) {
        model_errors_add(errs, MODEL_EXC_VALIDATION, "pipeline", "must be an object");
        return SLUICE_EINVAL;
    }
    model_shape_check_pipeline(pipeline, MODEL_SHAPE_TYPES, &ps.path, 0, errs);

    p = calloc(1, sizeof(*p));
    if (p == NULL) {
        return SLUICE_ENOMEM;
    }
    p->version = 1;
    p->pipeline_type = MODEL_PIPELINE_V1;
    p->execution_mode = MODEL_MODE_SUPERSEDED;
    p->name = take_string(&ps, pipeline, "name");
    p->role_arn = take_string(&ps, pipeline, "roleArn");
    p->artifact_store = take_json(&ps, pipeline, "artifactStore", true);
    p->artifact_stores = take_json(&ps, pipeline, "artifactStores", true);
    if (json_is_integer(json_object_get(pipeline, "version"))) {
        p->version = (int64_t)json_integer_value(json_object_get(pipeline, "version"));
    }
    value = (int)p->pipeline_type;
    parse_enum_member(&ps, pipeline, "pipelineType", type_names, &value);
    p->pipeline_type = (model_pipeline_type)value;
    value = (int)p->execution_mode;
    parse_enum_member(&ps, pipeline, "executionMode", mode_names, &value);
    p->execution_mode = (model_execution_mode)value;
    parse_variables(&ps, pipeline, p);
    p->triggers = take_json(&ps, pipeline, "triggers", false);

    stages = json_object_get(pipeline, "stages");
    if (json_is_array(stages)) {
        p->stages = take_array(&ps, stages, sizeof(model_stage));
        if (p->stages != NULL) {
            size_t mark = model_path_key(&ps.path, "stages");
            for (size_t i = 0; i < json_array_size(stages); i++) {
                size_t item_mark = model_path_index(&ps.path, i);
                p->nstages++;
                parse_stage(&ps, json_array_get(stages, i), &p->stages[i]);
                model_path_restore(&ps.path, item_mark);
            }
            model_path_restore(&ps.path, mark);
        }
    }
    if (ps.oom) {
        model_pipeline_free(p);
        return SLUICE_ENOMEM;
    }
    *out = p;
    return model_errors_total(errs) == before ? SLUICE_OK : SLUICE_EINVAL;
}

int model_pipeline_parse_text(const char *text, size_t len, model_pipeline **out,
                              model_errors *errs)
{
    json_error_t jerr;
    json_t *doc = NULL;
    const json_t *pipeline;
    size_t before = model_errors_total(errs);
    int rc;

    *out = NULL;
    if (len > MODEL_MAX_INPUT_BYTES) {
        model_errors_add(errs, MODEL_EXC_VALIDATION, "pipeline",
                         "the declaration is %zu bytes; the limit is %d bytes", len,
                         MODEL_MAX_INPUT_BYTES);
        return SLUICE_EINVAL;
    }
    if (sluice_jsontext_depth(text, len, MODEL_MAX_DEPTH) > MODEL_MAX_DEPTH) {
        model_errors_add(errs, MODEL_EXC_VALIDATION, "pipeline",
                         "the declaration nests deeper than %d levels", MODEL_MAX_DEPTH);
        return SLUICE_EINVAL;
    }
    doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (doc == NULL) {
        model_errors_add(errs, MODEL_EXC_VALIDATION, "pipeline",
                         "malformed JSON at line %d, column %d: %s", jerr.line, jerr.column,
                         jerr.text);
        return SLUICE_EINVAL;
    }
    if (!json_is_object(doc)) {
        model_errors_add(errs, MODEL_EXC_VALIDATION, "pipeline",
                         "the declaration must be a JSON object");
        json_decref(doc);
        return SLUICE_EINVAL;
    }
    pipeline = json_object_get(doc, "pipeline");
    if (pipeline == NULL) {
        pipeline = doc; /* a bare pipeline object */
    } else {
        const char *key;
        json_t *value;
        json_object_foreach(doc, key, value)
        {
            if (strcmp(key, "pipeline") != 0 && strcmp(key, "tags") != 0 &&
                strcmp(key, "metadata") != 0) {
                model_errors_add(errs, MODEL_EXC_VALIDATION, key,
                                 "unknown field; expected pipeline, tags or metadata");
            }
        }
    }
    rc = model_pipeline_parse(pipeline, out, errs);
    if (rc == SLUICE_OK && model_errors_total(errs) != before) {
        rc = SLUICE_EINVAL; /* an unknown top-level member */
    }
    json_decref(doc);
    return rc;
}
