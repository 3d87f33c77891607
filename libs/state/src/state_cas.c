/*
 * state_cas.c — versioned compare-and-set with an outbox (see state_cas.h).
 *
 * The Lua scripts compare versions as strings, exactly as written by this
 * file ("%" PRIu64), and never do arithmetic: Lua 5.1 numbers are doubles.
 * The next version is computed here and passed in. Replies are parsed by pure
 * helpers that unit tests drive with hand-built replies.
 */
#include "sluice/state_cas.h"

#include "sluice/error.h"
#include "sluice/state_key.h"
#include "sluice/state_script.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* clang-format off */
/* KEYS[1] record, KEYS[2] outbox (when given).
 * ARGV[1] expected version, ARGV[2] next version, ARGV[3] data, ARGV[4] op id,
 * ARGV[5..] outbox entries. Returns {1, version} or {0, stored version}. */
static const char cas_save_lua[] =
    "local cur = redis.call('HGET', KEYS[1], 'v') or '0'\n"
    "if cur ~= ARGV[1] then\n"
    "  if ARGV[4] ~= '' and cur == ARGV[2] and redis.call('HGET', KEYS[1], 'op') == ARGV[4] then\n"
    "    return {1, cur}\n"
    "  end\n"
    "  return {0, cur}\n"
    "end\n"
    "redis.call('HSET', KEYS[1], 'v', ARGV[2], 'data', ARGV[3], 'op', ARGV[4])\n"
    "for i = 5, #ARGV do\n"
    "  redis.call('XADD', KEYS[2], '*', 'e', ARGV[i])\n"
    "end\n"
    "return {1, ARGV[2]}\n";

/* KEYS[1] record; ARGV[1] expected version. Returns {1, version} or {0, stored version}. */
static const char cas_delete_lua[] =
    "local cur = redis.call('HGET', KEYS[1], 'v') or '0'\n"
    "if cur ~= ARGV[1] then\n"
    "  return {0, cur}\n"
    "end\n"
    "redis.call('DEL', KEYS[1])\n"
    "return {1, cur}\n";
/* clang-format on */

#define CAS_U64_DIGITS 20

/* ---- pure helpers ---------------------------------------------------------------------- */

/* Parses exactly len decimal digits (1..20) into a u64 without overflow. */
static int cas_parse_u64(const char *text, size_t len, uint64_t *out)
{
    if (len == 0 || len > CAS_U64_DIGITS) {
        return SLUICE_EINVAL;
    }
    uint64_t value = 0;
    for (size_t i = 0; i < len; i++) {
        if (text[i] < '0' || text[i] > '9') {
            return SLUICE_EINVAL;
        }
        unsigned digit = (unsigned)(text[i] - '0');
        if (value > (UINT64_MAX - digit) / 10) {
            return SLUICE_EINVAL;
        }
        value = value * 10 + digit;
    }
    *out = value;
    return SLUICE_OK;
}

int state_cas_stream_id_parse(const char *text, uint64_t *ms, uint64_t *seq)
{
    if (text == NULL) {
        return SLUICE_EINVAL;
    }
    const char *dash = strchr(text, '-');
    if (dash == NULL) {
        return SLUICE_EINVAL;
    }
    uint64_t a, b;
    if (cas_parse_u64(text, (size_t)(dash - text), &a) != SLUICE_OK ||
        cas_parse_u64(dash + 1, strlen(dash + 1), &b) != SLUICE_OK) {
        return SLUICE_EINVAL;
    }
    *ms = a;
    *seq = b;
    return SLUICE_OK;
}

int state_cas_stream_id_next(const char *text, char *out, size_t outlen)
{
    uint64_t ms, seq;
    if (out == NULL || outlen == 0 || state_cas_stream_id_parse(text, &ms, &seq) != SLUICE_OK) {
        return SLUICE_EINVAL;
    }
    if (seq == UINT64_MAX) {
        if (ms == UINT64_MAX) {
            return SLUICE_ERANGE;
        }
        ms++;
        seq = 0;
    } else {
        seq++;
    }
    int n = snprintf(out, outlen, "%" PRIu64 "-%" PRIu64, ms, seq);
    if (n < 0 || (size_t)n >= outlen) {
        out[0] = '\0';
        return SLUICE_EINVAL;
    }
    return SLUICE_OK;
}

