/*
 * bus_deadletter.c — dead-letter envelopes (see bus_deadletter.h). Pure:
 * the time is handed in and the id is a hash of where the message came from.
 */
#include "sluice/bus_deadletter.h"

#include "sluice/error.h"
#include "sluice/jsontext.h"

#include <openssl/evp.h>
#include <openssl/sha.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEADLETTER_ID_DOMAIN "sluice-deadletter-v1"

/* Standard base64 (with padding) of bytes[0..len) as a JSON string, or NULL on OOM. */
static json_t *deadletter_base64(const unsigned char *bytes, size_t len)
{
    size_t outlen = 4 * ((len + 2) / 3) + 1;
    unsigned char *text = malloc(outlen);
    if (text == NULL) {
        return NULL;
    }
    int n = EVP_EncodeBlock(text, bytes, (int)len);
    json_t *value = n < 0 ? NULL : json_stringn((const char *)text, (size_t)n);
    free(text);
    return value;
}

/*
 * The first max bytes of bytes[0..len) as a JSON string when they are UTF-8
 * without NUL ("text"; a cut backs off to a character boundary), else as
 * base64. Sets *encoding and ORs a cut into *truncated. NULL on OOM.
 */
static json_t *deadletter_bytes(const void *bytes, size_t len, size_t max, const char **encoding,
                                bool *truncated)
{
    size_t n = len > max ? max : len;
    if (len > max) {
        *truncated = true;
    }
    if (n == 0) {
        *encoding = "text";
        return json_string("");
    }
    if (memchr(bytes, '\0', n) == NULL) {
        /* A cut may split a character of up to 4 bytes: try the 3 shorter lengths too. */
        size_t attempts = len > max ? 4 : 1;
        for (size_t back = 0; back < attempts && back < n; back++) {
            json_t *text = json_stringn(bytes, n - back);
            if (text != NULL) {
                *encoding = "text";
                return text;
            }
        }
    }
    *encoding = "base64";
    return deadletter_base64(bytes, n);
}

/* reason, cut at BUS_DEADLETTER_REASON_MAX, with invalid UTF-8 replaced by '?'. NULL on OOM. */
static json_t *deadletter_reason(const char *reason)
{
    if (reason == NULL || reason[0] == '\0') {
        return json_string("no reason given");
    }
    size_t len = strnlen(reason, BUS_DEADLETTER_REASON_MAX);
    for (size_t back = 0; back < 4 && back < len; back++) {
        json_t *text = json_stringn(reason, len - back);
        if (text != NULL) {
            return text;
        }
    }
    char ascii[BUS_DEADLETTER_REASON_MAX + 1];
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)reason[i];
        ascii[i] = c < 0x80 ? (char)c : '?';
    }
    ascii[len] = '\0';
    return json_string(ascii);
}

/* Members whose string values never reach a dead letter. */
static const char *const deadletter_secret_members[] = {"token", "secretAccessKey", "sessionToken",
                                                        "password", "secret"};

/* Replaces secret members' string values under v; counts them in *n. */
static void deadletter_redact_walk(json_t *v, int depth, size_t *n)
{
    if (depth > BUS_ENVELOPE_MAX_DEPTH) {
        return;
    }
    if (json_is_array(v)) {
        size_t i;
        json_t *item;
        json_array_foreach(v, i, item)
        {
            deadletter_redact_walk(item, depth + 1, n);
        }
        return;
    }
    const char *key;
    json_t *member;
    json_object_foreach(v, key, member)
    {
        bool secret = false;
        for (size_t i = 0;
             i < sizeof deadletter_secret_members / sizeof deadletter_secret_members[0]; i++) {
            secret = secret || strcmp(key, deadletter_secret_members[i]) == 0;
        }
        if (secret && json_is_string(member)) {
            json_object_set_new(v, key, json_string("(redacted)"));
            (*n)++;
        } else {
            deadletter_redact_walk(member, depth + 1, n);
        }
    }
}

/*
 * The payload with secret members' values replaced, as compact JSON (a new
 * allocation), when it is a JSON document holding any; NULL otherwise (the
 * original bytes are kept).
 */
static char *deadletter_redact(const void *payload, size_t len)
{
    if (payload == NULL || len == 0 ||
        sluice_jsontext_depth(payload, len, BUS_ENVELOPE_MAX_DEPTH) > BUS_ENVELOPE_MAX_DEPTH) {
        return NULL;
    }
    json_t *doc = json_loadb(payload, len, 0, NULL);
    size_t n = 0;
    if (doc != NULL) {
        deadletter_redact_walk(doc, 1, &n);
    }
    char *text = n > 0 ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    return text;
}

