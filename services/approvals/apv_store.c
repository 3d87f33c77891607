/*
 * apv_store.c — the Redis store of sluice-approvals (see apv_store.h).
 *
 * Writes that must happen together are one Lua script (EVAL): storing a
 * record with its indexes, ending an approval, recording a vote once.
 */
#include "apv_store.h"

#include "apv_core.h"

#include "sluice/error.h"
#include "sluice/web_session.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define APV_RKEY_MAX             1024
#define APV_SEP                  "\x1f"
#define APV_STORE_SESSION_PREFIX "sluice:approvals:session:"

/* KEYS: record, action index, exec index. ARGV: record, id, ttl seconds, max per exec. */
static const char put_lua[] = "if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'EX', ARGV[3]) then\n"
                              "  redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[3])\n"
                              "  if redis.call('SCARD', KEYS[3]) < tonumber(ARGV[4]) then\n"
                              "    redis.call('SADD', KEYS[3], ARGV[2])\n"
                              "  end\n"
                              "  redis.call('EXPIRE', KEYS[3], ARGV[3])\n"
                              "  return 1\n"
                              "end\n"
                              "return 0\n";

/* KEYS: record, state. ARGV: state. 1 when this call ended it. */
static const char end_lua[] = "local ttl = redis.call('TTL', KEYS[1])\n"
                              "if ttl <= 0 then return 0 end\n"
                              "if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'EX', ttl) then\n"
                              "  return 1\n"
                              "end\n"
                              "return 0\n";

/* KEYS: record, voters, votes. ARGV: identity, vote, max votes. */
static const char vote_lua[] = "local ttl = redis.call('TTL', KEYS[1])\n"
                               "if ttl <= 0 then return 0 end\n"
                               "if redis.call('LLEN', KEYS[3]) >= tonumber(ARGV[3]) then\n"
                               "  return 0\n"
                               "end\n"
                               "if redis.call('SADD', KEYS[2], ARGV[1]) == 1 then\n"
                               "  redis.call('RPUSH', KEYS[3], ARGV[2])\n"
                               "  redis.call('EXPIRE', KEYS[2], ttl)\n"
                               "  redis.call('EXPIRE', KEYS[3], ttl)\n"
                               "  return 1\n"
                               "end\n"
                               "return 0\n";

/* KEYS: record, claims. ARGV: identity. 1 when taken now. */
static const char claim_lua[] = "local ttl = redis.call('TTL', KEYS[1])\n"
                                "if ttl <= 0 then ttl = 60 end\n"
                                "local n = redis.call('SADD', KEYS[2], ARGV[1])\n"
                                "redis.call('EXPIRE', KEYS[2], ttl)\n"
                                "return n\n";

static int apv_store_key(char *out, const char *id, const char *what)
{
    int n = snprintf(out, APV_RKEY_MAX, "sluice:approvals:{%s}:%s", id, what);
    return n < 0 || n >= APV_RKEY_MAX ? SLUICE_ETOOBIG : 0;
}

static int apv_store_fail(apv_store *s, int rc, const char *what, char *err, size_t errlen)
{
    const char *why = state_redis_last_error(s->redis);
    return sluice_error_set(err, errlen, rc == SLUICE_ETOOBIG ? rc : SLUICE_EREDIS, "redis: %s: %s",
                            what, why != NULL ? why : sluice_strerror(rc));
}

static int apv_store_eval(apv_store *s, const char *script, int nkeys, const char **keys, int nargs,
                          const char **args, long long *result, const char *what, char *err,
                          size_t errlen)
{
    const char *argv[16];
    char count[16];
    snprintf(count, sizeof count, "%d", nkeys);
    int argc = 0;
    argv[argc++] = "EVAL";
    argv[argc++] = script;
    argv[argc++] = count;
    for (int i = 0; i < nkeys; i++) {
        argv[argc++] = keys[i];
    }
    for (int i = 0; i < nargs; i++) {
        argv[argc++] = args[i];
    }
    redisReply *reply = NULL;
    int rc = state_redis_commandv(s->redis, STATE_REDIS_RETRY, argc, argv, NULL, &reply);
    if (rc != 0) {
        return apv_store_fail(s, rc, what, err, errlen);
    }
    if (result != NULL) {
        *result = reply->type == REDIS_REPLY_INTEGER ? reply->integer : 0;
    }
    freeReplyObject(reply);
    return 0;
}

