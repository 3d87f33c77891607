/*
 * model.h — the CodePipeline pipeline declaration as C structures.
 *
 * What CreatePipeline accepts and GetPipeline returns (the `pipeline` object,
 * V1 and V2; field names and limits from botocore's codepipeline model). A
 * model_pipeline owns every string and array below it; free it with
 * model_pipeline_free. Parsing (model_parse.h) is bounded (input size,
 * nesting depth) and checks only what a JSON reader sees; validation is
 * model_validate (model_validate.h), which reports every problem with its
 * JSON path. Serialization is model_serialize.h, the provider table
 * model_registry.h, `#{ns.key}` references model_vars.h, trigger globs
 * model_glob.h.
 *
 * Lists: an absent optional list is NULL with count 0; a list present but
 * empty is a non-NULL array with count 0 (so it serializes back as []). A
 * pipeline from a parse that reported problems may be partial: members that
 * could not be read are NULL (or their defaults), list lengths still match
 * the input.
 *
 * Rarely used V2 stage conditions (onFailure / onSuccess / beforeEntry), the
 * blockers list, artifactStore(s) and triggers are kept as JSON (jansson) so
 * they round-trip exactly; validation inspects them in place.
 *
 * Pure and thread-compatible: distinct pipelines may be used from distinct threads.
 */
#ifndef SLUICE_MODEL_H
#define SLUICE_MODEL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MODEL_MAX_INPUT_BYTES (1024 * 1024) /* bound on a declaration's JSON text */
#define MODEL_MAX_DEPTH       32            /* bound on JSON nesting */

typedef enum model_pipeline_type {
    MODEL_PIPELINE_V1 = 0,
    MODEL_PIPELINE_V2 = 1,
} model_pipeline_type;

typedef enum model_execution_mode {
    MODEL_MODE_SUPERSEDED = 0,
    MODEL_MODE_QUEUED = 1,
    MODEL_MODE_PARALLEL = 2,
} model_execution_mode;

typedef enum model_category {
    MODEL_CATEGORY_SOURCE,
    MODEL_CATEGORY_BUILD,
    MODEL_CATEGORY_DEPLOY,
    MODEL_CATEGORY_TEST,
    MODEL_CATEGORY_INVOKE,
    MODEL_CATEGORY_APPROVAL,
    MODEL_CATEGORY_COMPUTE,
    MODEL_CATEGORY_UNKNOWN, /* only before validation */
} model_category;

typedef struct model_kv {
    char *key;
    char *value;
} model_kv;

typedef struct model_action_type_id {
    char *category; /* "Source" | "Build" | ... as written */
    char *owner;    /* "AWS" | "ThirdParty" | "Custom" */
    char *provider;
    char *version;
} model_action_type_id;

typedef struct model_artifact {
    char *name;
    char **files; /* OutputArtifact.files (Commands export filter); NULL when absent */
    size_t nfiles;
} model_artifact;

typedef struct model_env_var {
    char *name;
    char *value;
    char *type; /* "PLAINTEXT" | "SECRETS_MANAGER"; NULL when absent */
} model_env_var;

typedef struct model_action {
    char *name;
    model_action_type_id type_id;
    model_category category; /* parsed from type_id.category */
    int run_order;           /* 1..999; 1 when absent */
    model_kv *configuration; /* in declaration order; NULL/0 when absent */
    size_t nconfiguration;
    bool has_configuration; /* the key was present (even if empty) */
    model_artifact *input_artifacts;
    size_t ninput_artifacts;
    model_artifact *output_artifacts;
    size_t noutput_artifacts;
    char *namespace_;           /* NULL when absent */
    char *region;               /* NULL when absent */
    char *role_arn;             /* NULL when absent */
    int64_t timeout_in_minutes; /* 0 when absent */
    char **commands;            /* NULL when absent */
    size_t ncommands;
    char **output_variables; /* NULL when absent */
    size_t noutput_variables;
    model_env_var *environment_variables;
    size_t nenvironment_variables;
} model_action;

typedef struct model_stage {
    char *name;
    model_action *actions;
    size_t nactions;
    json_t *blockers;     /* NULL when absent; owned reference */
    json_t *on_failure;   /* V2; NULL when absent */
    json_t *on_success;   /* V2; NULL when absent */
    json_t *before_entry; /* V2; NULL when absent */
} model_stage;

typedef struct model_variable {
    char *name;
    char *default_value; /* NULL when absent */
    char *description;   /* NULL when absent */
} model_variable;

typedef struct model_pipeline {
    char *name;
    char *role_arn;
    json_t *artifact_store;  /* NULL when absent */
    json_t *artifact_stores; /* NULL when absent */
    model_stage *stages;
    size_t nstages;
    int64_t version;                     /* 1 when absent */
    model_pipeline_type pipeline_type;   /* V1 when absent */
    model_execution_mode execution_mode; /* SUPERSEDED when absent */
    model_variable *variables;
    size_t nvariables;
    json_t *triggers; /* V2; NULL when absent */
} model_pipeline;

/* Enum <-> CodePipeline spelling. The *_name functions never return NULL. */
const char *model_pipeline_type_name(model_pipeline_type type);
const char *model_execution_mode_name(model_execution_mode mode);
const char *model_category_name(model_category category);
int model_execution_mode_parse(const char *text,
                               model_execution_mode *out); /* 0 or SLUICE_EINVAL */
model_category
model_category_parse(const char *text); /* MODEL_CATEGORY_UNKNOWN if not a category */

/* Frees a pipeline and everything it owns. Accepts NULL. */
void model_pipeline_free(model_pipeline *pipeline);

/* Deep copy. NULL on out-of-memory. */
model_pipeline *model_pipeline_clone(const model_pipeline *pipeline);

/* Looks up a stage / action by name; NULL when absent. */
const model_stage *model_pipeline_find_stage(const model_pipeline *pipeline, const char *name);
const model_action *model_stage_find_action(const model_stage *stage, const char *name);

/* Looks up a configuration value of an action; NULL when absent. */
const char *model_action_config(const model_action *action, const char *key);

#endif
