/*
 * wk_lease.h — a job's claim in Redis, so a job never runs twice at once:
 * not with several workers in the group, not when its message is delivered
 * again.
 *
 * Keys (hash-tagged by pipeline, libs/state state_key.h):
 *   sluice:{<p>}:worker:lease:<job id>  string: the owner token; PX lease_ms
 *   sluice:{<p>}:worker:done:<job id>   string: the outcome; PX done_ttl_ms
 * claim:     one script: a job with a done marker is not claimed (DONE); else
 *            SET lease NX PX (CLAIMED, or HELD when another owner has it).
 * heartbeat: PEXPIRE the lease if this owner still holds it (false: lost).
 * finish:    one script: set the done marker, delete the lease if ours.
 * release:   delete the lease if ours (a job given up before it ran, so
 *            that the redelivered message can take it).
 *
 * Lost workers. A claimed job is also kept, until it finishes, as
 *   sluice:{<p>}:worker:job:<job id>      string: the job document; PX done_ttl_ms
 *   sluice:{<p>}:worker:attempts:<job id> integer: claims so far; PX done_ttl_ms
 *   sluice:worker:running                 sorted set: "<p>" US "<job id>" by the
 *                                         lease's expiry (ms)
 * (wk_lease_track, renewed by wk_lease_heartbeat's caller with
 * wk_lease_track again, dropped by finish and release). A worker's sweep
 * (wk_lease_lost) finds entries whose lease has expired without a finished
 * marker — their worker died — and adopts each in one script: a new lease
 * for the adopter, the attempt counter incremented; the adopter then runs the
 * job again or, past the configured attempts, fails it.
 *
 * A wk_lease wraps one Redis connection: one thread at a time.
 */
#ifndef SLUICE_WK_LEASE_H
#define SLUICE_WK_LEASE_H

#include "sluice/state_redis.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WK_LEASE_OWNER_MAX 96

typedef enum wk_lease_claim {
    WK_LEASE_CLAIMED = 0, /* this owner holds the job now */
    WK_LEASE_HELD,        /* another owner holds it: it is running elsewhere */
    WK_LEASE_DONE,        /* it has finished already */
} wk_lease_claim;

/* Writes a fresh owner token ("<host>:<pid>:<random hex>") into out. 0 or SLUICE_EIO. */
int wk_lease_owner(char out[WK_LEASE_OWNER_MAX]);

/*
 * Claims job_id of pipeline for owner for lease_ms. 0 and *claim; a negative
 * code from state_redis (err set) when Redis did not answer.
 */
int wk_lease_claim_job(state_redis *redis, const char *pipeline, const char *job_id,
                       const char *owner, int64_t lease_ms, wk_lease_claim *claim, char *err,
                       size_t errlen);

/* Extends the lease. 0 and *held (false: the lease was lost); a negative code. */
int wk_lease_heartbeat(state_redis *redis, const char *pipeline, const char *job_id,
                       const char *owner, int64_t lease_ms, bool *held, char *err, size_t errlen);

/* Marks the job finished with outcome for done_ttl_ms and drops the lease. 0 or a negative code. */
int wk_lease_finish(state_redis *redis, const char *pipeline, const char *job_id, const char *owner,
                    const char *outcome, int64_t done_ttl_ms, char *err, size_t errlen);

/*
 * Records job_id of pipeline as running until expires_ms (epoch ms) with its
 * document (len bytes; NULL: only the expiry is renewed). 0 or a negative code.
 */
int wk_lease_track(state_redis *redis, const char *pipeline, const char *job_id, int64_t expires_ms,
                   const char *doc, size_t len, int64_t keep_ms, char *err, size_t errlen);

/* A job adopted from a lost worker: its pipeline, id, document and claims so far. */
typedef struct wk_lease_adopted {
    char pipeline[256];
    char job_id[128];
    char *doc; /* the job document (owned; free()) */
    long long attempts;
} wk_lease_adopted;

/*
 * Looks for one running job whose lease expired before now_ms and adopts it
 * for owner (a lease of lease_ms). 0 with *found true and out filled, or
 * *found false (nothing lost); a negative code. Entries of jobs finished
 * meanwhile, or without a document, are dropped.
 */
int wk_lease_lost(state_redis *redis, int64_t now_ms, const char *owner, int64_t lease_ms,
                  bool *found, wk_lease_adopted *out, char *err, size_t errlen);

/* Drops the lease if owner holds it. 0 or a negative code. */
int wk_lease_release(state_redis *redis, const char *pipeline, const char *job_id,
                     const char *owner, char *err, size_t errlen);

#endif
