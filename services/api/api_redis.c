/*
 * api_redis.c — the Redis + Kafka backend (see api_redis.h).
 *
 * Each operation takes the calling thread's connection (api_redis_conn),
 * runs one command or one script, and turns the reply into the backend's
 * values. Redis failures come back as the state library's codes
 * (SLUICE_EREDIS, SLUICE_ETIMEDOUT, ...), which the handlers answer with
 * ServiceUnavailableException.
 */
#include "api_redis.h"

#include "sluice/bus_envelope.h"
#include "sluice/engine_state.h"
#include "sluice/bus_producer.h"
#include "sluice/bus_topics.h"
#include "sluice/error.h"
#include "sluice/id.h"
#include "sluice/log.h"
#include "sluice/protocol_names.h"
#include "sluice/protocol_arn.h"
#include "sluice/state_cas.h"
#include "sluice/state_key.h"
#include "sluice/state_redis.h"
#include "sluice/state_script.h"
#include "sluice/state_webhook.h"
#include "sluice/time.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define API_REDIS_HOST_MAX        256
#define API_REDIS_SECRET_MAX      256
#define API_REDIS_BLPOP_SLICE_S   1    /* seconds one BLPOP blocks */
#define API_REDIS_COMMAND_TIMEOUT 3000 /* ms; longer than a BLPOP slice */
#define API_REDIS_DELETE_BATCH    64   /* version documents deleted per DEL */
#define API_REDIS_POLL_SCAN       1000 /* queue entries one PollForJobs looks at */
#define API_REDIS_ATYPES          "sluice:{atypes}:types" /* hash: action type key -> record */

/* Compare-and-set of the definition record, plus the version document. */
static const char api_redis_def_save_lua[] =
    "local v = tonumber(redis.call('HGET', KEYS[1], 'v') or '0')\n"
    "if v ~= tonumber(ARGV[1]) then return {0, v} end\n"
    "redis.call('HSET', KEYS[1], 'v', tostring(v + 1), 'data', ARGV[2], 'op', ARGV[3])\n"
    "if #KEYS > 1 then redis.call('SET', KEYS[2], ARGV[2]) end\n"
    "return {1, v + 1}\n";

static const char api_redis_def_delete_lua[] =
    "local v = redis.call('HGET', KEYS[1], 'v')\n"
    "if not v then return -1 end\n"
    "if tonumber(v) ~= tonumber(ARGV[1]) then return 0 end\n"
    "redis.call('DEL', KEYS[1])\n"
    "return 1\n";

/* Webhooks: KEYS defs, ids[, triggered]; ARGV name, id[, record]. */
static const char api_redis_webhook_save_lua[] = "redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])\n"
                                                 "redis.call('HSET', KEYS[2], ARGV[2], ARGV[1])\n"
                                                 "return 1\n";

static const char api_redis_webhook_delete_lua[] =
    "redis.call('HDEL', KEYS[1], ARGV[1])\n"
    "if redis.call('HGET', KEYS[2], ARGV[2]) == ARGV[1] then\n"
    "  redis.call('HDEL', KEYS[2], ARGV[2])\n"
    "end\n"
    "redis.call('HDEL', KEYS[3], ARGV[2])\n"
    "return 1\n";

/*
 * Action types: KEYS types; ARGV key, expects ('1': ARGV[3] is the stored
 * text; '0': none is stored), expected text, record, max records.
 */
static const char api_redis_atype_save_lua[] =
    "local cur = redis.call('HGET', KEYS[1], ARGV[1])\n"
    "if ARGV[2] == '1' then\n"
    "  if cur ~= ARGV[3] then return 0 end\n"
    "else\n"
    "  if cur then return 0 end\n"
    "  if redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[5]) then return -1 end\n"
    "end\n"
    "redis.call('HSET', KEYS[1], ARGV[1], ARGV[4])\n"
    "return 1\n";

/*
 * The job scripts. A job is a hash: status, nonce, record, external ('1':
 * queued for job workers; '0': a built-in provider's, which no job operation
 * touches), poller (the ARN PollForJobs handed it to), lease (the end of that
 * dispatch, epoch ms) and owner (the ARN that acknowledged it). Leases of a
 * type are also a sorted set by their end, so a poll finds the lapsed ones
 * without a scan; an entry whose job moved on is dropped when it lapses.
 */
static const char api_redis_job_store_lua[] =
    "if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end\n"
    "redis.call('HSET', KEYS[1], 'status', ARGV[1], 'nonce', '', 'record', ARGV[2], 'external',\n"
    "           ARGV[4], 'poller', '', 'lease', '0', 'owner', '')\n"
    "redis.call('PEXPIRE', KEYS[1], ARGV[3])\n"
    "if ARGV[4] == '1' then redis.call('RPUSH', KEYS[2], ARGV[5]) end\n"
    "return 1\n";

/*
 * KEYS: queue, leases. ARGV: max, query key ('' none), query value, job key
 * prefix, scan bound, caller, now, lease end, nonces...
 */
static const char api_redis_job_poll_lua[] =
    "local max = tonumber(ARGV[1])\n"
    "local now = tonumber(ARGV[7])\n"
    "local lapsed = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0,\n"
    "                          tonumber(ARGV[5]))\n"
    "for i = #lapsed, 1, -1 do\n"
    "  local id = lapsed[i]\n"
    "  local key = ARGV[4] .. id\n"
    "  local h = redis.call('HMGET', key, 'status', 'lease', 'owner')\n"
    "  redis.call('ZREM', KEYS[2], id)\n"
    "  if h[1] == 'Dispatched' and (h[3] or '') == '' and tonumber(h[2] or '0') <= now then\n"
    "    redis.call('HSET', key, 'status', 'Queued', 'nonce', '', 'poller', '', 'lease', '0')\n"
    "    redis.call('LPUSH', KEYS[1], id)\n"
    "  end\n"
    "end\n"
    "local ids = redis.call('LRANGE', KEYS[1], 0, tonumber(ARGV[5]) - 1)\n"
    "local out = {}\n"
    "local n = 0\n"
    "for _, id in ipairs(ids) do\n"
    "  if n >= max then break end\n"
    "  local key = ARGV[4] .. id\n"
    "  local status = redis.call('HGET', key, 'status')\n"
    "  if status ~= 'Queued' then\n"
    "    redis.call('LREM', KEYS[1], 1, id)\n"
    "  else\n"
    "    local record = redis.call('HGET', key, 'record')\n"
    "    local ok = true\n"
    "    if ARGV[2] ~= '' then\n"
    "      local doc = cjson.decode(record)\n"
    "      local data = type(doc) == 'table' and doc['data'] or nil\n"
    "      local ac = type(data) == 'table' and data['actionConfiguration'] or nil\n"
    "      local config = type(ac) == 'table' and ac['configuration'] or nil\n"
    "      ok = type(config) == 'table' and config[ARGV[2]] == ARGV[3]\n"
    "    end\n"
    "    if ok then\n"
    "      n = n + 1\n"
    "      redis.call('LREM', KEYS[1], 1, id)\n"
    "      redis.call('HSET', key, 'status', 'Dispatched', 'nonce', ARGV[8 + n], 'poller',\n"
    "                 ARGV[6], 'lease', ARGV[8])\n"
    "      redis.call('ZADD', KEYS[2], ARGV[8], id)\n"
    "      table.insert(out, id)\n"
    "      table.insert(out, ARGV[8 + n])\n"
    "      table.insert(out, record)\n"
    "    end\n"
    "  end\n"
    "end\n"
    "return out\n";

/* ARGV: nonce, caller, now. {1 | -1 not found | -2 refused, status} */
static const char api_redis_job_ack_lua[] =
    "local h = redis.call('HMGET', KEYS[1], 'status', 'nonce', 'owner', 'lease', 'external')\n"
    "local status = h[1]\n"
    "if (not status) or h[5] ~= '1' then return {-1, ''} end\n"
    "local nonce = h[2]\n"
    /* Compared through their digests: the time taken tells nothing about the stored nonce. */
    "if (not nonce) or nonce == '' or redis.sha1hex(nonce) ~= redis.sha1hex(ARGV[1]) then\n"
    "  return {-2, status}\n"
    "end\n"
    "local owner = h[3] or ''\n"
    "if owner ~= '' then\n"
    "  if owner ~= ARGV[2] then return {-2, status} end\n"
    "  return {1, status}\n"
    "end\n"
    "if status == 'Dispatched' then\n"
    "  if tonumber(h[4] or '0') <= tonumber(ARGV[3]) then return {-2, status} end\n"
    "  status = 'InProgress'\n"
    "  redis.call('HSET', KEYS[1], 'status', status, 'owner', ARGV[2])\n"
    "end\n"
    "return {1, status}\n";

