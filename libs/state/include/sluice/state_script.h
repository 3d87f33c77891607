/*
 * state_script.h — Lua scripts run by EVALSHA, loaded again on NOSCRIPT.
 *
 * A script is its source and the SHA-1 of that source, computed locally (the
 * same digest Redis computes in SCRIPT LOAD). state_script_eval sends EVALSHA
 * only; when the server answers NOSCRIPT — it restarted, failed over, or its
 * cache was flushed — the source is sent with SCRIPT LOAD and EVALSHA once
 * more. A NOSCRIPT answer means the script did not run, so that second
 * EVALSHA is always safe.
 *
 * Scripts must name every key they touch in KEYS (Redis Cluster and
 * replication need it); keys built by state_key_build share their pipeline's
 * slot. A state_script is a small value: initialise it once, share it freely
 * between threads (it is read-only after init).
 */
#ifndef SLUICE_STATE_SCRIPT_H
#define SLUICE_STATE_SCRIPT_H

#include "sluice/state_redis.h"

#include <stddef.h>

#define STATE_SCRIPT_SHA1_HEX   40
#define STATE_SCRIPT_MAX_SOURCE (64 * 1024) /* bytes of Lua source */
#define STATE_SCRIPT_MAX_ARGS   4096        /* keys + arguments of one call */

typedef struct state_script {
    const char *source; /* borrowed: must outlive the script (usually a string literal) */
    size_t len;
    char sha1[STATE_SCRIPT_SHA1_HEX + 1]; /* lowercase hex */
} state_script;

/*
 * Sets s to source and its SHA-1. Pure. Returns 0; SLUICE_EINVAL when source
 * is NULL, empty or longer than STATE_SCRIPT_MAX_SOURCE; SLUICE_EINTERNAL when
 * the digest fails. s is zeroed on failure.
 */
int state_script_init(state_script *s, const char *source);

/*
 * Loads the script into the server's cache (SCRIPT LOAD), e.g. at start-up.
 * 0, SLUICE_EINTERNAL if the server's digest differs from ours, or a code of
 * state_redis_commandv.
 */
int state_script_load(state_redis *r, const state_script *s);

/*
 * Runs the script: EVALSHA sha nkeys keys... args...; keys are C strings, args
 * are arglens[i] bytes each (arglens NULL: C strings). On NOSCRIPT loads the
 * script and runs it once more. retry says whether the script may be sent
 * again when the connection breaks after it was sent (see state_redis.h);
 * pass STATE_REDIS_RETRY only for scripts whose second run is harmless (a
 * version check that makes the second run a no-op is the usual reason).
 * Returns 0 with *out set (free with freeReplyObject); a Lua error is
 * SLUICE_EREDIS with the server's message in state_redis_last_reply_error;
 * otherwise the codes of state_redis_commandv, or SLUICE_EINVAL for more than
 * STATE_SCRIPT_MAX_ARGS keys and arguments.
 */
int state_script_eval(state_redis *r, const state_script *s, state_redis_retry retry, int nkeys,
                      const char *const *keys, int nargs, const char *const *args,
                      const size_t *arglens, redisReply **out);

#endif
