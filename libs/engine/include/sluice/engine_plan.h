/*
 * engine_plan.h — the part of a pipeline declaration the engine executes.
 *
 * A plan is a compact, self-contained copy of one version of a pipeline
 * (model_pipeline from model.h): its name, version, execution mode, pipeline
 * variables, and per stage the actions with what running them needs (action
 * type, runOrder, configuration, artifacts, namespace, region, role, timeout,
 * Commands fields) and its V2 stage conditions (beforeEntry, onSuccess,
 * onFailure with their rules). Actions keep their declaration order; runOrder
 * groups are found by value. Triggers, blockers and artifact stores are not
 * part of execution and are left out.
 *
 * A plan lives inside the engine state (engine_state.h) and round-trips
 * through JSON losslessly. It owns every string below it.
 *
 * Action timeouts follow CodePipeline's quotas (reference §1.6): Manual
 * approval 7 days or its timeoutInMinutes; CodeBuild 8 hours; CloudFormation
 * 3 days; CodeDeploy / ECS blue-green 5 days; S3 deploy 90 minutes; Lambda
 * invoke and Custom / ThirdParty actions 24 hours; Step Functions 7 days;
 * everything else 1 hour. A rule run as a job (LambdaInvoke, Commands) times
 * out after its timeoutInMinutes, else 1 hour.
 *
 * Out of memory aborts (the engine's policy). Pure; thread-compatible.
 */
#ifndef SLUICE_ENGINE_PLAN_H
#define SLUICE_ENGINE_PLAN_H

#include "sluice/model.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A string pair (configuration entries, variables, output variables). */
typedef struct engine_kv {
    char *key;
    char *value;
} engine_kv;

typedef struct engine_plan_output {
    char *name;
    char **files; /* Commands export filter; NULL when absent */
    size_t nfiles;
} engine_plan_output;

typedef struct engine_plan_env {
    char *name;
    char *value;
    char *type; /* "PLAINTEXT" | "SECRETS_MANAGER"; NULL when absent */
} engine_plan_env;

typedef struct engine_plan_action {
    char *name;
    char *category; /* actionTypeId as declared */
    char *owner;
    char *provider;
    char *version;
    int run_order;     /* 1..999 */
    engine_kv *config; /* declaration order */
    size_t nconfig;
    char **inputs; /* input artifact names */
    size_t ninputs;
    engine_plan_output *outputs;
    size_t noutputs;
    char *namespace_;        /* NULL when absent */
    char *region;            /* NULL when absent */
    char *role_arn;          /* NULL when absent */
    int64_t timeout_minutes; /* 0 when absent */
    char **commands;
    size_t ncommands;
    char **output_variables;
    size_t noutput_variables;
    engine_plan_env *env;
    size_t nenv;
} engine_plan_action;

/* The three kinds of stage condition; they index engine_plan_stage.conditions. */
typedef enum engine_condition_kind {
    ENGINE_CONDITION_BEFORE_ENTRY = 0, /* beforeEntry: before the stage is entered */
    ENGINE_CONDITION_ON_SUCCESS,       /* onSuccess: after every action succeeded */
    ENGINE_CONDITION_ON_FAILURE,       /* onFailure: after an action failed */
} engine_condition_kind;

#define ENGINE_CONDITION_KINDS 3

/* Result: what engages when a condition fails (onFailure's own result: when it passes). */
typedef enum engine_plan_result {
    ENGINE_RESULT_NONE = 0, /* absent */
    ENGINE_RESULT_FAIL,
    ENGINE_RESULT_SKIP,
    ENGINE_RESULT_ROLLBACK,
    ENGINE_RESULT_RETRY,
} engine_plan_result;

/* RuleDeclaration. */
typedef struct engine_plan_rule {
    char *name;
    char *category; /* ruleTypeId as declared; owner and version NULL when absent */
    char *owner;
    char *provider;
    char *version;
    engine_kv *config; /* declaration order */
    size_t nconfig;
    char **commands;
    size_t ncommands;
    char **inputs; /* input artifact names */
    size_t ninputs;
    char *region;            /* NULL when absent */
    char *role_arn;          /* NULL when absent */
    int64_t timeout_minutes; /* 0 when absent */
} engine_plan_rule;

