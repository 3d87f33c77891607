/*
 * apv_store.h — the Redis store of sluice-approvals: pending approvals,
 * their votes, the one-vote-per-person claims, and sessions.
 *
 * Keys (every key of one approval shares the hash tag {<id>}):
 *   sluice:approvals:{<id>}:record   the record (apv_core_record_from_job), set once (NX)
 *   sluice:approvals:{<id>}:state    APPROVED | REJECTED | WITHDRAWN once it stops waiting
 *   sluice:approvals:{<id>}:votes    list of {"identity", "status", "comment", "time"}: the
 *                                    Sluice Approval Vote events, and the votes this service
 *                                    sent that the engine accepted (at most APV_STORE_MAX_VOTES)
 *   sluice:approvals:{<id>}:voters   set of the identities of those votes
 *   sluice:approvals:{<id>}:claims   set of identities whose vote was sent through this service
 *   sluice:approvals:action:<p>\x1f<exec>\x1f<stage>\x1f<action>   the id of that action's approval
 *   sluice:approvals:exec:<p>\x1f<exec>  set of the approval ids of an execution
 *   sluice:approvals:session:<sid>   the identity name of a session (expires when idle)
 * Every approval key expires keep_s after the approval's deadline. Replicas
 * share the store: a record is written once, a claim is taken once.
 *
 * One store per thread (a Redis connection is not thread-safe).
 */
#ifndef SLUICE_APV_STORE_H
#define SLUICE_APV_STORE_H

#include "sluice/state_redis.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define APV_STORE_MAX_VOTES    100   /* votes kept per approval (the engine's bound) */
#define APV_STORE_MAX_RECORD   65536 /* bytes of one stored record */
#define APV_STORE_MAX_PER_EXEC 64    /* approval ids remembered per execution */
#define APV_SESSION_ID_LEN     64    /* hex characters of a session id */

typedef struct apv_store {
    state_redis *redis; /* borrowed */
    int64_t keep_s;
} apv_store;

/*
 * Stores record (apv_core_record_from_job) unless its id is stored already,
 * with the action and execution indexes. 0 (stored, or already there:
 * *created says which), or SLUICE_EREDIS / SLUICE_ETOOBIG with err.
 */
int apv_store_put(apv_store *s, const json_t *record, int64_t now_ms, bool *created, char *err,
                  size_t errlen);

/*
 * The record of id with "state" and "votes" filled in from the store (a new
 * reference in *out), or *out NULL when unknown. 0 or SLUICE_EREDIS with err.
 */
int apv_store_get(apv_store *s, const char *id, json_t **out, char *err, size_t errlen);

/* The approval id of (pipeline, execution, stage, action) into out (APV_ID_MAX + 1), "" if none. */
int apv_store_find_action(apv_store *s, const char *pipeline, const char *execution,
                          const char *stage, const char *action, char *out, char *err,
                          size_t errlen);

/*
 * Ends approval id with state (APPROVED, REJECTED, WITHDRAWN) unless it
 * ended already. *changed says whether this call ended it. 0 or SLUICE_EREDIS.
 */
int apv_store_end(apv_store *s, const char *id, const char *state, bool *changed, char *err,
                  size_t errlen);

/* Ends every waiting approval of an execution with WITHDRAWN. 0 or SLUICE_EREDIS. */
int apv_store_end_execution(apv_store *s, const char *pipeline, const char *execution, char *err,
                            size_t errlen);

/* Records vote ({"identity", ...}) of id once per identity. 0 or SLUICE_EREDIS. */
int apv_store_add_vote(apv_store *s, const char *id, const json_t *vote, char *err, size_t errlen);

/*
 * Takes the claim of identity on id: *taken false when it was taken already
 * (the person voted or is voting). 0 or SLUICE_EREDIS.
 */
int apv_store_claim(apv_store *s, const char *id, const char *identity, bool *taken, char *err,
                    size_t errlen);

/* Gives a claim back (the vote was refused). 0 or SLUICE_EREDIS. */
int apv_store_unclaim(apv_store *s, const char *id, const char *identity, char *err, size_t errlen);

/* Whether identity holds a claim on id. 0 or SLUICE_EREDIS. */
int apv_store_claimed(apv_store *s, const char *id, const char *identity, bool *claimed, char *err,
                      size_t errlen);

/* Creates session sid for identity, expiring after idle_s unused. 0 or SLUICE_EREDIS. */
int apv_store_session_new(apv_store *s, const char *sid, const char *identity, int64_t idle_s,
                          char *err, size_t errlen);

/*
 * The identity of session sid into identity (APV_IDENTITY_MAX + 1 bytes),
 * "" when unknown or expired; a found session's idle timer restarts.
 * 0 or SLUICE_EREDIS.
 */
int apv_store_session_get(apv_store *s, const char *sid, int64_t idle_s, char *identity, char *err,
                          size_t errlen);

/*
 * Ends session sid: removed from Redis, so no replica accepts its cookie any
 * more. *ended says whether it existed. 0 or SLUICE_EREDIS.
 */
int apv_store_session_end(apv_store *s, const char *sid, bool *ended, char *err, size_t errlen);

#endif
