/*
 * bus_envelope.c — EventBridge envelope: build, validate, encode, decode
 * (see bus_envelope.h). Pure; every failure comes with a reason that names
 * the field and the rule it broke.
 *
 * Decoding checks the two bounds before jansson sees the bytes: the size,
 * then the nesting depth by a linear scan that tracks strings and escapes,
 * so a hostile "[[[[..." never reaches the recursive parser.
 */
#include "sluice/bus_envelope.h"

#include "sluice/protocol_arn.h"

#include "sluice/error.h"
#include "sluice/jsontext.h"
#include "sluice/id.h"
#include "sluice/time.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define ENVELOPE_ACCOUNT_DIGITS 12
#define ENVELOPE_REGION_MAX     32
#define ENVELOPE_QUOTE_MAX      40 /* received values quoted in reasons are cut here */

static const char *envelope_type_name(const json_t *value)
{
    switch (json_typeof(value)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
    case JSON_REAL:
        return "a number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    case JSON_NULL:
        return "null";
    }
    return "an unknown value";
}

/*
 * Copies text into out for quoting inside a reason: printable ASCII only
 * (anything else becomes '?'), quotes and backslashes escaped, cut after
 * ENVELOPE_QUOTE_MAX characters with "...". The result is always valid UTF-8.
 */
static void envelope_quote(const char *text, char *out, size_t outlen)
{
    size_t pos = 0;
    size_t count = 0;
    if (outlen == 0) {
        return;
    }
    for (const unsigned char *p = (const unsigned char *)text; *p != '\0'; p++) {
        if (count == ENVELOPE_QUOTE_MAX) {
            if (pos + 4 <= outlen) {
                memcpy(out + pos, "...", 3);
                pos += 3;
            }
            break;
        }
        char c = (*p >= 0x20 && *p < 0x7f) ? (char)*p : '?';
        bool escape = (c == '"' || c == '\\');
        if (pos + (escape ? 2 : 1) + 1 > outlen) {
            break;
        }
        if (escape) {
            out[pos++] = '\\';
        }
        out[pos++] = c;
        count++;
    }
    out[pos] = '\0';
}

/* True when value nests containers deeper than max, value itself being at level. */
static bool envelope_too_deep(json_t *value, size_t level, size_t max)
{
    if (!json_is_object(value) && !json_is_array(value)) {
        return false;
    }
    if (level > max) {
        return true;
    }
    if (json_is_array(value)) {
        size_t index;
        json_t *item;
        json_array_foreach(value, index, item)
        {
            if (envelope_too_deep(item, level + 1, max)) {
                return true;
            }
        }
        return false;
    }
    const char *key;
    json_t *item;
    json_object_foreach(value, key, item)
    {
        if (envelope_too_deep(item, level + 1, max)) {
            return true;
        }
    }
    return false;
}

/* Looks up a string field: present, a string, no NUL inside. */
static int envelope_get_string(json_t *root, const char *name, const char **out, char *reason,
                               size_t reasonlen)
{
    json_t *value = json_object_get(root, name);
    if (value == NULL) {
        return sluice_error_set(reason, reasonlen, SLUICE_EPARSE, "missing field \"%s\"", name);
    }
    if (!json_is_string(value)) {
        return sluice_error_set(reason, reasonlen, SLUICE_EPARSE,
                                "field \"%s\" must be a string, got %s", name,
                                envelope_type_name(value));
    }
    const char *text = json_string_value(value);
    if (strlen(text) != json_string_length(value)) {
        return sluice_error_set(reason, reasonlen, SLUICE_EPARSE,
                                "field \"%s\" must not contain NUL characters", name);
    }
    *out = text;
    return SLUICE_OK;
}

/* A string field that must be non-empty and at most BUS_ENVELOPE_NAME_MAX bytes. */
static int envelope_get_name(json_t *root, const char *name, const char **out, char *reason,
                             size_t reasonlen)
{
    int rc = envelope_get_string(root, name, out, reason, reasonlen);
    if (rc != SLUICE_OK) {
        return rc;
    }
    size_t len = strlen(*out);
    if (len == 0) {
        return sluice_error_set(reason, reasonlen, SLUICE_EPARSE, "field \"%s\" must not be empty",
                                name);
    }
    if (len > BUS_ENVELOPE_NAME_MAX) {
        return sluice_error_set(reason, reasonlen, SLUICE_EPARSE,
                                "field \"%s\" must be at most %d bytes, got %zu", name,
                                BUS_ENVELOPE_NAME_MAX, len);
    }
    return SLUICE_OK;
}

