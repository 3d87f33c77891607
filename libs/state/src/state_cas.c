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
/* KEYS[1] head, KEYS[2] outbox (or the head again when none), then the changed members' keys,
 * the removed members' keys and the drop key (when given).
 * ARGV[1] expected version, ARGV[2] next version, ARGV[3] head data, ARGV[4] op id, ARGV[5] member
 * names, ARGV[6] changed count, ARGV[7] removed count, ARGV[8] "1" with an outbox, ARGV[9] "1" with
 * a drop key, then the changed values, then the outbox entries. Returns {1, version, id of the last
 * entry appended or "", entries in the outbox after the write} when it wrote, {1, version} when
 * its op id had written already, or {0, stored version}. */
static const char cas_set_save_lua[] =
    "local cur = redis.call('HGET', KEYS[1], 'v') or '0'\n"
    "if cur ~= ARGV[1] then\n"
    "  if ARGV[4] ~= '' and cur == ARGV[2] and redis.call('HGET', KEYS[1], 'op') == ARGV[4] then\n"
    "    return {1, cur}\n"
    "  end\n"
    "  return {0, cur}\n"
    "end\n"
    "local nc = tonumber(ARGV[6])\n"
    "local nr = tonumber(ARGV[7])\n"
    "redis.call('HSET', KEYS[1], 'v', ARGV[2], 'data', ARGV[3], 'op', ARGV[4], 'm', ARGV[5])\n"
    "for i = 1, nc do redis.call('SET', KEYS[2 + i], ARGV[9 + i]) end\n"
    "for i = 1, nr do redis.call('DEL', KEYS[2 + nc + i]) end\n"
    "if ARGV[9] == '1' then redis.call('DEL', KEYS[3 + nc + nr]) end\n"
    "local last = ''\n"
    "local n = 0\n"
    "if ARGV[8] == '1' then\n"
    "  for i = 10 + nc, #ARGV do last = redis.call('XADD', KEYS[2], '*', 'e', ARGV[i]) end\n"
    "  n = redis.call('XLEN', KEYS[2])\n"
    "end\n"
    "return {1, ARGV[2], last, n}\n";

/* KEYS[1] head; ARGV[1] member key prefix. Returns {v, data, m, member values...}. Member keys share
 * the head's hash tag (so its slot). */
static const char cas_set_load_lua[] =
    "local h = redis.call('HMGET', KEYS[1], 'v', 'data', 'm')\n"
    "local out = {h[1], h[2], h[3]}\n"
    "if h[3] then\n"
    "  for name in string.gmatch(h[3], '([^\\n]+)\\n') do\n"
    "    out[#out + 1] = redis.call('GET', ARGV[1] .. name)\n"
    "  end\n"
    "end\n"
    "return out\n";

/* KEYS[1] head, KEYS[2..] members; ARGV[1] the head's version. Returns {0} when the head is at
 * another version, else {1, member values...}. */
static const char cas_set_members_lua[] =
    "if (redis.call('HGET', KEYS[1], 'v') or '0') ~= ARGV[1] then return {0} end\n"
    "local out = {1}\n"
    "for i = 2, #KEYS do out[i] = redis.call('GET', KEYS[i]) end\n"
    "return out\n";

/* KEYS[1] head; ARGV[1] member key prefix. Deletes the head and its members. */
static const char cas_set_delete_lua[] =
    "local m = redis.call('HGET', KEYS[1], 'm')\n"
    "if m then\n"
    "  for name in string.gmatch(m, '([^\\n]+)\\n') do redis.call('DEL', ARGV[1] .. name) end\n"
    "end\n"
    "return redis.call('DEL', KEYS[1])\n";
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

/* ---- record sets ---------------------------------------------------------------------- */

#define CAS_MEMBER_NAME_MAX 128

