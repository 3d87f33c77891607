/*
 * state_webhook.c — stored V1 webhooks, read by id (see state_webhook.h).
 */
#include "sluice/state_webhook.h"

#include "sluice/error.h"
#include "sluice/jsontext.h"

#include <hiredis/hiredis.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define STATE_WEBHOOK_DEPTH_MAX 16

int state_webhook_parse(const char *text, size_t len, json_t **record, char *err, size_t errlen)
{
    *record = NULL;
    if (len > STATE_WEBHOOK_MAX_BYTES) {
        return sluice_error_set(err, errlen, SLUICE_ETOOBIG,
                                "the webhook record takes %zu bytes; at most %d are read", len,
                                STATE_WEBHOOK_MAX_BYTES);
    }
    if (sluice_jsontext_depth(text, len, STATE_WEBHOOK_DEPTH_MAX) > STATE_WEBHOOK_DEPTH_MAX) {
        return sluice_error_set(err, errlen, SLUICE_EPARSE,
                                "the webhook record nests deeper than %d levels",
                                STATE_WEBHOOK_DEPTH_MAX);
    }
    json_error_t jerr;
    json_t *doc = json_loadb(text, len, 0, &jerr);
    if (doc == NULL) {
        return sluice_error_set(err, errlen, SLUICE_EPARSE, "the webhook record is not JSON: %s",
                                jerr.text);
    }
    if (!json_is_object(doc) || !json_is_string(json_object_get(doc, "id")) ||
        !json_is_string(json_object_get(doc, "arn")) ||
        !json_is_object(json_object_get(doc, "definition"))) {
        json_decref(doc);
        return sluice_error_set(err, errlen, SLUICE_EPARSE,
                                "the webhook record is not an object with \"id\", \"arn\" and "
                                "\"definition\"");
    }
    *record = doc;
    return 0;
}

int state_webhook_id_ok(const char *id)
{
    if (id == NULL || strlen(id) != STATE_WEBHOOK_ID_LEN) {
        return 0;
    }
    for (const char *p = id; *p != '\0'; p++) {
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'))) {
            return 0;
        }
    }
    return 1;
}

/* HGET key field: 0 with *reply a string reply; SLUICE_ENOTFOUND for none. */
static int state_webhook_hget(state_redis *r, const char *key, const char *field,
                              redisReply **reply, char *err, size_t errlen)
{
    const char *argv[] = {"HGET", key, field};
    *reply = NULL;
    int rc = state_redis_commandv(r, STATE_REDIS_RETRY, 3, argv, NULL, reply);
    if (rc != 0) {
        return sluice_error_set(err, errlen, rc, "reading %s: %s", key, state_redis_last_error(r));
    }
    if ((*reply)->type != REDIS_REPLY_STRING) {
        freeReplyObject(*reply);
        *reply = NULL;
        return SLUICE_ENOTFOUND;
    }
    return 0;
}

int state_webhook_find(state_redis *r, const char *id, json_t **record, char *err, size_t errlen)
{
    *record = NULL;
    if (!state_webhook_id_ok(id)) {
        return sluice_error_set(err, errlen, SLUICE_ENOTFOUND, "no webhook has that id");
    }
    redisReply *name = NULL;
    int rc = state_webhook_hget(r, STATE_WEBHOOK_IDS, id, &name, err, errlen);
    if (rc == SLUICE_ENOTFOUND) {
        return sluice_error_set(err, errlen, rc, "no webhook has the id %s", id);
    }
    if (rc != 0) {
        return rc;
    }
    redisReply *text = NULL;
    rc = state_webhook_hget(r, STATE_WEBHOOK_DEFS, name->str, &text, err, errlen);
    if (rc == 0) {
        rc = state_webhook_parse(text->str, text->len, record, err, errlen);
        freeReplyObject(text);
    } else if (rc == SLUICE_ENOTFOUND) {
        sluice_error_set(err, errlen, rc, "no webhook has the id %s", id);
    }
    freeReplyObject(name);
    if (rc == 0 && strcmp(json_string_value(json_object_get(*record, "id")), id) != 0) {
        /* the name was deleted and put again with a new id in between */
        json_decref(*record);
        *record = NULL;
        rc = sluice_error_set(err, errlen, SLUICE_ENOTFOUND, "no webhook has the id %s", id);
    }
    return rc;
}

int state_webhook_touch(state_redis *r, const char *id, int64_t now_ms, char *err, size_t errlen)
{
    char ms[32];
    snprintf(ms, sizeof ms, "%" PRId64, now_ms);
    const char *argv[] = {"HSET", STATE_WEBHOOK_TRIGGERED, id, ms};
    redisReply *reply = NULL;
    int rc = state_redis_commandv(r, STATE_REDIS_RETRY, 4, argv, NULL, &reply);
    if (rc != 0) {
        return sluice_error_set(err, errlen, rc, "writing %s: %s", STATE_WEBHOOK_TRIGGERED,
                                state_redis_last_error(r));
    }
    freeReplyObject(reply);
    return 0;
}