static bool envelope_account_is_valid(const char *text)
{
    for (int i = 0; i < ENVELOPE_ACCOUNT_DIGITS; i++) {
        if (text[i] < '0' || text[i] > '9') {
            return false;
        }
    }
    return text[ENVELOPE_ACCOUNT_DIGITS] == '\0';
}

static bool envelope_region_is_valid(const char *text)
{
    size_t len = strlen(text);
    if (len == 0 || len > ENVELOPE_REGION_MAX || text[0] < 'a' || text[0] > 'z') {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
            return false;
        }
    }
    return true;
}

static int envelope_invalid_value(const char *name, const char *rule, const char *value,
                                  char *reason, size_t reasonlen)
{
    char quoted[ENVELOPE_QUOTE_MAX * 2 + 8];
    envelope_quote(value, quoted, sizeof quoted);
    return sluice_error_set(reason, reasonlen, SLUICE_EPARSE, "field \"%s\" must be %s, got \"%s\"",
                            name, rule, quoted);
}

/* Checks every rule of the header against root and fills env's borrowed fields. */
static int envelope_validate(json_t *root, bus_envelope *env, char *reason, size_t reasonlen)
{
    int rc;
    if (!json_is_object(root)) {
        return sluice_error_set(reason, reasonlen, SLUICE_EPARSE,
                                "envelope must be a JSON object, got %s", envelope_type_name(root));
    }
    if (envelope_too_deep(root, 1, BUS_ENVELOPE_MAX_DEPTH)) {
        return sluice_error_set(reason, reasonlen, SLUICE_ETOOBIG,
                                "nesting depth exceeds %d levels", BUS_ENVELOPE_MAX_DEPTH);
    }

    const char *version = NULL;
    if ((rc = envelope_get_string(root, "version", &version, reason, reasonlen)) != SLUICE_OK) {
        return rc;
    }
    if (strcmp(version, BUS_ENVELOPE_VERSION) != 0) {
        return envelope_invalid_value("version", "\"0\"", version, reason, reasonlen);
    }
    if ((rc = envelope_get_string(root, "id", &env->id, reason, reasonlen)) != SLUICE_OK) {
        return rc;
    }
    if (!sluice_uuid_is_valid(env->id)) {
        return envelope_invalid_value("id", "a lowercase UUID", env->id, reason, reasonlen);
    }
    if ((rc = envelope_get_name(root, "detail-type", &env->detail_type, reason, reasonlen)) !=
        SLUICE_OK) {
        return rc;
    }
    if ((rc = envelope_get_name(root, "source", &env->source, reason, reasonlen)) != SLUICE_OK) {
        return rc;
    }
    if ((rc = envelope_get_string(root, "account", &env->account, reason, reasonlen)) !=
        SLUICE_OK) {
        return rc;
    }
    if (!envelope_account_is_valid(env->account)) {
        return envelope_invalid_value("account", "12 digits", env->account, reason, reasonlen);
    }
    if ((rc = envelope_get_string(root, "time", &env->time, reason, reasonlen)) != SLUICE_OK) {
        return rc;
    }
    if (sluice_time_parse_rfc3339(env->time, &env->time_ms) != SLUICE_OK) {
        return envelope_invalid_value("time", "an RFC 3339 time like \"2017-04-22T03:31:47Z\"",
                                      env->time, reason, reasonlen);
    }
    if ((rc = envelope_get_string(root, "region", &env->region, reason, reasonlen)) != SLUICE_OK) {
        return rc;
    }
    if (!envelope_region_is_valid(env->region)) {
        return envelope_invalid_value("region", "a region name like \"us-east-1\"", env->region,
                                      reason, reasonlen);
    }

    json_t *resources = json_object_get(root, "resources");
    if (resources == NULL) {
        return sluice_error_set(reason, reasonlen, SLUICE_EPARSE, "missing field \"resources\"");
    }
    if (!json_is_array(resources)) {
        return sluice_error_set(reason, reasonlen, SLUICE_EPARSE,
                                "field \"resources\" must be an array of strings, got %s",
                                envelope_type_name(resources));
    }
    size_t index;
    json_t *item;
    json_array_foreach(resources, index, item)
    {
        if (!json_is_string(item)) {
            return sluice_error_set(reason, reasonlen, SLUICE_EPARSE,
                                    "field \"resources\" must be an array of strings "
                                    "(element %zu is %s)",
                                    index, envelope_type_name(item));
        }
    }
    env->resources = resources;

    json_t *detail = json_object_get(root, "detail");
    if (detail == NULL) {
        return sluice_error_set(reason, reasonlen, SLUICE_EPARSE, "missing field \"detail\"");
    }
    if (!json_is_object(detail)) {
        return sluice_error_set(reason, reasonlen, SLUICE_EPARSE,
                                "field \"detail\" must be an object, got %s",
                                envelope_type_name(detail));
    }
    env->detail = detail;
    return SLUICE_OK;
}