static bool cas_member_ok(const char *name)
{
    size_t len = name != NULL ? strlen(name) : 0;
    if (len == 0 || len > CAS_MEMBER_NAME_MAX) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f) {
            return false;
        }
    }
    return true;
}

static bool cas_names_ok(const char *const *names, size_t n)
{
    if (n > STATE_CAS_SET_MAX_MEMBERS || (n > 0 && names == NULL)) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (!cas_member_ok(names[i])) {
            return false;
        }
    }
    return true;
}

static int cas_check_set_write(const state_cas_set_write *w)
{
    if (w == NULL || !cas_key_ok(w->key) || w->member_prefix == NULL ||
        strlen(w->member_prefix) + CAS_MEMBER_NAME_MAX > STATE_KEY_MAX ||
        !state_key_same_slot(w->key, w->member_prefix) || (w->data == NULL && w->len > 0)) {
        return SLUICE_EINVAL;
    }
    if (!cas_names_ok(w->members, w->nmembers) || !cas_names_ok(w->changed, w->nchanged) ||
        !cas_names_ok(w->removed, w->nremoved) || (w->nchanged > 0 && w->values == NULL)) {
        return SLUICE_EINVAL;
    }
    if (w->nentries > STATE_CAS_MAX_ENTRIES || (w->nentries > 0 && w->entries == NULL) ||
        (w->nentries > 0 && w->outbox_key == NULL)) {
        return SLUICE_EINVAL;
    }
    if (w->outbox_key != NULL &&
        (!cas_key_ok(w->outbox_key) || !state_key_same_slot(w->key, w->outbox_key))) {
        return SLUICE_EINVAL;
    }
    if (w->drop_key != NULL &&
        (!cas_key_ok(w->drop_key) || !state_key_same_slot(w->key, w->drop_key))) {
        return SLUICE_EINVAL;
    }
    if (w->op_id != NULL && strlen(w->op_id) > STATE_CAS_OP_ID_MAX) {
        return SLUICE_EINVAL;
    }
    return w->expected_version == UINT64_MAX ? SLUICE_ERANGE : SLUICE_OK;
}

/* The member key of name: prefix + name, malloc'd. */
static char *cas_member_key(const char *prefix, const char *name)
{
    size_t a = strlen(prefix);
    size_t b = strlen(name);
    char *key = malloc(a + b + 1);
    if (key != NULL) {
        memcpy(key, prefix, a);
        memcpy(key + a, name, b + 1);
    }
    return key;
}

/* Reads the set save's reply: {applied, version} or {1, version, last id, outbox length}. */
static int cas_set_script_result(const redisReply *reply, int *applied, uint64_t *version,
                                 state_cas_set_saved *saved)
{
    if (reply->type != REDIS_REPLY_ARRAY || (reply->elements != 2 && reply->elements != 4)) {
        return SLUICE_EPARSE;
    }
    redisReply head = *reply;
    head.elements = 2;
    int rc = cas_script_result(&head, applied, version);
    if (rc != SLUICE_OK || reply->elements == 2 || saved == NULL) {
        return rc;
    }
    const redisReply *id = reply->element[2];
    const redisReply *len = reply->element[3];
    if (id->type != REDIS_REPLY_STRING || id->len >= sizeof saved->last_id ||
        len->type != REDIS_REPLY_INTEGER || len->integer < 0) {
        return SLUICE_EPARSE;
    }
    memcpy(saved->last_id, id->str, id->len);
    saved->last_id[id->len] = '\0';
    saved->outbox_len = (uint64_t)len->integer;
    return SLUICE_OK;
}

int state_cas_set_save(state_redis *r, const state_cas_set_write *w, uint64_t *new_version)
{
    return state_cas_set_save_outbox(r, w, new_version, NULL);
}

