/*
 * api_pipelines.h — pipeline definitions and their tags.
 *
 * Operations: CreatePipeline, UpdatePipeline, DeletePipeline, GetPipeline,
 * ListPipelines, TagResource, UntagResource, ListTagsForResource.
 *
 * A definition is a versioned document in the backend (Redis
 * sluice:{<p>}:def, a compare-and-set record, plus sluice:{<p>}:def:v<N> per
 * declaration version):
 *   {"pipeline": <declaration normalized by libs/model, its version set>,
 *    "metadata": {"pipelineArn", "created": <ms>, "updated": <ms>},
 *    "tags": [{"key", "value"}]}
 * Declarations are parsed and validated by libs/model against the providers
 * this installation runs; the first problem's exception (InvalidStructureException,
 * InvalidActionDeclarationException, ...) answers, with every problem in the
 * message. CreatePipeline stores version 1, UpdatePipeline the next version;
 * after each the orchestrator is told with a PipelineUpdated request
 * ({"version": N}), after DeletePipeline with PipelineDeleted. The api never
 * touches execution state.
 *
 * Handlers follow api_call.h: 0, or a negative code with the call failed.
 * Thread-safe (all state is in the backend).
 */
#ifndef SLUICE_API_PIPELINES_H
#define SLUICE_API_PIPELINES_H

#include "api_call.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#define API_PIPELINES_MAX_TAGS 50 /* tags per resource */

/*
 * Loads the definition document of name. 0 with *doc (a new reference) and
 * *rev (may be NULL); otherwise the call fails with PipelineNotFoundException
 * or a backend failure and *doc is NULL.
 */
int api_pipelines_load(api_call *call, const char *name, json_t **doc, uint64_t *rev);

/*
 * Reads the TagList member name of the input (also PutWebhook's tags): each
 * key 1..128 and value 0..256 characters, no key starting with "aws:" or
 * given twice (InvalidTagsException), at most API_PIPELINES_MAX_TAGS
 * (TooManyTagsException). 0 with *out borrowed (NULL when absent and not
 * required), or non-zero with the call failed.
 */
int api_pipelines_read_tags(api_call *call, const char *name, bool required, const json_t **out);

/* A new copy of tags (a TagList, NULL: empty) keeping only key and value, in order. */
json_t *api_pipelines_copy_tags(const json_t *tags);

/*
 * The operations, one handler each: read call->input (borrowed), return 0
 * with the output set on the call, or a negative code with the call failed
 * (api_call.h). The orchestrator is told after the definition is stored;
 * when telling it fails the call fails, and CreatePipeline / UpdatePipeline
 * take their change back (a DeletePipeline can simply be repeated).
 */
int api_pipelines_create(api_call *call);
int api_pipelines_update(api_call *call);
int api_pipelines_delete(api_call *call);
int api_pipelines_get(api_call *call);
int api_pipelines_list(api_call *call);
int api_pipelines_tag(api_call *call);
int api_pipelines_untag(api_call *call);
int api_pipelines_list_tags(api_call *call);

#endif
