/*
 * web_session.c — sign-in sessions in Redis (see web_session.h): SET .. EX
 * to create, GETEX .. EX to read and restart the idle timer, DEL to sign out.
 */
#include "sluice/web_session.h"

#include "sluice/error.h"

#include <openssl/rand.h>

#include <hiredis/hiredis.h>

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int web_session_fail(state_redis *redis, int rc, const char *what, char *err, size_t errlen)
{
    const char *why = state_redis_last_error(redis);
    return sluice_error_set(err, errlen, SLUICE_EREDIS, "redis: %s: %s", what,
                            why != NULL ? why : sluice_strerror(rc));
}

int web_session_id_new(char out[WEB_SESSION_ID_LEN + 1])
{
    static const char digits[] = "0123456789abcdef";
    unsigned char raw[WEB_SESSION_ID_LEN / 2];
    out[0] = '\0';
    if (RAND_bytes(raw, sizeof raw) != 1) {
        return SLUICE_EINTERNAL;
    }
    for (size_t i = 0; i < sizeof raw; i++) {
        out[2 * i] = digits[raw[i] >> 4];
        out[2 * i + 1] = digits[raw[i] & 15];
    }
    out[WEB_SESSION_ID_LEN] = '\0';
    return 0;
}

bool web_session_id_valid(const char *id)
{
    if (id == NULL || strlen(id) != WEB_SESSION_ID_LEN) {
        return false;
    }
    for (size_t i = 0; i < WEB_SESSION_ID_LEN; i++) {
        if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f'))) {
            return false;
        }
    }
    return true;
}

static bool web_session_value_valid(const char *value)
{
    size_t len = value != NULL ? strlen(value) : 0;
    if (len == 0 || len > WEB_SESSION_VALUE_MAX) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        if ((unsigned char)value[i] <= ' ' || value[i] == 0x7f) {
            return false;
        }
    }
    return true;
}

int web_session_new(state_redis *redis, const char *prefix, const char *id, const char *value,
                    int64_t idle_s, char *err, size_t errlen)
{
    if (!web_session_id_valid(id) || !web_session_value_valid(value) || idle_s <= 0) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                "session: a bad id, value or idle time");
    }
    redisReply *reply = NULL;
    char ttl[32];
    snprintf(ttl, sizeof ttl, "%" PRId64, idle_s);
    int rc = state_redis_command(redis, STATE_REDIS_RETRY, &reply, "SET %s%s %s EX %s", prefix, id,
                                 value, ttl);
    if (rc != 0) {
        return web_session_fail(redis, rc, "storing the session", err, errlen);
    }
    freeReplyObject(reply);
    return 0;
}

int web_session_get(state_redis *redis, const char *prefix, const char *id, int64_t idle_s,
                    char *value, char *err, size_t errlen)
{
    value[0] = '\0';
    if (!web_session_id_valid(id) || idle_s <= 0) {
        return 0;
    }
    redisReply *reply = NULL;
    char ttl[32];
    snprintf(ttl, sizeof ttl, "%" PRId64, idle_s);
    int rc =
        state_redis_command(redis, STATE_REDIS_RETRY, &reply, "GETEX %s%s EX %s", prefix, id, ttl);
    if (rc != 0) {
        return web_session_fail(redis, rc, "reading the session", err, errlen);
    }
    if (reply->type == REDIS_REPLY_STRING && reply->len <= WEB_SESSION_VALUE_MAX) {
        memcpy(value, reply->str, reply->len);
        value[reply->len] = '\0';
    }
    freeReplyObject(reply);
    return 0;
}

int web_session_delete(state_redis *redis, const char *prefix, const char *id, char *err,
                       size_t errlen)
{
    if (!web_session_id_valid(id)) {
        return 0;
    }
    redisReply *reply = NULL;
    int rc = state_redis_command(redis, STATE_REDIS_RETRY, &reply, "DEL %s%s", prefix, id);
    if (rc != 0) {
        return web_session_fail(redis, rc, "deleting the session", err, errlen);
    }
    freeReplyObject(reply);
    return 0;
}