int state_cas_set_save_outbox(state_redis *r, const state_cas_set_write *w, uint64_t *new_version,
                              state_cas_set_saved *saved)
{
    if (saved != NULL) {
        memset(saved, 0, sizeof *saved);
    }
    int rc = cas_check_set_write(w);
    if (rc != SLUICE_OK) {
        return rc;
    }
    state_script script;
    rc = state_script_init(&script, cas_set_save_lua);
    if (rc != SLUICE_OK) {
        return rc;
    }
    char expected[CAS_U64_DIGITS + 1];
    char next[CAS_U64_DIGITS + 1];
    char nchanged[CAS_U64_DIGITS + 1];
    char nremoved[CAS_U64_DIGITS + 1];
    snprintf(expected, sizeof expected, "%" PRIu64, w->expected_version);
    snprintf(next, sizeof next, "%" PRIu64, w->expected_version + 1);
    snprintf(nchanged, sizeof nchanged, "%zu", w->nchanged);
    snprintf(nremoved, sizeof nremoved, "%zu", w->nremoved);

    size_t nkeys = 2 + w->nchanged + w->nremoved + (w->drop_key != NULL ? 1 : 0);
    size_t nargs = 9 + w->nchanged + w->nentries;
    const char **keys = calloc(nkeys, sizeof *keys);
    char **owned = calloc(w->nchanged + w->nremoved + 1, sizeof *owned);
    const char **args = calloc(nargs, sizeof *args);
    size_t *lens = calloc(nargs, sizeof *lens);
    char *names = NULL;
    redisReply *reply = NULL;
    size_t nowned = 0;
    if (keys == NULL || owned == NULL || args == NULL || lens == NULL) {
        rc = SLUICE_ENOMEM;
        goto out;
    }
    size_t names_len = 0;
    for (size_t i = 0; i < w->nmembers; i++) {
        names_len += strlen(w->members[i]) + 1;
    }
    names = malloc(names_len + 1);
    if (names == NULL) {
        rc = SLUICE_ENOMEM;
        goto out;
    }
    size_t at = 0;
    for (size_t i = 0; i < w->nmembers; i++) {
        size_t len = strlen(w->members[i]);
        memcpy(names + at, w->members[i], len);
        names[at + len] = '\n';
        at += len + 1;
    }
    names[at] = '\0';

    keys[0] = w->key;
    keys[1] = w->outbox_key != NULL ? w->outbox_key : w->key;
    for (size_t i = 0; i < w->nchanged + w->nremoved; i++) {
        const char *name = i < w->nchanged ? w->changed[i] : w->removed[i - w->nchanged];
        owned[nowned] = cas_member_key(w->member_prefix, name);
        if (owned[nowned] == NULL) {
            rc = SLUICE_ENOMEM;
            goto out;
        }
        keys[2 + i] = owned[nowned++];
    }
    if (w->drop_key != NULL) {
        keys[nkeys - 1] = w->drop_key;
    }
    const char *fixed[9] = {expected,
                            next,
                            w->data != NULL ? w->data : "",
                            w->op_id != NULL ? w->op_id : "",
                            names,
                            nchanged,
                            nremoved,
                            w->outbox_key != NULL ? "1" : "0",
                            w->drop_key != NULL ? "1" : "0"};
    for (size_t i = 0; i < 9; i++) {
        args[i] = fixed[i];
        lens[i] = strlen(fixed[i]);
    }
    lens[2] = w->len;
    for (size_t i = 0; i < w->nchanged; i++) {
        args[9 + i] = w->values[i].data != NULL ? w->values[i].data : "";
        lens[9 + i] = w->values[i].len;
    }
    for (size_t i = 0; i < w->nentries; i++) {
        args[9 + w->nchanged + i] = w->entries[i].data != NULL ? w->entries[i].data : "";
        lens[9 + w->nchanged + i] = w->entries[i].len;
    }
    rc = state_script_eval(r, &script, STATE_REDIS_RETRY, (int)nkeys, keys, (int)nargs, args, lens,
                           &reply);
    if (rc != SLUICE_OK) {
        goto out;
    }
    int applied = 0;
    uint64_t version = 0;
    rc = cas_set_script_result(reply, &applied, &version, saved);
    if (rc != SLUICE_OK) {
        goto out;
    }
    if (new_version != NULL) {
        *new_version = version;
    }
    rc = applied ? SLUICE_OK : SLUICE_ECONFLICT;
out:
    freeReplyObject(reply);
    for (size_t i = 0; i < nowned; i++) {
        free(owned[i]);
    }
    free(owned);
    free(names);
    free(keys);
    free(args);
    free(lens);
    return rc;
}

