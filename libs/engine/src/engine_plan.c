/*
 * engine_plan.c — the executable subset of a pipeline declaration (see
 * engine_plan.h): built from model.h structs, cloned, and written to / read
 * from the state's JSON.
 */
#include "sluice/engine_plan.h"

#include "engine_util.h"
#include "sluice/error.h"

#include <stdlib.h>
#include <string.h>

#define ENGINE_PLAN_MINUTE_MS ((int64_t)60 * 1000)
#define ENGINE_PLAN_HOUR_MS   (60 * ENGINE_PLAN_MINUTE_MS)
#define ENGINE_PLAN_DAY_MS    (24 * ENGINE_PLAN_HOUR_MS)

static char **engine_plan_copy_strs(char *const *items, size_t n)
{
    if (items == NULL || n == 0) {
        return NULL;
    }
    char **copy = engine_util_calloc(n, sizeof *copy);
    for (size_t i = 0; i < n; i++) {
        copy[i] = engine_util_strdup(items[i] != NULL ? items[i] : "");
    }
    return copy;
}

static const char *engine_plan_or_empty(const char *s)
{
    return s != NULL ? s : "";
}

static void engine_plan_action_from_model(engine_plan_action *out, const model_action *in)
{
    out->name = engine_util_strdup(engine_plan_or_empty(in->name));
    out->category = engine_util_strdup(engine_plan_or_empty(in->type_id.category));
    out->owner = engine_util_strdup(engine_plan_or_empty(in->type_id.owner));
    out->provider = engine_util_strdup(engine_plan_or_empty(in->type_id.provider));
    out->version = engine_util_strdup(engine_plan_or_empty(in->type_id.version));
    out->run_order = in->run_order < 1 ? 1 : (in->run_order > 999 ? 999 : in->run_order);
    if (in->nconfiguration > 0) {
        out->config = engine_util_calloc(in->nconfiguration, sizeof *out->config);
        for (size_t i = 0; i < in->nconfiguration; i++) {
            out->config[i].key = engine_util_strdup(engine_plan_or_empty(in->configuration[i].key));
            out->config[i].value =
                engine_util_strdup(engine_plan_or_empty(in->configuration[i].value));
        }
        out->nconfig = in->nconfiguration;
    }
    if (in->ninput_artifacts > 0) {
        out->inputs = engine_util_calloc(in->ninput_artifacts, sizeof *out->inputs);
        for (size_t i = 0; i < in->ninput_artifacts; i++) {
            out->inputs[i] = engine_util_strdup(engine_plan_or_empty(in->input_artifacts[i].name));
        }
        out->ninputs = in->ninput_artifacts;
    }
    if (in->noutput_artifacts > 0) {
        out->outputs = engine_util_calloc(in->noutput_artifacts, sizeof *out->outputs);
        for (size_t i = 0; i < in->noutput_artifacts; i++) {
            out->outputs[i].name =
                engine_util_strdup(engine_plan_or_empty(in->output_artifacts[i].name));
            out->outputs[i].files = engine_plan_copy_strs(in->output_artifacts[i].files,
                                                          in->output_artifacts[i].nfiles);
            out->outputs[i].nfiles =
                out->outputs[i].files != NULL ? in->output_artifacts[i].nfiles : 0;
        }
        out->noutputs = in->noutput_artifacts;
    }
    out->namespace_ = engine_util_strdup(in->namespace_);
    out->region = engine_util_strdup(in->region);
    out->role_arn = engine_util_strdup(in->role_arn);
    out->timeout_minutes = in->timeout_in_minutes > 0 ? in->timeout_in_minutes : 0;
    out->commands = engine_plan_copy_strs(in->commands, in->ncommands);
    out->ncommands = out->commands != NULL ? in->ncommands : 0;
    out->output_variables = engine_plan_copy_strs(in->output_variables, in->noutput_variables);
    out->noutput_variables = out->output_variables != NULL ? in->noutput_variables : 0;
    if (in->nenvironment_variables > 0) {
        out->env = engine_util_calloc(in->nenvironment_variables, sizeof *out->env);
        for (size_t i = 0; i < in->nenvironment_variables; i++) {
            out->env[i].name =
                engine_util_strdup(engine_plan_or_empty(in->environment_variables[i].name));
            out->env[i].value =
                engine_util_strdup(engine_plan_or_empty(in->environment_variables[i].value));
            out->env[i].type = engine_util_strdup(in->environment_variables[i].type);
        }
        out->nenv = in->nenvironment_variables;
    }
}

