/*
 * api_memory.h — an in-process backend: every api_backend operation over
 * jansson values behind one mutex.
 *
 * It stands in for Redis and Kafka where neither is wanted: the api's unit
 * tests and its fuzz target. It keeps the same rules as the Redis backend
 * (compare-and-set revisions, the job store's state machine, history order),
 * records every request sent to the orchestrator, and answers requests that
 * wait through a responder the test installs (by default: success with an
 * empty body). Tests can also seed what the orchestrator would have written
 * (engine state, archived executions and action executions) and make every
 * operation fail with a chosen code, to exercise the error paths.
 *
 * Thread-safe.
 */
#ifndef SLUICE_API_MEMORY_H
#define SLUICE_API_MEMORY_H

#include "api_backend.h"

#include <jansson.h>
#include <stdint.h>

typedef struct api_memory api_memory;

/*
 * Sees every request sent (a test may play the orchestrator with it) and
 * answers: returns the reply document ({"body": ...} or {"exception",
 * "message"}; "requestId" is added) as a new reference, or NULL to let a wait
 * time out. The answer matters only to a request that waits. detail is
 * borrowed. Called without the backend's lock held, so it may call the backend.
 */
typedef json_t *(*api_memory_responder)(void *ctx, const char *pipeline, const char *detail_type,
                                        const json_t *detail);

/* A new empty backend, or NULL when out of memory. */
api_memory *api_memory_new(void);

/* Frees it. Accepts NULL. */
void api_memory_free(api_memory *m);

/* The backend interface of m (valid while m lives). */
api_backend *api_memory_backend(api_memory *m);

/* Installs the responder (NULL: the default). */
void api_memory_set_responder(api_memory *m, api_memory_responder fn, void *ctx);

/* Makes every backend operation fail with code (0: stop failing). */
void api_memory_set_failure(api_memory *m, int code);

/*
 * Seeds the engine state document of pipeline (copied). NULL drops the state
 * and the pipeline's history, as the orchestrator does on PipelineDeleted.
 * 0 or SLUICE_ENOMEM.
 */
int api_memory_put_state(api_memory *m, const char *pipeline, const json_t *engine_doc);

/* Seeds an archived execution record {"pipelineExecution", "summary"} (copied). */
int api_memory_put_execution(api_memory *m, const char *pipeline, const json_t *record);

/* Seeds an archived ActionExecutionDetail (copied). */
int api_memory_put_action(api_memory *m, const char *pipeline, const json_t *detail);

/*
 * Seeds an archived RuleExecutionDetail (copied; one of the same
 * ruleExecutionId is replaced). 0, SLUICE_EINVAL without an id, SLUICE_ENOMEM.
 */
int api_memory_put_rule(api_memory *m, const char *pipeline, const json_t *detail);

/* Every request sent so far, oldest first: [{"pipeline", "detailType", "detail"}] (a copy). */
json_t *api_memory_requests(api_memory *m);

/* Records at_ms as the last start of webhook id, as sluice-source does. 0 or SLUICE_ENOMEM. */
int api_memory_webhook_triggered(api_memory *m, const char *id, int64_t at_ms);

#endif
