/*
 * orch_store.c — the orchestrator's Redis operations (see orch_store.h).
 */
#include "orch_store.h"

#include "orch_route.h"

#include "sluice/buf.h"
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

/*
 * KEYS: executions hash, its order zset, actions hash, its order zset, rules
 * hash, its order zset, then one reply key per reply op. ARGV: executions
 * bound, actions bound, rules bound, reply ttl seconds, then per op: kind
 * ("r" reply, "e" execution, "a" action, "u" rule evaluation), id, score,
 * text. In order; each history trimmed once at the end.
 */
static const char apply_lua[] =
    "local nreply = 7\n"
    "local hashes = {e = 1, a = 3, u = 5}\n"
    "local bounds = {[1] = ARGV[1], [3] = ARGV[2], [5] = ARGV[3]}\n"
    "local added = {}\n"
    "for i = 5, #ARGV, 4 do\n"
    "  local kind = ARGV[i]\n"
    "  if kind == 'r' then\n"
    "    redis.call('DEL', KEYS[nreply])\n"
    "    redis.call('RPUSH', KEYS[nreply], ARGV[i + 3])\n"
    "    redis.call('EXPIRE', KEYS[nreply], ARGV[4])\n"
    "    nreply = nreply + 1\n"
    "  else\n"
    "    local h = hashes[kind]\n"
    "    redis.call('HSET', KEYS[h], ARGV[i + 1], ARGV[i + 3])\n"
    "    redis.call('ZADD', KEYS[h + 1], ARGV[i + 2], ARGV[i + 1])\n"
    "    added[h] = true\n"
    "  end\n"
    "end\n"
    "for h, _ in pairs(added) do\n"
    "  local excess = redis.call('ZCARD', KEYS[h + 1]) - tonumber(bounds[h])\n"
    "  if excess > 0 then\n"
    "    local old = redis.call('ZRANGE', KEYS[h + 1], 0, excess - 1)\n"
    "    redis.call('ZREMRANGEBYRANK', KEYS[h + 1], 0, excess - 1)\n"
    "    for j = 1, #old, 1000 do\n"
    "      redis.call('HDEL', KEYS[h], unpack(old, j, math.min(j + 999, #old)))\n"
    "    end\n"
    "  end\n"
    "end\n"
    "return 1\n";

/* KEYS: timers zset. ARGV per op: "s" (set) or "c" (cancel), member, deadline. In order. */
static const char timers_lua[] = "for i = 1, #ARGV, 3 do\n"
                                 "  if ARGV[i] == 's' then\n"
                                 "    redis.call('ZADD', KEYS[1], ARGV[i + 2], ARGV[i + 1])\n"
                                 "  else\n"
                                 "    redis.call('ZREM', KEYS[1], ARGV[i + 1])\n"
                                 "  end\n"
                                 "end\n"
                                 "return 1\n";

int orch_store_init(orch_store *store, state_redis *redis, int64_t history_max)
{
    memset(store, 0, sizeof *store);
    store->redis = redis;
    store->history_max = history_max;
    store->record_max_bytes = ORCH_STORE_RECORD_MAX_DEFAULT;
    snprintf(store->parked_key, sizeof store->parked_key, "%s", STATE_KEY_PARKED);
    if (state_script_init(&store->archive, archive_lua) != SLUICE_OK ||
        state_script_init(&store->claim, claim_lua) != SLUICE_OK ||
        state_script_init(&store->reply, reply_lua) != SLUICE_OK ||
        state_script_init(&store->apply, apply_lua) != SLUICE_OK ||
        state_script_init(&store->timers, timers_lua) != SLUICE_OK) {
        return SLUICE_EINTERNAL;
    }
    return SLUICE_OK;
}

static int pipeline_key(char *out, size_t outlen, const char *pipeline, const char *suffix)
{
    return state_key_build(out, outlen, pipeline, suffix);
}

#define ORCH_STORE_FORMAT 2

/* The pipeline record's key and the execution records' key prefix. */
static int state_keys(const char *pipeline, char key[STATE_KEY_MAX + 1],
                      char prefix[STATE_KEY_MAX + 1])
{
    int rc = pipeline_key(key, STATE_KEY_MAX + 1, pipeline, STATE_KEY_STATE);
    return rc == SLUICE_OK
               ? pipeline_key(prefix, STATE_KEY_MAX + 1, pipeline, STATE_KEY_EXEC_PREFIX)
               : rc;
}