/* ARGV: caller, now. {1 | -1 not found | -2 not the caller's | -3 ended, status} */
static const char api_redis_job_own_lua[] =
    "local h = redis.call('HMGET', KEYS[1], 'status', 'owner', 'poller', 'lease', 'external')\n"
    "local status = h[1]\n"
    "if (not status) or h[5] ~= '1' then return {-1, ''} end\n"
    "local owner = h[2] or ''\n"
    "if owner == '' then\n"
    "  if status ~= 'Dispatched' or (h[3] or '') ~= ARGV[1] or\n"
    "     tonumber(h[4] or '0') <= tonumber(ARGV[2]) then\n"
    "    return {-2, status}\n"
    "  end\n"
    "  status = 'InProgress'\n"
    "  redis.call('HSET', KEYS[1], 'status', status, 'owner', ARGV[1])\n"
    "  return {1, status}\n"
    "end\n"
    "if owner ~= ARGV[1] then return {-2, status} end\n"
    "if status == 'Succeeded' or status == 'Failed' or status == 'TimedOut' then\n"
    "  return {-3, status}\n"
    "end\n"
    "return {1, status}\n";

static const char api_redis_job_finish_lua[] =
    "local status = redis.call('HGET', KEYS[1], 'status')\n"
    "if not status then return {-1, ''} end\n"
    "if status == 'Queued' or status == 'Dispatched' or status == 'InProgress' then\n"
    "  redis.call('HSET', KEYS[1], 'status', ARGV[1])\n"
    "  redis.call('PEXPIRE', KEYS[1], ARGV[2])\n"
    "  return {1, ARGV[1]}\n"
    "end\n"
    "return {-3, status}\n";

struct api_redis {
    api_backend base;
    char host[API_REDIS_HOST_MAX];
    char username[API_REDIS_HOST_MAX];
    char password[API_REDIS_SECRET_MAX];
    char account[16];
    char region[64];
    state_redis_config redis_cfg;
    pthread_key_t conn_key;
    bus_producer *producer;
    pthread_mutex_t producer_lock;
    bus_topics topics;
    int send_timeout_ms;
    state_script def_save;
    state_script def_delete;
    state_script job_store;
    state_script job_poll;
    state_script job_ack;
    state_script job_own;
    state_script job_finish;
    state_script webhook_save;
    state_script webhook_delete;
    state_script atype_save;
};

static api_redis *api_redis_of(api_backend *b)
{
    return (api_redis *)b;
}

static void api_redis_conn_free(void *conn)
{
    state_redis_free(conn);
}

/* The calling thread's connection, created on first use; NULL with err set on failure. */
static state_redis *api_redis_conn(api_redis *r, char *err, size_t errlen)
{
    state_redis *conn = pthread_getspecific(r->conn_key);
    if (conn != NULL) {
        return conn;
    }
    char reason[256] = "";
    if (state_redis_new(&r->redis_cfg, &conn, reason, sizeof reason) != 0) {
        sluice_error_set(err, errlen, SLUICE_EREDIS, "Redis: %s", reason);
        return NULL;
    }
    if (pthread_setspecific(r->conn_key, conn) != 0) {
        state_redis_free(conn);
        sluice_error_set(err, errlen, SLUICE_ENOMEM, "cannot keep a Redis connection");
        return NULL;
    }
    return conn;
}

/* Fills err with the connection's last error and returns rc. */
static int api_redis_fail(state_redis *conn, int rc, char *err, size_t errlen)
{
    return sluice_error_set(err, errlen, rc, "Redis: %s", state_redis_last_error(conn));
}

static int api_redis_key(char *out, size_t outlen, const char *pipeline, const char *suffix,
                         char *err, size_t errlen)
{
    int rc = state_key_build(out, outlen, pipeline, suffix);
    if (rc != 0) {
        return sluice_error_set(err, errlen, rc, "no key for pipeline name");
    }
    return 0;
}

static json_t *api_redis_parse(const char *text, size_t len)
{
    json_error_t jerr;
    return json_loadb(text, len, 0, &jerr);
}

/* Runs a script; *reply on success. */
static int api_redis_eval(api_redis *r, const state_script *script, state_redis_retry retry,
                          int nkeys, const char *const *keys, int nargs, const char *const *args,
                          redisReply **reply, char *err, size_t errlen)
{
    state_redis *conn = api_redis_conn(r, err, errlen);
    if (conn == NULL) {
        return SLUICE_EREDIS;
    }
    int rc = state_script_eval(conn, script, retry, nkeys, keys, nargs, args, NULL, reply);
    if (rc != 0) {
        return api_redis_fail(conn, rc, err, errlen);
    }
    return 0;
}

/*
 * Loads the CAS record at the pipeline's key with suffix into *rec, which
 * the caller clears after a success. 0; SLUICE_ENOTFOUND when there is none
 * (err untouched); another code with err set on failure.
 */
static int api_redis_record_load(api_redis *r, const char *pipeline, const char *suffix,
                                 state_cas_record *rec, char *err, size_t errlen)
{
    char key[STATE_KEY_MAX + 1];
    int rc = api_redis_key(key, sizeof key, pipeline, suffix, err, errlen);
    state_redis *conn = rc == 0 ? api_redis_conn(r, err, errlen) : NULL;
    if (conn == NULL) {
        return rc != 0 ? rc : SLUICE_EREDIS;
    }
    rc = state_cas_load(conn, key, rec);
    if (rc == SLUICE_ENOTFOUND) {
        return rc;
    }
    if (rc != 0) {
        return api_redis_fail(conn, rc, err, errlen);
    }
    return 0;
}

/* ---- definitions ---------------------------------------------------------------- */

static int api_redis_def_load(api_backend *b, const char *pipeline, json_t **doc, uint64_t *rev,
                              char *err, size_t errlen)
{
    state_cas_record rec = {0};
    int rc =
        api_redis_record_load(api_redis_of(b), pipeline, STATE_KEY_DEFINITION, &rec, err, errlen);
    if (rc != 0) {
        return rc;
    }
    *doc = api_redis_parse(rec.data, rec.len);
    *rev = rec.version;
    state_cas_record_clear(&rec);
    if (*doc == NULL) {
        return sluice_error_set(err, errlen, SLUICE_EPARSE, "definition of %s is not JSON",
                                pipeline);
    }
    return 0;
}

static int api_redis_def_load_version(api_backend *b, const char *pipeline, int64_t version,
                                      json_t **doc, char *err, size_t errlen)
{
    api_redis *r = api_redis_of(b);
    char key[STATE_KEY_MAX + 1];
    char suffix[48];
    redisReply *reply = NULL;
    snprintf(suffix, sizeof suffix, "%s:v%" PRId64, STATE_KEY_DEFINITION, version);
    int rc = api_redis_key(key, sizeof key, pipeline, suffix, err, errlen);
    state_redis *conn = rc == 0 ? api_redis_conn(r, err, errlen) : NULL;
    if (conn == NULL) {
        return rc != 0 ? rc : SLUICE_EREDIS;
    }
    rc = state_redis_command(conn, STATE_REDIS_RETRY, &reply, "GET %s", key);
    if (rc != 0) {
        return api_redis_fail(conn, rc, err, errlen);
    }
    rc = SLUICE_ENOTFOUND;
    if (reply->type == REDIS_REPLY_STRING) {
        *doc = api_redis_parse(reply->str, reply->len);
        rc = *doc != NULL ? 0 : SLUICE_EPARSE;
    }
    freeReplyObject(reply);
    return rc;
}