int bus_envelope_from_json(json_t *root, bus_envelope **out, char *reason, size_t reasonlen)
{
    *out = NULL;
    if (root == NULL) {
        return sluice_error_set(reason, reasonlen, SLUICE_EINVAL, "no envelope");
    }
    bus_envelope *env = calloc(1, sizeof *env);
    if (env == NULL) {
        return sluice_error_set(reason, reasonlen, SLUICE_ENOMEM, "out of memory");
    }
    int rc = envelope_validate(root, env, reason, reasonlen);
    if (rc != SLUICE_OK) {
        free(env);
        return rc;
    }
    env->root = json_incref(root);
    *out = env;
    return SLUICE_OK;
}

int bus_envelope_decode(const char *bytes, size_t len, size_t max_bytes, bus_envelope **out,
                        char *reason, size_t reasonlen)
{
    *out = NULL;
    if (len > max_bytes) {
        return sluice_error_set(reason, reasonlen, SLUICE_ETOOBIG,
                                "message of %zu bytes exceeds the limit of %zu bytes", len,
                                max_bytes);
    }
    if (len == 0 || bytes == NULL) {
        return sluice_error_set(reason, reasonlen, SLUICE_EPARSE, "empty message");
    }
    /* JSON text never holds a raw NUL; jansson would only say "invalid token" here. */
    const char *nul = memchr(bytes, '\0', len);
    if (nul != NULL) {
        return sluice_error_set(reason, reasonlen, SLUICE_EPARSE,
                                "not JSON: NUL byte at offset %zu", (size_t)(nul - bytes));
    }
    if (sluice_jsontext_depth(bytes, len, BUS_ENVELOPE_MAX_DEPTH) > BUS_ENVELOPE_MAX_DEPTH) {
        return sluice_error_set(reason, reasonlen, SLUICE_ETOOBIG,
                                "nesting depth exceeds %d levels", BUS_ENVELOPE_MAX_DEPTH);
    }
    json_error_t jerr;
    json_t *root = json_loadb(bytes, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
    if (root == NULL) {
        if (json_error_code(&jerr) == json_error_out_of_memory) {
            return sluice_error_set(reason, reasonlen, SLUICE_ENOMEM, "out of memory");
        }
        return sluice_error_set(reason, reasonlen, SLUICE_EPARSE,
                                "not JSON: %s (line %d, column %d)", jerr.text, jerr.line,
                                jerr.column);
    }
    int rc = bus_envelope_from_json(root, out, reason, reasonlen);
    json_decref(root);
    return rc;
}

int bus_envelope_new(const bus_envelope_spec *spec, bus_envelope **out, char *reason,
                     size_t reasonlen)
{
    int rc = SLUICE_ENOMEM;
    json_t *root = NULL;
    json_t *resources = NULL;
    char time_text[32];

    *out = NULL;
    if (spec->detail == NULL) {
        return sluice_error_set(reason, reasonlen, SLUICE_EINVAL, "missing field \"detail\"");
    }
    if (sluice_time_format_rfc3339(spec->time_ms, time_text, sizeof time_text) != SLUICE_OK) {
        return sluice_error_set(reason, reasonlen, SLUICE_EINVAL,
                                "field \"time\" is out of range (%lld ms)",
                                (long long)spec->time_ms);
    }
    resources = json_array();
    if (resources == NULL) {
        goto out;
    }
    for (size_t i = 0; i < spec->nresources; i++) {
        if (spec->resources[i] == NULL) {
            rc = sluice_error_set(reason, reasonlen, SLUICE_EINVAL,
                                  "field \"resources\" must be an array of strings "
                                  "(element %zu is null)",
                                  i);
            goto out;
        }
        json_t *item = json_string(spec->resources[i]);
        if (item == NULL || json_array_append_new(resources, item) != 0) {
            rc = sluice_error_set(reason, reasonlen, SLUICE_EINVAL,
                                  "field \"resources\" must be an array of strings "
                                  "(element %zu is not UTF-8)",
                                  i);
            goto out;
        }
    }

    /* json_string() yields NULL for NULL or invalid UTF-8: the field is then
     * left out, and validation below names it as missing. */
    root = json_object();
    if (root == NULL) {
        goto out;
    }
    json_object_set_new(root, "version", json_string(BUS_ENVELOPE_VERSION));
    if (spec->id != NULL) {
        json_object_set_new(root, "id", json_string(spec->id));
    }
    if (spec->detail_type != NULL) {
        json_object_set_new(root, "detail-type", json_string(spec->detail_type));
    }
    if (spec->source != NULL) {
        json_object_set_new(root, "source", json_string(spec->source));
    }
    if (spec->account != NULL) {
        json_object_set_new(root, "account", json_string(spec->account));
    }
    json_object_set_new(root, "time", json_string(time_text));
    if (spec->region != NULL) {
        json_object_set_new(root, "region", json_string(spec->region));
    }
    json_object_set_new(root, "resources", resources);
    resources = NULL; /* now owned by root */
    json_object_set(root, "detail", spec->detail);

    rc = bus_envelope_from_json(root, out, reason, reasonlen);
    if (rc == SLUICE_EPARSE) {
        rc = SLUICE_EINVAL;
    }
out:
    if (rc == SLUICE_ENOMEM) {
        sluice_error_set(reason, reasonlen, SLUICE_ENOMEM, "out of memory");
    }
    json_decref(resources);
    json_decref(root);
    return rc;
}

typedef struct envelope_dump_ctx {
    sluice_buf *out;
    int rc;
} envelope_dump_ctx;

static int envelope_dump_cb(const char *chunk, size_t size, void *data)
{
    envelope_dump_ctx *ctx = data;
    ctx->rc = sluice_buf_append(ctx->out, chunk, size);
    return ctx->rc == SLUICE_OK ? 0 : -1;
}

int bus_envelope_encode(const bus_envelope *env, sluice_buf *out)
{
    size_t start = out->len;
    envelope_dump_ctx ctx = {out, SLUICE_OK};
    if (json_dump_callback(env->root, envelope_dump_cb, &ctx, JSON_COMPACT) != 0) {
        if (out->data != NULL) {
            out->len = start;
            out->data[start] = '\0';
        }
        return ctx.rc != SLUICE_OK ? ctx.rc : SLUICE_ENOMEM;
    }
    return SLUICE_OK;
}

void bus_envelope_free(bus_envelope *env)
{
    if (env == NULL) {
        return;
    }
    json_decref(env->root);
    free(env);
}

int bus_envelope_encode_pipeline(const bus_pipeline_message *m, sluice_buf *payload, char *err,
                                 size_t errlen)
{
    char arn[PROTOCOL_ARN_MAX];
    (void)protocol_arn_pipeline(arn, sizeof arn, m->region, m->account, m->pipeline);
    const char *resources[] = {arn};
    bus_envelope_spec spec = {
        .id = m->id,
        .detail_type = m->detail_type,
        .source = m->source,
        .account = m->account,
        .region = m->region,
        .time_ms = sluice_time_now_ms(),
        .resources = resources,
        .nresources = 1,
        .detail = m->detail,
    };
    bus_envelope *env = NULL;
    char reason[BUS_ENVELOPE_REASON_MAX];
    int rc = bus_envelope_new(&spec, &env, reason, sizeof reason);
    if (rc != 0) {
        return sluice_error_set(err, errlen, rc, "envelope: %s", reason);
    }
    rc = bus_envelope_encode(env, payload);
    bus_envelope_free(env);
    if (rc != 0) {
        return sluice_error_set(err, errlen, rc, "the message exceeds %zu bytes", payload->max);
    }
    return 0;
}