engine_plan *engine_plan_from_model(const model_pipeline *pipeline)
{
    engine_plan *plan = engine_util_calloc(1, sizeof *plan);
    plan->name = engine_util_strdup(engine_plan_or_empty(pipeline->name));
    plan->version = pipeline->version > 0 ? pipeline->version : 1;
    plan->mode = pipeline->execution_mode;
    plan->type = pipeline->pipeline_type;
    if (pipeline->nvariables > 0) {
        plan->variables = engine_util_calloc(pipeline->nvariables, sizeof *plan->variables);
        for (size_t i = 0; i < pipeline->nvariables; i++) {
            plan->variables[i].name =
                engine_util_strdup(engine_plan_or_empty(pipeline->variables[i].name));
            plan->variables[i].default_value =
                engine_util_strdup(pipeline->variables[i].default_value);
        }
        plan->nvariables = pipeline->nvariables;
    }
    if (pipeline->nstages > 0) {
        plan->stages = engine_util_calloc(pipeline->nstages, sizeof *plan->stages);
        for (size_t s = 0; s < pipeline->nstages; s++) {
            const model_stage *in = &pipeline->stages[s];
            engine_plan_stage *out = &plan->stages[s];
            out->name = engine_util_strdup(engine_plan_or_empty(in->name));
            if (in->nactions > 0) {
                out->actions = engine_util_calloc(in->nactions, sizeof *out->actions);
                for (size_t a = 0; a < in->nactions; a++) {
                    engine_plan_action_from_model(&out->actions[a], &in->actions[a]);
                }
                out->nactions = in->nactions;
            }
        }
        plan->nstages = pipeline->nstages;
    }
    return plan;
}

static void engine_plan_action_free(engine_plan_action *a)
{
    free(a->name);
    free(a->category);
    free(a->owner);
    free(a->provider);
    free(a->version);
    for (size_t i = 0; i < a->nconfig; i++) {
        free(a->config[i].key);
        free(a->config[i].value);
    }
    free(a->config);
    engine_util_free_strs(a->inputs, a->ninputs);
    for (size_t i = 0; i < a->noutputs; i++) {
        free(a->outputs[i].name);
        engine_util_free_strs(a->outputs[i].files, a->outputs[i].nfiles);
    }
    free(a->outputs);
    free(a->namespace_);
    free(a->region);
    free(a->role_arn);
    engine_util_free_strs(a->commands, a->ncommands);
    engine_util_free_strs(a->output_variables, a->noutput_variables);
    for (size_t i = 0; i < a->nenv; i++) {
        free(a->env[i].name);
        free(a->env[i].value);
        free(a->env[i].type);
    }
    free(a->env);
}

void engine_plan_free(engine_plan *plan)
{
    if (plan == NULL) {
        return;
    }
    free(plan->name);
    for (size_t i = 0; i < plan->nvariables; i++) {
        free(plan->variables[i].name);
        free(plan->variables[i].default_value);
    }
    free(plan->variables);
    for (size_t s = 0; s < plan->nstages; s++) {
        for (size_t a = 0; a < plan->stages[s].nactions; a++) {
            engine_plan_action_free(&plan->stages[s].actions[a]);
        }
        free(plan->stages[s].actions);
        free(plan->stages[s].name);
    }
    free(plan->stages);
    free(plan);
}

/* ---- JSON ---------------------------------------------------------------- */

