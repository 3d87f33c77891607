/*
 * engine_json.c — compact JSON text in one walk (see engine_json.h).
 *
 * Mirrors jansson 2.14's dump.c for JSON_COMPACT without JSON_SORT_KEYS,
 * JSON_ENSURE_ASCII or JSON_ESCAPE_SLASH: unit_engine_json checks it
 * byte for byte against json_dumps.
 */
#include "sluice/engine_json.h"

#include "sluice/error.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Documents nest far less deep; jansson's own bound on parsing is 2048. */
#define ENGINE_JSON_DEPTH_MAX 2048

/* jansson's dump of one value: for reals and strings beyond ASCII. */
static int engine_json_by_jansson(sluice_buf *buf, const json_t *json)
{
    char *text = json_dumps(json, JSON_COMPACT | JSON_ENCODE_ANY);
    if (text == NULL) {
        return SLUICE_EINVAL;
    }
    int rc = sluice_buf_append_str(buf, text);
    free(text);
    return rc;
}

/* jansson's dump of a string beyond ASCII (a key: rendered as a string value). */
static int engine_json_string_by_jansson(sluice_buf *buf, const char *s, size_t len,
                                         const json_t *value)
{
    if (value != NULL) {
        return engine_json_by_jansson(buf, value);
    }
    json_t *str = json_stringn(s, len); /* checks the UTF-8 */
    int rc = str != NULL ? engine_json_by_jansson(buf, str) : SLUICE_EINVAL;
    json_decref(str);
    return rc;
}

/* One pass: runs of plain bytes copied whole, escapes in between; beyond ASCII: jansson's. */
static int engine_json_string(sluice_buf *buf, const char *s, size_t len, const json_t *value)
{
    size_t start = buf->len; /* to take back a partial copy */
    int rc = sluice_buf_append(buf, "\"", 1);
    size_t run = 0; /* start of the bytes not yet copied */
    for (size_t i = 0; i < len && rc == SLUICE_OK; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
            continue;
        }
        if (c >= 0x80) {
            buf->len = start;
            buf->data[start] = '\0';
            return engine_json_string_by_jansson(buf, s, len, value);
        }
        rc = sluice_buf_append(buf, s + run, i - run);
        run = i + 1;
        char seq[8];
        size_t n = 2;
        seq[0] = '\\';
        switch (c) {
        case '"':
        case '\\':
            seq[1] = (char)c;
            break;
        case '\b':
            seq[1] = 'b';
            break;
        case '\f':
            seq[1] = 'f';
            break;
        case '\n':
            seq[1] = 'n';
            break;
        case '\r':
            seq[1] = 'r';
            break;
        case '\t':
            seq[1] = 't';
            break;
        default: {
            static const char hex[] = "0123456789ABCDEF";
            memcpy(seq + 1, "u00", 3);
            seq[4] = hex[c >> 4];
            seq[5] = hex[c & 0xf];
            n = 6;
            break;
        }
        }
        if (rc == SLUICE_OK) {
            rc = sluice_buf_append(buf, seq, n);
        }
    }
    if (rc == SLUICE_OK) {
        rc = sluice_buf_append(buf, s + run, len - run);
    }
    return rc == SLUICE_OK ? sluice_buf_append(buf, "\"", 1) : rc;
}

static int engine_json_integer(sluice_buf *buf, json_int_t value)
{
    char digits[24];
    size_t at = sizeof digits;
    uint64_t magnitude = value < 0 ? 0 - (uint64_t)value : (uint64_t)value;
    do {
        digits[--at] = (char)('0' + magnitude % 10);
        magnitude /= 10;
    } while (magnitude > 0);
    if (value < 0) {
        digits[--at] = '-';
    }
    return sluice_buf_append(buf, digits + at, sizeof digits - at);
}

static int engine_json_value(sluice_buf *buf, const json_t *json, int depth)
{
    if (json == NULL || depth > ENGINE_JSON_DEPTH_MAX) {
        return SLUICE_EINVAL;
    }
    switch (json_typeof(json)) {
    case JSON_OBJECT: {
        int rc = sluice_buf_append(buf, "{", 1);
        bool first = true;
        const char *key;
        size_t key_len;
        json_t *member;
        json_object_keylen_foreach((json_t *)(uintptr_t)json, key, key_len, member)
        {
            if (rc != SLUICE_OK) {
                break;
            }
            if (!first) {
                rc = sluice_buf_append(buf, ",", 1);
            }
            first = false;
            if (rc == SLUICE_OK) {
                rc = engine_json_string(buf, key, key_len, NULL);
            }
            if (rc == SLUICE_OK) {
                rc = sluice_buf_append(buf, ":", 1);
            }
            if (rc == SLUICE_OK) {
                rc = engine_json_value(buf, member, depth + 1);
            }
        }
        return rc == SLUICE_OK ? sluice_buf_append(buf, "}", 1) : rc;
    }
    case JSON_ARRAY: {
        int rc = sluice_buf_append(buf, "[", 1);
        size_t n = json_array_size(json);
        for (size_t i = 0; i < n && rc == SLUICE_OK; i++) {
            if (i > 0) {
                rc = sluice_buf_append(buf, ",", 1);
            }
            if (rc == SLUICE_OK) {
                rc = engine_json_value(buf, json_array_get(json, i), depth + 1);
            }
        }
        return rc == SLUICE_OK ? sluice_buf_append(buf, "]", 1) : rc;
    }
    case JSON_STRING:
        return engine_json_string(buf, json_string_value(json), json_string_length(json), json);
    case JSON_INTEGER:
        return engine_json_integer(buf, json_integer_value(json));
    case JSON_REAL:
        return engine_json_by_jansson(buf, json);
    case JSON_TRUE:
        return sluice_buf_append(buf, "true", 4);
    case JSON_FALSE:
        return sluice_buf_append(buf, "false", 5);
    case JSON_NULL:
    default:
        return sluice_buf_append(buf, "null", 4);
    }
}

int engine_json_append(sluice_buf *buf, const json_t *json)
{
    return engine_json_value(buf, json, 0);
}

int engine_json_append_string(sluice_buf *buf, const char *s, size_t len)
{
    return engine_json_string(buf, s, len, NULL);
}

char *engine_json_dumps(const json_t *json, size_t *len)
{
    sluice_buf buf;
    sluice_buf_init(&buf, SIZE_MAX - 1);
    int rc = engine_json_append(&buf, json);
    if (rc == SLUICE_ENOMEM) {
        abort(); /* out of memory: the engine's policy */
    }
    if (rc != SLUICE_OK) {
        sluice_buf_free(&buf);
        return NULL;
    }
    *len = buf.len;
    return sluice_buf_steal(&buf);
}
