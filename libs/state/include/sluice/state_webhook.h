/*
 * state_webhook.h — CodePipeline V1 webhooks as the api stores them, and
 * the one thing another service writes about them.
 *
 *   sluice:{webhooks}:defs       hash: webhook name -> webhook record (JSON)
 *   sluice:{webhooks}:ids        hash: webhook id -> webhook name
 *   sluice:{webhooks}:triggered  hash: webhook id -> epoch ms of the last
 *                                delivery that started its pipeline
 * The api owns defs and ids (PutWebhook, DeleteWebhook); sluice-source reads
 * them (POST /webhooks/<id>) and owns triggered, which ListWebhooks reads as
 * lastTriggered. The three keys share one hash tag, so one script may change
 * them together.
 *
 * A webhook record is a JSON object:
 *   {"id": <32 hex digits, the last part of the webhook's URL>,
 *    "arn": "arn:aws:codepipeline:<region>:<account>:webhook:<name>",
 *    "definition": <WebhookDefinition as PutWebhook took it>,
 *    "tags": [<Tag>...], "registered": <RegisterWebhookWithThirdParty ran>}
 * Stored text is input like any other: it is bounded (STATE_WEBHOOK_MAX_BYTES,
 * depth 16) before jansson parses it.
 *
 * Thread rules of state_redis: one connection per thread.
 */
#ifndef SLUICE_STATE_WEBHOOK_H
#define SLUICE_STATE_WEBHOOK_H

#include "sluice/state_redis.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define STATE_WEBHOOK_DEFS      "sluice:{webhooks}:defs"
#define STATE_WEBHOOK_IDS       "sluice:{webhooks}:ids"
#define STATE_WEBHOOK_TRIGGERED "sluice:{webhooks}:triggered"
#define STATE_WEBHOOK_MAX_BYTES (64 * 1024)
#define STATE_WEBHOOK_ID_LEN    32 /* hex digits of an id */

/*
 * Parses a stored webhook record (len bytes). 0 with *record a new
 * reference; SLUICE_ETOOBIG, SLUICE_EPARSE (not JSON, too deep, not an
 * object with a string "id", a string "arn" and a "definition" object) with
 * err. Pure.
 */
int state_webhook_parse(const char *text, size_t len, json_t **record, char *err, size_t errlen);

/* True when id is STATE_WEBHOOK_ID_LEN lowercase hex digits (NULL: false). Pure. */
int state_webhook_id_ok(const char *id);

/*
 * The record of the webhook whose id is id. 0 with *record a new reference;
 * SLUICE_ENOTFOUND (no such webhook, or id malformed), a code of
 * state_webhook_parse or state_redis_commandv, with err. *record NULL on
 * failure.
 */
int state_webhook_find(state_redis *r, const char *id, json_t **record, char *err, size_t errlen);

/* Records now_ms as the last time webhook id started its pipeline. 0 or a state_redis code. */
int state_webhook_touch(state_redis *r, const char *id, int64_t now_ms, char *err, size_t errlen);

#endif
