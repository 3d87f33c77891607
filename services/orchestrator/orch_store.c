/*
 * orch_store.c — the orchestrator's Redis operations (see orch_store.h).
 */
#include "orch_store.h"

#include "orch_route.h"

#include "sluice/error.h"
#include "sluice/state_key.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* KEYS: hash, order zset. ARGV: id, score, record, max. Adds and trims the oldest. */
static const char archive_lua[] =
    "redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])\n"
    "redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])\n"
    "local excess = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[4])\n"
    "if excess > 0 then\n"
    "  local old = redis.call('ZRANGE', KEYS[2], 0, excess - 1)\n"
    "  redis.call('ZREMRANGEBYRANK', KEYS[2], 0, excess - 1)\n"
    "  redis.call('HDEL', KEYS[1], unpack(old))\n"
    "end\n"
    "return excess\n";

/* KEYS: timers zset. ARGV: now, lease, limit. Returns the claimed members. */
static const char claim_lua[] =
    "local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[3])\n"
    "local until_ms = tonumber(ARGV[1]) + tonumber(ARGV[2])\n"
    "for _, m in ipairs(due) do redis.call('ZADD', KEYS[1], until_ms, m) end\n"
    "return due\n";

/* KEYS: reply list. ARGV: reply, ttl seconds. One copy, expiring. */
static const char reply_lua[] = "redis.call('DEL', KEYS[1])\n"
                                "redis.call('RPUSH', KEYS[1], ARGV[1])\n"
                                "redis.call('EXPIRE', KEYS[1], ARGV[2])\n"
                                "return 1\n";

int orch_store_init(orch_store *store, state_redis *redis, int64_t history_max)
{
    memset(store, 0, sizeof *store);
    store->redis = redis;
    store->history_max = history_max;
    if (state_script_init(&store->archive, archive_lua) != SLUICE_OK ||
        state_script_init(&store->claim, claim_lua) != SLUICE_OK ||
        state_script_init(&store->reply, reply_lua) != SLUICE_OK) {
        return SLUICE_EINTERNAL;
    }
    return SLUICE_OK;
}

static int pipeline_key(char *out, size_t outlen, const char *pipeline, const char *suffix)
{
    return state_key_build(out, outlen, pipeline, suffix);
}

int orch_store_load(orch_store *store, const char *pipeline, uint64_t *version, json_t **doc)
{
    *version = 0;
    *doc = NULL;
    char key[STATE_KEY_MAX + 1];
    int rc = pipeline_key(key, sizeof key, pipeline, STATE_KEY_STATE);
    if (rc != SLUICE_OK) {
        return rc;
    }
    state_cas_record rec = {0};
    rc = state_cas_load(store->redis, key, &rec);
    if (rc == SLUICE_ENOTFOUND) {
        return SLUICE_OK;
    }
    if (rc != SLUICE_OK) {
        return rc;
    }
    json_error_t jerr;
    json_t *parsed = json_loadb(rec.data, rec.len, 0, &jerr);
    *version = rec.version;
    state_cas_record_clear(&rec);
    if (!json_is_object(parsed)) {
        json_decref(parsed);
        return SLUICE_EPARSE;
    }
    *doc = parsed;
    return SLUICE_OK;
}

