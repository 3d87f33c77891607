/*
 * ntf_queue.c — delivery queues in Redis streams (see ntf_queue.h).
 */
#include "ntf_queue.h"

#include "sluice/error.h"
#include "sluice/state_script.h"

#include <hiredis/hiredis.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NTF_QUEUE_KEY_MAX 512

/* KEYS: queued marker, stream. ARGV: remember seconds, max length, then field/value pairs. */
static const char ntf_queue_add_lua[] =
    "if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end\n"
    "if redis.call('XLEN', KEYS[2]) >= tonumber(ARGV[2]) then return -1 end\n"
    "local fields = {}\n"
    "for i = 3, #ARGV do fields[#fields + 1] = ARGV[i] end\n"
    "redis.call('XADD', KEYS[2], '*', unpack(fields))\n"
    "redis.call('SET', KEYS[1], '1', 'EX', ARGV[1])\n"
    "return 1\n";

/* KEYS: sent marker, stream. ARGV: entry id, sent (0/1), remember seconds. */
static const char ntf_queue_finish_lua[] =
    "if ARGV[2] == '1' then redis.call('SET', KEYS[1], '1', 'EX', ARGV[3]) end\n"
    "redis.call('XACK', KEYS[2], 'notifier', ARGV[1])\n"
    "redis.call('XDEL', KEYS[2], ARGV[1])\n"
    "return 1\n";

/* KEYS: sending marker. ARGV: owner, remember seconds. 1: the owner may send; 0: someone else was.
 */
static const char ntf_queue_claim_lua[] =
    "local v = redis.call('GET', KEYS[1])\n"
    "if v == false then redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2]) return 1 end\n"
    "if v == ARGV[1] then return 1 end\n"
    "return 0\n";

/* KEYS: sending marker. ARGV: owner. */
static const char ntf_queue_release_lua[] =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end\n"
    "return 1\n";

/* KEYS: queued marker, digest list. ARGV: remember seconds, max lines, line. */
static const char ntf_queue_digest_lua[] =
    "if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end\n"
    "redis.call('RPUSH', KEYS[2], ARGV[3])\n"
    "redis.call('LTRIM', KEYS[2], -tonumber(ARGV[2]), -1)\n"
    "redis.call('EXPIRE', KEYS[2], ARGV[1])\n"
    "redis.call('SET', KEYS[1], '1', 'EX', ARGV[1])\n"
    "return 1\n";

static state_script ntf_queue_digest_script;  /* set once by ntf_queue_init */
static state_script ntf_queue_claim_script;   /* set once by ntf_queue_init */
static state_script ntf_queue_release_script; /* set once by ntf_queue_init */
static state_script ntf_queue_add_script;     /* set once by ntf_queue_init */
static state_script ntf_queue_finish_script;  /* set once by ntf_queue_init */

int ntf_queue_init(void)
{
    if (state_script_init(&ntf_queue_add_script, ntf_queue_add_lua) != 0 ||
        state_script_init(&ntf_queue_finish_script, ntf_queue_finish_lua) != 0 ||
        state_script_init(&ntf_queue_claim_script, ntf_queue_claim_lua) != 0 ||
        state_script_init(&ntf_queue_digest_script, ntf_queue_digest_lua) != 0 ||
        state_script_init(&ntf_queue_release_script, ntf_queue_release_lua) != 0) {
        return SLUICE_EINTERNAL;
    }
    return 0;
}

static int ntf_queue_key(char *out, size_t outlen, const char *target, const char *suffix,
                         const char *event_id)
{
    int n = snprintf(out, outlen, "sluice:notifier:{%s}:%s%s", target, suffix,
                     event_id != NULL ? event_id : "");
    return n > 0 && (size_t)n < outlen ? 0 : SLUICE_ETOOBIG;
}

void ntf_entry_clear(ntf_entry *entry)
{
    if (entry == NULL) {
        return;
    }
    free(entry->event);
    memset(entry, 0, sizeof *entry);
}

int ntf_queue_prepare(state_redis *r, const char *target)
{
    char stream[NTF_QUEUE_KEY_MAX];
    int rc = ntf_queue_key(stream, sizeof stream, target, "queue", NULL);
    if (rc != 0) {
        return rc;
    }
    redisReply *reply = NULL;
    rc = state_redis_command(r, STATE_REDIS_RETRY, &reply, "XGROUP CREATE %s %s 0 MKSTREAM", stream,
                             NTF_QUEUE_GROUP);
    if (rc == SLUICE_EREDIS && state_redis_last_reply_error(r) != NULL &&
        strncmp(state_redis_last_reply_error(r), "BUSYGROUP", 9) == 0) {
        return 0; /* the group exists */
    }
    freeReplyObject(reply);
    return rc;
}