static json_t *engine_plan_action_to_json(const engine_plan_action *a)
{
    json_t *obj = engine_util_obj();
    engine_util_put_str(obj, "name", a->name);
    engine_util_put(obj, "actionTypeId", engine_util_action_type_json(a));
    engine_util_put_int(obj, "runOrder", a->run_order);
    engine_util_put(obj, "configuration", engine_util_kvs_object(a->config, a->nconfig));
    engine_util_put(obj, "inputArtifacts", engine_util_str_array(a->inputs, a->ninputs));
    json_t *outputs = engine_util_arr();
    for (size_t i = 0; i < a->noutputs; i++) {
        json_t *out = engine_util_obj();
        engine_util_put_str(out, "name", a->outputs[i].name);
        if (a->outputs[i].nfiles > 0) {
            engine_util_put(out, "files",
                            engine_util_str_array(a->outputs[i].files, a->outputs[i].nfiles));
        }
        engine_util_push(outputs, out);
    }
    engine_util_put(obj, "outputArtifacts", outputs);
    engine_util_put_str(obj, "namespace", a->namespace_);
    engine_util_put_str(obj, "region", a->region);
    engine_util_put_str(obj, "roleArn", a->role_arn);
    if (a->timeout_minutes > 0) {
        engine_util_put_int(obj, "timeoutInMinutes", a->timeout_minutes);
    }
    if (a->ncommands > 0) {
        engine_util_put(obj, "commands", engine_util_str_array(a->commands, a->ncommands));
    }
    if (a->noutput_variables > 0) {
        engine_util_put(obj, "outputVariables",
                        engine_util_str_array(a->output_variables, a->noutput_variables));
    }
    if (a->nenv > 0) {
        json_t *env = engine_util_arr();
        for (size_t i = 0; i < a->nenv; i++) {
            json_t *var = engine_util_obj();
            engine_util_put_str(var, "name", a->env[i].name);
            engine_util_put_str(var, "value", a->env[i].value);
            engine_util_put_str(var, "type", a->env[i].type);
            engine_util_push(env, var);
        }
        engine_util_put(obj, "environmentVariables", env);
    }
    return obj;
}

json_t *engine_plan_to_json(const engine_plan *plan)
{
    json_t *obj = engine_util_obj();
    engine_util_put_str(obj, "name", plan->name);
    engine_util_put_int(obj, "version", plan->version);
    engine_util_put_str(obj, "executionMode", engine_plan_mode_name(plan->mode));
    engine_util_put_str(obj, "pipelineType", plan->type == MODEL_PIPELINE_V2 ? "V2" : "V1");
    json_t *vars = engine_util_arr();
    for (size_t i = 0; i < plan->nvariables; i++) {
        json_t *var = engine_util_obj();
        engine_util_put_str(var, "name", plan->variables[i].name);
        engine_util_put_str(var, "defaultValue", plan->variables[i].default_value);
        engine_util_push(vars, var);
    }
    engine_util_put(obj, "variables", vars);
    json_t *stages = engine_util_arr();
    for (size_t s = 0; s < plan->nstages; s++) {
        json_t *stage = engine_util_obj();
        engine_util_put_str(stage, "name", plan->stages[s].name);
        json_t *actions = engine_util_arr();
        for (size_t a = 0; a < plan->stages[s].nactions; a++) {
            engine_util_push(actions, engine_plan_action_to_json(&plan->stages[s].actions[a]));
        }
        engine_util_put(stage, "actions", actions);
        engine_util_push(stages, stage);
    }
    engine_util_put(obj, "stages", stages);
    return obj;
}

