/*
 * model_serialize.h — a model_pipeline back to CodePipeline JSON.
 *
 * The output is what GetPipeline returns for the declaration: normalized the
 * way CodePipeline does (runOrder, version, executionMode and pipelineType
 * always present; inputArtifacts and outputArtifacts always present, [] when
 * empty), members in botocore's order, configuration in declaration order.
 * Absent optional members stay absent. Parsing the output gives the same
 * model, so parse → serialize is stable after one round.
 * Pure; thread-compatible.
 */
#ifndef SLUICE_MODEL_SERIALIZE_H
#define SLUICE_MODEL_SERIALIZE_H

#include "sluice/model.h"

#include <jansson.h>

/*
 * The `pipeline` object (a new reference the caller releases), or NULL when
 * out of memory or when a string of the model is not valid UTF-8 (never the
 * case for a parsed model).
 */
json_t *model_pipeline_to_json(const model_pipeline *pipeline);

/*
 * The `pipeline` object as JSON text; flags are json_dumps flags
 * (JSON_COMPACT, JSON_INDENT(n), ...). A malloc'd string the caller frees, or
 * NULL when out of memory.
 */
char *model_pipeline_to_text(const model_pipeline *pipeline, size_t flags);

#endif
