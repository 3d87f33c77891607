/*
 * api_backend.h — everything the api reads, writes and sends, behind one interface.
 *
 * The operation handlers are domain logic; what they need from the outside
 * world is this small set of primitives over the shared storage (Redis, in
 * the layout of docs/api.md and the protocol) and the orchestrator's request
 * topic (Kafka). Two implementations exist:
 *   api_redis.c   the service's: Redis + Kafka, one Redis connection per thread;
 *   api_memory.c  in-process, for unit tests and the fuzz target.
 *
 * Documents travel as JSON text (definitions, job records) or jansson values
 * (everything read for rendering). Every operation may be called from any
 * thread at the same time; implementations are thread-safe.
 *
 * Return codes shared by every operation: 0; SLUICE_ENOTFOUND for what does
 * not exist; SLUICE_ECONFLICT for a compare-and-set that lost; SLUICE_EREDIS /
 * SLUICE_EKAFKA / SLUICE_ETIMEDOUT when a dependency failed or did not answer;
 * SLUICE_ENOMEM / SLUICE_EINVAL / SLUICE_EPARSE otherwise. Detail goes into
 * err (never a secret). Outputs are set only on success.
 */
#ifndef SLUICE_API_BACKEND_H
#define SLUICE_API_BACKEND_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define API_BACKEND_STATUS_MAX 32 /* bytes of a job status name with its NUL */

typedef struct api_backend api_backend;

#define API_BACKEND_OWNER_MAX 512 /* bytes of a caller ARN with its NUL */

/*
 * A job as the job store holds it. A job belongs to a worker once it has an
 * owner (the caller ARN that acknowledged it, or that sent its result straight
 * after PollForJobs); before that, PollForJobs's caller (poller) holds it
 * until the lease runs out, and then it is Queued again.
 */
typedef struct api_backend_job {
    char status[API_BACKEND_STATUS_MAX]; /* JobStatus: Queued, Dispatched, InProgress, ... */
    char nonce[64];                      /* "" until dispatched */
    char owner[API_BACKEND_OWNER_MAX];   /* "" until acknowledged */
    char poller[API_BACKEND_OWNER_MAX];  /* who PollForJobs handed it to; "" when Queued */
    int64_t lease_ms;                    /* end of the dispatch lease, epoch ms; 0 none */
    bool external;                       /* queued for job workers (not a built-in provider's) */
    json_t *record;                      /* the stored record (aws_job.h); owned */
} api_backend_job;

/* Which executions a state_load needs. */
typedef enum api_backend_state_scope {
    API_BACKEND_STATE_ALL = 0,
    API_BACKEND_STATE_SHOWN,
    API_BACKEND_STATE_ONE,
} api_backend_state_scope;

