/*
 * model_parse.h — reading a pipeline declaration into a model_pipeline.
 *
 * The input is what `aws codepipeline create-pipeline --cli-input-json`,
 * CreatePipeline / UpdatePipeline and GetPipeline carry. Parsing checks
 * what a JSON reader can see — JSON syntax, the size and nesting bounds,
 * member types, required members, unknown members, and enum values the model
 * stores as C enums (pipelineType, executionMode) — and reports every such
 * problem as a ValidationException with its path (`pipeline.stages[1].name`).
 * Everything else (lengths, patterns, ranges, structure, providers,
 * variables) is model_validate's job (model_validate.h).
 *
 * A member that cannot be read is left absent in the model; the rest is read,
 * so that validation can still look at it. Defaults are applied as
 * CreatePipeline does: runOrder 1, pipelineType V1, executionMode SUPERSEDED,
 * version 1. A list present but empty is kept as a non-NULL array with count
 * 0, so it serializes back as [].
 * Pure; thread-compatible.
 */
#ifndef SLUICE_MODEL_PARSE_H
#define SLUICE_MODEL_PARSE_H

#include "sluice/model.h"
#include "sluice/model_errors.h"

#include <jansson.h>
#include <stddef.h>

/*
 * Parses the `pipeline` object (borrowed; parts are copied). Returns 0 and
 * *out when nothing was wrong. Returns SLUICE_EINVAL when problems were
 * added to errs; *out is then the partial model (the caller frees it), or
 * NULL when pipeline is not an object. SLUICE_ENOMEM: *out NULL.
 */
int model_pipeline_parse(const json_t *pipeline, model_pipeline **out, model_errors *errs);

/*
 * Parses JSON text of at most MODEL_MAX_INPUT_BYTES and MODEL_MAX_DEPTH
 * levels: a document {"pipeline": {...}} (members "tags" and "metadata" are
 * allowed beside it and ignored, as in create-pipeline and get-pipeline
 * files) or a bare pipeline object. Same results as model_pipeline_parse;
 * text that is not JSON, too big or too deep is one ValidationException at
 * path "pipeline" and SLUICE_EINVAL with *out NULL.
 */
int model_pipeline_parse_text(const char *text, size_t len, model_pipeline **out,
                              model_errors *errs);

#endif