int orch_store_save(orch_store *store, const char *pipeline, uint64_t expected, const json_t *doc,
                    const json_t *ops, uint64_t *new_version)
{
    char key[STATE_KEY_MAX + 1];
    char outbox[STATE_KEY_MAX + 1];
    int rc = pipeline_key(key, sizeof key, pipeline, STATE_KEY_STATE);
    if (rc == SLUICE_OK) {
        rc = pipeline_key(outbox, sizeof outbox, pipeline, STATE_KEY_OUTBOX);
    }
    if (rc != SLUICE_OK) {
        return rc;
    }
    char *data = json_dumps(doc, JSON_COMPACT);
    char *entry = NULL;
    if (json_array_size(ops) > 0) {
        json_t *wrapped = json_pack("{s:O}", "ops", ops);
        entry = wrapped != NULL ? json_dumps(wrapped, JSON_COMPACT) : NULL;
        json_decref(wrapped);
        if (entry == NULL) {
            free(data);
            return SLUICE_ENOMEM;
        }
    }
    if (data == NULL) {
        free(entry);
        return SLUICE_ENOMEM;
    }
    state_cas_bytes bytes = {entry, entry != NULL ? strlen(entry) : 0};
    state_cas_write w = {
        .key = key,
        .expected_version = expected,
        .data = data,
        .len = strlen(data),
        .outbox_key = outbox,
        .entries = &bytes,
        .nentries = entry != NULL ? 1 : 0,
    };
    rc = state_cas_save(store->redis, &w, new_version);
    free(entry);
    free(data);
    return rc;
}

int orch_store_outbox_peek(orch_store *store, const char *pipeline, state_cas_outbox *out)
{
    char outbox[STATE_KEY_MAX + 1];
    int rc = pipeline_key(outbox, sizeof outbox, pipeline, STATE_KEY_OUTBOX);
    if (rc != SLUICE_OK) {
        return rc;
    }
    return state_cas_outbox_peek(store->redis, outbox, ORCH_STORE_OUTBOX_BATCH, out);
}

int orch_store_outbox_ack(orch_store *store, const char *pipeline, const char *through_id)
{
    char outbox[STATE_KEY_MAX + 1];
    int rc = pipeline_key(outbox, sizeof outbox, pipeline, STATE_KEY_OUTBOX);
    if (rc != SLUICE_OK) {
        return rc;
    }
    return state_cas_outbox_ack(store->redis, outbox, through_id, NULL);
}

/* Runs a command whose reply is not needed. */
static int run(orch_store *store, state_redis_retry retry, int argc, const char **argv,
               const size_t *lens)
{
    redisReply *reply = NULL;
    int rc = state_redis_commandv(store->redis, retry, argc, argv, lens, &reply);
    if (reply != NULL) {
        freeReplyObject(reply);
    }
    return rc;
}

int orch_store_timer_set(orch_store *store, const char *pipeline, const char *key,
                         int64_t deadline_ms)
{
    char member[STATE_KEY_MAX + 1];
    char score[32];
    int rc = orch_route_timer_member(member, sizeof member, pipeline, key);
    if (rc != SLUICE_OK) {
        return rc;
    }
    snprintf(score, sizeof score, "%" PRId64, deadline_ms);
    const char *argv[] = {"ZADD", STATE_KEY_TIMERS, score, member};
    return run(store, STATE_REDIS_RETRY, 4, argv, NULL);
}

int orch_store_timer_cancel(orch_store *store, const char *pipeline, const char *key)
{
    char member[STATE_KEY_MAX + 1];
    int rc = orch_route_timer_member(member, sizeof member, pipeline, key);
    if (rc != SLUICE_OK) {
        return rc;
    }
    const char *argv[] = {"ZREM", STATE_KEY_TIMERS, member};
    return run(store, STATE_REDIS_RETRY, 3, argv, NULL);
}

void orch_store_members_free(char **members, size_t count)
{
    if (members == NULL) {
        return;
    }
    for (size_t i = 0; i < count; i++) {
        free(members[i]);
    }
    free(members);
}

