/*
 * model_registry.h — the action providers this Sluice installation runs.
 *
 * One table of the built-in providers (actionTypeId → configuration keys,
 * artifact counts, output variables, default timeout, who runs it), the single
 * place that the validator, the engine and the workers consult:
 *
 *   AWS/Source/CodeCommit/1, AWS/Source/CodeStarSourceConnection/1,
 *   AWS/Source/S3/1                          the source service
 *   AWS/Build/CodeBuild/1, AWS/Test/CodeBuild/1, AWS/Compute/Commands/1 (V2),
 *   AWS/Deploy/S3/1, AWS/Invoke/Lambda/1     the worker
 *   AWS/Approval/Manual/1                    the orchestrator and approvals
 *                                            (with Sluice's own policy keys,
 *                                            model_approval.h)
 *   Custom/<any category>/<any provider>/<any version>
 *                                            external job workers (PollForJobs)
 *
 * Any other AWS or ThirdParty provider (CodeDeploy, ECS, CloudFormation, ...)
 * is not run by Sluice; an installation may declare such providers as served
 * by external job workers (configuration SLUICE_EXTERNAL_PROVIDERS, a list of
 * "owner/category/provider/version"), whose jobs are then offered through
 * PollForJobs like Custom ones. A declared provider that is also built in is
 * handed to external workers instead of Sluice's own.
 *
 * Artifact counts follow the CodePipeline user guide (reference §1.5), default
 * timeouts its quotas page (reference §1.6). A registry is immutable after
 * model_registry_new and may be shared between threads.
 */
#ifndef SLUICE_MODEL_REGISTRY_H
#define SLUICE_MODEL_REGISTRY_H

#include "sluice/buf.h"
#include "sluice/model.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MODEL_REGISTRY_MAX_EXTERNAL 64  /* bound on declared external providers */
#define MODEL_REGISTRY_ANY          "*" /* wildcard field of the Custom entry */

typedef struct model_config_key {
    const char *name;
    bool required;
    bool secret; /* masked as "****" when a declaration is returned */
    bool sluice; /* Sluice's own key: AWS refuses it (sluice validate --portable lists it) */
} model_config_key;

/* Who executes jobs of a provider. */
typedef enum model_runner {
    MODEL_RUNNER_SOURCE,   /* sluice-source */
    MODEL_RUNNER_WORKER,   /* sluice-worker */
    MODEL_RUNNER_APPROVAL, /* the orchestrator (token, timeout) and sluice-approvals */
    MODEL_RUNNER_EXTERNAL, /* external job workers through PollForJobs */
} model_runner;

typedef struct model_provider {
    const char *owner;    /* "AWS" | "ThirdParty" | "Custom" */
    const char *category; /* "Source", ...; MODEL_REGISTRY_ANY for Custom */
    const char *provider; /* MODEL_REGISTRY_ANY for Custom */
    const char *version;  /* MODEL_REGISTRY_ANY for Custom */
    const model_config_key *config_keys;
    size_t nconfig_keys;
    bool config_free_form; /* keys other than config_keys are accepted */
    int min_inputs;
    int max_inputs;
    int min_outputs;
    int max_outputs;
    const char *const *output_variables; /* fixed output variable keys */
    size_t noutput_variables;
    bool dynamic_outputs; /* any key may be produced (CodeBuild, Lambda, Custom) */
    bool commands_fields; /* commands / outputVariables / environmentVariables / files apply */
    bool v2_only;         /* only in V2 pipelines */
    bool external;        /* jobs are offered through PollForJobs */
    model_runner runner;
    int64_t default_timeout_minutes;
} model_provider;

typedef struct model_registry model_registry;

/*
 * Creates a registry of the built-in providers plus the external ones, each
 * "owner/category/provider/version" (e.g. "AWS/Deploy/CodeDeploy/1"; owner AWS
 * or ThirdParty). Returns 0 and *out; SLUICE_EINVAL with errbuf naming the bad
 * entry (nothing created); SLUICE_ETOOBIG past MODEL_REGISTRY_MAX_EXTERNAL;
 * SLUICE_ENOMEM. The strings are copied.
 */
int model_registry_new(const char *const *external, size_t nexternal, model_registry **out,
                       char *errbuf, size_t errlen);

/*
 * Same from one configuration value: entries separated by commas and/or
 * whitespace (SLUICE_EXTERNAL_PROVIDERS). NULL or "" means none.
 */
int model_registry_new_from_list(const char *list, model_registry **out, char *errbuf,
                                 size_t errlen);

/* Frees a registry. Accepts NULL. */
void model_registry_free(model_registry *reg);

/*
 * The provider serving an action type, or NULL when this installation runs no
 * such provider. Owner Custom matches the Custom wildcard entry for any
 * category, provider and version. reg may be NULL: built-in providers only.
 * The result lives as long as reg (built-ins: forever).
 */
const model_provider *model_registry_find(const model_registry *reg, const char *category,
                                          const char *owner, const char *provider,
                                          const char *version);

/* model_registry_find with an action's actionTypeId; NULL when a field is absent. */
const model_provider *model_registry_find_action(const model_registry *reg,
                                                 const model_action *action);

/* Number of entries (built-ins, the Custom wildcard, then external ones) and the i-th. */
size_t model_registry_count(const model_registry *reg);
const model_provider *model_registry_get(const model_registry *reg, size_t index);

/*
 * Appends the list of what this installation runs to out, e.g. "AWS/Source/CodeCommit/1,
 * ..., AWS/Approval/Manual/1; through external job workers: Custom/<any category>/
 * <any provider>/<any version>, AWS/Deploy/CodeDeploy/1".
 * 0 or SLUICE_ETOOBIG / SLUICE_ENOMEM.
 */
int model_registry_describe(const model_registry *reg, sluice_buf *out);

/* A configuration key of a provider by name; NULL when the provider does not declare it. */
const model_config_key *model_provider_config_key(const model_provider *provider, const char *name);

/*
 * True when an action of this provider can produce output variable key:
 * dynamic providers produce any key, Commands the action's outputVariables,
 * the others their fixed list.
 */
bool model_provider_has_output(const model_provider *provider, const model_action *action,
                               const char *key);

/* The timeout of an action in minutes: its timeoutInMinutes when set, else the default. */
int64_t model_provider_timeout_minutes(const model_provider *provider, const model_action *action);

/*
 * Rule types of V2 stage conditions (category Rule, owner AWS) that Sluice
 * evaluates: VariableCheck, DeploymentWindow, LambdaInvoke, Commands.
 */
typedef struct model_rule_type {
    const char *provider;
    const char *version;
    const model_config_key *config_keys;
    size_t nconfig_keys;
    bool commands; /* uses the rule's `commands` list (required) */
} model_rule_type;

/* The rule type for a ruleTypeId provider/version (version NULL = "1"); NULL when unknown. */
const model_rule_type *model_registry_find_rule(const char *provider, const char *version);

/* Appends the names of the rule types Sluice evaluates, e.g. "VariableCheck, ...". */
int model_registry_describe_rules(sluice_buf *out);

#endif
