/*
 * model_validate.h — every rule a pipeline declaration must satisfy.
 *
 * model_validate checks a parsed declaration against botocore's constraints
 * and CodePipeline's structural rules, plus what this installation can run
 * (model_registry.h), and reports every problem with its exception and JSON
 * path. The rules, by exception:
 *
 * ValidationException — fields: name patterns and lengths, enum values, list
 *   sizes, runOrder 1..999, timeoutInMinutes 5..86400, version >= 1,
 *   configuration keys 1..50 and values 1..1000 characters (the parser adds
 *   wrong types, missing and unknown fields, size and depth); V2-only fields
 *   on a V1 pipeline (executionMode QUEUED / PARALLEL, variables, triggers,
 *   stage conditions); duplicate pipeline variable names; triggers: the
 *   source action named must be a CodeStarSourceConnection action of the
 *   first stage, one trigger per source action, glob patterns that parse,
 *   push filters with tags or branches (not both), no empty filters.
 * InvalidStructureException — the pipeline as a whole: at least 2 stages,
 *   exactly one of artifactStore / artifactStores, source actions only and
 *   always in the first stage, unique stage names, unique output artifact
 *   names, unique namespaces, every input artifact (of actions and of rules)
 *   produced by an action that runs strictly earlier (an earlier stage, or the
 *   same stage with a lower runOrder).
 * InvalidStageDeclarationException — a stage: at least 1 action, unique action
 *   names, blocker type Schedule and unique blocker names, condition results
 *   allowed where they are (beforeEntry FAIL / SKIP, onSuccess ROLLBACK /
 *   FAIL, onFailure ROLLBACK / FAIL / RETRY, retryConfiguration only with
 *   RETRY, no ROLLBACK in the first stage or in PARALLEL mode), rule types
 *   Sluice evaluates with their configuration, unique rule names in a
 *   condition, variable references in rules.
 * InvalidActionDeclarationException — an action: a provider this installation
 *   runs (the message lists them), V2-only providers (Commands) on V1,
 *   artifact counts of the provider, required configuration keys, unknown
 *   keys of built-in providers, values of well-known keys (booleans,
 *   OutputArtifactFormat, CodeBuild EnvironmentVariables, S3 deploy ObjectKey
 *   when Extract is false), Commands fields only on Commands actions and
 *   `commands` (single lines) required there, a namespace neither reserved nor
 *   equal to an artifact name, an artifactStores entry for the action's
 *   region, an input artifact listed once, variable references that resolve
 *   (`codepipeline.PipelineExecutionId`, `variables.<declared>`, or a
 *   namespace declared by an action that runs strictly earlier with a key it
 *   can produce — any key for CodeBuild, Lambda and Custom actions).
 * LimitExceededException — more than 50 stages, more than 50 actions in a stage.
 *
 * Checks of a field that already has a problem in errs (reported by the
 * parser, or by the constraint pass) are skipped, so one mistake is reported
 * once. Pure; thread-compatible.
 */
#ifndef SLUICE_MODEL_VALIDATE_H
#define SLUICE_MODEL_VALIDATE_H

#include "sluice/model.h"
#include "sluice/model_errors.h"
#include "sluice/model_registry.h"

#include <stddef.h>

#define MODEL_MIN_STAGES            2
#define MODEL_MAX_STAGES            50
#define MODEL_MAX_ACTIONS_PER_STAGE 50

/*
 * Validates pipeline against the rules above; reg may be NULL (built-in
 * providers only). Problems are added to errs. Returns 0 when errs holds no
 * problem on return, SLUICE_EINVAL when it holds any (including ones it held
 * before, e.g. the parser's), SLUICE_ENOMEM.
 */
int model_validate(const model_pipeline *pipeline, const model_registry *reg, model_errors *errs);

/*
 * model_pipeline_parse_text then model_validate: every problem of a
 * declaration text in one list. Returns 0 with *out the valid pipeline;
 * SLUICE_EINVAL with *out the (possibly partial) model or NULL when the text
 * could not be read at all; SLUICE_ENOMEM with *out NULL. The caller frees *out.
 */
int model_validate_text(const char *text, size_t len, const model_registry *reg,
                        model_pipeline **out, model_errors *errs);

#endif