static char *cas_dup_bytes(const char *bytes, size_t len)
{
    if (len == SIZE_MAX) {
        return NULL;
    }
    char *copy = malloc(len + 1);
    if (copy == NULL) {
        return NULL;
    }
    if (len > 0) {
        memcpy(copy, bytes, len);
    }
    copy[len] = '\0';
    return copy;
}

void state_cas_record_clear(state_cas_record *rec)
{
    free(rec->data);
    rec->data = NULL;
    rec->len = 0;
    rec->version = 0;
}

int state_cas_record_from_reply(const redisReply *reply, state_cas_record *out)
{
    memset(out, 0, sizeof *out);
    if (reply == NULL || reply->type != REDIS_REPLY_ARRAY || reply->elements != 2) {
        return SLUICE_EPARSE;
    }
    const redisReply *v = reply->element[0];
    const redisReply *data = reply->element[1];
    if (v->type == REDIS_REPLY_NIL && data->type == REDIS_REPLY_NIL) {
        return SLUICE_ENOTFOUND;
    }
    uint64_t version;
    if (v->type != REDIS_REPLY_STRING || cas_parse_u64(v->str, v->len, &version) != SLUICE_OK ||
        version == 0) {
        return SLUICE_EPARSE;
    }
    if (data->type != REDIS_REPLY_STRING && data->type != REDIS_REPLY_NIL) {
        return SLUICE_EPARSE;
    }
    const char *bytes = data->type == REDIS_REPLY_STRING ? data->str : "";
    size_t len = data->type == REDIS_REPLY_STRING ? data->len : 0;
    out->data = cas_dup_bytes(bytes, len);
    if (out->data == NULL) {
        return SLUICE_ENOMEM;
    }
    out->len = len;
    out->version = version;
    return SLUICE_OK;
}

void state_cas_outbox_clear(state_cas_outbox *ob)
{
    for (size_t i = 0; i < ob->count; i++) {
        free(ob->entries[i].data);
    }
    free(ob->entries);
    ob->entries = NULL;
    ob->count = 0;
}

/* Finds the "e" field in a stream entry's [field, value, ...] array. */
static const redisReply *cas_entry_field(const redisReply *fields)
{
    if (fields->type != REDIS_REPLY_ARRAY || fields->elements % 2 != 0) {
        return NULL;
    }
    for (size_t i = 0; i + 1 < fields->elements; i += 2) {
        const redisReply *name = fields->element[i];
        const redisReply *value = fields->element[i + 1];
        if (name->type == REDIS_REPLY_STRING && name->len == 1 && name->str[0] == 'e' &&
            value->type == REDIS_REPLY_STRING) {
            return value;
        }
    }
    return NULL;
}

int state_cas_outbox_from_reply(const redisReply *reply, state_cas_outbox *out)
{
    memset(out, 0, sizeof *out);
    if (reply == NULL || reply->type != REDIS_REPLY_ARRAY) {
        return SLUICE_EPARSE;
    }
    if (reply->elements == 0) {
        return SLUICE_OK;
    }
    if (reply->elements > STATE_CAS_MAX_ENTRIES) {
        return SLUICE_EPARSE;
    }
    out->entries = calloc(reply->elements, sizeof *out->entries);
    if (out->entries == NULL) {
        return SLUICE_ENOMEM;
    }
    int rc = SLUICE_OK;
    for (size_t i = 0; i < reply->elements; i++) {
        const redisReply *item = reply->element[i];
        uint64_t ms, seq;
        if (item->type != REDIS_REPLY_ARRAY || item->elements != 2 ||
            item->element[0]->type != REDIS_REPLY_STRING ||
            item->element[0]->len >= STATE_CAS_STREAM_ID_MAX ||
            strlen(item->element[0]->str) != item->element[0]->len ||
            state_cas_stream_id_parse(item->element[0]->str, &ms, &seq) != SLUICE_OK) {
            rc = SLUICE_EPARSE;
            goto out;
        }
        const redisReply *value = cas_entry_field(item->element[1]);
        if (value == NULL) {
            rc = SLUICE_EPARSE;
            goto out;
        }
        state_cas_entry *entry = &out->entries[out->count];
        memcpy(entry->id, item->element[0]->str, item->element[0]->len + 1);
        entry->data = cas_dup_bytes(value->str, value->len);
        if (entry->data == NULL) {
            rc = SLUICE_ENOMEM;
            goto out;
        }
        entry->len = value->len;
        out->count++;
    }
out:
    if (rc != SLUICE_OK) {
        state_cas_outbox_clear(out);
    }
    return rc;
}