/* The whole state document of a record set whose head has members. */
static json_t *merge_records(const state_cas_set_record *set, json_t *head)
{
    json_t *engine = json_object_get(head, "engine");
    json_t **execs = calloc(set->nmembers > 0 ? set->nmembers : 1, sizeof *execs);
    json_t *doc = NULL;
    if (execs == NULL || !json_is_object(engine)) {
        goto out;
    }
    for (size_t i = 0; i < set->nmembers; i++) {
        json_error_t jerr;
        execs[i] = set->values[i].data != NULL
                       ? json_loadb(set->values[i].data, set->values[i].len, 0, &jerr)
                       : NULL;
        if (execs[i] == NULL) {
            goto out;
        }
    }
    char err[256];
    json_t *merged = engine_state_records_merge(engine, execs, set->nmembers, err, sizeof err);
    if (merged != NULL) {
        doc = json_pack("{s:O?, s:O?, s:o}", "format", json_object_get(head, "format"), "applied",
                        json_object_get(head, "applied"), "engine", merged);
    }
out:
    for (size_t i = 0; execs != NULL && i < set->nmembers; i++) {
        json_decref(execs[i]);
    }
    free(execs);
    return doc;
}

int orch_store_load(orch_store *store, const char *pipeline, uint64_t *version, json_t **doc)
{
    *version = 0;
    *doc = NULL;
    char key[STATE_KEY_MAX + 1];
    char prefix[STATE_KEY_MAX + 1];
    int rc = state_keys(pipeline, key, prefix);
    if (rc != SLUICE_OK) {
        return rc;
    }
    state_cas_set_record set = {0};
    rc = state_cas_set_load(store->redis, key, prefix, &set);
    if (rc == SLUICE_ENOTFOUND) {
        return SLUICE_OK;
    }
    if (rc != SLUICE_OK) {
        return rc;
    }
    json_error_t jerr;
    json_t *parsed = json_loadb(set.head.data, set.head.len, 0, &jerr);
    *version = set.head.version;
    if (json_is_object(parsed) && set.has_members) {
        json_t *merged = merge_records(&set, parsed);
        json_decref(parsed);
        parsed = merged;
    }
    /* else: a format 1 document, the executions inside (carried over by the next save) */
    state_cas_set_record_clear(&set);
    if (!json_is_object(parsed)) {
        json_decref(parsed);
        return SLUICE_EPARSE;
    }
    *doc = parsed;
    return SLUICE_OK;
}

/* SLUICE_ETOOBIG with last_error when len exceeds the bound. */
static int check_bound(orch_store *store, const char *pipeline, const char *what, size_t len)
{
    if (len <= store->record_max_bytes) {
        return SLUICE_OK;
    }
    snprintf(store->last_error, sizeof store->last_error,
             "the state of pipeline %s would not be saved: its %s would be %zu bytes, over the "
             "bound of %zu bytes per record",
             pipeline, what, len, store->record_max_bytes);
    return SLUICE_ETOOBIG;
}

char *orch_store_head_render(const json_t *applied, const char *engine, size_t engine_len,
                             size_t *len)
{
    char *applied_text = applied != NULL ? json_dumps(applied, JSON_COMPACT) : NULL;
    if (applied != NULL && applied_text == NULL) {
        return NULL;
    }
    sluice_buf buf;
    sluice_buf_init(&buf, SIZE_MAX);
    int rc = sluice_buf_appendf(&buf, "{\"format\":%d,\"applied\":", ORCH_STORE_FORMAT);
    if (rc == SLUICE_OK) {
        rc = sluice_buf_append_str(&buf, applied_text != NULL ? applied_text : "null");
    }
    if (rc == SLUICE_OK) {
        rc = sluice_buf_append_str(&buf, ",\"engine\":");
    }
    if (rc == SLUICE_OK) {
        rc = sluice_buf_append(&buf, engine, engine_len);
    }
    if (rc == SLUICE_OK) {
        rc = sluice_buf_append_str(&buf, "}");
    }
    free(applied_text);
    if (rc != SLUICE_OK) {
        sluice_buf_free(&buf);
        return NULL;
    }
    *len = buf.len;
    return sluice_buf_steal(&buf);
}

