/*
 * web_session.h — sign-in sessions in Redis.
 *
 * A session is a random id (WEB_SESSION_ID_LEN lowercase hex characters,
 * sent to the browser in an HttpOnly cookie) and a value (what the service
 * needs to know about who signed in: an identity name, an access key id) at
 *   <prefix><id>            (e.g. sluice:console:session:<id>)
 * that expires idle_s after its last use (every read restarts the timer) and
 * is deleted on sign-out, so a cookie replayed afterwards finds nothing.
 * Replicas of a service share the sessions through Redis.
 *
 * The Redis connection is borrowed and, like it, a caller belongs to one
 * thread at a time.
 */
#ifndef SLUICE_WEB_SESSION_H
#define SLUICE_WEB_SESSION_H

#include "sluice/state_redis.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WEB_SESSION_ID_LEN    64  /* hex characters of a session id */
#define WEB_SESSION_VALUE_MAX 256 /* bytes of a session's value */

/* A new random session id (64 hex + NUL) into out. 0, or SLUICE_EINTERNAL (no randomness). */
int web_session_id_new(char out[WEB_SESSION_ID_LEN + 1]);

/* True when id (may be NULL) has the shape of a session id. */
bool web_session_id_valid(const char *id);

/*
 * Stores session id with value (1..WEB_SESSION_VALUE_MAX bytes, no blanks),
 * expiring after idle_s unused. 0, SLUICE_EINVAL (a bad id or value) or
 * SLUICE_EREDIS with err.
 */
int web_session_new(state_redis *redis, const char *prefix, const char *id, const char *value,
                    int64_t idle_s, char *err, size_t errlen);

/*
 * The value of session id into value (WEB_SESSION_VALUE_MAX + 1 bytes), ""
 * when unknown, expired or malformed; a found session's idle timer restarts.
 * 0 or SLUICE_EREDIS with err.
 */
int web_session_get(state_redis *redis, const char *prefix, const char *id, int64_t idle_s,
                    char *value, char *err, size_t errlen);

/* Deletes session id (sign-out); deleting an unknown one is no error. 0 or SLUICE_EREDIS. */
int web_session_delete(state_redis *redis, const char *prefix, const char *id, char *err,
                       size_t errlen);

#endif
