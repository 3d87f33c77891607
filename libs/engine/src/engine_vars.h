/*
 * engine_vars.h — resolution of CodePipeline variable references.
 *
 * Replaces #{variables.<name>} (the execution's resolved pipeline variables),
 * #{codepipeline.PipelineExecutionId} and #{<namespace>.<key>} (output
 * variables of a succeeded action of the same execution that declared that
 * namespace) in a configuration value, command or environment value. Text
 * that is not a complete #{a.b} reference is copied unchanged. A reference
 * that names nothing is an error: the action must not start with it.
 *
 * Pure; thread-compatible.
 */
#ifndef SLUICE_ENGINE_VARS_H
#define SLUICE_ENGINE_VARS_H

#include "sluice/engine_state.h"

#include <stddef.h>

#define ENGINE_VARS_MAX_BYTES                                                                      \
    (100 * 1024) /* resolved action configuration bound (CodePipeline's 100 KB) */

/*
 * Resolves the references in text for execution x running plan. 0 with *out
 * set (caller frees); SLUICE_ENOTFOUND with the reference named in errbuf, or
 * SLUICE_ETOOBIG when the result exceeds ENGINE_VARS_MAX_BYTES; *out is then NULL.
 */
int engine_vars_resolve(const engine_plan *plan, const engine_execution *x, const char *text,
                        char **out, char *errbuf, size_t errlen);

#endif