int ntf_queue_add(state_redis *r, const char *target, const ntf_entry *entry, int64_t remember_s,
                  bool *queued)
{
    *queued = false;
    char marker[NTF_QUEUE_KEY_MAX];
    char stream[NTF_QUEUE_KEY_MAX];
    if (ntf_queue_key(marker, sizeof marker, target, "queued:", entry->event_id) != 0 ||
        ntf_queue_key(stream, sizeof stream, target, "queue", NULL) != 0) {
        return SLUICE_ETOOBIG;
    }
    char remember[24];
    char maxlen[24];
    char partition[16];
    char offset[24];
    snprintf(remember, sizeof remember, "%" PRId64, remember_s);
    snprintf(maxlen, sizeof maxlen, "%d", NTF_QUEUE_LENGTH_MAX);
    snprintf(partition, sizeof partition, "%" PRId32, entry->partition);
    snprintf(offset, sizeof offset, "%" PRId64, entry->offset);
    const char *keys[2] = {marker, stream};
    const char *args[] = {remember,    maxlen,  "event_id",   entry->event_id, "rule",
                          entry->rule, "topic", entry->topic, "partition",     partition,
                          "offset",    offset,  "event",      entry->event};
    size_t lens[sizeof args / sizeof args[0]];
    for (size_t i = 0; i < sizeof args / sizeof args[0]; i++) {
        lens[i] = strlen(args[i]);
    }
    lens[sizeof args / sizeof args[0] - 1] = entry->len;
    redisReply *reply = NULL;
    /* a second run is a no-op: the marker is set with the entry */
    int rc = state_script_eval(r, &ntf_queue_add_script, STATE_REDIS_RETRY, 2, keys,
                               (int)(sizeof args / sizeof args[0]), args, lens, &reply);
    if (rc != 0) {
        return rc;
    }
    long long result = reply->type == REDIS_REPLY_INTEGER ? reply->integer : 0;
    freeReplyObject(reply);
    if (result < 0) {
        return SLUICE_EAGAIN;
    }
    *queued = result == 1;
    return 0;
}

/* Fills out from one stream entry [id, [field, value, ...]]. */
static int ntf_queue_entry_from(const redisReply *item, ntf_entry *out)
{
    memset(out, 0, sizeof *out);
    if (item == NULL || item->type != REDIS_REPLY_ARRAY || item->elements != 2 ||
        item->element[0]->type != REDIS_REPLY_STRING) {
        return SLUICE_EPARSE;
    }
    snprintf(out->id, sizeof out->id, "%s", item->element[0]->str);
    const redisReply *fields = item->element[1];
    if (fields->type != REDIS_REPLY_ARRAY) {
        return SLUICE_EPARSE; /* an entry deleted while pending: nil fields */
    }
    for (size_t i = 0; i + 1 < fields->elements; i += 2) {
        const redisReply *k = fields->element[i];
        const redisReply *v = fields->element[i + 1];
        if (k->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING) {
            continue;
        }
        if (strcmp(k->str, "event_id") == 0) {
            snprintf(out->event_id, sizeof out->event_id, "%s", v->str);
        } else if (strcmp(k->str, "rule") == 0) {
            snprintf(out->rule, sizeof out->rule, "%s", v->str);
        } else if (strcmp(k->str, "topic") == 0) {
            snprintf(out->topic, sizeof out->topic, "%s", v->str);
        } else if (strcmp(k->str, "partition") == 0) {
            out->partition = (int32_t)strtol(v->str, NULL, 10);
        } else if (strcmp(k->str, "offset") == 0) {
            out->offset = strtoll(v->str, NULL, 10);
        } else if (strcmp(k->str, "event") == 0 && out->event == NULL) {
            out->event = malloc(v->len + 1);
            if (out->event == NULL) {
                abort();
            }
            memcpy(out->event, v->str, v->len);
            out->event[v->len] = '\0';
            out->len = v->len;
        }
    }
    return out->event != NULL && out->event_id[0] != '\0' ? 0 : SLUICE_EPARSE;
}