int orch_store_timers_claim(orch_store *store, int64_t now_ms, int64_t lease_ms, int limit,
                            char ***members, size_t *count)
{
    *members = NULL;
    *count = 0;
    char now[32];
    char lease[32];
    char lim[16];
    snprintf(now, sizeof now, "%" PRId64, now_ms);
    snprintf(lease, sizeof lease, "%" PRId64, lease_ms);
    snprintf(lim, sizeof lim, "%d", limit);
    const char *keys[] = {STATE_KEY_TIMERS};
    const char *args[] = {now, lease, lim};
    redisReply *reply = NULL;
    /* A second run only re-claims with the same lease: harmless. */
    int rc = state_script_eval(store->redis, &store->claim, STATE_REDIS_RETRY, 1, keys, 3, args,
                               NULL, &reply);
    if (rc != SLUICE_OK) {
        return rc;
    }
    if (reply->type != REDIS_REPLY_ARRAY) {
        freeReplyObject(reply);
        return SLUICE_EPARSE;
    }
    char **out = calloc(reply->elements > 0 ? reply->elements : 1, sizeof *out);
    if (out == NULL) {
        freeReplyObject(reply);
        return SLUICE_ENOMEM;
    }
    size_t n = 0;
    for (size_t i = 0; i < reply->elements; i++) {
        const redisReply *el = reply->element[i];
        if (el->type == REDIS_REPLY_STRING) {
            out[n] = strndup(el->str, el->len);
            if (out[n] == NULL) {
                orch_store_members_free(out, n);
                freeReplyObject(reply);
                return SLUICE_ENOMEM;
            }
            n++;
        }
    }
    freeReplyObject(reply);
    *members = out;
    *count = n;
    return SLUICE_OK;
}

int orch_store_reply(orch_store *store, const char *pipeline, const char *request_id,
                     const json_t *reply)
{
    char suffix[160];
    char key[STATE_KEY_MAX + 1];
    snprintf(suffix, sizeof suffix, "%s%.100s", STATE_KEY_REPLY_PREFIX, request_id);
    int rc = pipeline_key(key, sizeof key, pipeline, suffix);
    if (rc != SLUICE_OK) {
        return rc;
    }
    char *text = json_dumps(reply, JSON_COMPACT);
    if (text == NULL) {
        return SLUICE_ENOMEM;
    }
    char ttl[16];
    snprintf(ttl, sizeof ttl, "%d", ORCH_STORE_REPLY_TTL_S);
    const char *keys[] = {key};
    const char *args[] = {text, ttl};
    redisReply *answer = NULL;
    /* Running it twice leaves one copy: safe to resend. */
    rc = state_script_eval(store->redis, &store->reply, STATE_REDIS_RETRY, 1, keys, 2, args, NULL,
                           &answer);
    if (answer != NULL) {
        freeReplyObject(answer);
    }
    free(text);
    return rc;
}

static int archive(orch_store *store, const char *pipeline, const char *hash_suffix,
                   const char *order_suffix, int64_t max, const char *id, int64_t start_ms,
                   const json_t *record)
{
    char hash[STATE_KEY_MAX + 1];
    char order[STATE_KEY_MAX + 1];
    int rc = pipeline_key(hash, sizeof hash, pipeline, hash_suffix);
    if (rc == SLUICE_OK) {
        rc = pipeline_key(order, sizeof order, pipeline, order_suffix);
    }
    if (rc != SLUICE_OK) {
        return rc;
    }
    char *text = json_dumps(record, JSON_COMPACT);
    if (text == NULL) {
        return SLUICE_ENOMEM;
    }
    char score[32];
    char limit[32];
    snprintf(score, sizeof score, "%" PRId64, start_ms);
    snprintf(limit, sizeof limit, "%" PRId64, max);
    const char *keys[] = {hash, order};
    const char *args[] = {id, score, text, limit};
    redisReply *reply = NULL;
    rc = state_script_eval(store->redis, &store->archive, STATE_REDIS_RETRY, 2, keys, 4, args, NULL,
                           &reply);
    if (reply != NULL) {
        freeReplyObject(reply);
    }
    free(text);
    return rc;
}

int orch_store_archive_execution(orch_store *store, const char *pipeline, const char *id,
                                 int64_t start_ms, const json_t *record)
{
    return archive(store, pipeline, STATE_KEY_EXECUTIONS, STATE_KEY_EXECUTIONS_ORDER,
                   store->history_max, id, start_ms, record);
}