static int api_redis_def_save(api_backend *b, const char *pipeline, uint64_t expected_rev,
                              const char *data, int64_t version, uint64_t *new_rev, char *err,
                              size_t errlen)
{
    api_redis *r = api_redis_of(b);
    char def_key[STATE_KEY_MAX + 1];
    char version_key[STATE_KEY_MAX + 1];
    char suffix[48];
    char expected[32];
    char op_id[SLUICE_UUID_LEN + 1];
    redisReply *reply = NULL;
    snprintf(suffix, sizeof suffix, "%s:v%" PRId64, STATE_KEY_DEFINITION, version);
    snprintf(expected, sizeof expected, "%" PRIu64, expected_rev);
    int rc = api_redis_key(def_key, sizeof def_key, pipeline, STATE_KEY_DEFINITION, err, errlen);
    if (rc == 0 && version > 0) {
        rc = api_redis_key(version_key, sizeof version_key, pipeline, suffix, err, errlen);
    }
    if (rc == 0 && sluice_uuid_v4(op_id) != 0) {
        rc = sluice_error_set(err, errlen, SLUICE_EIO, "no randomness");
    }
    if (rc != 0) {
        return rc;
    }
    const char *keys[] = {def_key, version_key};
    const char *args[] = {expected, data, op_id};
    /* A second run finds the revision bumped and answers a conflict: safe to retry. */
    rc = api_redis_eval(r, &r->def_save, STATE_REDIS_NO_RETRY, version > 0 ? 2 : 1, keys, 3, args,
                        &reply, err, errlen);
    if (rc != 0) {
        return rc;
    }
    rc = SLUICE_EPARSE;
    if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 2 &&
        reply->element[0]->type == REDIS_REPLY_INTEGER &&
        reply->element[1]->type == REDIS_REPLY_INTEGER) {
        *new_rev = (uint64_t)reply->element[1]->integer;
        rc = reply->element[0]->integer == 1 ? 0 : SLUICE_ECONFLICT;
    }
    freeReplyObject(reply);
    return rc;
}

static int api_redis_def_delete(api_backend *b, const char *pipeline, uint64_t rev,
                                int64_t last_version, char *err, size_t errlen)
{
    api_redis *r = api_redis_of(b);
    char def_key[STATE_KEY_MAX + 1];
    char expected[32];
    redisReply *reply = NULL;
    snprintf(expected, sizeof expected, "%" PRIu64, rev);
    int rc = api_redis_key(def_key, sizeof def_key, pipeline, STATE_KEY_DEFINITION, err, errlen);
    if (rc != 0) {
        return rc;
    }
    const char *keys[] = {def_key};
    const char *args[] = {expected};
    rc =
        api_redis_eval(r, &r->def_delete, STATE_REDIS_RETRY, 1, keys, 1, args, &reply, err, errlen);
    if (rc != 0) {
        return rc;
    }
    long long verdict = reply->type == REDIS_REPLY_INTEGER ? reply->integer : -2;
    freeReplyObject(reply);
    if (verdict == -1) {
        return SLUICE_ENOTFOUND;
    }
    if (verdict != 1) {
        return verdict == 0 ? SLUICE_ECONFLICT : SLUICE_EPARSE;
    }
    /* The version documents, in batches (all in the pipeline's slot). */
    state_redis *conn = api_redis_conn(r, err, errlen);
    if (conn == NULL) {
        return SLUICE_EREDIS;
    }
    char keybuf[API_REDIS_DELETE_BATCH][STATE_KEY_MAX + 1];
    const char *argv[API_REDIS_DELETE_BATCH + 1];
    for (int64_t v = 1; v <= last_version;) {
        int argc = 0;
        argv[argc++] = "DEL";
        for (; v <= last_version && argc <= API_REDIS_DELETE_BATCH; v++) {
            char suffix[48];
            snprintf(suffix, sizeof suffix, "%s:v%" PRId64, STATE_KEY_DEFINITION, v);
            if (state_key_build(keybuf[argc - 1], sizeof keybuf[0], pipeline, suffix) != 0) {
                continue;
            }
            argv[argc] = keybuf[argc - 1];
            argc++;
        }
        if (argc > 1) {
            rc = state_redis_commandv(conn, STATE_REDIS_RETRY, argc, argv, NULL, &reply);
            if (rc != 0) {
                return api_redis_fail(conn, rc, err, errlen);
            }
            freeReplyObject(reply);
        }
    }
    return 0;
}

/* ---- index -------------------------------------------------------------------------- */

static int api_redis_simple(api_redis *r, char *err, size_t errlen, int argc, const char **argv,
                            redisReply **reply)
{
    state_redis *conn = api_redis_conn(r, err, errlen);
    if (conn == NULL) {
        return SLUICE_EREDIS;
    }
    int rc = state_redis_commandv(conn, STATE_REDIS_RETRY, argc, argv, NULL, reply);
    if (rc != 0) {
        return api_redis_fail(conn, rc, err, errlen);
    }
    return 0;
}

static int api_redis_index_add(api_backend *b, const char *pipeline, char *err, size_t errlen)
{
    redisReply *reply = NULL;
    const char *argv[] = {"ZADD", STATE_KEY_PIPELINES, "0", pipeline};
    int rc = api_redis_simple(api_redis_of(b), err, errlen, 4, argv, &reply);
    freeReplyObject(reply);
    return rc;
}

static int api_redis_index_remove(api_backend *b, const char *pipeline, char *err, size_t errlen)
{
    redisReply *reply = NULL;
    const char *argv[] = {"ZREM", STATE_KEY_PIPELINES, pipeline};
    int rc = api_redis_simple(api_redis_of(b), err, errlen, 3, argv, &reply);
    freeReplyObject(reply);
    return rc;
}

/* Appends every string element of an array reply to a new JSON array. */
static json_t *api_redis_strings(const redisReply *reply)
{
    json_t *list = json_array();
    for (size_t i = 0; reply->type == REDIS_REPLY_ARRAY && i < reply->elements; i++) {
        const redisReply *e = reply->element[i];
        if (e->type == REDIS_REPLY_STRING) {
            json_array_append_new(list, json_stringn(e->str, e->len));
        }
    }
    return list;
}

static int api_redis_index_list(api_backend *b, const char *after, size_t limit, json_t **names,
                                char *err, size_t errlen)
{
    char start[256];
    char count[32];
    redisReply *reply = NULL;
    if (after[0] == '\0') {
        snprintf(start, sizeof start, "-");
    } else {
        snprintf(start, sizeof start, "(%s", after);
    }
    snprintf(count, sizeof count, "%zu", limit);
    const char *argv[] = {"ZRANGEBYLEX", STATE_KEY_PIPELINES, start, "+", "LIMIT", "0", count};
    int rc = api_redis_simple(api_redis_of(b), err, errlen, 7, argv, &reply);
    if (rc != 0) {
        return rc;
    }
    *names = api_redis_strings(reply);
    freeReplyObject(reply);
    return 0;
}

static int api_redis_index_count(api_backend *b, size_t *count, char *err, size_t errlen)
{
    redisReply *reply = NULL;
    const char *argv[] = {"ZCARD", STATE_KEY_PIPELINES};
    int rc = api_redis_simple(api_redis_of(b), err, errlen, 2, argv, &reply);
    if (rc == 0) {
        *count = reply->type == REDIS_REPLY_INTEGER ? (size_t)reply->integer : 0;
        freeReplyObject(reply);
    }
    return rc;
}

/* ---- read model ------------------------------------------------------------------------ */

/* Appends id to list unless it is there. */
static void api_redis_want(json_t *list, const char *id)
{
    if (id == NULL) {
        return;
    }
    size_t i;
    json_t *item;
    json_array_foreach(list, i, item)
    {
        if (strcmp(json_string_value(item), id) == 0) {
            return;
        }
    }
    json_array_append_new(list, json_string(id));
}