int ntf_queue_take(state_redis *r, const char *target, const char *consumer, int block_ms,
                   int64_t lease_ms, ntf_entry *out, bool *got)
{
    *got = false;
    memset(out, 0, sizeof *out);
    char stream[NTF_QUEUE_KEY_MAX];
    if (ntf_queue_key(stream, sizeof stream, target, "queue", NULL) != 0) {
        return SLUICE_ETOOBIG;
    }
    char idle[24];
    snprintf(idle, sizeof idle, "%" PRId64, lease_ms);
    redisReply *reply = NULL;
    int rc = state_redis_command(r, STATE_REDIS_RETRY, &reply, "XAUTOCLAIM %s %s %s %s 0-0 COUNT 1",
                                 stream, NTF_QUEUE_GROUP, consumer, idle);
    if (rc != 0) {
        return rc;
    }
    const redisReply *claimed = NULL;
    if (reply->type == REDIS_REPLY_ARRAY && reply->elements >= 2 &&
        reply->element[1]->type == REDIS_REPLY_ARRAY && reply->element[1]->elements > 0) {
        claimed = reply->element[1]->element[0];
    }
    if (claimed != NULL) {
        rc = ntf_queue_entry_from(claimed, out);
        freeReplyObject(reply);
        *got = rc == 0;
        return rc;
    }
    freeReplyObject(reply);
    reply = NULL;
    char block[24];
    snprintf(block, sizeof block, "%d", block_ms);
    /* a blocking read may legitimately take block_ms: sent once, never retried */
    rc = state_redis_command(r, STATE_REDIS_NO_RETRY, &reply,
                             "XREADGROUP GROUP %s %s COUNT 1 BLOCK %s STREAMS %s >",
                             NTF_QUEUE_GROUP, consumer, block, stream);
    if (rc != 0) {
        return rc;
    }
    if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 1) {
        const redisReply *s = reply->element[0];
        if (s->type == REDIS_REPLY_ARRAY && s->elements == 2 &&
            s->element[1]->type == REDIS_REPLY_ARRAY && s->element[1]->elements > 0) {
            rc = ntf_queue_entry_from(s->element[1]->element[0], out);
            *got = rc == 0;
        }
    }
    freeReplyObject(reply);
    return rc;
}

int ntf_queue_was_sent(state_redis *r, const char *target, const char *event_id, bool *sent)
{
    char marker[NTF_QUEUE_KEY_MAX];
    *sent = false;
    if (ntf_queue_key(marker, sizeof marker, target, "sent:", event_id) != 0) {
        return SLUICE_ETOOBIG;
    }
    redisReply *reply = NULL;
    int rc = state_redis_command(r, STATE_REDIS_RETRY, &reply, "EXISTS %s", marker);
    if (rc == 0) {
        *sent = reply->type == REDIS_REPLY_INTEGER && reply->integer == 1;
        freeReplyObject(reply);
    }
    return rc;
}

int ntf_queue_finish(state_redis *r, const char *target, const char *entry_id, const char *event_id,
                     bool sent, int64_t remember_s)
{
    char marker[NTF_QUEUE_KEY_MAX];
    char stream[NTF_QUEUE_KEY_MAX];
    if (ntf_queue_key(marker, sizeof marker, target, "sent:", event_id) != 0 ||
        ntf_queue_key(stream, sizeof stream, target, "queue", NULL) != 0) {
        return SLUICE_ETOOBIG;
    }
    char remember[24];
    snprintf(remember, sizeof remember, "%" PRId64, remember_s);
    const char *keys[2] = {marker, stream};
    const char *args[3] = {entry_id, sent ? "1" : "0", remember};
    redisReply *reply = NULL;
    int rc = state_script_eval(r, &ntf_queue_finish_script, STATE_REDIS_RETRY, 2, keys, 3, args,
                               NULL, &reply);
    freeReplyObject(reply);
    return rc;
}

int ntf_queue_depth(state_redis *r, const char *target, long long *depth)
{
    char stream[NTF_QUEUE_KEY_MAX];
    *depth = 0;
    if (ntf_queue_key(stream, sizeof stream, target, "queue", NULL) != 0) {
        return SLUICE_ETOOBIG;
    }
    redisReply *reply = NULL;
    int rc = state_redis_command(r, STATE_REDIS_RETRY, &reply, "XLEN %s", stream);
    if (rc == 0) {
        *depth = reply->type == REDIS_REPLY_INTEGER ? reply->integer : 0;
        freeReplyObject(reply);
    }
    return rc;
}

int ntf_queue_touch(state_redis *r, const char *target, const char *consumer, const char *entry_id)
{
    char stream[NTF_QUEUE_KEY_MAX];
    if (ntf_queue_key(stream, sizeof stream, target, "queue", NULL) != 0) {
        return SLUICE_ETOOBIG;
    }
    redisReply *reply = NULL;
    int rc = state_redis_command(r, STATE_REDIS_RETRY, &reply, "XCLAIM %s %s %s 0 %s JUSTID",
                                 stream, NTF_QUEUE_GROUP, consumer, entry_id);
    freeReplyObject(reply);
    return rc;
}

