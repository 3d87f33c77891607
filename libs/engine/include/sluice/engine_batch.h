/*
 * engine_batch.h — the orchestrator's loop body as a pure function: the
 * requests of one pipeline taken together from a batch, stepped in order on
 * one state.
 *
 *   engine_batch_run(state, progress, ctx, requests) → the state changed in
 *   place, progress advanced, and per request a verdict and the effects to
 *   carry out.
 *
 * The shell around it (services/orchestrator) loads the state, calls this,
 * saves the new state with the effects as outbox in one compare-and-set and
 * carries them out; a conflict throws the new state away and runs the same
 * requests again on the state that won. The api's test fixture and the
 * orchestrator share this one copy of the loop.
 *
 * Progress: a JSON object {"<source>": <position>} naming, per source of
 * requests (the orchestrator: "<topic>:<partition>"), the position (offset)
 * of the last request applied to this state. A request at or below its
 * source's position was applied before (a replay after a crash) and is not
 * stepped again. A request without a source is always stepped.
 *
 * Ids: each request's seed (the orchestrator: "<topic>/<partition>/<offset>")
 * seeds every id its step mints, so the same requests on the same state —
 * a redo after a conflict, a replay — give byte-identical effects. With
 * ctx->id_key set the ids are HMAC-SHA256 under that key (engine_ids.h):
 * still identical for a replay, unguessable without the key.
 *
 * Deleted pipelines: a request with deleted set (PipelineDeleted) is not
 * stepped; when it is new, its verdict is APPLIED with deleted set and the
 * shell replaces the state by a tombstone — an empty state that keeps the
 * progress — so the PipelineDeleted, delivered again after a newer pipeline
 * of the same name was created, is recognised as applied before and never
 * wipes the newer one. Requests after it in the same call see that empty
 * state only once the shell made it: stop a run at a delete.
 *
 * Bounded messages: with ctx.message_max > 0, a job whose document plus
 * ENGINE_BATCH_ENVELOPE_RESERVE bytes would exceed message_max is never
 * handed out: its effect is dropped and the batch steps, in the same step, a
 * JobResult "Failed" for it (failure type JobFailed) whose message names the
 * limit, the job's size and its largest contributors (configuration keys,
 * environment variables, commands), so the action fails, the pipeline goes
 * on and nothing waits for a job that could never be published.
 *
 * Bounded events: with ctx.message_max > 0, an event whose document plus
 * ENGINE_BATCH_ENVELOPE_RESERVE bytes would exceed message_max is trimmed
 * the way CodePipeline bounds those fields before EventBridge sees them
 * (engine_batch_event_bound): the execution-result strings are cut to the
 * bounds of the API (url and summary 2048 bytes, id 1500), then the
 * artifacts' s3location dropped (their names stay), then the
 * execution-result strings cut to ENGINE_BATCH_EVENT_CUT_MAX bytes. The
 * trimmed event still matches its schema. An event that even so does not fit
 * (not possible with the engine's own bounds on names) is not published;
 * result.events_trimmed counts both and event_reason says the last.
 *
 * Pure: no I/O, no clock (ctx.now_ms), no randomness. Out of memory aborts
 * (the engine's policy). Thread-compatible.
 */
#ifndef SLUICE_ENGINE_BATCH_H
#define SLUICE_ENGINE_BATCH_H

#include "sluice/engine_effects.h"
#include "sluice/engine_input.h"
#include "sluice/engine_state.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bytes an envelope (id, detail-type, source, account, time, region, resources) adds to a job. */
#define ENGINE_BATCH_ENVELOPE_RESERVE 2048
#define ENGINE_BATCH_REASON_MAX       1024
/* Bounds an oversized event's execution-result is cut to (the API's), then the shorter cut. */
#define ENGINE_BATCH_EVENT_URL_MAX     2048
#define ENGINE_BATCH_EVENT_SUMMARY_MAX 2048
#define ENGINE_BATCH_EVENT_ID_MAX      1500
#define ENGINE_BATCH_EVENT_CUT_MAX     256

typedef struct engine_batch_ctx {
    int64_t now_ms;      /* the time of every step of the batch */
    const char *account; /* as engine_ctx */
    const char *region;
    size_t message_max;           /* the bus's message bound in bytes; 0: unbounded */
    const char *message_max_name; /* how the bound is configured, named in failures; NULL: none */
    size_t max_effects; /* stop taking requests once this many effects were made; 0: no limit */
    const unsigned char *id_key; /* keys every step's ids (engine_ids.h); NULL: unkeyed */
    size_t id_key_len;
} engine_batch_ctx;

/* One request: an input and where it came from. Everything is borrowed. */
typedef struct engine_batch_request {
    const engine_input *input;
    const char *seed;   /* seeds the step's ids; required */
    const char *source; /* progress key; NULL: not tracked */
    int64_t position;   /* position within source */
    bool deleted;       /* PipelineDeleted (input unused) */
} engine_batch_request;

typedef enum engine_batch_verdict {
    ENGINE_BATCH_APPLIED = 0, /* stepped: effects holds what it asks for (its reply included) */
    ENGINE_BATCH_DUPLICATE,   /* applied before: nothing to do */
    ENGINE_BATCH_REJECTED,    /* malformed input: the state is unchanged, reason says why */
} engine_batch_verdict;

typedef struct engine_batch_result {
    engine_batch_verdict verdict;
    engine_effects effects; /* APPLIED; owned */
    size_t jobs_failed;     /* jobs failed for their size (APPLIED) */
    size_t events_trimmed;  /* events trimmed or dropped for their size (APPLIED) */
    bool deleted;           /* APPLIED PipelineDeleted: the shell makes the state a tombstone */
    char reason[ENGINE_BATCH_REASON_MAX]; /* REJECTED: why; jobs_failed > 0: the last failure */
    char event_reason[ENGINE_BATCH_REASON_MAX]; /* events_trimmed > 0: the last one */
} engine_batch_result;

/*
 * Steps requests[0..n) in order on state (changed in place) and progress (a
 * JSON object, updated for every request applied), filling results[i] for
 * each request taken (results must have room for n; release each with
 * engine_batch_result_clear). Stops early when ctx->max_effects is reached:
 * returns the number of requests taken (≥ 1 when n ≥ 1), the caller runs
 * the rest on the same state after saving. Never fails.
 */
size_t engine_batch_run(engine_state *state, json_t *progress, const engine_batch_ctx *ctx,
                        const engine_batch_request *requests, size_t n,
                        engine_batch_result *results);

/* Releases a result's effects. Accepts a zeroed result. */
void engine_batch_result_clear(engine_batch_result *result);

/* The position progress records for source, or -1 when none. */
int64_t engine_batch_progress(const json_t *progress, const char *source);

/*
 * Measures one job document (borrowed, unchanged) against message_max (0: unbounded): 0 when it
 * fits, or 1 with the failure message (limit, size, largest contributors) in
 * msg.
 */
int engine_batch_job_check(json_t *job, size_t message_max, const char *message_max_name, char *msg,
                           size_t msglen);

/*
 * Bounds one event document (changed in place) to message_max (0: unbounded)
 * as described above: 0 when it fits untouched; 1 when it was trimmed to fit
 * and -1 when it cannot fit (publish nothing), each with what was done in msg.
 */
int engine_batch_event_bound(json_t *event, size_t message_max, char *msg, size_t msglen);

#endif
