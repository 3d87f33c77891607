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
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#define WK_LEASE_RUNNING   "sluice:worker:running"
#define WK_LEASE_SEPARATOR '\x1f'

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
    "if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end "
    "redis.call('DEL', KEYS[3]) redis.call('ZREM', KEYS[4], ARGV[4]) return 1";
/* KEYS lease, done, job, attempts; ARGV owner, lease ms: the attempts after adopting,
 * 0 when the job finished or is leased again, -1 when its document is gone */
static const char WK_LEASE_ADOPT_LUA[] =
    "if redis.call('EXISTS', KEYS[2]) == 1 or redis.call('EXISTS', KEYS[1]) == 1 then "
    "return 0 end "
    "if redis.call('EXISTS', KEYS[3]) == 0 then return -1 end "
    "redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) "
    "local n = redis.call('INCR', KEYS[4]) "
    "redis.call('PEXPIRE', KEYS[4], redis.call('PTTL', KEYS[3])) return n";
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

static int wk_lease_job_keys(const char *pipeline, const char *job_id, char job[STATE_KEY_MAX + 1],
                             char attempts[STATE_KEY_MAX + 1])
{
    char suffix[STATE_KEY_MAX];
    snprintf(suffix, sizeof suffix, "worker:job:%s", job_id);
    int rc = state_key_build(job, STATE_KEY_MAX + 1, pipeline, suffix);
    if (rc == 0) {
        snprintf(suffix, sizeof suffix, "worker:attempts:%s", job_id);
        rc = state_key_build(attempts, STATE_KEY_MAX + 1, pipeline, suffix);
    }
    return rc;
}

int wk_lease_finish(state_redis *redis, const char *pipeline, const char *job_id, const char *owner,
                    const char *outcome, int64_t done_ttl_ms, char *err, size_t errlen)
{
    char ms[32];
    char lease[STATE_KEY_MAX + 1];
    char done[STATE_KEY_MAX + 1];
    char job[STATE_KEY_MAX + 1];
    char attempts[STATE_KEY_MAX + 1];
    char member[STATE_KEY_MAX * 2];
    int rc = wk_lease_keys(pipeline, job_id, lease, done, err, errlen);
    if (rc != 0 || wk_lease_job_keys(pipeline, job_id, job, attempts) != 0) {
        return rc != 0 ? rc : SLUICE_EINVAL;
    }
    snprintf(ms, sizeof ms, "%" PRId64, done_ttl_ms);
    snprintf(member, sizeof member, "%s%c%s", pipeline, WK_LEASE_SEPARATOR, job_id);
    const char *argv[] = {"EVAL", WK_LEASE_FINISH_LUA, "4",   lease,   done,
                          job,    WK_LEASE_RUNNING,    owner, outcome, ms,
                          member};
    redisReply *reply = NULL;
    rc = state_redis_commandv(redis, STATE_REDIS_RETRY, 11, argv, NULL, &reply);
    if (rc != 0) {
        return sluice_error_set(err, errlen, rc, "redis: %s",
                                state_redis_last_reply_error(redis) != NULL
                                    ? state_redis_last_reply_error(redis)
                                    : state_redis_last_error(redis));
    }
    freeReplyObject(reply);
    return 0;
}

int wk_lease_release(state_redis *redis, const char *pipeline, const char *job_id,
                     const char *owner, char *err, size_t errlen)
{
    const char *args[] = {owner};
    long long v = 0;
    int rc = wk_lease_eval(redis, WK_LEASE_RELEASE_LUA, pipeline, job_id, 1, args, &v, err, errlen);
    char member[STATE_KEY_MAX * 2];
    snprintf(member, sizeof member, "%s%c%s", pipeline, WK_LEASE_SEPARATOR, job_id);
    const char *argv[] = {"ZREM", WK_LEASE_RUNNING, member};
    redisReply *reply = NULL;
    if (rc == 0 && state_redis_commandv(redis, STATE_REDIS_RETRY, 3, argv, NULL, &reply) == 0) {
        freeReplyObject(reply);
    }
    return rc;
}

int wk_lease_track(state_redis *redis, const char *pipeline, const char *job_id, int64_t expires_ms,
                   const char *doc, size_t len, int64_t keep_ms, char *err, size_t errlen)
{
    char job[STATE_KEY_MAX + 1];
    char attempts[STATE_KEY_MAX + 1];
    char member[STATE_KEY_MAX * 2];
    char score[32];
    char keep[32];
    int rc = wk_lease_job_keys(pipeline, job_id, job, attempts);
    if (rc != 0) {
        return sluice_error_set(err, errlen, rc, "no key for job %s", job_id);
    }
    snprintf(member, sizeof member, "%s%c%s", pipeline, WK_LEASE_SEPARATOR, job_id);
    snprintf(score, sizeof score, "%" PRId64, expires_ms);
    snprintf(keep, sizeof keep, "%" PRId64, keep_ms);
    redisReply *reply = NULL;
    if (doc != NULL) {
        const char *set[] = {"SET", job, doc, "PX", keep};
        const size_t lens[] = {3, strlen(job), len, 2, strlen(keep)};
        rc = state_redis_commandv(redis, STATE_REDIS_RETRY, 5, set, lens, &reply);
        freeReplyObject(reply);
        reply = NULL;
        if (rc == 0) {
            const char *count[] = {"SET", attempts, "1", "PX", keep, "NX"};
            rc = state_redis_commandv(redis, STATE_REDIS_RETRY, 6, count, NULL, &reply);
            freeReplyObject(reply);
            reply = NULL;
        }
    }
    if (rc == 0) {
        const char *zadd[] = {"ZADD", WK_LEASE_RUNNING, score, member};
        rc = state_redis_commandv(redis, STATE_REDIS_RETRY, 4, zadd, NULL, &reply);
        freeReplyObject(reply);
    }
    if (rc != 0) {
        return sluice_error_set(err, errlen, rc, "redis: %s", state_redis_last_error(redis));
    }
    return 0;
}