static void engine_plan_action_read(engine_util_rd *rd, const json_t *obj, engine_plan_action *a)
{
    a->name = engine_util_rd_str(rd, obj, "name", true);
    const json_t *type = engine_util_rd_obj(rd, obj, "actionTypeId", true);
    if (type != NULL) {
        a->category = engine_util_rd_str(rd, type, "category", true);
        a->owner = engine_util_rd_str(rd, type, "owner", true);
        a->provider = engine_util_rd_str(rd, type, "provider", true);
        a->version = engine_util_rd_str(rd, type, "version", true);
    }
    a->run_order = (int)engine_util_rd_int(rd, obj, "runOrder", true, 1);
    json_t *config = engine_util_rd_obj(rd, obj, "configuration", false);
    if (config != NULL && json_object_size(config) > 0) {
        a->config = engine_util_calloc(json_object_size(config), sizeof *a->config);
        const char *key;
        json_t *value;
        json_object_foreach(config, key, value)
        {
            if (!json_is_string(value)) {
                engine_util_rd_fail(rd, "expected a string configuration value at", key);
                break;
            }
            a->config[a->nconfig].key = engine_util_strdup(key);
            a->config[a->nconfig].value = engine_util_strdup(json_string_value(value));
            a->nconfig++;
        }
    }
    a->inputs = engine_util_rd_str_array(rd, obj, "inputArtifacts", &a->ninputs);
    const json_t *outputs = engine_util_rd_arr(rd, obj, "outputArtifacts", false);
    if (outputs != NULL && json_array_size(outputs) > 0) {
        a->outputs = engine_util_calloc(json_array_size(outputs), sizeof *a->outputs);
        for (size_t i = 0; i < json_array_size(outputs) && rd->rc == 0; i++) {
            const json_t *out = json_array_get(outputs, i);
            a->outputs[i].name = engine_util_rd_str(rd, out, "name", true);
            a->outputs[i].files = engine_util_rd_str_array(rd, out, "files", &a->outputs[i].nfiles);
            a->noutputs = i + 1;
        }
    }
    a->namespace_ = engine_util_rd_str(rd, obj, "namespace", false);
    a->region = engine_util_rd_str(rd, obj, "region", false);
    a->role_arn = engine_util_rd_str(rd, obj, "roleArn", false);
    a->timeout_minutes = engine_util_rd_int(rd, obj, "timeoutInMinutes", false, 0);
    a->commands = engine_util_rd_str_array(rd, obj, "commands", &a->ncommands);
    a->output_variables =
        engine_util_rd_str_array(rd, obj, "outputVariables", &a->noutput_variables);
    const json_t *env = engine_util_rd_arr(rd, obj, "environmentVariables", false);
    if (env != NULL && json_array_size(env) > 0) {
        a->env = engine_util_calloc(json_array_size(env), sizeof *a->env);
        for (size_t i = 0; i < json_array_size(env) && rd->rc == 0; i++) {
            const json_t *var = json_array_get(env, i);
            a->env[i].name = engine_util_rd_str(rd, var, "name", true);
            a->env[i].value = engine_util_rd_str(rd, var, "value", true);
            a->env[i].type = engine_util_rd_str(rd, var, "type", false);
            a->nenv = i + 1;
        }
    }
}

int engine_plan_from_json(const json_t *json, engine_plan **out, char *errbuf, size_t errlen)
{
    engine_util_rd rd = {.rc = 0, .errbuf = errbuf, .errlen = errlen};
    engine_plan *plan = engine_util_calloc(1, sizeof *plan);
    plan->name = engine_util_rd_str(&rd, json, "name", true);
    plan->version = engine_util_rd_int(&rd, json, "version", true, 1);
    char *mode = engine_util_rd_str(&rd, json, "executionMode", true);
    char *type = engine_util_rd_str(&rd, json, "pipelineType", true);
    if (rd.rc == 0) {
        if (strcmp(mode, "SUPERSEDED") == 0) {
            plan->mode = MODEL_MODE_SUPERSEDED;
        } else if (strcmp(mode, "QUEUED") == 0) {
            plan->mode = MODEL_MODE_QUEUED;
        } else if (strcmp(mode, "PARALLEL") == 0) {
            plan->mode = MODEL_MODE_PARALLEL;
        } else {
            engine_util_rd_fail(&rd, "unknown executionMode", mode);
        }
        plan->type = strcmp(type, "V2") == 0 ? MODEL_PIPELINE_V2 : MODEL_PIPELINE_V1;
    }
    free(mode);
    free(type);
    const json_t *vars = engine_util_rd_arr(&rd, json, "variables", false);
    if (vars != NULL && json_array_size(vars) > 0) {
        plan->variables = engine_util_calloc(json_array_size(vars), sizeof *plan->variables);
        for (size_t i = 0; i < json_array_size(vars) && rd.rc == 0; i++) {
            const json_t *var = json_array_get(vars, i);
            plan->variables[i].name = engine_util_rd_str(&rd, var, "name", true);
            plan->variables[i].default_value = engine_util_rd_str(&rd, var, "defaultValue", false);
            plan->nvariables = i + 1;
        }
    }
    const json_t *stages = engine_util_rd_arr(&rd, json, "stages", true);
    if (stages != NULL && json_array_size(stages) > 0) {
        plan->stages = engine_util_calloc(json_array_size(stages), sizeof *plan->stages);
        for (size_t s = 0; s < json_array_size(stages) && rd.rc == 0; s++) {
            const json_t *stage = json_array_get(stages, s);
            engine_plan_stage *st = &plan->stages[s];
            plan->nstages = s + 1;
            st->name = engine_util_rd_str(&rd, stage, "name", true);
            const json_t *actions = engine_util_rd_arr(&rd, stage, "actions", true);
            if (actions == NULL || json_array_size(actions) == 0) {
                continue;
            }
            st->actions = engine_util_calloc(json_array_size(actions), sizeof *st->actions);
            for (size_t a = 0; a < json_array_size(actions) && rd.rc == 0; a++) {
                st->nactions = a + 1;
                engine_plan_action_read(&rd, json_array_get(actions, a), &st->actions[a]);
            }
        }
    }
    if (rd.rc != 0) {
        engine_plan_free(plan);
        return rd.rc;
    }
    *out = plan;
    return SLUICE_OK;
}

