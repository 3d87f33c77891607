/*
 * model_serialize.c — model_pipeline to CodePipeline JSON (model_serialize.h).
 *
 * Builds the object member by member in botocore's order with jansson's
 * reference-stealing setters; any failed allocation makes the whole result
 * NULL. Strings missing from a partial model (one that failed parsing) are
 * left out, or written as null inside lists so indexes stay put. Pure.
 */
#include "sluice/model_serialize.h"

#include <stdbool.h>
#include <stdlib.h>

typedef struct writer {
    bool oom;
} writer;

/* Steals value (jansson releases it even when obj is NULL); records any failure. */
static void put(writer *w, json_t *obj, const char *key, json_t *value)
{
    if (json_object_set_new(obj, key, value) != 0) {
        w->oom = true;
    }
}

static void put_string(writer *w, json_t *obj, const char *key, const char *text)
{
    if (text != NULL) {
        put(w, obj, key, json_string(text));
    }
}

static void put_copy(writer *w, json_t *obj, const char *key, const json_t *value)
{
    if (value != NULL) {
        put(w, obj, key, json_deep_copy(value));
    }
}

static void append(writer *w, json_t *list, json_t *value)
{
    if (json_array_append_new(list, value) != 0) {
        w->oom = true;
    }
}

static json_t *strings_json(writer *w, char *const *items, size_t n)
{
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++) {
        append(w, list, items[i] != NULL ? json_string(items[i]) : json_null());
    }
    return list;
}

static json_t *artifacts_json(writer *w, const model_artifact *items, size_t n)
{
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *obj = json_object();
        put_string(w, obj, "name", items[i].name);
        if (items[i].files != NULL) {
            put(w, obj, "files", strings_json(w, items[i].files, items[i].nfiles));
        }
        append(w, list, obj);
    }
    return list;
}

static json_t *action_json(writer *w, const model_action *action)
{
    json_t *obj = json_object();
    json_t *type_id = json_object();

    put_string(w, obj, "name", action->name);
    put_string(w, type_id, "category", action->type_id.category);
    put_string(w, type_id, "owner", action->type_id.owner);
    put_string(w, type_id, "provider", action->type_id.provider);
    put_string(w, type_id, "version", action->type_id.version);
    put(w, obj, "actionTypeId", type_id);
    put(w, obj, "runOrder", json_integer(action->run_order));
    if (action->has_configuration) {
        json_t *config = json_object();
        for (size_t i = 0; i < action->nconfiguration; i++) {
            put_string(w, config, action->configuration[i].key, action->configuration[i].value);
        }
        put(w, obj, "configuration", config);
    }
    if (action->commands != NULL) {
        put(w, obj, "commands", strings_json(w, action->commands, action->ncommands));
    }
    put(w, obj, "outputArtifacts",
        artifacts_json(w, action->output_artifacts, action->noutput_artifacts));
    put(w, obj, "inputArtifacts",
        artifacts_json(w, action->input_artifacts, action->ninput_artifacts));
    if (action->output_variables != NULL) {
        put(w, obj, "outputVariables",
            strings_json(w, action->output_variables, action->noutput_variables));
    }
    put_string(w, obj, "roleArn", action->role_arn);
    put_string(w, obj, "region", action->region);
    put_string(w, obj, "namespace", action->namespace_);
    if (action->timeout_in_minutes != 0) {
        put(w, obj, "timeoutInMinutes", json_integer(action->timeout_in_minutes));
    }
    if (action->environment_variables != NULL) {
        json_t *list = json_array();
        for (size_t i = 0; i < action->nenvironment_variables; i++) {
            const model_env_var *var = &action->environment_variables[i];
            json_t *item = json_object();
            put_string(w, item, "name", var->name);
            put_string(w, item, "value", var->value);
            put_string(w, item, "type", var->type);
            append(w, list, item);
        }
        put(w, obj, "environmentVariables", list);
    }
    return obj;
}

static json_t *stage_json(writer *w, const model_stage *stage)
{
    json_t *obj = json_object();
    put_string(w, obj, "name", stage->name);
    put_copy(w, obj, "blockers", stage->blockers);
    if (stage->actions != NULL) {
        json_t *list = json_array();
        for (size_t i = 0; i < stage->nactions; i++) {
            append(w, list, action_json(w, &stage->actions[i]));
        }
        put(w, obj, "actions", list);
    }
    put_copy(w, obj, "onFailure", stage->on_failure);
    put_copy(w, obj, "onSuccess", stage->on_success);
    put_copy(w, obj, "beforeEntry", stage->before_entry);
    return obj;
}

json_t *model_pipeline_to_json(const model_pipeline *pipeline)
{
    writer w = {.oom = false};
    json_t *obj = json_object();

    put_string(&w, obj, "name", pipeline->name);
    put_string(&w, obj, "roleArn", pipeline->role_arn);
    put_copy(&w, obj, "artifactStore", pipeline->artifact_store);
    put_copy(&w, obj, "artifactStores", pipeline->artifact_stores);
    if (pipeline->stages != NULL) {
        json_t *list = json_array();
        for (size_t i = 0; i < pipeline->nstages; i++) {
            append(&w, list, stage_json(&w, &pipeline->stages[i]));
        }
        put(&w, obj, "stages", list);
    }
    put(&w, obj, "version", json_integer(pipeline->version));
    put(&w, obj, "executionMode", json_string(model_execution_mode_name(pipeline->execution_mode)));
    put(&w, obj, "pipelineType", json_string(model_pipeline_type_name(pipeline->pipeline_type)));
    if (pipeline->variables != NULL) {
        json_t *list = json_array();
        for (size_t i = 0; i < pipeline->nvariables; i++) {
            const model_variable *var = &pipeline->variables[i];
            json_t *item = json_object();
            put_string(&w, item, "name", var->name);
            put_string(&w, item, "defaultValue", var->default_value);
            put_string(&w, item, "description", var->description);
            append(&w, list, item);
        }
        put(&w, obj, "variables", list);
    }
    put_copy(&w, obj, "triggers", pipeline->triggers);
    if (w.oom) {
        json_decref(obj);
        return NULL;
    }
    return obj;
}

char *model_pipeline_to_text(const model_pipeline *pipeline, size_t flags)
{
    json_t *obj = model_pipeline_to_json(pipeline);
    if (obj == NULL) {
        return NULL;
    }
    char *text = json_dumps(obj, flags);
    json_decref(obj);
    return text;
}
