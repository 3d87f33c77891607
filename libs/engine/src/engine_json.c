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

/*
 * The text goes out through a small chunk: the many short pieces of a
 * document (quotes, separators, runs of a string) are copied into it and
 * the buffer takes the chunk whole, so a piece costs a copy rather than a
 * call that checks the bound and the room. The bound is the buffer's, met
 * when the chunk goes in (the writer stops at the first failure).
 */
#define ENGINE_JSON_CHUNK 2048

typedef struct jw {
    sluice_buf *buf;
    size_t n; /* bytes in chunk */
    int rc;   /* the first failure; 0 while none */
    char chunk[ENGINE_JSON_CHUNK];
} jw;

static void jw_flush(jw *w)
{
    if (w->n > 0 && w->rc == SLUICE_OK) {
        w->rc = sluice_buf_append(w->buf, w->chunk, w->n);
    }
    w->n = 0;
}

static void jw_put(jw *w, const char *bytes, size_t len)
{
    if (len <= ENGINE_JSON_CHUNK - w->n) {
        memcpy(w->chunk + w->n, bytes, len);
        w->n += len;
        return;
    }
    jw_flush(w);
    if (len < ENGINE_JSON_CHUNK) {
        memcpy(w->chunk, bytes, len);
        w->n = len;
    } else if (w->rc == SLUICE_OK) {
        w->rc = sluice_buf_append(w->buf, bytes, len);
    }
}

static void jw_byte(jw *w, char c)
{
    if (w->n == ENGINE_JSON_CHUNK) {
        jw_flush(w);
    }
    w->chunk[w->n++] = c;
}

/* Where the text is: what a string beyond ASCII goes back to. */
typedef struct jw_mark {
    size_t buf_len;
    size_t n;
} jw_mark;

static jw_mark jw_mark_here(const jw *w)
{
    return (jw_mark){w->buf->len, w->n};
}

/* Takes back what was written since mark (the chunk's bytes then may have gone in). */
static void jw_rewind(jw *w, jw_mark mark)
{
    if (w->buf->len == mark.buf_len) {
        w->n = mark.n;
        return;
    }
    w->n = 0;
    w->buf->len = mark.buf_len + mark.n;
    w->buf->data[w->buf->len] = '\0';
}

/* jansson's dump of one value: for reals and strings beyond ASCII. */
static void engine_json_by_jansson(jw *w, const json_t *json)
{
    char *text = json_dumps(json, JSON_COMPACT | JSON_ENCODE_ANY);
    if (text == NULL) {
        if (w->rc == SLUICE_OK) {
            w->rc = SLUICE_EINVAL;
        }
        return;
    }
    jw_put(w, text, strlen(text));
    free(text);
}

/* jansson's dump of a string beyond ASCII (a key: rendered as a string value). */
static void engine_json_string_by_jansson(jw *w, const char *s, size_t len, const json_t *value)
{
    if (value != NULL) {
        engine_json_by_jansson(w, value);
        return;
    }
    json_t *str = json_stringn(s, len); /* checks the UTF-8 */
    if (str != NULL) {
        engine_json_by_jansson(w, str);
    } else if (w->rc == SLUICE_OK) {
        w->rc = SLUICE_EINVAL;
    }
    json_decref(str);
}

/* One pass: runs of plain bytes copied whole, escapes in between; beyond ASCII: jansson's. */
static void engine_json_string(jw *w, const char *s, size_t len, const json_t *value)
{
    jw_mark start = jw_mark_here(w); /* to take back a partial copy */
    jw_byte(w, '"');
    size_t run = 0; /* start of the bytes not yet copied */
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
            continue;
        }
        if (c >= 0x80) {
            if (w->rc == SLUICE_OK) {
                jw_rewind(w, start);
            }
            engine_json_string_by_jansson(w, s, len, value);
            return;
        }
        jw_put(w, s + run, i - run);
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
        jw_put(w, seq, n);
    }
    jw_put(w, s + run, len - run);
    jw_byte(w, '"');
}

static void engine_json_integer(jw *w, json_int_t value)
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
    jw_put(w, digits + at, sizeof digits - at);
}

static void engine_json_value(jw *w, const json_t *json, int depth)
{
    if (w->rc != SLUICE_OK) {
        return;
    }
    if (json == NULL || depth > ENGINE_JSON_DEPTH_MAX) {
        w->rc = SLUICE_EINVAL;
        return;
    }
    switch (json_typeof(json)) {
    case JSON_OBJECT: {
        jw_byte(w, '{');
        bool first = true;
        const char *key;
        size_t key_len;
        json_t *member;
        json_object_keylen_foreach((json_t *)(uintptr_t)json, key, key_len, member)
        {
            if (w->rc != SLUICE_OK) {
                return;
            }
            if (!first) {
                jw_byte(w, ',');
            }
            first = false;
            engine_json_string(w, key, key_len, NULL);
            jw_byte(w, ':');
            engine_json_value(w, member, depth + 1);
        }
        jw_byte(w, '}');
        return;
    }
    case JSON_ARRAY: {
        jw_byte(w, '[');
        size_t n = json_array_size(json);
        for (size_t i = 0; i < n && w->rc == SLUICE_OK; i++) {
            if (i > 0) {
                jw_byte(w, ',');
            }
            engine_json_value(w, json_array_get(json, i), depth + 1);
        }
        jw_byte(w, ']');
        return;
    }
    case JSON_STRING:
        engine_json_string(w, json_string_value(json), json_string_length(json), json);
        return;
    case JSON_INTEGER:
        engine_json_integer(w, json_integer_value(json));
        return;
    case JSON_REAL:
        engine_json_by_jansson(w, json);
        return;
    case JSON_TRUE:
        jw_put(w, "true", 4);
        return;
    case JSON_FALSE:
        jw_put(w, "false", 5);
        return;
    case JSON_NULL:
    default:
        jw_put(w, "null", 4);
        return;
    }
}

int engine_json_append(sluice_buf *buf, const json_t *json)
{
    jw w;
    w.buf = buf;
    w.n = 0;
    w.rc = SLUICE_OK;
    engine_json_value(&w, json, 0);
    jw_flush(&w);
    return w.rc;
}

int engine_json_append_string(sluice_buf *buf, const char *s, size_t len)
{
    jw w;
    w.buf = buf;
    w.n = 0;
    w.rc = SLUICE_OK;
    engine_json_string(&w, s, len, NULL);
    jw_flush(&w);
    return w.rc;
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
