/*
 * pattern_jsonpath.c — CodePipeline's webhook filter paths (see pattern_jsonpath.h).
 */
#include "sluice/pattern_jsonpath.h"

#include "sluice/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int pattern_jsonpath_fail(pattern_jsonpath *out, char *err, size_t errlen, int rc, size_t at,
                                 const char *what)
{
    memset(out, 0, sizeof *out);
    return sluice_error_set(err, errlen, rc, "jsonPath: at character %zu: %s", at + 1, what);
}

static bool pattern_jsonpath_name_char(char c)
{
    return (unsigned char)c > 0x20 && c != 0x7f && c != '.' && c != '[' && c != ']' && c != '\'' &&
           c != '"' && c != '*' && c != '?' && c != '(' && c != ')' && c != ',' && c != ':';
}

/* Appends name[0..len) to out->names as a new member step. */
static int pattern_jsonpath_add_name(pattern_jsonpath *out, size_t *used, const char *name,
                                     size_t len)
{
    if (out->nsteps >= PATTERN_JSONPATH_STEPS || *used + len + 1 > sizeof out->names) {
        return SLUICE_ETOOBIG;
    }
    pattern_jsonpath_step *step = &out->steps[out->nsteps++];
    step->is_index = false;
    step->name_off = *used;
    memcpy(out->names + *used, name, len);
    out->names[*used + len] = '\0';
    *used += len + 1;
    return 0;
}

/* Reads a bracket step at text[*pos] == '['; advances *pos past the ']'. */
static int pattern_jsonpath_bracket(const char *text, size_t *pos, pattern_jsonpath *out,
                                    size_t *used, char *err, size_t errlen)
{
    size_t at = *pos + 1;
    char c = text[at];
    if (c == '\'' || c == '"') {
        size_t start = at + 1;
        size_t end = start;
        while (text[end] != '\0' && text[end] != c && (unsigned char)text[end] >= 0x20) {
            end++;
        }
        if (text[end] != c) {
            return pattern_jsonpath_fail(out, err, errlen, SLUICE_EPARSE, end,
                                         "the quoted name is not closed");
        }
        if (end == start) {
            return pattern_jsonpath_fail(out, err, errlen, SLUICE_EPARSE, start,
                                         "a member name is empty");
        }
        if (text[end + 1] != ']') {
            return pattern_jsonpath_fail(out, err, errlen, SLUICE_EPARSE, end + 1,
                                         "expected ']' after the quoted name");
        }
        if (pattern_jsonpath_add_name(out, used, text + start, end - start) != 0) {
            return pattern_jsonpath_fail(out, err, errlen, SLUICE_ETOOBIG, at, "too many steps");
        }
        *pos = end + 2;
        return 0;
    }
    if (c >= '0' && c <= '9') {
        size_t index = 0;
        size_t end = at;
        while (text[end] >= '0' && text[end] <= '9') {
            index = index * 10 + (size_t)(text[end] - '0');
            if (index > PATTERN_JSONPATH_INDEX_MAX) {
                return pattern_jsonpath_fail(out, err, errlen, SLUICE_EPARSE, at,
                                             "the index is too large");
            }
            end++;
        }
        if (text[end] != ']') {
            return pattern_jsonpath_fail(out, err, errlen, SLUICE_EPARSE, end,
                                         "an index is a decimal number followed by ']' (slices "
                                         "and unions select several values and are not "
                                         "supported)");
        }
        if (out->nsteps >= PATTERN_JSONPATH_STEPS) {
            return pattern_jsonpath_fail(out, err, errlen, SLUICE_ETOOBIG, at, "too many steps");
        }
        pattern_jsonpath_step *step = &out->steps[out->nsteps++];
        step->is_index = true;
        step->index = index;
        *pos = end + 1;
        return 0;
    }
    if (c == '*' || c == '?' || c == '(' || c == ':' || c == '-') {
        return pattern_jsonpath_fail(out, err, errlen, SLUICE_EPARSE, at,
                                     "wildcards, filters, slices and negative indices select "
                                     "several values and are not supported");
    }
    return pattern_jsonpath_fail(out, err, errlen, SLUICE_EPARSE, at,
                                 "expected an index or a quoted name after '['");
}