int wk_lease_lost(state_redis *redis, int64_t now_ms, const char *owner, int64_t lease_ms,
                  bool *found, wk_lease_adopted *out, char *err, size_t errlen)
{
    *found = false;
    memset(out, 0, sizeof *out);
    char now[32];
    snprintf(now, sizeof now, "%" PRId64, now_ms);
    const char *range[] = {"ZRANGEBYSCORE", WK_LEASE_RUNNING, "-inf", now, "LIMIT", "0", "16"};
    redisReply *reply = NULL;
    int rc = state_redis_commandv(redis, STATE_REDIS_RETRY, 7, range, NULL, &reply);
    if (rc != 0) {
        return sluice_error_set(err, errlen, rc, "redis: %s", state_redis_last_error(redis));
    }
    for (size_t i = 0; reply->type == REDIS_REPLY_ARRAY && i < reply->elements && !*found; i++) {
        const redisReply *m = reply->element[i];
        if (m->type != REDIS_REPLY_STRING) {
            continue;
        }
        const char *sep = memchr(m->str, WK_LEASE_SEPARATOR, m->len);
        size_t plen = sep != NULL ? (size_t)(sep - m->str) : 0;
        size_t jlen = sep != NULL ? m->len - plen - 1 : 0;
        if (sep == NULL || plen == 0 || plen >= sizeof out->pipeline || jlen == 0 ||
            jlen >= sizeof out->job_id) {
            continue;
        }
        memcpy(out->pipeline, m->str, plen);
        out->pipeline[plen] = '\0';
        memcpy(out->job_id, sep + 1, jlen);
        out->job_id[jlen] = '\0';
        char lease[STATE_KEY_MAX + 1];
        char done[STATE_KEY_MAX + 1];
        char job[STATE_KEY_MAX + 1];
        char attempts[STATE_KEY_MAX + 1];
        if (wk_lease_keys(out->pipeline, out->job_id, lease, done, err, errlen) != 0 ||
            wk_lease_job_keys(out->pipeline, out->job_id, job, attempts) != 0) {
            continue;
        }
        char ms[32];
        snprintf(ms, sizeof ms, "%" PRId64, lease_ms);
        const char *argv[] = {"EVAL", WK_LEASE_ADOPT_LUA, "4",   lease, done,
                              job,    attempts,           owner, ms};
        redisReply *adopt = NULL;
        rc = state_redis_commandv(redis, STATE_REDIS_RETRY, 9, argv, NULL, &adopt);
        if (rc != 0) {
            break;
        }
        long long n = adopt->type == REDIS_REPLY_INTEGER ? adopt->integer : 0;
        freeReplyObject(adopt);
        if (n == 0) {
            /* finished, or leased again (a slow heartbeat): its own worker renews the entry */
            char lease_exists = 0;
            const char *ex[] = {"EXISTS", done};
            redisReply *r = NULL;
            if (state_redis_commandv(redis, STATE_REDIS_RETRY, 2, ex, NULL, &r) == 0) {
                lease_exists = r->type == REDIS_REPLY_INTEGER && r->integer == 1;
                freeReplyObject(r);
            }
            if (lease_exists) {
                const char *zrem[] = {"ZREM", WK_LEASE_RUNNING, m->str};
                const size_t lens[] = {4, strlen(WK_LEASE_RUNNING), m->len};
                if (state_redis_commandv(redis, STATE_REDIS_RETRY, 3, zrem, lens, &r) == 0) {
                    freeReplyObject(r);
                }
            }
            continue;
        }
        if (n < 0) {
            const char *zrem[] = {"ZREM", WK_LEASE_RUNNING, m->str};
            const size_t lens[] = {4, strlen(WK_LEASE_RUNNING), m->len};
            redisReply *r = NULL;
            if (state_redis_commandv(redis, STATE_REDIS_RETRY, 3, zrem, lens, &r) == 0) {
                freeReplyObject(r);
            }
            continue;
        }
        const char *get[] = {"GET", job};
        redisReply *doc = NULL;
        rc = state_redis_commandv(redis, STATE_REDIS_RETRY, 2, get, NULL, &doc);
        if (rc != 0) {
            break;
        }
        if (doc->type == REDIS_REPLY_STRING) {
            out->doc = strndup(doc->str, doc->len);
            out->attempts = n;
            *found = out->doc != NULL;
        }
        freeReplyObject(doc);
    }
    freeReplyObject(reply);
    if (rc != 0) {
        return sluice_error_set(err, errlen, rc, "redis: %s", state_redis_last_error(redis));
    }
    return 0;
}