/* Reads the {status, version} reply of the save and delete scripts. */
static int cas_script_result(const redisReply *reply, int *applied, uint64_t *version)
{
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2 ||
        reply->element[0]->type != REDIS_REPLY_INTEGER ||
        reply->element[1]->type != REDIS_REPLY_STRING ||
        cas_parse_u64(reply->element[1]->str, reply->element[1]->len, version) != SLUICE_OK) {
        return SLUICE_EPARSE;
    }
    *applied = reply->element[0]->integer == 1;
    return SLUICE_OK;
}

static bool cas_key_ok(const char *key)
{
    return key != NULL && key[0] != '\0' && strlen(key) <= STATE_KEY_MAX;
}

static int cas_check_write(const state_cas_write *w)
{
    if (w == NULL || !cas_key_ok(w->key) || (w->data == NULL && w->len > 0)) {
        return SLUICE_EINVAL;
    }
    if (w->nentries > STATE_CAS_MAX_ENTRIES || (w->nentries > 0 && w->entries == NULL)) {
        return SLUICE_EINVAL;
    }
    if (w->nentries > 0 && w->outbox_key == NULL) {
        return SLUICE_EINVAL;
    }
    if (w->outbox_key != NULL &&
        (!cas_key_ok(w->outbox_key) || !state_key_same_slot(w->key, w->outbox_key) ||
         strcmp(w->key, w->outbox_key) == 0)) {
        return SLUICE_EINVAL;
    }
    if (w->op_id != NULL && strlen(w->op_id) > STATE_CAS_OP_ID_MAX) {
        return SLUICE_EINVAL;
    }
    for (size_t i = 0; i < w->nentries; i++) {
        if (w->entries[i].data == NULL && w->entries[i].len > 0) {
            return SLUICE_EINVAL;
        }
    }
    if (w->expected_version == UINT64_MAX) {
        return SLUICE_ERANGE;
    }
    return SLUICE_OK;
}

/* ---- calls ------------------------------------------------------------------------------- */

int state_cas_load(state_redis *r, const char *key, state_cas_record *out)
{
    memset(out, 0, sizeof *out);
    if (!cas_key_ok(key)) {
        return SLUICE_EINVAL;
    }
    redisReply *reply = NULL;
    int rc = state_redis_command(r, STATE_REDIS_RETRY, &reply, "HMGET %s v data", key);
    if (rc != SLUICE_OK) {
        return rc;
    }
    rc = state_cas_record_from_reply(reply, out);
    freeReplyObject(reply);
    return rc;
}

