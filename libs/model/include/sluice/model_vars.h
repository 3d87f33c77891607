/*
 * model_vars.h — `#{namespace.key}` variable references (reference §2.9).
 *
 * Action configuration values, Commands `commands` lines, environment
 * variable values and rule configuration may reference variables:
 *   #{codepipeline.PipelineExecutionId}   the execution's id
 *   #{variables.<name>}                   a pipeline variable (V2): the value
 *                                         given to StartPipelineExecution, else
 *                                         its defaultValue
 *   #{<namespace>.<key>}                  an output variable of the action that
 *                                         declared `namespace`
 * Namespace and key match [A-Za-z0-9@\-_]+. Anything else between "#{" and
 * "}" — or a "#{" that is never closed — is a malformed reference. There is
 * no escape: text without "#{" is never touched.
 *
 * This module scans and resolves; which references a declaration may contain
 * is the validator's business. Pure; no allocation except the results.
 */
#ifndef SLUICE_MODEL_VARS_H
#define SLUICE_MODEL_VARS_H

#include "sluice/model.h"
#include "sluice/model_errors.h"

#include <stddef.h>

#define MODEL_VARS_NS_CODEPIPELINE "codepipeline"
#define MODEL_VARS_NS_PIPELINE     "variables"
#define MODEL_VARS_EXECUTION_ID    "PipelineExecutionId"
#define MODEL_VARS_MAX_RESOLVED    (100 * 1024) /* bound on one resolved text */

typedef struct model_vars_ref {
    const char *ns; /* points into the scanned text; not NUL-terminated */
    size_t ns_len;
    const char *key;
    size_t key_len;
    size_t offset; /* of "#{" in the text */
    size_t length; /* of the whole reference, "#{" to "}" */
} model_vars_ref;

/*
 * Finds the next reference in text at or after *pos. Returns 1 with *ref
 * filled and *pos moved past it; 0 when there are no more; SLUICE_EPARSE for
 * a malformed reference, with errbuf saying what is wrong, ref->offset /
 * ref->length covering it and *pos moved past it so scanning can go on.
 */
int model_vars_next(const char *text, size_t *pos, model_vars_ref *ref, char *errbuf,
                    size_t errlen);

/* One variable value (borrowed strings). */
typedef struct model_vars_value {
    const char *name;
    const char *value;
} model_vars_value;

/* The values of one action namespace (an action's output variables). */
typedef struct model_vars_namespace {
    const char *name;
    const model_vars_value *values;
    size_t nvalues;
} model_vars_namespace;

/* What references resolve against. Every pointer is borrowed. */
typedef struct model_vars_context {
    const char *execution_id;                /* codepipeline.PipelineExecutionId; NULL: none */
    const model_vars_value *pipeline_values; /* variables.<name>, overrides applied */
    size_t npipeline_values;
    const model_vars_namespace *namespaces;
    size_t nnamespaces;
} model_vars_context;

/* The value of ns.key in ctx (lengths as in model_vars_ref); NULL when there is none. */
const char *model_vars_lookup(const model_vars_context *ctx, const char *ns, size_t ns_len,
                              const char *key, size_t key_len);

/*
 * Replaces every reference of text with its value. Returns 0 and *out (a new
 * string the caller frees). When some reference is malformed or has no value,
 * returns SLUICE_EINVAL, *out NULL, and reports each such reference in errs
 * (InvalidActionDeclarationException at path, e.g.
 * `configuration.CustomData: variable "#{Src.Foo}" cannot be resolved`).
 * SLUICE_ETOOBIG when the result would exceed MODEL_VARS_MAX_RESOLVED (also
 * reported), SLUICE_ENOMEM.
 */
int model_vars_resolve(const char *text, const model_vars_context *ctx, const char *path,
                       char **out, model_errors *errs);

/*
 * The values of a pipeline's variables for one execution: each declared
 * variable's override from StartPipelineExecution, else its defaultValue.
 * Returns 0 and *out / *nout in declaration order: one allocation holding
 * the array and its strings, released with free(). SLUICE_EINVAL with
 * ValidationException problems in errs (path "variables") when an override
 * names an undeclared variable or repeats one, or a variable without
 * defaultValue gets no value; SLUICE_ENOMEM. Nothing is returned on failure.
 */
int model_vars_pipeline_values(const model_pipeline *pipeline, const model_vars_value *overrides,
                               size_t noverrides, model_vars_value **out, size_t *nout,
                               model_errors *errs);

#endif