engine_plan *engine_plan_clone(const engine_plan *plan)
{
    json_t *json = engine_plan_to_json(plan);
    engine_plan *copy = NULL;
    if (engine_plan_from_json(json, &copy, NULL, 0) != SLUICE_OK) {
        abort(); /* a plan always reads back what it wrote */
    }
    json_decref(json);
    return copy;
}

/* ---- lookups ------------------------------------------------------------- */

size_t engine_plan_stage_index(const engine_plan *plan, const char *stage)
{
    if (plan == NULL || stage == NULL) {
        return ENGINE_PLAN_NOT_FOUND;
    }
    for (size_t i = 0; i < plan->nstages; i++) {
        if (strcmp(plan->stages[i].name, stage) == 0) {
            return i;
        }
    }
    return ENGINE_PLAN_NOT_FOUND;
}

size_t engine_plan_action_index(const engine_plan_stage *stage, const char *action)
{
    if (stage == NULL || action == NULL) {
        return ENGINE_PLAN_NOT_FOUND;
    }
    for (size_t i = 0; i < stage->nactions; i++) {
        if (strcmp(stage->actions[i].name, action) == 0) {
            return i;
        }
    }
    return ENGINE_PLAN_NOT_FOUND;
}

int engine_plan_next_run_order(const engine_plan_stage *stage, int after)
{
    int best = 0;
    for (size_t i = 0; i < stage->nactions; i++) {
        int order = stage->actions[i].run_order;
        if (order > after && (best == 0 || order < best)) {
            best = order;
        }
    }
    return best;
}

bool engine_plan_action_is_approval(const engine_plan_action *action)
{
    return strcmp(action->category, "Approval") == 0;
}

bool engine_plan_action_is_source(const engine_plan_action *action)
{
    return strcmp(action->category, "Source") == 0;
}

int64_t engine_plan_action_timeout_ms(const engine_plan_action *action)
{
    const char *provider = action->provider;
    if (engine_plan_action_is_approval(action)) {
        return action->timeout_minutes > 0 ? action->timeout_minutes * ENGINE_PLAN_MINUTE_MS
                                           : 7 * ENGINE_PLAN_DAY_MS;
    }
    if (strcmp(action->owner, "Custom") == 0 || strcmp(action->owner, "ThirdParty") == 0) {
        return 24 * ENGINE_PLAN_HOUR_MS;
    }
    if (strcmp(provider, "CodeBuild") == 0) {
        return 8 * ENGINE_PLAN_HOUR_MS;
    }
    if (strncmp(provider, "CloudFormation", strlen("CloudFormation")) == 0) {
        return 3 * ENGINE_PLAN_DAY_MS;
    }
    if (strncmp(provider, "CodeDeploy", strlen("CodeDeploy")) == 0) {
        return 5 * ENGINE_PLAN_DAY_MS;
    }
    if (strcmp(provider, "StepFunctions") == 0) {
        return 7 * ENGINE_PLAN_DAY_MS;
    }
    if (strcmp(provider, "Lambda") == 0) {
        return 24 * ENGINE_PLAN_HOUR_MS;
    }
    if (strcmp(provider, "S3") == 0 && strcmp(action->category, "Deploy") == 0) {
        return 90 * ENGINE_PLAN_MINUTE_MS;
    }
    return ENGINE_PLAN_HOUR_MS;
}

const char *engine_plan_action_config(const engine_plan_action *action, const char *key)
{
    for (size_t i = 0; i < action->nconfig; i++) {
        if (strcmp(action->config[i].key, key) == 0) {
            return action->config[i].value;
        }
    }
    return NULL;
}

const char *engine_plan_mode_name(model_execution_mode mode)
{
    switch (mode) {
    case MODEL_MODE_QUEUED:
        return "QUEUED";
    case MODEL_MODE_PARALLEL:
        return "PARALLEL";
    case MODEL_MODE_SUPERSEDED:
    default:
        return "SUPERSEDED";
    }
}