void state_cas_set_record_clear(state_cas_set_record *rec)
{
    state_cas_record_clear(&rec->head);
    for (size_t i = 0; i < rec->nmembers; i++) {
        free(rec->names[i]);
        state_cas_record_clear(&rec->values[i]);
    }
    free(rec->names);
    free(rec->values);
    memset(rec, 0, sizeof *rec);
}

/* Fills rec->names from the "m" field text. */
static int cas_set_names(const redisReply *m, state_cas_set_record *rec)
{
    size_t count = 0;
    for (size_t i = 0; i < m->len; i++) {
        count += m->str[i] == '\n';
    }
    if (count > STATE_CAS_SET_MAX_MEMBERS) {
        return SLUICE_EPARSE;
    }
    rec->names = calloc(count > 0 ? count : 1, sizeof *rec->names);
    rec->values = calloc(count > 0 ? count : 1, sizeof *rec->values);
    if (rec->names == NULL || rec->values == NULL) {
        return SLUICE_ENOMEM;
    }
    size_t start = 0;
    for (size_t i = 0; i < m->len; i++) {
        if (m->str[i] != '\n') {
            continue;
        }
        if (i > start) {
            rec->names[rec->nmembers] = cas_dup_bytes(m->str + start, i - start);
            if (rec->names[rec->nmembers] == NULL) {
                return SLUICE_ENOMEM;
            }
            rec->nmembers++;
        }
        start = i + 1;
    }
    return SLUICE_OK;
}

int state_cas_set_load(state_redis *r, const char *key, const char *member_prefix,
                       state_cas_set_record *out)
{
    memset(out, 0, sizeof *out);
    if (!cas_key_ok(key) || member_prefix == NULL || !state_key_same_slot(key, member_prefix)) {
        return SLUICE_EINVAL;
    }
    state_script script;
    int rc = state_script_init(&script, cas_set_load_lua);
    if (rc != SLUICE_OK) {
        return rc;
    }
    const char *keys[1] = {key};
    const char *args[1] = {member_prefix};
    redisReply *reply = NULL;
    rc = state_script_eval(r, &script, STATE_REDIS_RETRY, 1, keys, 1, args, NULL, &reply);
    if (rc != SLUICE_OK) {
        return rc;
    }
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 2) {
        /* a missing head comes back as {} (a Lua table starting with nil) */
        rc = reply->type == REDIS_REPLY_ARRAY ? SLUICE_ENOTFOUND : SLUICE_EPARSE;
        goto out;
    }
    redisReply pair = {.type = REDIS_REPLY_ARRAY, .elements = 2, .element = reply->element};
    rc = state_cas_record_from_reply(&pair, &out->head);
    if (rc != SLUICE_OK) {
        goto out;
    }
    const redisReply *m = reply->elements > 2 ? reply->element[2] : NULL;
    if (m == NULL || m->type != REDIS_REPLY_STRING) {
        goto out; /* a plain record */
    }
    out->has_members = true;
    rc = cas_set_names(m, out);
    if (rc != SLUICE_OK) {
        goto out;
    }
    if (reply->elements != 3 + out->nmembers) {
        rc = SLUICE_EPARSE;
        goto out;
    }
    for (size_t i = 0; i < out->nmembers; i++) {
        const redisReply *v = reply->element[3 + i];
        if (v->type != REDIS_REPLY_STRING) {
            continue; /* missing: version 0 */
        }
        out->values[i].data = cas_dup_bytes(v->str, v->len);
        if (out->values[i].data == NULL) {
            rc = SLUICE_ENOMEM;
            goto out;
        }
        out->values[i].len = v->len;
        out->values[i].version = 1;
    }