/* The ids of the pipeline record's executions that scope needs, in the record's order. */
static json_t *api_redis_state_wanted(const json_t *engine, api_backend_state_scope scope,
                                      const char *execution_id)
{
    json_t *ids = json_object_get(engine, "executionIds");
    json_t *want = json_array();
    if (scope == API_BACKEND_STATE_ONE) {
        api_redis_want(want, execution_id);
    } else if (scope == API_BACKEND_STATE_SHOWN) {
        size_t i;
        json_t *stage;
        json_array_foreach(json_object_get(engine, "stages"), i, stage)
        {
            api_redis_want(want, json_string_value(json_object_get(stage, "latestExecutionId")));
            size_t a;
            json_t *latest;
            json_array_foreach(json_object_get(stage, "actionLatest"), a, latest)
            {
                api_redis_want(want, json_string_value(latest));
            }
        }
        json_t *waiting;
        json_array_foreach(json_object_get(engine, "waitingIds"), i, waiting)
        {
            api_redis_want(want, json_string_value(waiting));
        }
    }
    json_t *ordered = json_array();
    size_t i;
    json_t *id;
    json_array_foreach(ids, i, id)
    {
        bool all = scope == API_BACKEND_STATE_ALL;
        size_t k;
        json_t *w;
        json_array_foreach(want, k, w)
        {
            all = all || json_equal(w, id);
        }
        if (all && json_is_string(id)) {
            json_array_append(ordered, id);
        }
    }
    json_decref(want);
    return ordered;
}

/*
 * The executions named by want of the record set at key, if the head is still
 * at version, joined with the pipeline record engine into *out.
 */
static int api_redis_state_members(state_redis *conn, const char *key, const char *prefix,
                                   uint64_t version, json_t *engine, json_t *want, json_t **out,
                                   char *err, size_t errlen)
{
    size_t n = json_array_size(want);
    const char **names = calloc(n > 0 ? n : 1, sizeof *names);
    state_cas_record *values = calloc(n > 0 ? n : 1, sizeof *values);
    json_t **execs = calloc(n > 0 ? n : 1, sizeof *execs);
    int rc = SLUICE_ENOMEM;
    if (names == NULL || values == NULL || execs == NULL) {
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        names[i] = json_string_value(json_array_get(want, i));
    }
    rc = state_cas_set_load_members(conn, key, prefix, version, names, n, values);
    if (rc == SLUICE_ECONFLICT) {
        goto out;
    }
    if (rc != 0) {
        rc = api_redis_fail(conn, rc, err, errlen);
        goto out;
    }
    for (size_t i = 0; i < n && rc == 0; i++) {
        execs[i] = values[i].data != NULL ? api_redis_parse(values[i].data, values[i].len) : NULL;
        if (execs[i] == NULL) {
            rc = sluice_error_set(err, errlen, SLUICE_EPARSE,
                                  "execution record %s is missing or unreadable", names[i]);
        }
    }
    if (rc == 0) {
        json_t *part = json_copy(engine);
        json_object_set(part, "executionIds", want);
        *out = engine_state_records_merge(part, execs, n, err, errlen);
        json_decref(part);
        rc = *out != NULL ? 0 : SLUICE_EPARSE;
    }
out:
    for (size_t i = 0; i < n && values != NULL; i++) {
        state_cas_record_clear(&values[i]);
        json_decref(execs != NULL ? execs[i] : NULL);
    }
    free(names);
    free(values);
    free(execs);
    return rc;
}

/* Reading the pipeline record and then its executions races a save at most this often. */
#define API_REDIS_STATE_TRIES 8

static int api_redis_state_load(api_backend *b, const char *pipeline, api_backend_state_scope scope,
                                const char *execution_id, json_t **engine_doc, char *err,
                                size_t errlen)
{
    api_redis *r = api_redis_of(b);
    char key[STATE_KEY_MAX + 1];
    char prefix[STATE_KEY_MAX + 1];
    int rc = api_redis_key(key, sizeof key, pipeline, STATE_KEY_STATE, err, errlen);
    if (rc == 0) {
        rc = api_redis_key(prefix, sizeof prefix, pipeline, STATE_KEY_EXEC_PREFIX, err, errlen);
    }
    for (int attempt = 0; rc == 0 && attempt < API_REDIS_STATE_TRIES; attempt++) {
        state_cas_record rec = {0};
        rc = api_redis_record_load(r, pipeline, STATE_KEY_STATE, &rec, err, errlen);
        if (rc != 0) {
            return rc;
        }
        json_t *doc = api_redis_parse(rec.data, rec.len);
        uint64_t version = rec.version;
        state_cas_record_clear(&rec);
        json_t *engine = json_object_get(doc, "engine");
        if (!json_is_object(engine)) {
            json_decref(doc);
            return sluice_error_set(err, errlen, SLUICE_EPARSE,
                                    "state of %s has no engine document", pipeline);
        }
        if (json_object_get(engine, "executionIds") == NULL) {
            *engine_doc = json_incref(engine); /* one document, as stored before the split */
            json_decref(doc);
            return 0;
        }
        json_t *want = api_redis_state_wanted(engine, scope, execution_id);
        state_redis *conn = api_redis_conn(r, err, errlen);
        rc = conn != NULL ? api_redis_state_members(conn, key, prefix, version, engine, want,
                                                    engine_doc, err, errlen)
                          : SLUICE_EREDIS;
        json_decref(want);
        json_decref(doc);
        if (rc != SLUICE_ECONFLICT) {
            return rc;
        }
        rc = 0; /* saved meanwhile: read again */
    }
    return rc != 0 ? rc
                   : sluice_error_set(err, errlen, SLUICE_EAGAIN,
                                      "state of %s changed during every read", pipeline);
}

static int api_redis_history_execution(api_backend *b, const char *pipeline,
                                       const char *execution_id, json_t **record, char *err,
                                       size_t errlen)
{
    char key[STATE_KEY_MAX + 1];
    redisReply *reply = NULL;
    int rc = api_redis_key(key, sizeof key, pipeline, STATE_KEY_EXECUTIONS, err, errlen);
    if (rc != 0) {
        return rc;
    }
    const char *argv[] = {"HGET", key, execution_id};
    rc = api_redis_simple(api_redis_of(b), err, errlen, 3, argv, &reply);
    if (rc != 0) {
        return rc;
    }
    rc = SLUICE_ENOTFOUND;
    if (reply->type == REDIS_REPLY_STRING) {
        *record = api_redis_parse(reply->str, reply->len);
        rc = *record != NULL ? 0 : SLUICE_EPARSE;
    }
    freeReplyObject(reply);
    return rc;
}

/* ZREVRANGEBYSCORE <order> <max> -inf LIMIT 0 <limit>, then HMGET <hash> ids. */
static int api_redis_history(api_redis *r, const char *pipeline, const char *hash_suffix,
                             const char *order_suffix, int64_t max_start_ms, size_t limit,
                             json_t **out, char *err, size_t errlen)
{
    char hash_key[STATE_KEY_MAX + 1];
    char order_key[STATE_KEY_MAX + 1];
    char max[32];
    char count[32];
    redisReply *ids = NULL;
    redisReply *values = NULL;
    int rc = api_redis_key(hash_key, sizeof hash_key, pipeline, hash_suffix, err, errlen);
    if (rc == 0) {
        rc = api_redis_key(order_key, sizeof order_key, pipeline, order_suffix, err, errlen);
    }
    if (rc != 0) {
        return rc;
    }
    if (max_start_ms == INT64_MAX) {
        snprintf(max, sizeof max, "+inf");
    } else {
        snprintf(max, sizeof max, "%" PRId64, max_start_ms);
    }
    snprintf(count, sizeof count, "%zu", limit);
    const char *range[] = {"ZREVRANGEBYSCORE", order_key, max, "-inf", "LIMIT", "0", count};
    rc = api_redis_simple(r, err, errlen, 7, range, &ids);
    if (rc != 0) {
        return rc;
    }
    *out = json_array();
    if (ids->type != REDIS_REPLY_ARRAY || ids->elements == 0) {
        freeReplyObject(ids);
        return 0;
    }
    const char **argv = calloc(ids->elements + 2, sizeof *argv);
    size_t *lens = calloc(ids->elements + 2, sizeof *lens);
    if (argv == NULL || lens == NULL) {
        free(argv);
        free(lens);
        freeReplyObject(ids);
        return SLUICE_ENOMEM;
    }
    argv[0] = "HMGET";
    lens[0] = 5;
    argv[1] = hash_key;
    lens[1] = strlen(hash_key);
    int argc = 2;
    for (size_t i = 0; i < ids->elements; i++) {
        if (ids->element[i]->type == REDIS_REPLY_STRING) {
            argv[argc] = ids->element[i]->str;
            lens[argc] = ids->element[i]->len;
            argc++;
        }
    }
    state_redis *conn = api_redis_conn(r, err, errlen);
    rc = conn != NULL ? state_redis_commandv(conn, STATE_REDIS_RETRY, argc, argv, lens, &values)
                      : SLUICE_EREDIS;
    if (rc != 0 && conn != NULL) {
        api_redis_fail(conn, rc, err, errlen);
    }
    free(argv);
    free(lens);
    freeReplyObject(ids);
    if (rc != 0) {
        return rc;
    }
    for (size_t i = 0; values->type == REDIS_REPLY_ARRAY && i < values->elements; i++) {
        const redisReply *e = values->element[i];
        json_t *value = e->type == REDIS_REPLY_STRING ? api_redis_parse(e->str, e->len) : NULL;
        if (value != NULL) {
            json_array_append_new(*out, value);
        }
    }
    freeReplyObject(values);
    return 0;
}