typedef struct api_backend_ops {
    /* The current definition document of pipeline and its record revision (CAS version). */
    int (*def_load)(api_backend *b, const char *pipeline, json_t **doc, uint64_t *rev, char *err,
                    size_t errlen);
    /* The definition document stored for declaration version of pipeline. */
    int (*def_load_version)(api_backend *b, const char *pipeline, int64_t version, json_t **doc,
                            char *err, size_t errlen);
    /*
     * Compare-and-set of the definition record: writes data when the stored
     * revision is expected_rev (0: no record yet) and, when version > 0, stores
     * data as the document of that declaration version too, in one step.
     * *new_rev is the new revision. SLUICE_ECONFLICT when the revision differs.
     */
    int (*def_save)(api_backend *b, const char *pipeline, uint64_t expected_rev, const char *data,
                    int64_t version, uint64_t *new_rev, char *err, size_t errlen);
    /*
     * Deletes the definition record (when its revision is rev) and the
     * documents of versions 1..last_version. SLUICE_ECONFLICT when the revision
     * differs; SLUICE_ENOTFOUND when there is none.
     */
    int (*def_delete)(api_backend *b, const char *pipeline, uint64_t rev, int64_t last_version,
                      char *err, size_t errlen);

    /* The pipeline index (ListPipelines): add / remove a name (idempotent). */
    int (*index_add)(api_backend *b, const char *pipeline, char *err, size_t errlen);
    int (*index_remove)(api_backend *b, const char *pipeline, char *err, size_t errlen);
    /* Up to limit names strictly after `after` ("" from the start), ascending: a JSON array. */
    int (*index_list)(api_backend *b, const char *after, size_t limit, json_t **names, char *err,
                      size_t errlen);
    /* Number of names in the index. */
    int (*index_count)(api_backend *b, size_t *count, char *err, size_t errlen);

    /*
     * The engine state document of pipeline (engine_state.h) with at least the
     * executions scope names: every one (API_BACKEND_STATE_ALL); those
     * GetPipelineState shows, the latest of every stage and action and the
     * ones waiting to enter a stage (API_BACKEND_STATE_SHOWN); the one
     * execution_id names (API_BACKEND_STATE_ONE; absent if it is not in the
     * state). Others may be left out.
     */
    int (*state_load)(api_backend *b, const char *pipeline, api_backend_state_scope scope,
                      const char *execution_id, json_t **engine_doc, char *err, size_t errlen);
    /* An archived execution record {"pipelineExecution", "summary"}. */
    int (*history_execution)(api_backend *b, const char *pipeline, const char *execution_id,
                             json_t **record, char *err, size_t errlen);
    /*
     * Archived execution records started at or before max_start_ms, newest
     * first, at most limit of them: a JSON array (possibly empty).
     */
    int (*history_executions)(api_backend *b, const char *pipeline, int64_t max_start_ms,
                              size_t limit, json_t **records, char *err, size_t errlen);
    /* Archived ActionExecutionDetail documents, as history_executions. */
    int (*history_actions)(api_backend *b, const char *pipeline, int64_t max_start_ms, size_t limit,
                           json_t **details, char *err, size_t errlen);
    /* Archived RuleExecutionDetail documents (every evaluation), as history_executions. */
    int (*history_rules)(api_backend *b, const char *pipeline, int64_t max_start_ms, size_t limit,
                         json_t **details, char *err, size_t errlen);

    /*
     * Sends a request to the orchestrator (topic requests, key pipeline) in an
     * envelope of detail_type with detail (borrowed; when waiting, its
     * "requestId" member is set to the envelope id). With wait_ms > 0, waits that long for the
     * reply document and returns it in *reply ({"requestId", "body"} or {"requestId", "exception",
     * "message"}); SLUICE_ETIMEDOUT when none came. With wait_ms 0 returns once the request is
     * durably on the topic (*reply NULL).
     */
    int (*request)(api_backend *b, const char *pipeline, const char *detail_type, json_t *detail,
                   int wait_ms, json_t **reply, char *err, size_t errlen);

    /*
     * Stores a job record (JSON text) under job_id unless one exists (then 0,
     * nothing changed: replays are harmless). queued: status Queued, marked
     * external and appended to the queue of type_key; otherwise status
     * InProgress and not external (a built-in provider's job, which no job
     * operation may touch). The record expires after ttl_ms.
     */
    int (*job_store)(api_backend *b, const char *job_id, const char *type_key, const char *record,
                     bool queued, int64_t ttl_ms, char *err, size_t errlen);
    /*
     * In one atomic step: first puts back at the head of the queue of
     * type_key every Dispatched job of that type whose lease ended at or
     * before now_ms (nonce and poller cleared, so its old nonce acknowledges
     * nothing); then takes up to max Queued jobs of type_key (only those
     * whose configuration has query_key = query_value when query_key is
     * non-NULL), oldest first, and marks each Dispatched to caller (an ARN)
     * with the next nonce of nonces (nnonces >= max) and a lease ending at
     * now_ms + lease_ms: a JSON array of {"id", "nonce", "record"}.
     */
    int (*job_poll)(api_backend *b, const char *type_key, size_t max, const char *query_key,
                    const char *query_value, const char *const *nonces, size_t nnonces,
                    const char *caller, int64_t now_ms, int64_t lease_ms, json_t **jobs, char *err,
                    size_t errlen);
    /* Reads a job; the caller releases out->record. */
    int (*job_load)(api_backend *b, const char *job_id, api_backend_job *out, char *err,
                    size_t errlen);
    /*
     * Acknowledges for caller (an ARN), atomically: SLUICE_ENOTFOUND when
     * there is no such job or it is not external; SLUICE_EDENIED when nonce
     * is not the job's, its lease ended at or before now_ms, or another
     * caller owns it (nothing changes); otherwise a Dispatched job becomes
     * InProgress owned by caller (acknowledging again is harmless) and
     * status_out holds the status after the call.
     */
    int (*job_ack)(api_backend *b, const char *job_id, const char *nonce, const char *caller,
                   int64_t now_ms, char status_out[API_BACKEND_STATUS_MAX], char *err,
                   size_t errlen);
    /*
     * Makes sure caller owns the job before a result is sent, atomically:
     * 0 when caller owns it, or when it is Dispatched to caller inside its
     * lease (it then becomes InProgress owned by caller, so it is never
     * offered again); SLUICE_ENOTFOUND (no such job, or not external);
     * SLUICE_EDENIED when it is not the caller's; SLUICE_ESTATE when the
     * caller's job already ended. status_out holds the status; nothing
     * changes on failure.
     */
    int (*job_own)(api_backend *b, const char *job_id, const char *caller, int64_t now_ms,
                   char status_out[API_BACKEND_STATUS_MAX], char *err, size_t errlen);
    /*
     * Ends a job: from Queued, Dispatched or InProgress to status (Succeeded or
     * Failed), expiring after ttl_ms. SLUICE_ESTATE with status_out the current
     * status when it already ended; SLUICE_ENOTFOUND.
     */
    int (*job_finish)(api_backend *b, const char *job_id, const char *status, int64_t ttl_ms,
                      char status_out[API_BACKEND_STATUS_MAX], char *err, size_t errlen);

    /*
     * V1 webhooks (sluice/state_webhook.h's layout). webhook_load: the record
     * of name (a JSON object) with "lastTriggered" (epoch ms) set when
     * sluice-source recorded a start; SLUICE_ENOTFOUND when there is none.
     */
    int (*webhook_load)(api_backend *b, const char *name, json_t **record, char *err,
                        size_t errlen);
    /*
     * Stores record (JSON text) as the webhook name whose id is id, in one
     * step (an existing record of name is replaced; its id must be id).
     */
    int (*webhook_save)(api_backend *b, const char *name, const char *id, const char *record,
                        char *err, size_t errlen);
    /* Deletes the webhook name, its id and its lastTriggered in one step (idempotent). */
    int (*webhook_delete)(api_backend *b, const char *name, const char *id, char *err,
                          size_t errlen);
    /* Every webhook record, in name order, lastTriggered set as webhook_load does: a JSON array. */
    int (*webhook_list)(api_backend *b, json_t **records, char *err, size_t errlen);

    /*
     * Registered action types (api_atypes.h): one record (JSON text) per
     * "Owner/Category/Provider/Version" key. atype_load: the stored text
     * (malloc'd, the caller frees it); SLUICE_ENOTFOUND when there is none.
     */
    int (*atype_load)(api_backend *b, const char *key, char **text, char *err, size_t errlen);
    /*
     * Compare-and-set of the record of key: writes record when the stored text
     * is exactly expected (NULL: when none is stored, and then only while fewer
     * than max records exist). SLUICE_ECONFLICT when the stored text differs;
     * SLUICE_ETOOBIG when a new record would make more than max.
     */
    int (*atype_save)(api_backend *b, const char *key, const char *expected, const char *record,
                      size_t max, char *err, size_t errlen);
    /* Every record, in key order: a JSON array of {"key", "text"} (text: the stored JSON text). */
    int (*atype_list)(api_backend *b, json_t **records, char *err, size_t errlen);

    /* Checks that the storage answers (GET /healthz). */
    int (*ping)(api_backend *b, char *err, size_t errlen);
} api_backend_ops;

/* Implementations embed this as their first member. */
struct api_backend {
    const api_backend_ops *ops;
};

/* Frees what job_load put into job. Accepts a zeroed job. */
void api_backend_job_clear(api_backend_job *job);

#endif
