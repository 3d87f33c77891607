/*
 * model.c — lifetime, copies and look-ups of the pipeline declaration (model.h).
 *
 * Everything here is plain data handling: enum spellings, freeing and deep
 * copying a model_pipeline, and finding stages, actions and configuration
 * values by name. Parsing lives in model_parse.c, serialization in
 * model_serialize.c, validation in model_validate.c.
 * Pure; no global state; thread-compatible.
 */
#include "sluice/model.h"

#include "sluice/error.h"

#include <stdlib.h>
#include <string.h>

static const char *const pipeline_type_names[] = {"V1", "V2"};
static const char *const execution_mode_names[] = {"SUPERSEDED", "QUEUED", "PARALLEL"};
static const char *const category_names[] = {"Source", "Build",    "Deploy",  "Test",
                                             "Invoke", "Approval", "Compute", "Unknown"};

const char *model_pipeline_type_name(model_pipeline_type type)
{
    return type == MODEL_PIPELINE_V2 ? pipeline_type_names[1] : pipeline_type_names[0];
}

const char *model_execution_mode_name(model_execution_mode mode)
{
    if (mode == MODEL_MODE_QUEUED || mode == MODEL_MODE_PARALLEL) {
        return execution_mode_names[mode];
    }
    return execution_mode_names[MODEL_MODE_SUPERSEDED];
}

const char *model_category_name(model_category category)
{
    if ((int)category < 0 || category > MODEL_CATEGORY_UNKNOWN) {
        return category_names[MODEL_CATEGORY_UNKNOWN];
    }
    return category_names[category];
}

int model_execution_mode_parse(const char *text, model_execution_mode *out)
{
    if (text == NULL) {
        return SLUICE_EINVAL;
    }
    for (size_t i = 0; i < sizeof(execution_mode_names) / sizeof(execution_mode_names[0]); i++) {
        if (strcmp(text, execution_mode_names[i]) == 0) {
            *out = (model_execution_mode)i;
            return SLUICE_OK;
        }
    }
    return SLUICE_EINVAL;
}

model_category model_category_parse(const char *text)
{
    if (text == NULL) {
        return MODEL_CATEGORY_UNKNOWN;
    }
    for (int i = 0; i < (int)MODEL_CATEGORY_UNKNOWN; i++) {
        if (strcmp(text, category_names[i]) == 0) {
            return (model_category)i;
        }
    }
    return MODEL_CATEGORY_UNKNOWN;
}

/* ---- freeing ---------------------------------------------------------------------------- */

static void free_strings(char **strings, size_t n)
{
    if (strings == NULL) {
        return;
    }
    for (size_t i = 0; i < n; i++) {
        free(strings[i]);
    }
    free(strings);
}

static void free_artifacts(model_artifact *artifacts, size_t n)
{
    if (artifacts == NULL) {
        return;
    }
    for (size_t i = 0; i < n; i++) {
        free(artifacts[i].name);
        free_strings(artifacts[i].files, artifacts[i].nfiles);
    }
    free(artifacts);
}

static void free_action(model_action *action)
{
    free(action->name);
    free(action->type_id.category);
    free(action->type_id.owner);
    free(action->type_id.provider);
    free(action->type_id.version);
    if (action->configuration != NULL) {
        for (size_t i = 0; i < action->nconfiguration; i++) {
            free(action->configuration[i].key);
            free(action->configuration[i].value);
        }
        free(action->configuration);
    }
    free_artifacts(action->input_artifacts, action->ninput_artifacts);
    free_artifacts(action->output_artifacts, action->noutput_artifacts);
    free(action->namespace_);
    free(action->region);
    free(action->role_arn);
    free_strings(action->commands, action->ncommands);
    free_strings(action->output_variables, action->noutput_variables);
    if (action->environment_variables != NULL) {
        for (size_t i = 0; i < action->nenvironment_variables; i++) {
            free(action->environment_variables[i].name);
            free(action->environment_variables[i].value);
            free(action->environment_variables[i].type);
        }
        free(action->environment_variables);
    }
}

static void free_stage(model_stage *stage)
{
    free(stage->name);
    if (stage->actions != NULL) {
        for (size_t i = 0; i < stage->nactions; i++) {
            free_action(&stage->actions[i]);
        }
        free(stage->actions);
    }
    json_decref(stage->blockers);
    json_decref(stage->on_failure);
    json_decref(stage->on_success);
    json_decref(stage->before_entry);
}

void model_pipeline_free(model_pipeline *pipeline)
{
    if (pipeline == NULL) {
        return;
    }
    free(pipeline->name);
    free(pipeline->role_arn);
    json_decref(pipeline->artifact_store);
    json_decref(pipeline->artifact_stores);
    if (pipeline->stages != NULL) {
        for (size_t i = 0; i < pipeline->nstages; i++) {
            free_stage(&pipeline->stages[i]);
        }
        free(pipeline->stages);
    }
    if (pipeline->variables != NULL) {
        for (size_t i = 0; i < pipeline->nvariables; i++) {
            free(pipeline->variables[i].name);
            free(pipeline->variables[i].default_value);
            free(pipeline->variables[i].description);
        }
        free(pipeline->variables);
    }
    json_decref(pipeline->triggers);
    free(pipeline);
}

