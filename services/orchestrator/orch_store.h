/*
 * orch_store.h — the orchestrator's Redis: pipeline state records with their
 * outbox, timers, replies to waiting callers, execution history and the
 * stored declarations. Key layout: sluice/state_key.h.
 *
 * The state of a pipeline is a record set (state_cas.h): the pipeline record
 * sluice:{p}:state holding {"format":2,"applied":{"<topic>:<partition>":<offset>},
 * "engine":<engine pipeline record>} and one record per execution at
 * sluice:{p}:exec:<execution id> (engine_state_records_*). "applied" names the
 * last request each partition delivered into this state, so a request
 * delivered again after a crash is recognised and not stepped twice. A save
 * writes the pipeline record and only the execution records that changed,
 * deletes those of executions gone, and appends the outbox entry, in one
 * compare-and-set; every record it writes is bounded by record_max_bytes.
 * A state stored by the earlier layout (format 1: the same document with the
 * executions inside, in sluice:{p}:state alone) is read as it is and carried
 * over by its first save, which writes every execution record.
 *
 * One orch_store per thread (it uses one state_redis connection, borrowed).
 * Every call returns 0 or a negative SLUICE_E* code; details come from
 * state_redis_last_error of the connection.
 */
#ifndef SLUICE_ORCH_STORE_H
#define SLUICE_ORCH_STORE_H

#include "orch_route.h"

#include "sluice/engine_state.h"
#include "sluice/state_key.h"
#include "sluice/state_cas.h"
#include "sluice/state_redis.h"
#include "sluice/state_script.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ORCH_STORE_REPLY_TTL_S         300
#define ORCH_STORE_OUTBOX_BATCH        512
#define ORCH_STORE_RECORD_MAX_DEFAULT  (1024 * 1024) /* bytes of one stored record */
#define ORCH_STORE_RULES_PER_EXECUTION 50 /* rule evaluations kept: this times history_max */

typedef struct orch_store {
    state_redis *redis;                 /* borrowed */
    int64_t history_max;                /* executions kept per pipeline */
    size_t record_max_bytes;            /* bound on every stored state record */
    char last_error[512];               /* detail of the last SLUICE_ETOOBIG of orch_store_save */
    char parked_key[STATE_KEY_MAX + 1]; /* the set of pipelines with parked requests */
    state_script archive;               /* archive one record and trim the history */
    state_script claim;                 /* claim due timers */
    state_script reply;                 /* deliver one reply (replacing a copy delivered before) */
    state_script apply;                 /* replies and archives of one entry, in order */
    state_script timers;                /* timer sets and cancels of one entry, in order */
} orch_store;

/* Prepares store over redis. 0 or SLUICE_EINTERNAL. */
int orch_store_init(orch_store *store, state_redis *redis, int64_t history_max);

/*
 * Loads the state of pipeline (the pipeline record and every execution record
 * it names, one consistent version). 0 with *version (0 when absent) and
 * *doc, the whole state document {"format","applied","engine":<engine
 * state>} (a new reference; NULL when absent); SLUICE_EPARSE when the stored
 * value is not a state document or an execution record is missing; or a
 * Redis error code.
 */
int orch_store_load(orch_store *store, const char *pipeline, uint64_t *version, json_t **doc);

/*
 * Saves state with applied (the offsets object) as the state of pipeline if
 * its version is still expected, with ops (a JSON array of operations, see
 * orch_route.h) appended to the outbox as one entry {"ops":[...]} in the same
 * step (nothing when ops is empty). Only the execution records that differ
 * from those stored are written. 0 with *new_version, and state's records
 * marked stored; SLUICE_ECONFLICT when someone else saved first;
 * SLUICE_ETOOBIG when a record would exceed record_max_bytes — nothing is
 * written and store->last_error names the record, its size and the bound.
 */
