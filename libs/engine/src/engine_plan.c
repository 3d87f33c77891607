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

/* ---- stage conditions ----------------------------------------------------- */

static const char *const engine_plan_result_names[] = {
    [ENGINE_RESULT_NONE] = NULL,     [ENGINE_RESULT_FAIL] = "FAIL",
    [ENGINE_RESULT_SKIP] = "SKIP",   [ENGINE_RESULT_ROLLBACK] = "ROLLBACK",
    [ENGINE_RESULT_RETRY] = "RETRY",
};

static const char *const engine_plan_kind_names[ENGINE_CONDITION_KINDS] = {
    [ENGINE_CONDITION_BEFORE_ENTRY] = "beforeEntry",
    [ENGINE_CONDITION_ON_SUCCESS] = "onSuccess",
    [ENGINE_CONDITION_ON_FAILURE] = "onFailure",
};

static engine_plan_result engine_plan_result_read(const json_t *obj)
{
    const char *text = json_string_value(json_object_get(obj, "result"));
    for (size_t i = 1; text != NULL && i < sizeof engine_plan_result_names / sizeof(char *); i++) {
        if (strcmp(text, engine_plan_result_names[i]) == 0) {
            return (engine_plan_result)i;
        }
    }
    return ENGINE_RESULT_NONE;
}

static char *engine_plan_json_str(const json_t *obj, const char *key)
{
    return engine_util_strdup(json_string_value(json_object_get(obj, key)));
}

static char *engine_plan_json_str_or_empty(const json_t *obj, const char *key)
{
    return engine_util_strdup(engine_plan_or_empty(json_string_value(json_object_get(obj, key))));
}

/* The strings of a JSON array (other members skipped); NULL when none. */
static char **engine_plan_json_strs(const json_t *arr, size_t *n)
{
    *n = 0;
    if (!json_is_array(arr) || json_array_size(arr) == 0) {
        return NULL;
    }
    char **items = engine_util_calloc(json_array_size(arr), sizeof *items);
    size_t i;
    json_t *item;
    json_array_foreach(arr, i, item)
    {
        if (json_is_string(item)) {
            items[(*n)++] = engine_util_strdup(json_string_value(item));
        } else if (json_is_string(json_object_get(item, "name"))) {
            items[(*n)++] = engine_util_strdup(json_string_value(json_object_get(item, "name")));
        }
    }
    return items;
}

static void engine_plan_rule_read(const json_t *obj, engine_plan_rule *rule)
{
    const json_t *type = json_object_get(obj, "ruleTypeId");
    rule->name = engine_plan_json_str_or_empty(obj, "name");
    rule->category = engine_plan_json_str_or_empty(type, "category");
    rule->owner = engine_plan_json_str(type, "owner");
    rule->provider = engine_plan_json_str_or_empty(type, "provider");
    rule->version = engine_plan_json_str(type, "version");
    json_t *config = json_object_get(obj, "configuration");
    if (json_is_object(config) && json_object_size(config) > 0) {
        rule->config = engine_util_calloc(json_object_size(config), sizeof *rule->config);
        const char *key;
        json_t *value;
        json_object_foreach(config, key, value)
        {
            if (json_is_string(value)) {
                rule->config[rule->nconfig].key = engine_util_strdup(key);
                rule->config[rule->nconfig].value = engine_util_strdup(json_string_value(value));
                rule->nconfig++;
            }
        }
    }
    rule->commands = engine_plan_json_strs(json_object_get(obj, "commands"), &rule->ncommands);
    rule->inputs = engine_plan_json_strs(json_object_get(obj, "inputArtifacts"), &rule->ninputs);
    rule->region = engine_plan_json_str(obj, "region");
    rule->role_arn = engine_plan_json_str(obj, "roleArn");
    json_int_t timeout = json_integer_value(json_object_get(obj, "timeoutInMinutes"));
    rule->timeout_minutes = timeout > 0 ? (int64_t)timeout : 0;
}