/* ---- deep copy ---------------------------------------------------------------------------
 * Each helper returns 0 or SLUICE_ENOMEM; on failure the partly filled copy is still
 * consistent (counts match allocations) so model_pipeline_free releases it. */

static int dup_str(const char *src, char **dst)
{
    *dst = NULL;
    if (src == NULL) {
        return SLUICE_OK;
    }
    *dst = strdup(src);
    return *dst == NULL ? SLUICE_ENOMEM : SLUICE_OK;
}

static int dup_json(const json_t *src, json_t **dst)
{
    *dst = NULL;
    if (src == NULL) {
        return SLUICE_OK;
    }
    *dst = json_deep_copy(src);
    return *dst == NULL ? SLUICE_ENOMEM : SLUICE_OK;
}

/* Allocates n elements of size (at least one, so that "present but empty" stays non-NULL). */
static void *alloc_array(const void *src, size_t n, size_t size)
{
    if (src == NULL) {
        return NULL;
    }
    return calloc(n == 0 ? 1 : n, size);
}

static int dup_strings(char *const *src, size_t n, char ***dst, size_t *ndst)
{
    *dst = NULL;
    *ndst = 0;
    if (src == NULL) {
        return SLUICE_OK;
    }
    *dst = alloc_array(src, n, sizeof(char *));
    if (*dst == NULL) {
        return SLUICE_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        (*ndst)++;
        if (dup_str(src[i], &(*dst)[i]) != SLUICE_OK) {
            return SLUICE_ENOMEM;
        }
    }
    return SLUICE_OK;
}

static int dup_artifacts(const model_artifact *src, size_t n, model_artifact **dst, size_t *ndst)
{
    *dst = NULL;
    *ndst = 0;
    if (src == NULL) {
        return SLUICE_OK;
    }
    *dst = alloc_array(src, n, sizeof(model_artifact));
    if (*dst == NULL) {
        return SLUICE_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        (*ndst)++;
        if (dup_str(src[i].name, &(*dst)[i].name) != SLUICE_OK ||
            dup_strings(src[i].files, src[i].nfiles, &(*dst)[i].files, &(*dst)[i].nfiles) !=
                SLUICE_OK) {
            return SLUICE_ENOMEM;
        }
    }
    return SLUICE_OK;
}

static int dup_action(const model_action *src, model_action *dst)
{
    memset(dst, 0, sizeof(*dst));
    dst->category = src->category;
    dst->run_order = src->run_order;
    dst->has_configuration = src->has_configuration;
    dst->timeout_in_minutes = src->timeout_in_minutes;
    if (dup_str(src->name, &dst->name) != SLUICE_OK ||
        dup_str(src->type_id.category, &dst->type_id.category) != SLUICE_OK ||
        dup_str(src->type_id.owner, &dst->type_id.owner) != SLUICE_OK ||
        dup_str(src->type_id.provider, &dst->type_id.provider) != SLUICE_OK ||
        dup_str(src->type_id.version, &dst->type_id.version) != SLUICE_OK ||
        dup_str(src->namespace_, &dst->namespace_) != SLUICE_OK ||
        dup_str(src->region, &dst->region) != SLUICE_OK ||
        dup_str(src->role_arn, &dst->role_arn) != SLUICE_OK) {
        return SLUICE_ENOMEM;
    }
    if (src->configuration != NULL) {
        dst->configuration = alloc_array(src->configuration, src->nconfiguration, sizeof(model_kv));
        if (dst->configuration == NULL) {
            return SLUICE_ENOMEM;
        }
        for (size_t i = 0; i < src->nconfiguration; i++) {
            dst->nconfiguration++;
            if (dup_str(src->configuration[i].key, &dst->configuration[i].key) != SLUICE_OK ||
                dup_str(src->configuration[i].value, &dst->configuration[i].value) != SLUICE_OK) {
                return SLUICE_ENOMEM;
            }
        }
    }
    if (dup_artifacts(src->input_artifacts, src->ninput_artifacts, &dst->input_artifacts,
                      &dst->ninput_artifacts) != SLUICE_OK ||
        dup_artifacts(src->output_artifacts, src->noutput_artifacts, &dst->output_artifacts,
                      &dst->noutput_artifacts) != SLUICE_OK ||
        dup_strings(src->commands, src->ncommands, &dst->commands, &dst->ncommands) != SLUICE_OK ||
        dup_strings(src->output_variables, src->noutput_variables, &dst->output_variables,
                    &dst->noutput_variables) != SLUICE_OK) {
        return SLUICE_ENOMEM;
    }
    if (src->environment_variables != NULL) {
        dst->environment_variables = alloc_array(
            src->environment_variables, src->nenvironment_variables, sizeof(model_env_var));
        if (dst->environment_variables == NULL) {
            return SLUICE_ENOMEM;
        }
        for (size_t i = 0; i < src->nenvironment_variables; i++) {
            const model_env_var *from = &src->environment_variables[i];
            model_env_var *to = &dst->environment_variables[i];
            dst->nenvironment_variables++;
            if (dup_str(from->name, &to->name) != SLUICE_OK ||
                dup_str(from->value, &to->value) != SLUICE_OK ||
                dup_str(from->type, &to->type) != SLUICE_OK) {
                return SLUICE_ENOMEM;
            }
        }
    }
    return SLUICE_OK;
}