void bus_deadletter_id(const bus_deadletter_origin *origin, char out[SLUICE_UUID_LEN + 1])
{
    /* Fixed-size input: hashes of the variable-length parts, then the numbers. */
    unsigned char input[sizeof DEADLETTER_ID_DOMAIN + 2 * SHA256_DIGEST_LENGTH + 64];
    unsigned char digest[SHA256_DIGEST_LENGTH];
    const char *group = origin->group != NULL ? origin->group : "";
    const char *topic = origin->topic != NULL ? origin->topic : "";
    size_t pos = 0;

    memcpy(input, DEADLETTER_ID_DOMAIN, sizeof DEADLETTER_ID_DOMAIN);
    pos += sizeof DEADLETTER_ID_DOMAIN;
    SHA256((const unsigned char *)group, strlen(group), input + pos);
    pos += SHA256_DIGEST_LENGTH;
    SHA256((const unsigned char *)topic, strlen(topic), input + pos);
    pos += SHA256_DIGEST_LENGTH;
    int n = snprintf((char *)input + pos, sizeof input - pos, "%ld/%lld", (long)origin->partition,
                     (long long)origin->offset);
    pos += (n > 0 && (size_t)n < sizeof input - pos) ? (size_t)n : 0;
    SHA256(input, pos, digest);
    sluice_uuid_v4_from_bytes(digest, out);
}

int bus_deadletter_new(const bus_deadletter_origin *origin, const char *reason,
                       const bus_deadletter_sender *sender, int64_t time_ms, bus_envelope **out,
                       char *err, size_t errlen)
{
    int rc = SLUICE_ENOMEM;
    json_t *detail = NULL;
    json_t *value = NULL;
    bool truncated = false;
    const char *encoding = NULL;
    char id[SLUICE_UUID_LEN + 1];

    *out = NULL;
    detail = json_object();
    if (detail == NULL) {
        goto out;
    }
    if ((value = deadletter_reason(reason)) == NULL ||
        json_object_set_new(detail, "reason", value) != 0) {
        goto out;
    }
    /* The topic came from Kafka; if it is somehow not UTF-8, it is base64'd like a key. */
    const char *topic = origin->topic != NULL ? origin->topic : "";
    value = json_string(topic);
    if (value == NULL) {
        value = deadletter_base64((const unsigned char *)topic, strlen(topic));
    }
    if (value == NULL || json_object_set_new(detail, "topic", value) != 0) {
        goto out;
    }
    if (json_object_set_new(detail, "partition", json_integer(origin->partition)) != 0 ||
        json_object_set_new(detail, "offset", json_integer(origin->offset)) != 0) {
        goto out;
    }
    value = origin->group != NULL ? json_string(origin->group) : json_null();
    if (value == NULL) {
        value = json_null(); /* a group name that is not UTF-8 is not worth failing for */
    }
    if (json_object_set_new(detail, "consumerGroup", value) != 0) {
        goto out;
    }
    if (origin->key == NULL) {
        if (json_object_set_new(detail, "key", json_null()) != 0 ||
            json_object_set_new(detail, "keyEncoding", json_null()) != 0) {
            goto out;
        }
    } else {
        value = deadletter_bytes(origin->key, origin->keylen, BUS_DEADLETTER_KEY_MAX, &encoding,
                                 &truncated);
        if (value == NULL || json_object_set_new(detail, "key", value) != 0 ||
            json_object_set_new(detail, "keyEncoding", json_string(encoding)) != 0) {
            goto out;
        }
    }
    char *redacted = deadletter_redact(origin->payload, origin->len);
    if (redacted != NULL) {
        value = deadletter_bytes(redacted, strlen(redacted), BUS_DEADLETTER_PAYLOAD_MAX, &encoding,
                                 &truncated);
        free(redacted);
    } else {
        value = deadletter_bytes(origin->payload != NULL ? origin->payload : "", origin->len,
                                 BUS_DEADLETTER_PAYLOAD_MAX, &encoding, &truncated);
    }
    if (value == NULL || json_object_set_new(detail, "payload", value) != 0 ||
        json_object_set_new(detail, "redacted", json_boolean(redacted != NULL)) != 0 ||
        json_object_set_new(detail, "payloadEncoding", json_string(encoding)) != 0 ||
        json_object_set_new(detail, "payloadBytes", json_integer((json_int_t)origin->len)) != 0 ||
        json_object_set_new(detail, "truncated", json_boolean(truncated)) != 0) {
        goto out;
    }

    bus_deadletter_id(origin, id);
    bus_envelope_spec spec = {
        .id = id,
        .detail_type = BUS_DEADLETTER_DETAIL_TYPE,
        .source = sender->source,
        .account = sender->account,
        .region = sender->region,
        .time_ms = time_ms,
        .resources = NULL,
        .nresources = 0,
        .detail = detail,
    };
    rc = bus_envelope_new(&spec, out, err, errlen);
    if (rc == SLUICE_ETOOBIG) {
        rc = SLUICE_EINTERNAL; /* the detail above is two levels deep: cannot happen */
    }
out:
    if (rc == SLUICE_ENOMEM) {
        sluice_error_set(err, errlen, SLUICE_ENOMEM, "out of memory");
    }
    json_decref(detail);
    return rc;
}