/*
 * The pipeline record's stored text {"format":2,"applied":<applied>,"engine":<engine>}
 * (applied NULL: null), engine the engine's pipeline record text
 * (engine_state_records_render) spliced in as it is. malloc'd with its
 * length in *len, or NULL when out of memory.
 */
char *orch_store_head_render(const json_t *applied, const char *engine, size_t engine_len,
                             size_t *len);

int orch_store_save(orch_store *store, const char *pipeline, uint64_t expected, engine_state *state,
                    const json_t *applied, json_t *ops, uint64_t *new_version);

/*
 * orch_store_save with the entry already rendered (orch_route_entry_render;
 * NULL or no ops: no entry), reporting in *saved (zeroed first) the id of
 * the entry appended and whether the outbox holds nothing else right after
 * the save (saved->alone): then the caller may carry the entry out from
 * memory and ack through saved->entry_id without reading the outbox back.
 * Same returns as orch_store_save.
 */
typedef struct orch_store_saved {
    uint64_t version;
    char entry_id[STATE_CAS_STREAM_ID_MAX]; /* "" when no entry was appended */
    bool alone; /* the outbox holds only this save's entry (or nothing, without one) */
} orch_store_saved;

int orch_store_save_entry(orch_store *store, const char *pipeline, uint64_t expected,
                          engine_state *state, const json_t *applied, const orch_route_entry *entry,
                          orch_store_saved *saved);

/* Reads the oldest pending outbox entries (up to ORCH_STORE_OUTBOX_BATCH). */
int orch_store_outbox_peek(orch_store *store, const char *pipeline, state_cas_outbox *out);

/* 0 with *pending true when pipeline's outbox holds an entry (XLEN), or a Redis error code. */
int orch_store_outbox_pending(orch_store *store, const char *pipeline, bool *pending);

/* Removes outbox entries up to and including through_id. */
int orch_store_outbox_ack(orch_store *store, const char *pipeline, const char *through_id);

/* Sets (or moves) the timer key of pipeline to fire at deadline_ms. */
int orch_store_timer_set(orch_store *store, const char *pipeline, const char *key,
                         int64_t deadline_ms);

/* Removes the timer key of pipeline (absent is fine). */
int orch_store_timer_cancel(orch_store *store, const char *pipeline, const char *key);

/*
 * Claims up to limit timers due at now_ms: each is pushed to now_ms + lease_ms
 * in the same atomic step, so no other replica claims it meanwhile. Returns 0
 * with *members (malloc'd array of malloc'd "<pipeline>\x1f<key>" strings) and
 * *count; free with orch_store_members_free.
 */
int orch_store_timers_claim(orch_store *store, int64_t now_ms, int64_t lease_ms, int limit,
                            char ***members, size_t *count);
void orch_store_members_free(char **members, size_t count);

/* One Redis op of an outbox entry, as orch_store_apply takes it. */
typedef struct orch_store_op {
    orch_op_kind kind; /* TIMER_SET, TIMER_CANCEL, REPLY or ARCHIVE_* */
    const char *key;   /* timers: the timer key; REPLY: the request id; ARCHIVE_*: the record id */
    int64_t at_ms;     /* TIMER_SET: the deadline; ARCHIVE_*: the start (sort score) */
    const char *text;  /* REPLY, ARCHIVE_*: the document's compact JSON text (len bytes) */
    size_t len;
} orch_store_op;

/*
 * Carries out ops[0..n) of pipeline in few round trips instead of one per
 * op: the timer ops in one script over the timers set, in order; the
 * replies and archives in one script over the pipeline's keys, in order,
 * each history trimmed to its bound once after its records were added
 * (which leaves the same records as trimming after each one: only the
 * lowest scores go); both cut into calls of at most
 * ORCH_STORE_APPLY_CHUNK ops. The same effect as orch_store_timer_set,
 * _timer_cancel, _reply and _archive_* one op at a time. 0, or the first
 * failure (ops before it may have been carried out; each is idempotent);
 * SLUICE_EINVAL for another kind of op.
 */