static int api_redis_history_executions(api_backend *b, const char *pipeline, int64_t max_start_ms,
                                        size_t limit, json_t **records, char *err, size_t errlen)
{
    return api_redis_history(api_redis_of(b), pipeline, STATE_KEY_EXECUTIONS,
                             STATE_KEY_EXECUTIONS_ORDER, max_start_ms, limit, records, err, errlen);
}

static int api_redis_history_actions(api_backend *b, const char *pipeline, int64_t max_start_ms,
                                     size_t limit, json_t **details, char *err, size_t errlen)
{
    return api_redis_history(api_redis_of(b), pipeline, STATE_KEY_ACTIONS, STATE_KEY_ACTIONS_ORDER,
                             max_start_ms, limit, details, err, errlen);
}

static int api_redis_history_rules(api_backend *b, const char *pipeline, int64_t max_start_ms,
                                   size_t limit, json_t **details, char *err, size_t errlen)
{
    return api_redis_history(api_redis_of(b), pipeline, STATE_KEY_RULES, STATE_KEY_RULES_ORDER,
                             max_start_ms, limit, details, err, errlen);
}

/* ---- requests ---------------------------------------------------------------------------- */

static int api_redis_send(api_redis *r, const char *pipeline, const char *detail_type,
                          const char *id, json_t *detail, char *err, size_t errlen)
{
    bus_pipeline_message m = {id,       detail_type, PROTOCOL_SOURCE_API, r->account, r->region,
                              pipeline, detail};
    sluice_buf payload;
    sluice_buf_init(&payload, BUS_ENVELOPE_MAX_BYTES);
    int rc = bus_envelope_encode_pipeline(&m, &payload, err, errlen);
    if (rc != 0) {
        sluice_buf_free(&payload);
        return rc;
    }
    pthread_mutex_lock(&r->producer_lock);
    rc = bus_producer_send_sync(r->producer, bus_topics_get(&r->topics, BUS_TOPICS_REQUESTS),
                                pipeline, strlen(pipeline), payload.data, payload.len,
                                r->send_timeout_ms);
    pthread_mutex_unlock(&r->producer_lock);
    sluice_buf_free(&payload);
    if (rc != 0) {
        /* Not "timed out": that code means "no reply" to the handlers. */
        return sluice_error_set(err, errlen, SLUICE_EKAFKA,
                                "Kafka: the request was not stored (%s)", sluice_strerror(rc));
    }
    return 0;
}

static int api_redis_wait(api_redis *r, const char *pipeline, const char *id, int wait_ms,
                          json_t **reply, char *err, size_t errlen)
{
    char suffix[64];
    char key[STATE_KEY_MAX + 1];
    snprintf(suffix, sizeof suffix, "%s%s", STATE_KEY_REPLY_PREFIX, id);
    int rc = api_redis_key(key, sizeof key, pipeline, suffix, err, errlen);
    if (rc != 0) {
        return rc;
    }
    int64_t deadline = sluice_time_monotonic_ms() + wait_ms;
    char slice[16];
    snprintf(slice, sizeof slice, "%d", API_REDIS_BLPOP_SLICE_S);
    do {
        state_redis *conn = api_redis_conn(r, err, errlen);
        if (conn == NULL) {
            return SLUICE_EREDIS;
        }
        redisReply *answer = NULL;
        const char *argv[] = {"BLPOP", key, slice};
        rc = state_redis_commandv(conn, STATE_REDIS_NO_RETRY, 3, argv, NULL, &answer);
        if (rc != 0) {
            api_redis_fail(conn, rc, err, errlen);
            continue; /* the next round reconnects; the deadline bounds it */
        }
        if (answer->type == REDIS_REPLY_ARRAY && answer->elements == 2 &&
            answer->element[1]->type == REDIS_REPLY_STRING) {
            *reply = api_redis_parse(answer->element[1]->str, answer->element[1]->len);
            freeReplyObject(answer);
            return *reply != NULL
                       ? 0
                       : sluice_error_set(err, errlen, SLUICE_EPARSE, "the reply is not JSON");
        }
        freeReplyObject(answer);
    } while (sluice_time_monotonic_ms() < deadline);
    return sluice_error_set(err, errlen, SLUICE_ETIMEDOUT, "no reply within %d ms", wait_ms);
}

static int api_redis_request(api_backend *b, const char *pipeline, const char *detail_type,
                             json_t *detail, int wait_ms, json_t **reply, char *err, size_t errlen)
{
    api_redis *r = api_redis_of(b);
    char id[SLUICE_UUID_LEN + 1];
    *reply = NULL;
    if (sluice_uuid_v4(id) != 0) {
        return sluice_error_set(err, errlen, SLUICE_EIO, "no randomness");
    }
    /* Only a request someone waits for names a reply list (protocol.md). */
    if (wait_ms > 0 && json_object_set_new(detail, "requestId", json_string(id)) != 0) {
        return SLUICE_ENOMEM;
    }
    int rc = api_redis_send(r, pipeline, detail_type, id, detail, err, errlen);
    if (rc != 0 || wait_ms <= 0) {
        return rc;
    }
    return api_redis_wait(r, pipeline, id, wait_ms, reply, err, errlen);
}

/* ---- jobs ------------------------------------------------------------------------------- */

static int api_redis_job_key(char *out, size_t outlen, const char *prefix, const char *name,
                             char *err, size_t errlen)
{
    int n = snprintf(out, outlen, "%s%s", prefix, name);
    if (n < 0 || (size_t)n >= outlen) {
        return sluice_error_set(err, errlen, SLUICE_ETOOBIG, "job key too long");
    }
    return 0;
}

static int api_redis_job_store(api_backend *b, const char *job_id, const char *type_key,
                               const char *record, bool queued, int64_t ttl_ms, char *err,
                               size_t errlen)
{
    api_redis *r = api_redis_of(b);
    char job_key[STATE_KEY_MAX + 1];
    char queue_key[STATE_KEY_MAX + 1];
    char ttl[32];
    redisReply *reply = NULL;
    int rc = api_redis_job_key(job_key, sizeof job_key, API_REDIS_JOB_PREFIX, job_id, err, errlen);
    if (rc == 0) {
        rc = api_redis_job_key(queue_key, sizeof queue_key, API_REDIS_QUEUE_PREFIX, type_key, err,
                               errlen);
    }
    if (rc != 0) {
        return rc;
    }
    snprintf(ttl, sizeof ttl, "%" PRId64, ttl_ms > 0 ? ttl_ms : 1);
    const char *keys[] = {job_key, queue_key};
    const char *args[] = {queued ? "Queued" : "InProgress", record, ttl, queued ? "1" : "0",
                          job_id};
    rc = api_redis_eval(r, &r->job_store, STATE_REDIS_RETRY, 2, keys, 5, args, &reply, err, errlen);
    freeReplyObject(reply);
    return rc;
}