int state_cas_save(state_redis *r, const state_cas_write *w, uint64_t *new_version)
{
    int rc = cas_check_write(w);
    if (rc != SLUICE_OK) {
        return rc;
    }
    state_script script;
    rc = state_script_init(&script, cas_save_lua);
    if (rc != SLUICE_OK) {
        return rc;
    }
    char expected[CAS_U64_DIGITS + 1];
    char next[CAS_U64_DIGITS + 1];
    snprintf(expected, sizeof expected, "%" PRIu64, w->expected_version);
    snprintf(next, sizeof next, "%" PRIu64, w->expected_version + 1);

    const char *keys[2] = {w->key, w->outbox_key};
    int nkeys = w->outbox_key != NULL ? 2 : 1;
    size_t nargs = 4 + w->nentries;
    const char **args = calloc(nargs, sizeof *args);
    size_t *lens = calloc(nargs, sizeof *lens);
    redisReply *reply = NULL;
    if (args == NULL || lens == NULL) {
        rc = SLUICE_ENOMEM;
        goto out;
    }
    args[0] = expected;
    lens[0] = strlen(expected);
    args[1] = next;
    lens[1] = strlen(next);
    args[2] = w->data != NULL ? w->data : "";
    lens[2] = w->len;
    args[3] = w->op_id != NULL ? w->op_id : "";
    lens[3] = strlen(args[3]);
    for (size_t i = 0; i < w->nentries; i++) {
        args[4 + i] = w->entries[i].data != NULL ? w->entries[i].data : "";
        lens[4 + i] = w->entries[i].len;
    }
    rc = state_script_eval(r, &script, STATE_REDIS_RETRY, nkeys, keys, (int)nargs, args, lens,
                           &reply);
    if (rc != SLUICE_OK) {
        goto out;
    }
    int applied = 0;
    uint64_t version = 0;
    rc = cas_script_result(reply, &applied, &version);
    if (rc != SLUICE_OK) {
        goto out;
    }
    if (new_version != NULL) {
        *new_version = version;
    }
    rc = applied ? SLUICE_OK : SLUICE_ECONFLICT;
out:
    freeReplyObject(reply);
    free(args);
    free(lens);
    return rc;
}

int state_cas_delete(state_redis *r, const char *key, uint64_t expected_version)
{
    if (!cas_key_ok(key) || expected_version == 0) {
        return SLUICE_EINVAL;
    }
    state_script script;
    int rc = state_script_init(&script, cas_delete_lua);
    if (rc != SLUICE_OK) {
        return rc;
    }
    char expected[CAS_U64_DIGITS + 1];
    snprintf(expected, sizeof expected, "%" PRIu64, expected_version);
    const char *keys[1] = {key};
    const char *args[1] = {expected};
    redisReply *reply = NULL;
    rc = state_script_eval(r, &script, STATE_REDIS_RETRY, 1, keys, 1, args, NULL, &reply);
    if (rc != SLUICE_OK) {
        return rc;
    }
    int applied = 0;
    uint64_t version = 0;
    rc = cas_script_result(reply, &applied, &version);
    freeReplyObject(reply);
    if (rc != SLUICE_OK) {
        return rc;
    }
    return applied ? SLUICE_OK : SLUICE_ECONFLICT;
}

int state_cas_outbox_peek(state_redis *r, const char *outbox_key, size_t max_entries,
                          state_cas_outbox *out)
{
    memset(out, 0, sizeof *out);
    if (!cas_key_ok(outbox_key) || max_entries == 0 || max_entries > STATE_CAS_MAX_ENTRIES) {
        return SLUICE_EINVAL;
    }
    redisReply *reply = NULL;
    char count[CAS_U64_DIGITS + 1];
    snprintf(count, sizeof count, "%zu", max_entries);
    int rc = state_redis_command(r, STATE_REDIS_RETRY, &reply, "XRANGE %s - + COUNT %s", outbox_key,
                                 count);
    if (rc != SLUICE_OK) {
        return rc;
    }
    rc = state_cas_outbox_from_reply(reply, out);
    freeReplyObject(reply);
    return rc;
}

int state_cas_outbox_ack(state_redis *r, const char *outbox_key, const char *through_id,
                         size_t *removed)
{
    if (removed != NULL) {
        *removed = 0;
    }
    char min_id[STATE_CAS_STREAM_ID_MAX];
    if (!cas_key_ok(outbox_key) ||
        state_cas_stream_id_next(through_id, min_id, sizeof min_id) != SLUICE_OK) {
        return SLUICE_EINVAL;
    }
    redisReply *reply = NULL;
    /* MINID without "~" trims exactly: every entry below min_id goes. */
    int rc =
        state_redis_command(r, STATE_REDIS_RETRY, &reply, "XTRIM %s MINID %s", outbox_key, min_id);
    if (rc != SLUICE_OK) {
        return rc;
    }
    if (reply->type != REDIS_REPLY_INTEGER || reply->integer < 0) {
        rc = SLUICE_EPARSE;
    } else if (removed != NULL) {
        *removed = (size_t)reply->integer;
    }
    freeReplyObject(reply);
    return rc;
}