static int dup_stage(const model_stage *src, model_stage *dst)
{
    memset(dst, 0, sizeof(*dst));
    if (dup_str(src->name, &dst->name) != SLUICE_OK ||
        dup_json(src->blockers, &dst->blockers) != SLUICE_OK ||
        dup_json(src->on_failure, &dst->on_failure) != SLUICE_OK ||
        dup_json(src->on_success, &dst->on_success) != SLUICE_OK ||
        dup_json(src->before_entry, &dst->before_entry) != SLUICE_OK) {
        return SLUICE_ENOMEM;
    }
    if (src->actions != NULL) {
        dst->actions = alloc_array(src->actions, src->nactions, sizeof(model_action));
        if (dst->actions == NULL) {
            return SLUICE_ENOMEM;
        }
        for (size_t i = 0; i < src->nactions; i++) {
            dst->nactions++;
            if (dup_action(&src->actions[i], &dst->actions[i]) != SLUICE_OK) {
                return SLUICE_ENOMEM;
            }
        }
    }
    return SLUICE_OK;
}

model_pipeline *model_pipeline_clone(const model_pipeline *pipeline)
{
    model_pipeline *copy = NULL;
    if (pipeline == NULL) {
        return NULL;
    }
    copy = calloc(1, sizeof(*copy));
    if (copy == NULL) {
        return NULL;
    }
    copy->version = pipeline->version;
    copy->pipeline_type = pipeline->pipeline_type;
    copy->execution_mode = pipeline->execution_mode;
    if (dup_str(pipeline->name, &copy->name) != SLUICE_OK ||
        dup_str(pipeline->role_arn, &copy->role_arn) != SLUICE_OK ||
        dup_json(pipeline->artifact_store, &copy->artifact_store) != SLUICE_OK ||
        dup_json(pipeline->artifact_stores, &copy->artifact_stores) != SLUICE_OK ||
        dup_json(pipeline->triggers, &copy->triggers) != SLUICE_OK) {
        goto fail;
    }
    if (pipeline->stages != NULL) {
        copy->stages = alloc_array(pipeline->stages, pipeline->nstages, sizeof(model_stage));
        if (copy->stages == NULL) {
            goto fail;
        }
        for (size_t i = 0; i < pipeline->nstages; i++) {
            copy->nstages++;
            if (dup_stage(&pipeline->stages[i], &copy->stages[i]) != SLUICE_OK) {
                goto fail;
            }
        }
    }
    if (pipeline->variables != NULL) {
        copy->variables =
            alloc_array(pipeline->variables, pipeline->nvariables, sizeof(model_variable));
        if (copy->variables == NULL) {
            goto fail;
        }
        for (size_t i = 0; i < pipeline->nvariables; i++) {
            const model_variable *from = &pipeline->variables[i];
            model_variable *to = &copy->variables[i];
            copy->nvariables++;
            if (dup_str(from->name, &to->name) != SLUICE_OK ||
                dup_str(from->default_value, &to->default_value) != SLUICE_OK ||
                dup_str(from->description, &to->description) != SLUICE_OK) {
                goto fail;
            }
        }
    }
    return copy;
fail:
    model_pipeline_free(copy);
    return NULL;
}

/* ---- look-ups ----------------------------------------------------------------------------- */

const model_stage *model_pipeline_find_stage(const model_pipeline *pipeline, const char *name)
{
    if (pipeline == NULL || name == NULL) {
        return NULL;
    }
    for (size_t i = 0; i < pipeline->nstages; i++) {
        if (pipeline->stages[i].name != NULL && strcmp(pipeline->stages[i].name, name) == 0) {
            return &pipeline->stages[i];
        }
    }
    return NULL;
}

const model_action *model_stage_find_action(const model_stage *stage, const char *name)
{
    if (stage == NULL || name == NULL) {
        return NULL;
    }
    for (size_t i = 0; i < stage->nactions; i++) {
        if (stage->actions[i].name != NULL && strcmp(stage->actions[i].name, name) == 0) {
            return &stage->actions[i];
        }
    }
    return NULL;
}

const char *model_action_config(const model_action *action, const char *key)
{
    if (action == NULL || key == NULL) {
        return NULL;
    }
    for (size_t i = 0; i < action->nconfiguration; i++) {
        const model_kv *kv = &action->configuration[i];
        if (kv->key != NULL && strcmp(kv->key, key) == 0) {
            return kv->value;
        }
    }
    return NULL;
}