static int api_redis_job_poll(api_backend *b, const char *type_key, size_t max,
                              const char *query_key, const char *query_value,
                              const char *const *nonces, size_t nnonces, const char *caller,
                              int64_t now_ms, int64_t lease_ms, json_t **jobs, char *err,
                              size_t errlen)
{
    api_redis *r = api_redis_of(b);
    char queue_key[STATE_KEY_MAX + 1];
    char lease_key[STATE_KEY_MAX + 1];
    char max_text[32];
    char scan[32];
    char now_text[32];
    char lease_end[32];
    redisReply *reply = NULL;
    if (max > nnonces) {
        max = nnonces;
    }
    int rc = api_redis_job_key(queue_key, sizeof queue_key, API_REDIS_QUEUE_PREFIX, type_key, err,
                               errlen);
    if (rc == 0) {
        rc = api_redis_job_key(lease_key, sizeof lease_key, API_REDIS_LEASE_PREFIX, type_key, err,
                               errlen);
    }
    if (rc != 0) {
        return rc;
    }
    snprintf(max_text, sizeof max_text, "%zu", max);
    snprintf(scan, sizeof scan, "%d", API_REDIS_POLL_SCAN);
    snprintf(now_text, sizeof now_text, "%" PRId64, now_ms);
    snprintf(lease_end, sizeof lease_end, "%" PRId64, now_ms + (lease_ms > 0 ? lease_ms : 1));
    const char **args = calloc(8 + max, sizeof *args);
    if (args == NULL) {
        return SLUICE_ENOMEM;
    }
    args[0] = max_text;
    args[1] = query_key != NULL ? query_key : "";
    args[2] = query_value != NULL ? query_value : "";
    args[3] = API_REDIS_JOB_PREFIX;
    args[4] = scan;
    args[5] = caller;
    args[6] = now_text;
    args[7] = lease_end;
    for (size_t i = 0; i < max; i++) {
        args[8 + i] = nonces[i];
    }
    const char *keys[] = {queue_key, lease_key};
    /* Not retried: a lost reply would hand the same jobs out twice (until their lease ends). */
    rc = api_redis_eval(r, &r->job_poll, STATE_REDIS_NO_RETRY, 2, keys, (int)(8 + max), args,
                        &reply, err, errlen);
    free(args);
    if (rc != 0) {
        return rc;
    }
    *jobs = json_array();
    for (size_t i = 0; reply->type == REDIS_REPLY_ARRAY && i + 2 < reply->elements; i += 3) {
        const redisReply *id = reply->element[i];
        const redisReply *nonce = reply->element[i + 1];
        const redisReply *record = reply->element[i + 2];
        if (id->type != REDIS_REPLY_STRING || nonce->type != REDIS_REPLY_STRING ||
            record->type != REDIS_REPLY_STRING) {
            continue;
        }
        json_t *doc = api_redis_parse(record->str, record->len);
        if (doc == NULL) {
            continue;
        }
        json_array_append_new(*jobs, json_pack("{s:s%, s:s%, s:o}", "id", id->str, id->len, "nonce",
                                               nonce->str, nonce->len, "record", doc));
    }
    freeReplyObject(reply);
    return 0;
}

static int api_redis_job_load(api_backend *b, const char *job_id, api_backend_job *out, char *err,
                              size_t errlen)
{
    char job_key[STATE_KEY_MAX + 1];
    redisReply *reply = NULL;
    int rc = api_redis_job_key(job_key, sizeof job_key, API_REDIS_JOB_PREFIX, job_id, err, errlen);
    if (rc != 0) {
        return rc;
    }
    const char *argv[] = {"HMGET", job_key,  "status", "nonce",   "record",
                          "owner", "poller", "lease",  "external"};
    rc = api_redis_simple(api_redis_of(b), err, errlen, 9, argv, &reply);
    if (rc != 0) {
        return rc;
    }
    rc = SLUICE_ENOTFOUND;
    if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 7 &&
        reply->element[0]->type == REDIS_REPLY_STRING &&
        reply->element[2]->type == REDIS_REPLY_STRING) {
        redisReply **e = reply->element;
        memset(out, 0, sizeof *out);
        snprintf(out->status, sizeof out->status, "%s", e[0]->str);
        if (e[1]->type == REDIS_REPLY_STRING) {
            snprintf(out->nonce, sizeof out->nonce, "%s", e[1]->str);
        }
        if (e[3]->type == REDIS_REPLY_STRING) {
            snprintf(out->owner, sizeof out->owner, "%s", e[3]->str);
        }
        if (e[4]->type == REDIS_REPLY_STRING) {
            snprintf(out->poller, sizeof out->poller, "%s", e[4]->str);
        }
        if (e[5]->type == REDIS_REPLY_STRING) {
            out->lease_ms = strtoll(e[5]->str, NULL, 10);
        }
        out->external = e[6]->type == REDIS_REPLY_STRING && strcmp(e[6]->str, "1") == 0;
        out->record = api_redis_parse(e[2]->str, e[2]->len);
        rc = out->record != NULL ? 0 : SLUICE_EPARSE;
    }
    freeReplyObject(reply);
    return rc;
}

/* Runs a job transition script answering {verdict, status}. */
static int api_redis_job_transition(api_redis *r, const state_script *script, const char *job_id,
                                    int nargs, const char *const *args,
                                    char status_out[API_BACKEND_STATUS_MAX], long long *verdict,
                                    char *err, size_t errlen)
{
    char job_key[STATE_KEY_MAX + 1];
    redisReply *reply = NULL;
    int rc = api_redis_job_key(job_key, sizeof job_key, API_REDIS_JOB_PREFIX, job_id, err, errlen);
    if (rc != 0) {
        return rc;
    }
    const char *keys[] = {job_key};
    rc = api_redis_eval(r, script, STATE_REDIS_RETRY, 1, keys, nargs, args, &reply, err, errlen);
    if (rc != 0) {
        return rc;
    }
    rc = SLUICE_EPARSE;
    if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 2 &&
        reply->element[0]->type == REDIS_REPLY_INTEGER &&
        reply->element[1]->type == REDIS_REPLY_STRING) {
        *verdict = reply->element[0]->integer;
        snprintf(status_out, API_BACKEND_STATUS_MAX, "%s", reply->element[1]->str);
        rc = 0;
    }
    freeReplyObject(reply);
    return rc;
}

static int api_redis_job_ack(api_backend *b, const char *job_id, const char *nonce,
                             const char *caller, int64_t now_ms,
                             char status_out[API_BACKEND_STATUS_MAX], char *err, size_t errlen)
{
    api_redis *r = api_redis_of(b);
    long long verdict = 0;
    char now_text[32];
    snprintf(now_text, sizeof now_text, "%" PRId64, now_ms);
    const char *args[] = {nonce, caller, now_text};
    int rc = api_redis_job_transition(r, &r->job_ack, job_id, 3, args, status_out, &verdict, err,
                                      errlen);
    if (rc != 0) {
        return rc;
    }
    return verdict == 1 ? 0 : (verdict == -1 ? SLUICE_ENOTFOUND : SLUICE_EDENIED);
}

static int api_redis_job_own(api_backend *b, const char *job_id, const char *caller, int64_t now_ms,
                             char status_out[API_BACKEND_STATUS_MAX], char *err, size_t errlen)
{
    api_redis *r = api_redis_of(b);
    long long verdict = 0;
    char now_text[32];
    snprintf(now_text, sizeof now_text, "%" PRId64, now_ms);
    const char *args[] = {caller, now_text};
    int rc = api_redis_job_transition(r, &r->job_own, job_id, 2, args, status_out, &verdict, err,
                                      errlen);
    if (rc != 0) {
        return rc;
    }
    switch (verdict) {
    case 1:
        return 0;
    case -1:
        return SLUICE_ENOTFOUND;
    case -3:
        return SLUICE_ESTATE;
    default:
        return SLUICE_EDENIED;
    }
}

static int api_redis_job_finish(api_backend *b, const char *job_id, const char *status,
                                int64_t ttl_ms, char status_out[API_BACKEND_STATUS_MAX], char *err,
                                size_t errlen)
{
    api_redis *r = api_redis_of(b);
    long long verdict = 0;
    char ttl[32];
    snprintf(ttl, sizeof ttl, "%" PRId64, ttl_ms > 0 ? ttl_ms : 1);
    const char *args[] = {status, ttl};
    int rc = api_redis_job_transition(r, &r->job_finish, job_id, 2, args, status_out, &verdict, err,
                                      errlen);
    if (rc != 0) {
        return rc;
    }
    return verdict == 1 ? 0 : (verdict == -1 ? SLUICE_ENOTFOUND : SLUICE_ESTATE);
}