static int apv_store_index_key(char *out, const char *kind, const char *a, const char *b,
                               const char *c, const char *d)
{
    int n = c != NULL
                ? snprintf(out, APV_RKEY_MAX,
                           "sluice:approvals:%s:%s" APV_SEP "%s" APV_SEP "%s" APV_SEP "%s", kind, a,
                           b, c, d)
                : snprintf(out, APV_RKEY_MAX, "sluice:approvals:%s:%s" APV_SEP "%s", kind, a, b);
    return n < 0 || n >= APV_RKEY_MAX ? SLUICE_ETOOBIG : 0;
}

static const char *apv_store_str(const json_t *obj, const char *name)
{
    const char *v = json_string_value(json_object_get(obj, name));
    return v != NULL ? v : "";
}

int apv_store_put(apv_store *s, const json_t *record, int64_t now_ms, bool *created, char *err,
                  size_t errlen)
{
    *created = false;
    char record_key[APV_RKEY_MAX];
    char action_key[APV_RKEY_MAX];
    char exec_key[APV_RKEY_MAX];
    const char *id = apv_store_str(record, "id");
    int rc = apv_store_key(record_key, id, "record");
    rc = rc != 0
             ? rc
             : apv_store_index_key(action_key, "action", apv_store_str(record, "pipeline"),
                                   apv_store_str(record, "executionId"),
                                   apv_store_str(record, "stage"), apv_store_str(record, "action"));
    rc = rc != 0 ? rc
                 : apv_store_index_key(exec_key, "exec", apv_store_str(record, "pipeline"),
                                       apv_store_str(record, "executionId"), NULL, NULL);
    char *text = json_dumps(record, JSON_COMPACT);
    if (rc != 0 || text == NULL || strlen(text) > APV_STORE_MAX_RECORD) {
        free(text);
        return sluice_error_set(err, errlen, SLUICE_ETOOBIG,
                                "the approval record or one of its keys exceeds its bound");
    }
    int64_t expires = json_integer_value(json_object_get(record, "expires"));
    int64_t ttl = (expires - now_ms) / 1000 + s->keep_s;
    char ttl_text[32];
    char max_text[16];
    snprintf(ttl_text, sizeof ttl_text, "%" PRId64, ttl > 1 ? ttl : 1);
    snprintf(max_text, sizeof max_text, "%d", APV_STORE_MAX_PER_EXEC);
    const char *keys[] = {record_key, action_key, exec_key};
    const char *args[] = {text, id, ttl_text, max_text};
    long long result = 0;
    rc = apv_store_eval(s, put_lua, 3, keys, 4, args, &result, "storing the approval", err, errlen);
    free(text);
    *created = result == 1;
    return rc;
}