int orch_store_archive_action(orch_store *store, const char *pipeline, const char *id,
                              int64_t start_ms, const json_t *record)
{
    return archive(store, pipeline, STATE_KEY_ACTIONS, STATE_KEY_ACTIONS_ORDER,
                   store->history_max * 50, id, start_ms, record);
}

int orch_store_load_definition(orch_store *store, const char *pipeline, int64_t version,
                               json_t **doc)
{
    *doc = NULL;
    char suffix[48];
    char key[STATE_KEY_MAX + 1];
    snprintf(suffix, sizeof suffix, "%s:v%" PRId64, STATE_KEY_DEFINITION, version);
    int rc = pipeline_key(key, sizeof key, pipeline, suffix);
    if (rc != SLUICE_OK) {
        return rc;
    }
    const char *argv[] = {"GET", key};
    redisReply *reply = NULL;
    rc = state_redis_commandv(store->redis, STATE_REDIS_RETRY, 2, argv, NULL, &reply);
    if (rc != SLUICE_OK) {
        return rc;
    }
    if (reply->type != REDIS_REPLY_STRING) {
        freeReplyObject(reply);
        return SLUICE_ENOTFOUND;
    }
    json_error_t jerr;
    json_t *parsed = json_loadb(reply->str, reply->len, 0, &jerr);
    freeReplyObject(reply);
    if (!json_is_object(parsed)) {
        json_decref(parsed);
        return SLUICE_EPARSE;
    }
    *doc = parsed;
    return SLUICE_OK;
}

int orch_store_drop(orch_store *store, const char *pipeline)
{
    static const char *const suffixes[] = {STATE_KEY_STATE,      STATE_KEY_OUTBOX,
                                           STATE_KEY_EXECUTIONS, STATE_KEY_EXECUTIONS_ORDER,
                                           STATE_KEY_ACTIONS,    STATE_KEY_ACTIONS_ORDER};
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        char key[STATE_KEY_MAX + 1];
        int rc = pipeline_key(key, sizeof key, pipeline, suffixes[i]);
        if (rc != SLUICE_OK) {
            return rc;
        }
        const char *argv[] = {"DEL", key};
        rc = run(store, STATE_REDIS_RETRY, 2, argv, NULL);
        if (rc != SLUICE_OK) {
            return rc;
        }
    }
    return SLUICE_OK;
}

int orch_store_scan_outboxes(orch_store *store, char cursor[32],
                             void (*fn)(const char *pipeline, void *ctx), void *ctx)
{
    const char *argv[] = {"SCAN",  cursor, "MATCH", STATE_KEY_PREFIX ":{*}:" STATE_KEY_OUTBOX,
                          "COUNT", "500"};
    redisReply *reply = NULL;
    int rc = state_redis_commandv(store->redis, STATE_REDIS_RETRY, 6, argv, NULL, &reply);
    if (rc != SLUICE_OK) {
        return rc;
    }
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2 ||
        reply->element[0]->type != REDIS_REPLY_STRING ||
        reply->element[1]->type != REDIS_REPLY_ARRAY) {
        freeReplyObject(reply);
        return SLUICE_EPARSE;
    }
    snprintf(cursor, 32, "%s", reply->element[0]->str);
    const redisReply *keys = reply->element[1];
    for (size_t i = 0; i < keys->elements; i++) {
        const char *key = keys->element[i]->str;
        const char *open = key != NULL ? strchr(key, '{') : NULL;
        const char *close = open != NULL ? strchr(open, '}') : NULL;
        if (close == NULL || close - open - 1 <= 0 || close - open - 1 > ORCH_PIPELINE_NAME_MAX) {
            continue;
        }
        char pipeline[ORCH_PIPELINE_NAME_MAX + 1];
        memcpy(pipeline, open + 1, (size_t)(close - open - 1));
        pipeline[close - open - 1] = '\0';
        fn(pipeline, ctx);
    }
    freeReplyObject(reply);
    return SLUICE_OK;
}