/*
 * Reads BeforeEntryConditions / SuccessConditions / FailureConditions in the
 * declaration's shape (also the plan's JSON). Lenient: the declaration was
 * validated; members of the wrong type are skipped.
 */
static void engine_plan_conditions_read(const json_t *obj, engine_condition_kind kind,
                                        engine_plan_conditions *out)
{
    if (!json_is_object(obj)) {
        return;
    }
    out->present = true;
    if (kind == ENGINE_CONDITION_ON_FAILURE) {
        out->result = engine_plan_result_read(obj);
        const json_t *retry = json_object_get(obj, "retryConfiguration");
        const char *mode = json_string_value(json_object_get(retry, "retryMode"));
        out->retry_all_actions =
            out->result == ENGINE_RESULT_RETRY && mode != NULL && strcmp(mode, "ALL_ACTIONS") == 0;
    }
    const json_t *conditions = json_object_get(obj, "conditions");
    if (!json_is_array(conditions) || json_array_size(conditions) == 0) {
        return;
    }
    out->conditions = engine_util_calloc(json_array_size(conditions), sizeof *out->conditions);
    size_t i;
    json_t *item;
    json_array_foreach(conditions, i, item)
    {
        engine_plan_condition *c = &out->conditions[out->nconditions++];
        c->result = engine_plan_result_read(item);
        const json_t *rules = json_object_get(item, "rules");
        if (!json_is_array(rules) || json_array_size(rules) == 0) {
            continue;
        }
        c->rules = engine_util_calloc(json_array_size(rules), sizeof *c->rules);
        size_t r;
        json_t *rule;
        json_array_foreach(rules, r, rule)
        {
            if (json_is_object(rule)) {
                engine_plan_rule_read(rule, &c->rules[c->nrules++]);
            }
        }
    }
}

static json_t *engine_plan_rule_to_json(const engine_plan_rule *rule)
{
    json_t *obj = engine_util_obj();
    engine_util_put_str(obj, "name", rule->name);
    json_t *type = engine_util_obj();
    engine_util_put_str(type, "category", rule->category);
    engine_util_put_str(type, "owner", rule->owner);
    engine_util_put_str(type, "provider", rule->provider);
    engine_util_put_str(type, "version", rule->version);
    engine_util_put(obj, "ruleTypeId", type);
    if (rule->nconfig > 0) {
        engine_util_put(obj, "configuration", engine_util_kvs_object(rule->config, rule->nconfig));
    }
    if (rule->ncommands > 0) {
        engine_util_put(obj, "commands", engine_util_str_array(rule->commands, rule->ncommands));
    }
    if (rule->ninputs > 0) {
        json_t *inputs = engine_util_arr();
        for (size_t i = 0; i < rule->ninputs; i++) {
            json_t *input = engine_util_obj();
            engine_util_put_str(input, "name", rule->inputs[i]);
            engine_util_push(inputs, input);
        }
        engine_util_put(obj, "inputArtifacts", inputs);
    }
    engine_util_put_str(obj, "region", rule->region);
    engine_util_put_str(obj, "roleArn", rule->role_arn);
    if (rule->timeout_minutes > 0) {
        engine_util_put_int(obj, "timeoutInMinutes", rule->timeout_minutes);
    }
    return obj;
}

/* The conditions in the declaration's shape, or NULL when not declared. */
static json_t *engine_plan_conditions_to_json(const engine_plan_conditions *in,
                                              engine_condition_kind kind)
{
    if (!in->present) {
        return NULL;
    }
    json_t *obj = engine_util_obj();
    if (kind == ENGINE_CONDITION_ON_FAILURE) {
        engine_util_put_str(obj, "result", engine_plan_result_name(in->result));
        if (in->result == ENGINE_RESULT_RETRY) {
            json_t *retry = engine_util_obj();
            engine_util_put_str(retry, "retryMode",
                                in->retry_all_actions ? "ALL_ACTIONS" : "FAILED_ACTIONS");
            engine_util_put(obj, "retryConfiguration", retry);
        }
    }
    if (in->nconditions > 0) {
        json_t *conditions = engine_util_arr();
        for (size_t c = 0; c < in->nconditions; c++) {
            const engine_plan_condition *cond = &in->conditions[c];
            json_t *item = engine_util_obj();
            engine_util_put_str(item, "result", engine_plan_result_name(cond->result));
            if (cond->nrules > 0) {
                json_t *rules = engine_util_arr();
                for (size_t r = 0; r < cond->nrules; r++) {
                    engine_util_push(rules, engine_plan_rule_to_json(&cond->rules[r]));
                }
                engine_util_put(item, "rules", rules);
            }
            engine_util_push(conditions, item);
        }
        engine_util_put(obj, "conditions", conditions);
    }
    return obj;
}