/* ---- webhooks --------------------------------------------------------------------------- */

/* Sets record's lastTriggered from at (a triggered hash value; NULL or nil: none). */
static void api_redis_webhook_at(json_t *record, const redisReply *at)
{
    if (at != NULL && at->type == REDIS_REPLY_STRING) {
        char ms[32];
        snprintf(ms, sizeof ms, "%.*s", (int)(at->len < 31 ? at->len : 31), at->str);
        json_object_set_new(record, "lastTriggered", json_integer(strtoll(ms, NULL, 10)));
    }
}

static int api_redis_webhook_load(api_backend *b, const char *name, json_t **record, char *err,
                                  size_t errlen)
{
    redisReply *text = NULL;
    const char *argv[] = {"HGET", STATE_WEBHOOK_DEFS, name};
    int rc = api_redis_simple(api_redis_of(b), err, errlen, 3, argv, &text);
    if (rc != 0) {
        return rc;
    }
    if (text->type != REDIS_REPLY_STRING) {
        freeReplyObject(text);
        return SLUICE_ENOTFOUND;
    }
    json_t *parsed = NULL;
    rc = state_webhook_parse(text->str, text->len, &parsed, err, errlen);
    freeReplyObject(text);
    if (rc != 0) {
        return rc;
    }
    redisReply *at = NULL;
    const char *argv_at[] = {"HGET", STATE_WEBHOOK_TRIGGERED,
                             json_string_value(json_object_get(parsed, "id"))};
    rc = api_redis_simple(api_redis_of(b), err, errlen, 3, argv_at, &at);
    if (rc != 0) {
        json_decref(parsed);
        return rc;
    }
    api_redis_webhook_at(parsed, at);
    freeReplyObject(at);
    *record = parsed;
    return 0;
}

static int api_redis_webhook_save(api_backend *b, const char *name, const char *id,
                                  const char *record, char *err, size_t errlen)
{
    api_redis *r = api_redis_of(b);
    const char *keys[] = {STATE_WEBHOOK_DEFS, STATE_WEBHOOK_IDS};
    const char *args[] = {name, id, record};
    redisReply *reply = NULL;
    int rc = api_redis_eval(r, &r->webhook_save, STATE_REDIS_RETRY, 2, keys, 3, args, &reply, err,
                            errlen);
    freeReplyObject(reply);
    return rc;
}

static int api_redis_webhook_delete(api_backend *b, const char *name, const char *id, char *err,
                                    size_t errlen)
{
    api_redis *r = api_redis_of(b);
    const char *keys[] = {STATE_WEBHOOK_DEFS, STATE_WEBHOOK_IDS, STATE_WEBHOOK_TRIGGERED};
    const char *args[] = {name, id};
    redisReply *reply = NULL;
    int rc = api_redis_eval(r, &r->webhook_delete, STATE_REDIS_RETRY, 3, keys, 2, args, &reply, err,
                            errlen);
    freeReplyObject(reply);
    return rc;
}

/* The value of field in an HGETALL reply, or NULL. */
static const redisReply *api_redis_hash_field(const redisReply *all, const char *field)
{
    for (size_t i = 0; all->type == REDIS_REPLY_ARRAY && i + 1 < all->elements; i += 2) {
        const redisReply *k = all->element[i];
        if (k->type == REDIS_REPLY_STRING && strlen(field) == k->len &&
            memcmp(k->str, field, k->len) == 0) {
            return all->element[i + 1];
        }
    }
    return NULL;
}

static int api_redis_compare_records(const void *pa, const void *pb)
{
    const json_t *a = *(const json_t *const *)pa;
    const json_t *b = *(const json_t *const *)pb;
    const char *na = json_string_value(json_object_get(json_object_get(a, "definition"), "name"));
    const char *nb = json_string_value(json_object_get(json_object_get(b, "definition"), "name"));
    return strcmp(na != NULL ? na : "", nb != NULL ? nb : "");
}

static int api_redis_webhook_list(api_backend *b, json_t **records, char *err, size_t errlen)
{
    redisReply *defs = NULL;
    redisReply *triggered = NULL;
    const char *argv_defs[] = {"HGETALL", STATE_WEBHOOK_DEFS};
    const char *argv_at[] = {"HGETALL", STATE_WEBHOOK_TRIGGERED};
    int rc = api_redis_simple(api_redis_of(b), err, errlen, 2, argv_defs, &defs);
    if (rc == 0) {
        rc = api_redis_simple(api_redis_of(b), err, errlen, 2, argv_at, &triggered);
    }
    if (rc != 0) {
        freeReplyObject(defs);
        return rc;
    }
    size_t n = defs->type == REDIS_REPLY_ARRAY ? defs->elements / 2 : 0;
    json_t **found = calloc(n > 0 ? n : 1, sizeof *found);
    json_t *list = json_array();
    size_t count = 0;
    for (size_t i = 0; found != NULL && i < n; i++) {
        const redisReply *text = defs->element[2 * i + 1];
        json_t *record = NULL;
        char why[256] = "not a string";
        if (text->type != REDIS_REPLY_STRING ||
            state_webhook_parse(text->str, text->len, &record, why, sizeof why) != 0) {
            SLUICE_WARN("webhooks: a stored record is unreadable, skipped: %s", why);
            continue;
        }
        api_redis_webhook_at(
            record,
            api_redis_hash_field(triggered, json_string_value(json_object_get(record, "id"))));
        found[count++] = record;
    }
    if (found != NULL) {
        qsort(found, count, sizeof *found, api_redis_compare_records);
    }
    for (size_t i = 0; i < count; i++) {
        json_array_append_new(list, found[i]);
    }
    free(found);
    freeReplyObject(defs);
    freeReplyObject(triggered);
    if (list == NULL || (found == NULL && n > 0)) {
        json_decref(list);
        return sluice_error_set(err, errlen, SLUICE_ENOMEM, "out of memory");
    }
    *records = list;
    return 0;
}

/* ---- action types ------------------------------------------------------------------------ */

static int api_redis_atype_load(api_backend *b, const char *key, char **text, char *err,
                                size_t errlen)
{
    redisReply *reply = NULL;
    const char *argv[] = {"HGET", API_REDIS_ATYPES, key};
    int rc = api_redis_simple(api_redis_of(b), err, errlen, 3, argv, &reply);
    if (rc != 0) {
        return rc;
    }
    rc = SLUICE_ENOTFOUND;
    if (reply->type == REDIS_REPLY_STRING) {
        *text = strndup(reply->str, reply->len);
        rc = *text != NULL ? 0 : sluice_error_set(err, errlen, SLUICE_ENOMEM, "out of memory");
    }
    freeReplyObject(reply);
    return rc;
}

static int api_redis_atype_save(api_backend *b, const char *key, const char *expected,
                                const char *record, size_t max, char *err, size_t errlen)
{
    api_redis *r = api_redis_of(b);
    char bound[32];
    snprintf(bound, sizeof bound, "%zu", max);
    const char *keys[] = {API_REDIS_ATYPES};
    const char *args[] = {key, expected != NULL ? "1" : "0", expected != NULL ? expected : "",
                          record, bound};
    redisReply *reply = NULL;
    int rc =
        api_redis_eval(r, &r->atype_save, STATE_REDIS_RETRY, 1, keys, 5, args, &reply, err, errlen);
    if (rc != 0) {
        return rc;
    }
    long long verdict = reply->type == REDIS_REPLY_INTEGER ? reply->integer : 0;
    freeReplyObject(reply);
    if (verdict == -1) {
        return sluice_error_set(err, errlen, SLUICE_ETOOBIG, "%zu action type records stored", max);
    }
    return verdict == 1 ? 0 : SLUICE_ECONFLICT;
}

static int api_redis_compare_keys(const void *pa, const void *pb)
{
    const json_t *a = *(const json_t *const *)pa;
    const json_t *b = *(const json_t *const *)pb;
    return strcmp(json_string_value(json_object_get(a, "key")),
                  json_string_value(json_object_get(b, "key")));
}