#define ORCH_STORE_APPLY_CHUNK 512
int orch_store_apply(orch_store *store, const char *pipeline, const orch_store_op *ops, size_t n);

/* Delivers reply (a JSON document) to whoever waits for request_id. */
int orch_store_reply(orch_store *store, const char *pipeline, const char *request_id,
                     const json_t *reply);

/*
 * Archives one record (execution: bounded by history_max per pipeline, the
 * oldest dropped first; action executions: bounded at 50 times that; rule
 * evaluations, sluice:{p}:rules with sluice:{p}:rules:order by start time:
 * ORCH_STORE_RULES_PER_EXECUTION times that). A record of the same id
 * replaces the earlier one.
 */
int orch_store_archive_execution(orch_store *store, const char *pipeline, const char *id,
                                 int64_t start_ms, const json_t *record);
int orch_store_archive_action(orch_store *store, const char *pipeline, const char *id,
                              int64_t start_ms, const json_t *record);
int orch_store_archive_rule(orch_store *store, const char *pipeline, const char *id,
                            int64_t start_ms, const json_t *record);

/*
 * Loads the declaration document {"pipeline": ..., ...} of version of
 * pipeline (sluice:{p}:def:v<N>). 0 with *doc; SLUICE_ENOTFOUND; SLUICE_EPARSE.
 */
int orch_store_load_definition(orch_store *store, const char *pipeline, int64_t version,
                               json_t **doc);

/*
 * The stored failures of pipeline's oldest outbox entry (sluice:{p}:retry,
 * orch_retry_record_format's text): 0 with the text in out (NUL-terminated)
 * and *len; SLUICE_ENOTFOUND when there is none; SLUICE_ETOOBIG when it
 * does not fit outlen (a record no writer makes; treat as none); or a Redis
 * error code.
 */
int orch_store_retry_get(orch_store *store, const char *pipeline, char *out, size_t outlen,
                         size_t *len);

/* Stores text as the failures of pipeline's oldest outbox entry (replacing any). */
int orch_store_retry_put(orch_store *store, const char *pipeline, const char *text);

/* Deletes the stored failures of pipeline's outbox (absent is fine). */
int orch_store_retry_clear(orch_store *store, const char *pipeline);

/*
 * Names the set of pipelines with parked requests after the requests topic
 * they came from, "sluice:parked:<topic>" (orch_store_init sets
 * "sluice:parked"), so that deployments sharing one Redis under other topic
 * prefixes never step each other's. 0; SLUICE_ETOOBIG when the key would
 * exceed STATE_KEY_MAX (the name is then unchanged).
 */
int orch_store_parked_scope(orch_store *store, const char *requests_topic);

/*
 * Notes in the parked set that pipeline's state holds parked requests (add),
 * or that it holds none any more (remove), so that any replica's sweep steps
 * them — after a restart too — without waiting for the pipeline's next
 * request.
 */
int orch_store_parked_add(orch_store *store, const char *pipeline);
int orch_store_parked_remove(orch_store *store, const char *pipeline);

/*
 * Lists the pipelines noted in the parked set, one SSCAN step: calls fn for
 * each. cursor in/out (start with "0"; done when it comes back "0").
 */
int orch_store_parked_scan(orch_store *store, char cursor[32],
                           void (*fn)(const char *pipeline, void *ctx), void *ctx);

/* Deletes the state, outbox, stored outbox failures and history of pipeline. */
int orch_store_drop(orch_store *store, const char *pipeline);

/*
 * Lists pipelines whose outbox is not empty, by scanning keys: calls fn for
 * each (pipeline name). cursor in/out (start with "0"; done when it comes back "0").
 */
int orch_store_scan_outboxes(orch_store *store, char cursor[32],
                             void (*fn)(const char *pipeline, void *ctx), void *ctx);

#endif