/* Condition: its rules (all must pass) and the result engaged when one fails. */
typedef struct engine_plan_condition {
    engine_plan_result result;
    engine_plan_rule *rules;
    size_t nrules;
} engine_plan_condition;

/* BeforeEntryConditions / SuccessConditions / FailureConditions. */
typedef struct engine_plan_conditions {
    bool present;              /* declared on the stage */
    engine_plan_result result; /* onFailure only: RETRY / FAIL / ROLLBACK; NONE otherwise */
    bool retry_all_actions;    /* onFailure RETRY: retryMode ALL_ACTIONS (else FAILED_ACTIONS) */
    engine_plan_condition *conditions;
    size_t nconditions;
} engine_plan_conditions;

typedef struct engine_plan_stage {
    char *name;
    engine_plan_action *actions;
    size_t nactions;
    engine_plan_conditions conditions[ENGINE_CONDITION_KINDS]; /* by engine_condition_kind */
} engine_plan_stage;

typedef struct engine_plan_variable {
    char *name;
    char *default_value; /* NULL when absent */
} engine_plan_variable;

typedef struct engine_plan {
    char *name;
    int64_t version;
    model_execution_mode mode;
    model_pipeline_type type;
    engine_plan_variable *variables;
    size_t nvariables;
    engine_plan_stage *stages;
    size_t nstages;
} engine_plan;

#define ENGINE_PLAN_NOT_FOUND ((size_t)-1)

/*
 * Builds the plan of a pipeline. Reads only the structs of model.h; pipeline
 * stays owned by the caller. Returns the new plan (never NULL; a missing name
 * becomes ""; a runOrder outside 1..999 is clamped into it).
 */
engine_plan *engine_plan_from_model(const model_pipeline *pipeline);

/* Frees a plan. Accepts NULL. */
void engine_plan_free(engine_plan *plan);

/* Deep copy; never NULL for a non-NULL plan. */
engine_plan *engine_plan_clone(const engine_plan *plan);

/* The plan as JSON (a new reference; the format is documented in engine_state.h). */
json_t *engine_plan_to_json(const engine_plan *plan);

/*
 * Reads a plan written by engine_plan_to_json. 0 with *out set (caller frees),
 * or SLUICE_EPARSE with detail in errbuf and *out untouched.
 */
int engine_plan_from_json(const json_t *json, engine_plan **out, char *errbuf, size_t errlen);

/* Index of the stage / action with that name, or ENGINE_PLAN_NOT_FOUND. */
size_t engine_plan_stage_index(const engine_plan *plan, const char *stage);
size_t engine_plan_action_index(const engine_plan_stage *stage, const char *action);

/* The smallest runOrder of the stage above after (0: the first group); 0 when none is left. */
int engine_plan_next_run_order(const engine_plan_stage *stage, int after);

/* True for category "Approval" (the Manual approval action). */
bool engine_plan_action_is_approval(const engine_plan_action *action);

/* True for category "Source". */
bool engine_plan_action_is_source(const engine_plan_action *action);

/* The action's timeout in milliseconds (see the table above). */
int64_t engine_plan_action_timeout_ms(const engine_plan_action *action);

/* The declared configuration value of key, or NULL. */
const char *engine_plan_action_config(const engine_plan_action *action, const char *key);

/* A rule's timeout in milliseconds: its timeoutInMinutes, else 1 hour. */
int64_t engine_plan_rule_timeout_ms(const engine_plan_rule *rule);

/* The configuration value of a rule, or NULL. */
const char *engine_plan_rule_config(const engine_plan_rule *rule, const char *key);

/* "beforeEntry" | "onSuccess" | "onFailure". */
const char *engine_plan_condition_kind_name(engine_condition_kind kind);

/* "BEFORE_ENTRY" | "ON_SUCCESS" | "ON_FAILURE" (ConditionType, extended by ON_FAILURE). */
const char *engine_plan_condition_type_name(engine_condition_kind kind);

/* "FAIL" | "SKIP" | "ROLLBACK" | "RETRY"; NULL for ENGINE_RESULT_NONE. */
const char *engine_plan_result_name(engine_plan_result result);

/* Mode name as CodePipeline spells it: "SUPERSEDED" | "QUEUED" | "PARALLEL". */
const char *engine_plan_mode_name(model_execution_mode mode);

#endif
