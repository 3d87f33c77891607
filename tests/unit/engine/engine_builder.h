/*
 * engine_builder.h — model_pipeline values for the engine's tests, from a compact spec.
 *
 *   "Source: Src(Source/CodeCommit out=SrcOut ns=SV) | Build: B1(Build/CodeBuild in=SrcOut order=1)
 *    B2(Test/CodeBuild order=2 cfg=Cmd:#{SV.CommitId})"
 *
 * Stages are separated by '|'; a stage is "Name:" followed by actions
 * "Name(Category/Provider attr...)". Attributes: order=N, in=A,B, out=A,B,
 * ns=X, cfg=Key:Value (repeatable), timeout=Minutes, owner=Custom,
 * cmd=text (repeatable), env=NAME:VALUE (repeatable), region=R. A '~' in a
 * value stands for a space. Pipeline variables: "Name=default,Other" (no
 * default for Other).
 */
#ifndef ENGINE_BUILDER_H
#define ENGINE_BUILDER_H

#include "sluice/model.h"

#include <stdint.h>

/*
 * Builds a pipeline (free it with model_pipeline_free); NULL, with a message on stderr, when the
 * spec is malformed.
 */
model_pipeline *tb_pipeline(const char *name, int64_t version, model_execution_mode mode,
                            const char *spec, const char *variables);

/*
 * Attaches V2 stage conditions to p from a JSON object keyed by stage name:
 *   {'Build': {'beforeEntry': {...}, 'onSuccess': {...}, 'onFailure': {...}}}
 * in the declaration's shape, with ' standing for ". 0, or -1 with a message
 * on stderr (unreadable JSON, unknown stage or member). NULL json: nothing.
 */
int tb_conditions(model_pipeline *p, const char *json);

#endif