int apv_store_get(apv_store *s, const char *id, json_t **out, char *err, size_t errlen)
{
    *out = NULL;
    char record_key[APV_RKEY_MAX];
    char state_key[APV_RKEY_MAX];
    char votes_key[APV_RKEY_MAX];
    if (apv_store_key(record_key, id, "record") != 0 ||
        apv_store_key(state_key, id, "state") != 0 || apv_store_key(votes_key, id, "votes") != 0) {
        return 0; /* no such id can be stored */
    }
    redisReply *reply = NULL;
    int rc = state_redis_command(s->redis, STATE_REDIS_RETRY, &reply, "MGET %s %s", record_key,
                                 state_key);
    if (rc != 0) {
        return apv_store_fail(s, rc, "reading the approval", err, errlen);
    }
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2 ||
        reply->element[0]->type != REDIS_REPLY_STRING) {
        freeReplyObject(reply);
        return 0;
    }
    json_error_t jerr;
    json_t *record = json_loadb(reply->element[0]->str, reply->element[0]->len, 0, &jerr);
    if (json_is_object(record) && reply->element[1]->type == REDIS_REPLY_STRING) {
        json_object_set_new(record, "state", json_string(reply->element[1]->str));
    }
    freeReplyObject(reply);
    if (!json_is_object(record)) {
        json_decref(record);
        return sluice_error_set(err, errlen, SLUICE_EPARSE, "the stored approval is not JSON");
    }
    reply = NULL;
    rc = state_redis_command(s->redis, STATE_REDIS_RETRY, &reply, "LRANGE %s 0 %d", votes_key,
                             APV_STORE_MAX_VOTES - 1);
    if (rc != 0) {
        json_decref(record);
        return apv_store_fail(s, rc, "reading the votes", err, errlen);
    }
    json_t *votes = json_array();
    for (size_t i = 0; reply->type == REDIS_REPLY_ARRAY && i < reply->elements; i++) {
        json_t *vote = json_loadb(reply->element[i]->str, reply->element[i]->len, 0, &jerr);
        if (json_is_object(vote)) {
            json_array_append_new(votes, vote);
        } else {
            json_decref(vote);
        }
    }
    freeReplyObject(reply);
    json_object_set_new(record, "votes", votes);
    *out = record;
    return 0;
}

int apv_store_find_action(apv_store *s, const char *pipeline, const char *execution,
                          const char *stage, const char *action, char *out, char *err,
                          size_t errlen)
{
    out[0] = '\0';
    char key[APV_RKEY_MAX];
    if (apv_store_index_key(key, "action", pipeline, execution, stage, action) != 0) {
        return 0;
    }
    redisReply *reply = NULL;
    int rc = state_redis_command(s->redis, STATE_REDIS_RETRY, &reply, "GET %s", key);
    if (rc != 0) {
        return apv_store_fail(s, rc, "reading the action index", err, errlen);
    }
    if (reply->type == REDIS_REPLY_STRING && reply->len <= APV_ID_MAX) {
        memcpy(out, reply->str, reply->len);
        out[reply->len] = '\0';
    }
    freeReplyObject(reply);
    return 0;
}

int apv_store_end(apv_store *s, const char *id, const char *state, bool *changed, char *err,
                  size_t errlen)
{
    *changed = false;
    char record_key[APV_RKEY_MAX];
    char state_key[APV_RKEY_MAX];
    if (apv_store_key(record_key, id, "record") != 0 ||
        apv_store_key(state_key, id, "state") != 0) {
        return 0;
    }
    const char *keys[] = {record_key, state_key};
    const char *args[] = {state};
    long long result = 0;
    int rc =
        apv_store_eval(s, end_lua, 2, keys, 1, args, &result, "ending the approval", err, errlen);
    *changed = result == 1;
    return rc;
}

int apv_store_end_execution(apv_store *s, const char *pipeline, const char *execution, char *err,
                            size_t errlen)
{
    char key[APV_RKEY_MAX];
    if (apv_store_index_key(key, "exec", pipeline, execution, NULL, NULL) != 0) {
        return 0;
    }
    redisReply *reply = NULL;
    int rc = state_redis_command(s->redis, STATE_REDIS_RETRY, &reply, "SMEMBERS %s", key);
    if (rc != 0) {
        return apv_store_fail(s, rc, "reading the execution index", err, errlen);
    }
    for (size_t i = 0; rc == 0 && reply->type == REDIS_REPLY_ARRAY && i < reply->elements &&
                       i < APV_STORE_MAX_PER_EXEC;
         i++) {
        bool changed = false;
        if (reply->element[i]->type == REDIS_REPLY_STRING) {
            rc = apv_store_end(s, reply->element[i]->str, APV_STATE_WITHDRAWN, &changed, err,
                               errlen);
        }
    }
    freeReplyObject(reply);
    return rc;
}

