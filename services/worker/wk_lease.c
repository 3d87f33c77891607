/*
 * wk_lease.c — job claims in Redis (see wk_lease.h).
 */
#include "wk_lease.h"

#include "sluice/error.h"
#include "sluice/state_key.h"

#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

static const char WK_LEASE_CLAIM_LUA[] =
    "if redis.call('EXISTS', KEYS[2]) == 1 then return 2 end "
    "if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 0 end "
    "if redis.call('GET', KEYS[1]) == ARGV[1] then "
    "redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 0 end "
    "return 1";
static const char WK_LEASE_HEARTBEAT_LUA[] =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then "
    "return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0";
static const char WK_LEASE_FINISH_LUA[] =
    "redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3]) "
    "if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end return 1";
static const char WK_LEASE_RELEASE_LUA[] =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end "
    "return 0";

int wk_lease_owner(char out[WK_LEASE_OWNER_MAX])
{
    char host[64] = "worker";
    (void)gethostname(host, sizeof host - 1);
    host[sizeof host - 1] = '\0';
    unsigned char rnd[8];
    if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd) {
        return SLUICE_EIO;
    }
    snprintf(out, WK_LEASE_OWNER_MAX, "%.60s:%ld:%02x%02x%02x%02x%02x%02x%02x%02x", host,
             (long)getpid(), rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5], rnd[6], rnd[7]);
    return 0;
}

static int wk_lease_keys(const char *pipeline, const char *job_id, char lease[STATE_KEY_MAX + 1],
                         char done[STATE_KEY_MAX + 1], char *err, size_t errlen)
{
    char suffix[STATE_KEY_MAX];
    snprintf(suffix, sizeof suffix, "worker:lease:%s", job_id);
    int rc = state_key_build(lease, STATE_KEY_MAX + 1, pipeline, suffix);
    if (rc == 0) {
        snprintf(suffix, sizeof suffix, "worker:done:%s", job_id);
        rc = state_key_build(done, STATE_KEY_MAX + 1, pipeline, suffix);
    }
    if (rc != 0) {
        return sluice_error_set(err, errlen, rc, "no lease key for job %s of %s", job_id, pipeline);
    }
    return 0;
}

/* Runs script over the two keys with args; the integer answer in *value. */
static int wk_lease_eval(state_redis *redis, const char *script, const char *pipeline,
                         const char *job_id, int nargs, const char **args, long long *value,
                         char *err, size_t errlen)
{
    char lease[STATE_KEY_MAX + 1];
    char done[STATE_KEY_MAX + 1];
    int rc = wk_lease_keys(pipeline, job_id, lease, done, err, errlen);
    if (rc != 0) {
        return rc;
    }
    const char *argv[8] = {"EVAL", script, "2", lease, done};
    for (int i = 0; i < nargs && i < 3; i++) {
        argv[5 + i] = args[i];
    }
    redisReply *reply = NULL;
    rc = state_redis_commandv(redis, STATE_REDIS_RETRY, 5 + nargs, argv, NULL, &reply);
    if (rc != 0) {
        return sluice_error_set(err, errlen, rc, "redis: %s",
                                state_redis_last_reply_error(redis) != NULL
                                    ? state_redis_last_reply_error(redis)
                                    : state_redis_last_error(redis));
    }
    *value = reply->type == REDIS_REPLY_INTEGER ? reply->integer : -1;
    freeReplyObject(reply);
    return 0;
}

int wk_lease_claim_job(state_redis *redis, const char *pipeline, const char *job_id,
                       const char *owner, int64_t lease_ms, wk_lease_claim *claim, char *err,
                       size_t errlen)
{
    char ms[32];
    snprintf(ms, sizeof ms, "%" PRId64, lease_ms);
    const char *args[] = {owner, ms};
    long long v = -1;
    int rc = wk_lease_eval(redis, WK_LEASE_CLAIM_LUA, pipeline, job_id, 2, args, &v, err, errlen);
    if (rc == 0) {
        *claim = v == 0 ? WK_LEASE_CLAIMED : v == 2 ? WK_LEASE_DONE : WK_LEASE_HELD;
    }
    return rc;
}

int wk_lease_heartbeat(state_redis *redis, const char *pipeline, const char *job_id,
                       const char *owner, int64_t lease_ms, bool *held, char *err, size_t errlen)
{
    char ms[32];
    snprintf(ms, sizeof ms, "%" PRId64, lease_ms);
    const char *args[] = {owner, ms};
    long long v = 0;
    int rc =
        wk_lease_eval(redis, WK_LEASE_HEARTBEAT_LUA, pipeline, job_id, 2, args, &v, err, errlen);
    if (rc == 0) {
        *held = v == 1;
    }
    return rc;
}

int wk_lease_finish(state_redis *redis, const char *pipeline, const char *job_id, const char *owner,
                    const char *outcome, int64_t done_ttl_ms, char *err, size_t errlen)
{
    char ms[32];
    snprintf(ms, sizeof ms, "%" PRId64, done_ttl_ms);
    const char *args[] = {owner, outcome, ms};
    long long v = 0;
    return wk_lease_eval(redis, WK_LEASE_FINISH_LUA, pipeline, job_id, 3, args, &v, err, errlen);
}

int wk_lease_release(state_redis *redis, const char *pipeline, const char *job_id,
                     const char *owner, char *err, size_t errlen)
{
    const char *args[] = {owner};
    long long v = 0;
    return wk_lease_eval(redis, WK_LEASE_RELEASE_LUA, pipeline, job_id, 1, args, &v, err, errlen);
}