static int api_redis_atype_list(api_backend *b, json_t **records, char *err, size_t errlen)
{
    redisReply *all = NULL;
    const char *argv[] = {"HGETALL", API_REDIS_ATYPES};
    int rc = api_redis_simple(api_redis_of(b), err, errlen, 2, argv, &all);
    if (rc != 0) {
        return rc;
    }
    size_t n = all->type == REDIS_REPLY_ARRAY ? all->elements / 2 : 0;
    json_t **found = calloc(n > 0 ? n : 1, sizeof *found);
    size_t count = 0;
    for (size_t i = 0; found != NULL && i < n; i++) {
        const redisReply *k = all->element[2 * i];
        const redisReply *v = all->element[2 * i + 1];
        if (k->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING) {
            continue;
        }
        json_t *entry = json_pack("{s:s%, s:s%}", "key", k->str, k->len, "text", v->str, v->len);
        if (entry != NULL) {
            found[count++] = entry;
        }
    }
    freeReplyObject(all);
    json_t *list = json_array();
    if (found == NULL || list == NULL) {
        for (size_t i = 0; i < count; i++) {
            json_decref(found[i]);
        }
        free(found);
        json_decref(list);
        return sluice_error_set(err, errlen, SLUICE_ENOMEM, "out of memory");
    }
    qsort(found, count, sizeof *found, api_redis_compare_keys);
    for (size_t i = 0; i < count; i++) {
        json_array_append_new(list, found[i]);
    }
    free(found);
    *records = list;
    return 0;
}

static int api_redis_ping(api_backend *b, char *err, size_t errlen)
{
    api_redis *r = api_redis_of(b);
    state_redis *conn = api_redis_conn(r, err, errlen);
    if (conn == NULL) {
        return SLUICE_EREDIS;
    }
    int rc = state_redis_ping(conn);
    return rc == 0 ? 0 : api_redis_fail(conn, rc, err, errlen);
}

static const api_backend_ops api_redis_ops = {
    .def_load = api_redis_def_load,
    .def_load_version = api_redis_def_load_version,
    .def_save = api_redis_def_save,
    .def_delete = api_redis_def_delete,
    .index_add = api_redis_index_add,
    .index_remove = api_redis_index_remove,
    .index_list = api_redis_index_list,
    .index_count = api_redis_index_count,
    .state_load = api_redis_state_load,
    .history_execution = api_redis_history_execution,
    .history_executions = api_redis_history_executions,
    .history_actions = api_redis_history_actions,
    .history_rules = api_redis_history_rules,
    .request = api_redis_request,
    .job_store = api_redis_job_store,
    .job_poll = api_redis_job_poll,
    .job_load = api_redis_job_load,
    .job_ack = api_redis_job_ack,
    .job_own = api_redis_job_own,
    .job_finish = api_redis_job_finish,
    .webhook_load = api_redis_webhook_load,
    .webhook_save = api_redis_webhook_save,
    .webhook_delete = api_redis_webhook_delete,
    .webhook_list = api_redis_webhook_list,
    .atype_load = api_redis_atype_load,
    .atype_save = api_redis_atype_save,
    .atype_list = api_redis_atype_list,
    .ping = api_redis_ping,
};

/* ---- lifecycle -------------------------------------------------------------------------- */

static int api_redis_scripts(api_redis *r)
{
    int rc = state_script_init(&r->def_save, api_redis_def_save_lua);
    if (rc == 0) {
        rc = state_script_init(&r->def_delete, api_redis_def_delete_lua);
    }
    if (rc == 0) {
        rc = state_script_init(&r->job_store, api_redis_job_store_lua);
    }
    if (rc == 0) {
        rc = state_script_init(&r->job_poll, api_redis_job_poll_lua);
    }
    if (rc == 0) {
        rc = state_script_init(&r->job_ack, api_redis_job_ack_lua);
    }
    if (rc == 0) {
        rc = state_script_init(&r->job_own, api_redis_job_own_lua);
    }
    if (rc == 0) {
        rc = state_script_init(&r->job_finish, api_redis_job_finish_lua);
    }
    if (rc == 0) {
        rc = state_script_init(&r->webhook_save, api_redis_webhook_save_lua);
    }
    if (rc == 0) {
        rc = state_script_init(&r->webhook_delete, api_redis_webhook_delete_lua);
    }
    if (rc == 0) {
        rc = state_script_init(&r->atype_save, api_redis_atype_save_lua);
    }
    return rc;
}

int api_redis_new(const api_redis_config *cfg, api_redis **out, char *err, size_t errlen)
{
    *out = NULL;
    if (cfg->redis_host == NULL || cfg->brokers == NULL || cfg->account == NULL ||
        cfg->region == NULL) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                "Redis host, Kafka brokers, account and region are required");
    }
    api_redis *r = calloc(1, sizeof *r);
    if (r == NULL) {
        return sluice_error_set(err, errlen, SLUICE_ENOMEM, "out of memory");
    }
    r->base.ops = &api_redis_ops;
    snprintf(r->host, sizeof r->host, "%s", cfg->redis_host);
    snprintf(r->password, sizeof r->password, "%s",
             cfg->redis_password != NULL ? cfg->redis_password : "");
    snprintf(r->username, sizeof r->username, "%s",
             cfg->redis_username != NULL ? cfg->redis_username : "");
    snprintf(r->account, sizeof r->account, "%s", cfg->account);
    snprintf(r->region, sizeof r->region, "%s", cfg->region);
    r->send_timeout_ms = cfg->send_timeout_ms > 0 ? cfg->send_timeout_ms : 10000;
    state_redis_config_init(&r->redis_cfg);
    r->redis_cfg.host = r->host;
    r->redis_cfg.port = cfg->redis_port;
    r->redis_cfg.password = r->password[0] != '\0' ? r->password : NULL;
    r->redis_cfg.username = r->username[0] != '\0' ? r->username : NULL;
    r->redis_cfg.command_timeout_ms = API_REDIS_COMMAND_TIMEOUT;
    r->redis_cfg.reconnect_timeout_ms = 2000;
    r->redis_cfg.connect_lazily = false;
    pthread_mutex_init(&r->producer_lock, NULL);
    int rc = pthread_key_create(&r->conn_key, api_redis_conn_free);
    if (rc != 0) {
        pthread_mutex_destroy(&r->producer_lock);
        free(r);
        return sluice_error_set(err, errlen, SLUICE_ENOMEM, "pthread_key_create failed");
    }
    rc = api_redis_scripts(r);
    if (rc != 0) {
        sluice_error_set(err, errlen, rc, "cannot prepare the Lua scripts");
        goto fail;
    }
    rc = bus_topics_init(&r->topics, cfg->topic_prefix, err, errlen);
    if (rc != 0) {
        goto fail;
    }
    bus_producer_config pcfg;
    bus_producer_config_init(&pcfg);
    pcfg.brokers = cfg->brokers;
    pcfg.client_id = "sluice-api";
    pcfg.linger_ms = 0;
    pcfg.security = cfg->security;
    pcfg.signer = cfg->signer;
    rc = bus_producer_new(&pcfg, &r->producer, err, errlen);
    if (rc != 0) {
        goto fail;
    }
    if (api_redis_conn(r, err, errlen) == NULL) {
        rc = SLUICE_EREDIS;
        goto fail;
    }
    *out = r;
    return 0;
fail:
    api_redis_free(r);
    return rc;
}

api_backend *api_redis_backend(api_redis *r)
{
    return &r->base;
}

void api_redis_poll(api_redis *r, int timeout_ms)
{
    /* Never block under the lock: handler threads send through the same producer. */
    pthread_mutex_lock(&r->producer_lock);
    bus_producer_poll(r->producer, 0);
    pthread_mutex_unlock(&r->producer_lock);
    if (timeout_ms > 0) {
        struct timespec ts = {.tv_sec = timeout_ms / 1000,
                              .tv_nsec = (long)(timeout_ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }
}

void api_redis_free(api_redis *r)
{
    if (r == NULL) {
        return;
    }
    state_redis *conn = pthread_getspecific(r->conn_key);
    if (conn != NULL) {
        pthread_setspecific(r->conn_key, NULL);
        state_redis_free(conn);
    }
    pthread_key_delete(r->conn_key);
    bus_producer_free(r->producer);
    pthread_mutex_destroy(&r->producer_lock);
    memset(r->password, 0, sizeof r->password);
    free(r);
}