int apv_store_add_vote(apv_store *s, const char *id, const json_t *vote, char *err, size_t errlen)
{
    char record_key[APV_RKEY_MAX];
    char voters_key[APV_RKEY_MAX];
    char votes_key[APV_RKEY_MAX];
    if (apv_store_key(record_key, id, "record") != 0 ||
        apv_store_key(voters_key, id, "voters") != 0 ||
        apv_store_key(votes_key, id, "votes") != 0) {
        return 0;
    }
    char *text = json_dumps(vote, JSON_COMPACT);
    if (text == NULL) {
        return sluice_error_set(err, errlen, SLUICE_ENOMEM, "out of memory");
    }
    char max_text[16];
    snprintf(max_text, sizeof max_text, "%d", APV_STORE_MAX_VOTES);
    const char *keys[] = {record_key, voters_key, votes_key};
    const char *args[] = {apv_store_str(vote, "identity"), text, max_text};
    int rc = apv_store_eval(s, vote_lua, 3, keys, 3, args, NULL, "recording the vote", err, errlen);
    free(text);
    return rc;
}

int apv_store_claim(apv_store *s, const char *id, const char *identity, bool *taken, char *err,
                    size_t errlen)
{
    *taken = false;
    char record_key[APV_RKEY_MAX];
    char claims_key[APV_RKEY_MAX];
    if (apv_store_key(record_key, id, "record") != 0 ||
        apv_store_key(claims_key, id, "claims") != 0) {
        return 0;
    }
    const char *keys[] = {record_key, claims_key};
    const char *args[] = {identity};
    long long result = 0;
    int rc =
        apv_store_eval(s, claim_lua, 2, keys, 1, args, &result, "claiming the vote", err, errlen);
    *taken = result == 1;
    return rc;
}

int apv_store_unclaim(apv_store *s, const char *id, const char *identity, char *err, size_t errlen)
{
    char claims_key[APV_RKEY_MAX];
    if (apv_store_key(claims_key, id, "claims") != 0) {
        return 0;
    }
    redisReply *reply = NULL;
    int rc = state_redis_command(s->redis, STATE_REDIS_RETRY, &reply, "SREM %s %s", claims_key,
                                 identity);
    if (rc != 0) {
        return apv_store_fail(s, rc, "giving the claim back", err, errlen);
    }
    freeReplyObject(reply);
    return 0;
}

int apv_store_claimed(apv_store *s, const char *id, const char *identity, bool *claimed, char *err,
                      size_t errlen)
{
    *claimed = false;
    char claims_key[APV_RKEY_MAX];
    if (apv_store_key(claims_key, id, "claims") != 0) {
        return 0;
    }
    redisReply *reply = NULL;
    int rc = state_redis_command(s->redis, STATE_REDIS_RETRY, &reply, "SISMEMBER %s %s", claims_key,
                                 identity);
    if (rc != 0) {
        return apv_store_fail(s, rc, "reading the claims", err, errlen);
    }
    *claimed = reply->type == REDIS_REPLY_INTEGER && reply->integer == 1;
    freeReplyObject(reply);
    return 0;
}

int apv_store_session_new(apv_store *s, const char *sid, const char *identity, int64_t idle_s,
                          char *err, size_t errlen)
{
    return web_session_new(s->redis, APV_STORE_SESSION_PREFIX, sid, identity, idle_s, err, errlen);
}

int apv_store_session_get(apv_store *s, const char *sid, int64_t idle_s, char *identity, char *err,
                          size_t errlen)
{
    char value[WEB_SESSION_VALUE_MAX + 1];
    identity[0] = '\0';
    int rc = web_session_get(s->redis, APV_STORE_SESSION_PREFIX, sid, idle_s, value, err, errlen);
    if (rc == 0 && strlen(value) <= APV_IDENTITY_MAX) {
        memcpy(identity, value, strlen(value) + 1);
    }
    return rc;
}

int apv_store_session_end(apv_store *s, const char *sid, bool *ended, char *err, size_t errlen)
{
    *ended = false;
    redisReply *reply = NULL;
    int rc = state_redis_command(s->redis, STATE_REDIS_RETRY, &reply,
                                 "DEL sluice:approvals:session:%s", sid);
    if (rc != 0) {
        return apv_store_fail(s, rc, "ending the session", err, errlen);
    }
    *ended = reply->type == REDIS_REPLY_INTEGER && reply->integer == 1;
    freeReplyObject(reply);
    return 0;
}