out:
    freeReplyObject(reply);
    if (rc != SLUICE_OK) {
        state_cas_set_record_clear(out);
    }
    return rc;
}

int state_cas_set_delete(state_redis *r, const char *key, const char *member_prefix)
{
    if (!cas_key_ok(key) || member_prefix == NULL || !state_key_same_slot(key, member_prefix)) {
        return SLUICE_EINVAL;
    }
    state_script script;
    int rc = state_script_init(&script, cas_set_delete_lua);
    if (rc != SLUICE_OK) {
        return rc;
    }
    const char *keys[1] = {key};
    const char *args[1] = {member_prefix};
    redisReply *reply = NULL;
    rc = state_script_eval(r, &script, STATE_REDIS_RETRY, 1, keys, 1, args, NULL, &reply);
    freeReplyObject(reply);
    return rc;
}

int state_cas_set_load_members(state_redis *r, const char *key, const char *member_prefix,
                               uint64_t version, const char *const *names, size_t n,
                               state_cas_record *values)
{
    if (!cas_key_ok(key) || member_prefix == NULL || !state_key_same_slot(key, member_prefix) ||
        !cas_names_ok(names, n) || (n > 0 && values == NULL)) {
        return SLUICE_EINVAL;
    }
    for (size_t i = 0; i < n; i++) {
        memset(&values[i], 0, sizeof values[i]);
    }
    state_script script;
    int rc = state_script_init(&script, cas_set_members_lua);
    if (rc != SLUICE_OK) {
        return rc;
    }
    const char **keys = calloc(n + 1, sizeof *keys);
    char **owned = calloc(n + 1, sizeof *owned);
    redisReply *reply = NULL;
    size_t nowned = 0;
    if (keys == NULL || owned == NULL) {
        rc = SLUICE_ENOMEM;
        goto out;
    }
    keys[0] = key;
    for (size_t i = 0; i < n; i++) {
        owned[i] = cas_member_key(member_prefix, names[i]);
        if (owned[i] == NULL) {
            rc = SLUICE_ENOMEM;
            goto out;
        }
        nowned++;
        keys[i + 1] = owned[i];
    }
    char expected[CAS_U64_DIGITS + 1];
    snprintf(expected, sizeof expected, "%" PRIu64, version);
    const char *args[1] = {expected};
    rc =
        state_script_eval(r, &script, STATE_REDIS_RETRY, (int)(n + 1), keys, 1, args, NULL, &reply);
    if (rc != SLUICE_OK) {
        goto out;
    }
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 1 ||
        reply->element[0]->type != REDIS_REPLY_INTEGER) {
        rc = SLUICE_EPARSE;
        goto out;
    }
    if (reply->element[0]->integer != 1) {
        rc = SLUICE_ECONFLICT;
        goto out;
    }
    if (reply->elements != n + 1) {
        rc = SLUICE_EPARSE;
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        const redisReply *v = reply->element[i + 1];
        if (v->type != REDIS_REPLY_STRING) {
            continue;
        }
        values[i].data = cas_dup_bytes(v->str, v->len);
        if (values[i].data == NULL) {
            rc = SLUICE_ENOMEM;
            goto out;
        }
        values[i].len = v->len;
        values[i].version = 1;
    }
out:
    if (rc != SLUICE_OK) {
        for (size_t i = 0; i < n && values != NULL; i++) {
            state_cas_record_clear(&values[i]);
        }
    }
    freeReplyObject(reply);
    for (size_t i = 0; i < nowned; i++) {
        free(owned[i]);
    }
    free(owned);
    free(keys);
    return rc;
}