/* Runs one of the sending-marker scripts. */
static int ntf_queue_sending(state_redis *r, const state_script *script, const char *target,
                             const char *event_id, const char *owner, int64_t remember_s,
                             long long *result)
{
    char marker[NTF_QUEUE_KEY_MAX];
    if (ntf_queue_key(marker, sizeof marker, target, "sending:", event_id) != 0) {
        return SLUICE_ETOOBIG;
    }
    char remember[24];
    snprintf(remember, sizeof remember, "%" PRId64, remember_s);
    const char *keys[1] = {marker};
    const char *args[2] = {owner, remember};
    redisReply *reply = NULL;
    int rc = state_script_eval(r, script, STATE_REDIS_RETRY, 1, keys, 2, args, NULL, &reply);
    if (rc == 0) {
        *result = reply->type == REDIS_REPLY_INTEGER ? reply->integer : 0;
        freeReplyObject(reply);
    }
    return rc;
}

int ntf_queue_claim_send(state_redis *r, const char *target, const char *event_id,
                         const char *owner, int64_t remember_s, bool *mine)
{
    long long result = 0;
    int rc =
        ntf_queue_sending(r, &ntf_queue_claim_script, target, event_id, owner, remember_s, &result);
    *mine = rc == 0 && result == 1;
    return rc;
}

int ntf_queue_release_send(state_redis *r, const char *target, const char *event_id,
                           const char *owner)
{
    long long result = 0;
    return ntf_queue_sending(r, &ntf_queue_release_script, target, event_id, owner, 1, &result);
}

int ntf_queue_digest_add(state_redis *r, const char *target, const char *execution_id,
                         const char *event_id, const char *line, int64_t remember_s, bool *added)
{
    char marker[NTF_QUEUE_KEY_MAX];
    char list[NTF_QUEUE_KEY_MAX];
    *added = false;
    if (ntf_queue_key(marker, sizeof marker, target, "queued:", event_id) != 0 ||
        ntf_queue_key(list, sizeof list, target, "digest:", execution_id) != 0) {
        return SLUICE_ETOOBIG;
    }
    char remember[24];
    char max[16];
    snprintf(remember, sizeof remember, "%" PRId64, remember_s);
    snprintf(max, sizeof max, "%d", NTF_QUEUE_DIGEST_MAX);
    const char *keys[2] = {marker, list};
    const char *args[3] = {remember, max, line};
    redisReply *reply = NULL;
    int rc = state_script_eval(r, &ntf_queue_digest_script, STATE_REDIS_RETRY, 2, keys, 3, args,
                               NULL, &reply);
    if (rc == 0) {
        *added = reply->type == REDIS_REPLY_INTEGER && reply->integer == 1;
        freeReplyObject(reply);
    }
    return rc;
}

int ntf_queue_digest_count(state_redis *r, const char *target, const char *execution_id,
                           long long *count)
{
    char list[NTF_QUEUE_KEY_MAX];
    *count = 0;
    if (ntf_queue_key(list, sizeof list, target, "digest:", execution_id) != 0) {
        return SLUICE_ETOOBIG;
    }
    redisReply *reply = NULL;
    int rc = state_redis_command(r, STATE_REDIS_RETRY, &reply, "LLEN %s", list);
    if (rc == 0) {
        *count = reply->type == REDIS_REPLY_INTEGER ? reply->integer : 0;
        freeReplyObject(reply);
    }
    return rc;
}

int ntf_queue_digest_read(state_redis *r, const char *target, const char *execution_id,
                          char lines[][NTF_QUEUE_DIGEST_LINE_MAX], size_t max, size_t *n)
{
    char list[NTF_QUEUE_KEY_MAX];
    *n = 0;
    if (ntf_queue_key(list, sizeof list, target, "digest:", execution_id) != 0) {
        return SLUICE_ETOOBIG;
    }
    redisReply *reply = NULL;
    int rc = state_redis_command(r, STATE_REDIS_RETRY, &reply, "LRANGE %s 0 -1", list);
    if (rc != 0) {
        return rc;
    }
    for (size_t i = 0; reply->type == REDIS_REPLY_ARRAY && i < reply->elements && *n < max; i++) {
        if (reply->element[i]->type == REDIS_REPLY_STRING) {
            snprintf(lines[*n], NTF_QUEUE_DIGEST_LINE_MAX, "%s", reply->element[i]->str);
            (*n)++;
        }
    }
    freeReplyObject(reply);
    return 0;
}