static void engine_plan_conditions_free(engine_plan_conditions *in)
{
    for (size_t c = 0; c < in->nconditions; c++) {
        engine_plan_condition *cond = &in->conditions[c];
        for (size_t r = 0; r < cond->nrules; r++) {
            engine_plan_rule *rule = &cond->rules[r];
            free(rule->name);
            free(rule->category);
            free(rule->owner);
            free(rule->provider);
            free(rule->version);
            for (size_t i = 0; i < rule->nconfig; i++) {
                free(rule->config[i].key);
                free(rule->config[i].value);
            }
            free(rule->config);
            engine_util_free_strs(rule->commands, rule->ncommands);
            engine_util_free_strs(rule->inputs, rule->ninputs);
            free(rule->region);
            free(rule->role_arn);
        }
        free(cond->rules);
    }
    free(in->conditions);
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
            const json_t *holders[ENGINE_CONDITION_KINDS] = {in->before_entry, in->on_success,
                                                             in->on_failure};
            for (int k = 0; k < ENGINE_CONDITION_KINDS; k++) {
                engine_plan_conditions_read(holders[k], (engine_condition_kind)k,
                                            &out->conditions[k]);
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
        for (int k = 0; k < ENGINE_CONDITION_KINDS; k++) {
            engine_plan_conditions_free(&plan->stages[s].conditions[k]);
        }
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
        for (int k = 0; k < ENGINE_CONDITION_KINDS; k++) {
            json_t *conditions = engine_plan_conditions_to_json(&plan->stages[s].conditions[k],
                                                                (engine_condition_kind)k);
            if (conditions != NULL) {
                engine_util_put(stage, engine_plan_kind_names[k], conditions);
            }
        }
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
            for (int k = 0; k < ENGINE_CONDITION_KINDS; k++) {
                engine_plan_conditions_read(json_object_get(stage, engine_plan_kind_names[k]),
                                            (engine_condition_kind)k, &st->conditions[k]);
            }
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

int64_t engine_plan_rule_timeout_ms(const engine_plan_rule *rule)
{
    return rule->timeout_minutes > 0 ? rule->timeout_minutes * ENGINE_PLAN_MINUTE_MS
                                     : ENGINE_PLAN_HOUR_MS;
}

const char *engine_plan_rule_config(const engine_plan_rule *rule, const char *key)
{
    for (size_t i = 0; i < rule->nconfig; i++) {
        if (strcmp(rule->config[i].key, key) == 0) {
            return rule->config[i].value;
        }
    }
    return NULL;
}

const char *engine_plan_condition_kind_name(engine_condition_kind kind)
{
    return (unsigned)kind < ENGINE_CONDITION_KINDS ? engine_plan_kind_names[kind] : "beforeEntry";
}

const char *engine_plan_condition_type_name(engine_condition_kind kind)
{
    switch (kind) {
    case ENGINE_CONDITION_ON_SUCCESS:
        return "ON_SUCCESS";
    case ENGINE_CONDITION_ON_FAILURE:
        return "ON_FAILURE";
    case ENGINE_CONDITION_BEFORE_ENTRY:
    default:
        return "BEFORE_ENTRY";
    }
}

const char *engine_plan_result_name(engine_plan_result result)
{
    return (unsigned)result < sizeof engine_plan_result_names / sizeof(char *)
               ? engine_plan_result_names[result]
               : NULL;
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