int pattern_jsonpath_compile(const char *text, pattern_jsonpath *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (text == NULL || text[0] == '\0') {
        return pattern_jsonpath_fail(out, err, errlen, SLUICE_EPARSE, 0, "the path is empty");
    }
    size_t len = strlen(text);
    if (len > PATTERN_JSONPATH_MAX) {
        return sluice_error_set(err, errlen, SLUICE_ETOOBIG,
                                "jsonPath: %zu characters; at most %d are allowed", len,
                                PATTERN_JSONPATH_MAX);
    }
    if (text[0] != '$') {
        return pattern_jsonpath_fail(out, err, errlen, SLUICE_EPARSE, 0, "a path starts with '$'");
    }
    size_t pos = 1;
    size_t used = 0;
    while (text[pos] != '\0') {
        if (text[pos] == '[') {
            int rc = pattern_jsonpath_bracket(text, &pos, out, &used, err, errlen);
            if (rc != 0) {
                return rc;
            }
            continue;
        }
        if (text[pos] != '.') {
            return pattern_jsonpath_fail(out, err, errlen, SLUICE_EPARSE, pos,
                                         "expected '.' or '['");
        }
        size_t start = pos + 1;
        if (text[start] == '.') {
            return pattern_jsonpath_fail(out, err, errlen, SLUICE_EPARSE, pos,
                                         "recursive descent ('..') selects several values and "
                                         "is not supported");
        }
        if (text[start] == '*') {
            return pattern_jsonpath_fail(out, err, errlen, SLUICE_EPARSE, start,
                                         "wildcards select several values and are not "
                                         "supported");
        }
        size_t end = start;
        while (pattern_jsonpath_name_char(text[end])) {
            end++;
        }
        if (end == start) {
            return pattern_jsonpath_fail(out, err, errlen, SLUICE_EPARSE, start,
                                         "expected a member name after '.'");
        }
        if (pattern_jsonpath_add_name(out, &used, text + start, end - start) != 0) {
            return pattern_jsonpath_fail(out, err, errlen, SLUICE_ETOOBIG, start, "too many steps");
        }
        pos = end;
    }
    return 0;
}

const json_t *pattern_jsonpath_select(const pattern_jsonpath *path, const json_t *doc)
{
    const json_t *at = doc;
    for (size_t i = 0; at != NULL && i < path->nsteps; i++) {
        const pattern_jsonpath_step *step = &path->steps[i];
        if (step->is_index) {
            at = json_is_array(at) ? json_array_get(at, step->index) : NULL;
        } else {
            at = json_is_object(at) ? json_object_get(at, path->names + step->name_off) : NULL;
        }
    }
    return at;
}

int pattern_jsonpath_text(const json_t *value, char *out, size_t outlen)
{
    int n = -1;
    if (outlen > 0) {
        out[0] = '\0';
    }
    switch (value != NULL ? json_typeof(value) : JSON_OBJECT) {
    case JSON_STRING:
        if (json_string_length(value) >= outlen) {
            return SLUICE_ETOOBIG;
        }
        memcpy(out, json_string_value(value), json_string_length(value) + 1);
        return 0;
    case JSON_INTEGER:
        n = snprintf(out, outlen, "%lld", (long long)json_integer_value(value));
        break;
    case JSON_REAL:
        n = snprintf(out, outlen, "%.17g", json_real_value(value));
        break;
    case JSON_TRUE:
        n = snprintf(out, outlen, "true");
        break;
    case JSON_FALSE:
        n = snprintf(out, outlen, "false");
        break;
    case JSON_NULL:
        n = snprintf(out, outlen, "null");
        break;
    default:
        return SLUICE_ENOTFOUND;
    }
    if (n < 0 || (size_t)n >= outlen) {
        if (outlen > 0) {
            out[0] = '\0';
        }
        return SLUICE_ETOOBIG;
    }
    return 0;
}

int pattern_jsonpath_expand(const char *text, const json_t *config, char *out, size_t outlen,
                            char *err, size_t errlen)
{
    size_t used = 0;
    const char *p = text;
    if (outlen == 0) {
        return SLUICE_ETOOBIG;
    }
    while (*p != '\0') {
        const char *close = *p == '{' ? strchr(p + 1, '}') : NULL;
        const char *piece = p;
        size_t piece_len = 1;
        if (close != NULL && close > p + 1) {
            char key[PATTERN_JSONPATH_MAX + 1];
            size_t key_len = (size_t)(close - p - 1);
            if (key_len >= sizeof key) {
                return sluice_error_set(err, errlen, SLUICE_ENOTFOUND,
                                        "matchEquals: a placeholder is too long");
            }
            memcpy(key, p + 1, key_len);
            key[key_len] = '\0';
            const char *value = json_string_value(json_object_get(config, key));
            if (value == NULL) {
                return sluice_error_set(err, errlen, SLUICE_ENOTFOUND,
                                        "matchEquals: {%s} names no configuration property of "
                                        "the target action",
                                        key);
            }
            piece = value;
            piece_len = strlen(value);
            p = close + 1;
        } else {
            p++;
        }
        if (used + piece_len >= outlen) {
            out[0] = '\0';
            return sluice_error_set(err, errlen, SLUICE_ETOOBIG,
                                    "matchEquals: the expanded value exceeds %zu bytes",
                                    outlen - 1);
        }
        memcpy(out + used, piece, piece_len);
        used += piece_len;
    }
    out[used] = '\0';
    return 0;
}