int orch_store_save(orch_store *store, const char *pipeline, uint64_t expected, engine_state *state,
                    const json_t *applied, json_t *ops, uint64_t *new_version)
{
    orch_route_entry entry = {0};
    if (json_array_size(ops) > 0) {
        int rc = orch_route_entry_render(ops, &entry);
        if (rc != SLUICE_OK) {
            return rc;
        }
    }
    orch_store_saved saved;
    int rc = orch_store_save_entry(store, pipeline, expected, state, applied, &entry, &saved);
    orch_route_entry_free(&entry);
    if (rc == SLUICE_OK || rc == SLUICE_ECONFLICT) {
        *new_version = saved.version;
    }
    return rc;
}

int orch_store_save_entry(orch_store *store, const char *pipeline, uint64_t expected,
                          engine_state *state, const json_t *applied, const orch_route_entry *entry,
                          orch_store_saved *saved)
{
    memset(saved, 0, sizeof *saved);
    char key[STATE_KEY_MAX + 1];
    char prefix[STATE_KEY_MAX + 1];
    char outbox[STATE_KEY_MAX + 1];
    int rc = state_keys(pipeline, key, prefix);
    if (rc == SLUICE_OK) {
        rc = pipeline_key(outbox, sizeof outbox, pipeline, STATE_KEY_OUTBOX);
    }
    if (rc != SLUICE_OK) {
        return rc;
    }
    store->last_error[0] = '\0';
    engine_state_records records;
    engine_state_records_render(state, false, &records);
    size_t data_len = 0;
    char *data = orch_store_head_render(applied, records.pipeline, records.pipeline_len, &data_len);
    const char **members = calloc(state->nexecs > 0 ? state->nexecs : 1, sizeof *members);
    state_cas_bytes *values = calloc(records.nchanged > 0 ? records.nchanged : 1, sizeof *values);
    if (data == NULL || members == NULL || values == NULL) {
        rc = SLUICE_ENOMEM;
        goto out;
    }
    rc = check_bound(store, pipeline, "pipeline record", data_len);
    for (size_t i = 0; i < records.nchanged && rc == SLUICE_OK; i++) {
        char what[200];
        snprintf(what, sizeof what, "record of execution %s", records.changed_ids[i]);
        rc = check_bound(store, pipeline, what, records.changed_lens[i]);
        values[i].data = records.changed[i];
        values[i].len = records.changed_lens[i];
    }
    if (rc != SLUICE_OK) {
        goto out;
    }
    for (size_t i = 0; i < state->nexecs; i++) {
        members[i] = state->execs[i]->id;
    }
    bool has_entry = entry != NULL && entry->nops > 0;
    state_cas_bytes bytes = {has_entry ? entry->text : NULL, has_entry ? entry->len : 0};
    state_cas_set_write w = {
        .key = key,
        .member_prefix = prefix,
        .expected_version = expected,
        .data = data,
        .len = data_len,
        .members = members,
        .nmembers = state->nexecs,
        .changed = records.changed_ids,
        .values = values,
        .nchanged = records.nchanged,
        .removed = records.removed_ids,
        .nremoved = records.nremoved,
        .outbox_key = outbox,
        .entries = &bytes,
        .nentries = has_entry ? 1 : 0,
    };
    state_cas_set_saved out_saved;
    rc = state_cas_set_save_outbox(store->redis, &w, &saved->version, &out_saved);
    if (rc == SLUICE_OK) {
        engine_state_records_commit(state, &records);
        snprintf(saved->entry_id, sizeof saved->entry_id, "%s", out_saved.last_id);
        /* A write found done by a retry reports nothing: the outbox is then read back. */
        saved->alone = has_entry ? out_saved.last_id[0] != '\0' && out_saved.outbox_len == 1
                                 : out_saved.outbox_len == 0;
    }
out:
    engine_state_records_free(&records);
    free(members);
    free(values);
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

int orch_store_outbox_pending(orch_store *store, const char *pipeline, bool *pending)
{
    char outbox[STATE_KEY_MAX + 1];
    int rc = pipeline_key(outbox, sizeof outbox, pipeline, STATE_KEY_OUTBOX);
    if (rc != SLUICE_OK) {
        return rc;
    }
    const char *argv[] = {"XLEN", outbox};
    redisReply *reply = NULL;
    rc = state_redis_commandv(store->redis, STATE_REDIS_RETRY, 2, argv, NULL, &reply);
    if (rc != SLUICE_OK) {
        return rc;
    }
    if (reply->type != REDIS_REPLY_INTEGER) {
        rc = SLUICE_EPARSE;
    } else {
        *pending = reply->integer > 0;
    }
    freeReplyObject(reply);
    return rc;
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

int orch_store_archive_rule(orch_store *store, const char *pipeline, const char *id,
                            int64_t start_ms, const json_t *record)
{
    return archive(store, pipeline, STATE_KEY_RULES, STATE_KEY_RULES_ORDER,
                   store->history_max * ORCH_STORE_RULES_PER_EXECUTION, id, start_ms, record);
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

int orch_store_retry_get(orch_store *store, const char *pipeline, char *out, size_t outlen,
                         size_t *len)
{
    char key[STATE_KEY_MAX + 1];
    int rc = pipeline_key(key, sizeof key, pipeline, STATE_KEY_RETRY);
    if (rc != SLUICE_OK) {
        return rc;
    }
    const char *argv[] = {"GET", key};
    redisReply *reply = NULL;
    rc = state_redis_commandv(store->redis, STATE_REDIS_RETRY, 2, argv, NULL, &reply);
    if (rc != SLUICE_OK) {
        return rc;
    }
    if (reply->type == REDIS_REPLY_NIL) {
        rc = SLUICE_ENOTFOUND;
    } else if (reply->type != REDIS_REPLY_STRING) {
        rc = SLUICE_EPARSE;
    } else if (reply->len >= outlen) {
        rc = SLUICE_ETOOBIG;
    } else {
        memcpy(out, reply->str, reply->len);
        out[reply->len] = '\0';
        *len = reply->len;
    }
    freeReplyObject(reply);
    return rc;
}

int orch_store_retry_put(orch_store *store, const char *pipeline, const char *text)
{
    char key[STATE_KEY_MAX + 1];
    int rc = pipeline_key(key, sizeof key, pipeline, STATE_KEY_RETRY);
    if (rc != SLUICE_OK) {
        return rc;
    }
    const char *argv[] = {"SET", key, text};
    return run(store, STATE_REDIS_RETRY, 3, argv, NULL);
}

int orch_store_retry_clear(orch_store *store, const char *pipeline)
{
    char key[STATE_KEY_MAX + 1];
    int rc = pipeline_key(key, sizeof key, pipeline, STATE_KEY_RETRY);
    if (rc != SLUICE_OK) {
        return rc;
    }
    const char *argv[] = {"DEL", key};
    return run(store, STATE_REDIS_RETRY, 2, argv, NULL);
}

int orch_store_parked_scope(orch_store *store, const char *requests_topic)
{
    char key[STATE_KEY_MAX + 1];
    int n = snprintf(key, sizeof key, "%s:%s", STATE_KEY_PARKED, requests_topic);
    if (n < 0 || (size_t)n >= sizeof key) {
        return SLUICE_ETOOBIG;
    }
    memcpy(store->parked_key, key, (size_t)n + 1);
    return SLUICE_OK;
}

int orch_store_parked_add(orch_store *store, const char *pipeline)
{
    const char *argv[] = {"SADD", store->parked_key, pipeline};
    return run(store, STATE_REDIS_RETRY, 3, argv, NULL);
}

int orch_store_parked_remove(orch_store *store, const char *pipeline)
{
    const char *argv[] = {"SREM", store->parked_key, pipeline};
    return run(store, STATE_REDIS_RETRY, 3, argv, NULL);
}

int orch_store_parked_scan(orch_store *store, char cursor[32],
                           void (*fn)(const char *pipeline, void *ctx), void *ctx)
{
    const char *argv[] = {"SSCAN", store->parked_key, cursor, "COUNT", "100"};
    redisReply *reply = NULL;
    int rc = state_redis_commandv(store->redis, STATE_REDIS_RETRY, 5, argv, NULL, &reply);
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
    const redisReply *names = reply->element[1];
    for (size_t i = 0; i < names->elements; i++) {
        const redisReply *name = names->element[i];
        if (name->type == REDIS_REPLY_STRING && name->len > 0 &&
            name->len <= ORCH_PIPELINE_NAME_MAX && strlen(name->str) == name->len) {
            fn(name->str, ctx);
        }
    }
    freeReplyObject(reply);
    return SLUICE_OK;
}

int orch_store_drop(orch_store *store, const char *pipeline)
{
    char state_key[STATE_KEY_MAX + 1];
    char prefix[STATE_KEY_MAX + 1];
    int src = state_keys(pipeline, state_key, prefix);
    if (src == SLUICE_OK) {
        src = state_cas_set_delete(store->redis, state_key, prefix); /* the executions' records */
    }
    if (src != SLUICE_OK) {
        return src;
    }
    static const char *const suffixes[] = {STATE_KEY_STATE,
                                           STATE_KEY_OUTBOX,
                                           STATE_KEY_RETRY,
                                           STATE_KEY_EXECUTIONS,
                                           STATE_KEY_EXECUTIONS_ORDER,
                                           STATE_KEY_ACTIONS,
                                           STATE_KEY_ACTIONS_ORDER,
                                           STATE_KEY_RULES,
                                           STATE_KEY_RULES_ORDER};
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

/* The arguments of one apply or timers call, ops of one chunk. */
typedef struct apply_call {
    const char **keys;
    size_t nkeys;
    const char **args;
    size_t *lens;
    size_t nargs;
    char (*scores)[32];               /* per op */
    char (*owned)[STATE_KEY_MAX + 1]; /* per op: its member or reply key */
} apply_call;

static void apply_arg(apply_call *c, const char *text, size_t len)
{
    c->args[c->nargs] = text;
    c->lens[c->nargs] = len;
    c->nargs++;
}

/* Runs script with c's keys and arguments; the reply is not needed. */
static int apply_run(orch_store *store, const state_script *script, apply_call *c)
{
    redisReply *reply = NULL;
    int rc = state_script_eval(store->redis, script, STATE_REDIS_RETRY, (int)c->nkeys, c->keys,
                               (int)c->nargs, c->args, c->lens, &reply);
    if (reply != NULL) {
        freeReplyObject(reply);
    }
    return rc;
}

/* The timer ops of ops[0..n) in one call. */
static int apply_timers(orch_store *store, const char *pipeline, const orch_store_op *ops, size_t n,
                        apply_call *c)
{
    c->nkeys = 0;
    c->nargs = 0;
    c->keys[c->nkeys++] = STATE_KEY_TIMERS;
    for (size_t i = 0; i < n; i++) {
        if (ops[i].kind != ORCH_OP_TIMER_SET && ops[i].kind != ORCH_OP_TIMER_CANCEL) {
            continue;
        }
        int rc = orch_route_timer_member(c->owned[i], sizeof c->owned[i], pipeline, ops[i].key);
        if (rc != SLUICE_OK) {
            return rc;
        }
        snprintf(c->scores[i], sizeof c->scores[i], "%" PRId64, ops[i].at_ms);
        apply_arg(c, ops[i].kind == ORCH_OP_TIMER_SET ? "s" : "c", 1);
        apply_arg(c, c->owned[i], strlen(c->owned[i]));
        apply_arg(c, c->scores[i], strlen(c->scores[i]));
    }
    return c->nargs > 0 ? apply_run(store, &store->timers, c) : SLUICE_OK;
}

/* The replies and archives of ops[0..n) in one call. */
static int apply_records(orch_store *store, const char *pipeline, const orch_store_op *ops,
                         size_t n, apply_call *c, char fixed[10][STATE_KEY_MAX + 1])
{
    static const char *const suffixes[6] = {STATE_KEY_EXECUTIONS, STATE_KEY_EXECUTIONS_ORDER,
                                            STATE_KEY_ACTIONS,    STATE_KEY_ACTIONS_ORDER,
                                            STATE_KEY_RULES,      STATE_KEY_RULES_ORDER};
    c->nkeys = 0;
    c->nargs = 0;
    for (size_t k = 0; k < 6; k++) {
        int rc = pipeline_key(fixed[k], STATE_KEY_MAX + 1, pipeline, suffixes[k]);
        if (rc != SLUICE_OK) {
            return rc;
        }
        c->keys[c->nkeys++] = fixed[k];
    }
    snprintf(fixed[6], STATE_KEY_MAX + 1, "%" PRId64, store->history_max);
    snprintf(fixed[7], STATE_KEY_MAX + 1, "%" PRId64, store->history_max * 50);
    snprintf(fixed[8], STATE_KEY_MAX + 1, "%" PRId64,
             store->history_max * ORCH_STORE_RULES_PER_EXECUTION);
    snprintf(fixed[9], STATE_KEY_MAX + 1, "%d", ORCH_STORE_REPLY_TTL_S);
    for (size_t k = 6; k < 10; k++) {
        apply_arg(c, fixed[k], strlen(fixed[k]));
    }
    size_t fixed_args = c->nargs;
    for (size_t i = 0; i < n; i++) {
        const orch_store_op *op = &ops[i];
        const char *kind = NULL;
        if (op->kind == ORCH_OP_REPLY) {
            char suffix[160];
            snprintf(suffix, sizeof suffix, "%s%.100s", STATE_KEY_REPLY_PREFIX, op->key);
            int rc = pipeline_key(c->owned[i], sizeof c->owned[i], pipeline, suffix);
            if (rc != SLUICE_OK) {
                return rc;
            }
            c->keys[c->nkeys++] = c->owned[i];
            kind = "r";
        } else if (op->kind == ORCH_OP_ARCHIVE_EXECUTION || op->kind == ORCH_OP_ARCHIVE_ACTION ||
                   op->kind == ORCH_OP_ARCHIVE_RULE) {
            kind = op->kind == ORCH_OP_ARCHIVE_EXECUTION ? "e"
                   : op->kind == ORCH_OP_ARCHIVE_ACTION  ? "a"
                                                         : "u";
        } else {
            continue;
        }
        snprintf(c->scores[i], sizeof c->scores[i], "%" PRId64, op->at_ms);
        apply_arg(c, kind, 1);
        apply_arg(c, op->key, strlen(op->key));
        apply_arg(c, c->scores[i], strlen(c->scores[i]));
        apply_arg(c, op->text != NULL ? op->text : "", op->text != NULL ? op->len : 0);
    }
    return c->nargs > fixed_args ? apply_run(store, &store->apply, c) : SLUICE_OK;
}

int orch_store_apply(orch_store *store, const char *pipeline, const orch_store_op *ops, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (ops[i].kind != ORCH_OP_TIMER_SET && ops[i].kind != ORCH_OP_TIMER_CANCEL &&
            ops[i].kind != ORCH_OP_REPLY && ops[i].kind != ORCH_OP_ARCHIVE_EXECUTION &&
            ops[i].kind != ORCH_OP_ARCHIVE_ACTION && ops[i].kind != ORCH_OP_ARCHIVE_RULE) {
            return SLUICE_EINVAL;
        }
        if (ops[i].key == NULL) {
            return SLUICE_EINVAL;
        }
    }
    size_t chunk = n < ORCH_STORE_APPLY_CHUNK ? n : ORCH_STORE_APPLY_CHUNK;
    apply_call c = {
        .keys = calloc(chunk + 6 + 1, sizeof *c.keys),
        .args = calloc(chunk * 4 + 4 + 1, sizeof *c.args),
        .lens = calloc(chunk * 4 + 4 + 1, sizeof *c.lens),
        .scores = calloc(chunk + 1, sizeof *c.scores),
        .owned = calloc(chunk + 1, sizeof *c.owned),
    };
    char fixed[10][STATE_KEY_MAX + 1];
    int rc =
        c.keys != NULL && c.args != NULL && c.lens != NULL && c.scores != NULL && c.owned != NULL
            ? SLUICE_OK
            : SLUICE_ENOMEM;
    for (size_t at = 0; at < n && rc == SLUICE_OK; at += chunk) {
        size_t m = n - at < chunk ? n - at : chunk;
        rc = apply_timers(store, pipeline, ops + at, m, &c);
        if (rc == SLUICE_OK) {
            rc = apply_records(store, pipeline, ops + at, m, &c, fixed);
        }
    }
    free(c.keys);
    free(c.args);
    free(c.lens);
    free(c.scores);
    free(c.owned);
    return rc;
}
