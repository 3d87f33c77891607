/*
 * api_input.c — request members checked against botocore's constraints (see api_input.h).
 *
 * Messages follow the wording of AWS's JSON services ("1 validation error
 * detected: Value '...' at '...' failed to satisfy constraint: ..."), so
 * scripts that match on them keep working.
 */
#include "api_input.h"

#include "sluice/error.h"
#include "sluice/id.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define API_INPUT_ECHO_MAX 64 /* characters of an offending value echoed in a message */

size_t api_input_chars(const char *s)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        if ((*p & 0xC0) != 0x80) {
            n++;
        }
    }
    return n;
}

static bool api_input_char_ok(unsigned char c, api_input_charset charset)
{
    bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    switch (charset) {
    case API_CHARSET_ANY:
        return true;
    case API_CHARSET_NAME:
        return alnum || c == '.' || c == '@' || c == '-' || c == '_';
    case API_CHARSET_TOKEN:
        return alnum || c == '-';
    case API_CHARSET_REASON:
        return alnum || strchr("!@ ().*?-", c) != NULL;
    case API_CHARSET_VARIABLE:
        return alnum || c == '@' || c == '-' || c == '_';
    case API_CHARSET_PROVIDER:
        return alnum || c == '-' || c == '_';
    case API_CHARSET_UUID:
        break;
    }
    return false;
}

bool api_input_matches(const char *s, api_input_charset charset)
{
    if (charset == API_CHARSET_UUID) {
        return sluice_uuid_is_valid(s);
    }
    if (s[0] == '\0' && charset != API_CHARSET_ANY) {
        return false;
    }
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        if (!api_input_char_ok(*p, charset)) {
            return false;
        }
    }
    return true;
}

const char *api_input_pattern(api_input_charset charset)
{
    switch (charset) {
    case API_CHARSET_NAME:
        return "[A-Za-z0-9.@\\-_]+";
    case API_CHARSET_UUID:
        return "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
    case API_CHARSET_TOKEN:
        return "^[a-zA-Z0-9-]+$";
    case API_CHARSET_REASON:
        return "[a-zA-Z0-9!@ \\(\\)\\.\\*\\?\\-]+";
    case API_CHARSET_VARIABLE:
        return "[A-Za-z0-9@\\-_]+";
    case API_CHARSET_PROVIDER:
        return "[0-9A-Za-z_-]+";
    case API_CHARSET_ANY:
        break;
    }
    return ".*";
}

/* The value as a message echoes it: at most API_INPUT_ECHO_MAX bytes, never split mid-character. */
static int api_input_echo_len(const char *value)
{
    size_t len = strlen(value);
    if (len <= API_INPUT_ECHO_MAX) {
        return (int)len;
    }
    len = API_INPUT_ECHO_MAX;
    while (len > 0 && (((unsigned char)value[len]) & 0xC0) == 0x80) {
        len--;
    }
    return (int)len;
}

static int api_input_invalid(api_call *call, const char *value, const char *path,
                             const char *constraint)
{
    if (value == NULL) {
        return api_call_fail(call, "ValidationException",
                             "1 validation error detected: Value null at '%s' failed to satisfy "
                             "constraint: %s",
                             path, constraint);
    }
    return api_call_fail(call, "ValidationException",
                         "1 validation error detected: Value '%.*s%s' at '%s' failed to satisfy "
                         "constraint: %s",
                         api_input_echo_len(value), value,
                         (size_t)api_input_echo_len(value) < strlen(value) ? "..." : "", path,
                         constraint);
}

int api_input_missing(api_call *call, const char *path)
{
    return api_input_invalid(call, NULL, path, "Member must not be null");
}

static int api_input_wrong_type(api_call *call, const char *path, const char *expected,
                                const json_t *value)
{
    const char *got = "a value";
    switch (json_typeof(value)) {
    case JSON_OBJECT:
        got = "an object";
        break;
    case JSON_ARRAY:
        got = "a list";
        break;
    case JSON_STRING:
        got = "a string";
        break;
    case JSON_INTEGER:
    case JSON_REAL:
        got = "a number";
        break;
    case JSON_TRUE:
    case JSON_FALSE:
        got = "a boolean";
        break;
    case JSON_NULL:
        got = "null";
        break;
    }
    return api_call_fail(call, "SerializationException", "Member '%s' must be %s, not %s", path,
                         expected, got);
}

/* The member or NULL when absent or JSON null. */
static const json_t *api_input_member(const json_t *obj, const char *name)
{
    const json_t *value = json_is_object(obj) ? json_object_get(obj, name) : NULL;
    return json_is_null(value) ? NULL : value;
}

static int api_input_check_length(api_call *call, const char *value, const char *path, size_t min,
                                  size_t max)
{
    char constraint[96];
    size_t chars = api_input_chars(value);
    if (chars < min) {
        snprintf(constraint, sizeof constraint,
                 "Member must have length greater than or equal to %zu", min);
        return api_input_invalid(call, value, path, constraint);
    }
    if (max != API_INPUT_NO_MAX && chars > max) {
        snprintf(constraint, sizeof constraint, "Member must have length less than or equal to %zu",
                 max);
        return api_input_invalid(call, value, path, constraint);
    }
    return 0;
}

static int api_input_check_pattern(api_call *call, const char *value, const char *path,
                                   api_input_charset charset)
{
    if (charset == API_CHARSET_ANY || api_input_matches(value, charset)) {
        return 0;
    }
    char constraint[160];
    snprintf(constraint, sizeof constraint, "Member must satisfy regular expression pattern: %s",
             api_input_pattern(charset));
    return api_input_invalid(call, value, path, constraint);
}

int api_input_string(api_call *call, const json_t *obj, const char *name, const char *path,
                     bool required, size_t min, size_t max, api_input_charset charset,
                     const char **out)
{
    *out = NULL;
    if (path == NULL) {
        path = name;
    }
    const json_t *value = api_input_member(obj, name);
    if (value == NULL) {
        return required ? api_input_missing(call, path) : 0;
    }
    if (!json_is_string(value)) {
        return api_input_wrong_type(call, path, "a string", value);
    }
    const char *text = json_string_value(value);
    if (strlen(text) != json_string_length(value)) {
        return api_call_fail(call, "SerializationException",
                             "Member '%s' must not contain a NUL character", path);
    }
    int rc = api_input_check_length(call, text, path, min, max);
    if (rc == 0) {
        rc = api_input_check_pattern(call, text, path, charset);
    }
    if (rc == 0) {
        *out = text;
    }
    return rc;
}

int api_input_int(api_call *call, const json_t *obj, const char *name, const char *path,
                  bool required, int64_t min, int64_t max, int64_t *out, bool *present)
{
    if (path == NULL) {
        path = name;
    }
    if (present != NULL) {
        *present = false;
    }
    const json_t *value = api_input_member(obj, name);
    if (value == NULL) {
        return required ? api_input_missing(call, path) : 0;
    }
    if (!json_is_integer(value)) {
        return api_input_wrong_type(call, path, "an integer", value);
    }
    int64_t n = (int64_t)json_integer_value(value);
    char text[32];
    char constraint[96];
    snprintf(text, sizeof text, "%" PRId64, n);
    if (n < min) {
        snprintf(constraint, sizeof constraint,
                 "Member must have value greater than or equal to %" PRId64, min);
        return api_input_invalid(call, text, path, constraint);
    }
    if (n > max) {
        snprintf(constraint, sizeof constraint,
                 "Member must have value less than or equal to %" PRId64, max);
        return api_input_invalid(call, text, path, constraint);
    }
    *out = n;
    if (present != NULL) {
        *present = true;
    }
    return 0;
}

int api_input_bool(api_call *call, const json_t *obj, const char *name, const char *path,
                   bool required, bool *out)
{
    if (path == NULL) {
        path = name;
    }
    const json_t *value = api_input_member(obj, name);
    if (value == NULL) {
        return required ? api_input_missing(call, path) : 0;
    }
    if (!json_is_boolean(value)) {
        return api_input_wrong_type(call, path, "a boolean", value);
    }
    *out = json_is_true(value);
    return 0;
}

int api_input_enum(api_call *call, const json_t *obj, const char *name, const char *path,
                   bool required, const char *const *values, size_t nvalues, const char **out)
{
    const char *text = NULL;
    if (path == NULL) {
        path = name;
    }
    int rc = api_input_string(call, obj, name, path, required, 0, API_INPUT_NO_MAX, API_CHARSET_ANY,
                              &text);
    if (rc != 0 || text == NULL) {
        *out = NULL;
        return rc;
    }
    for (size_t i = 0; i < nvalues; i++) {
        if (strcmp(text, values[i]) == 0) {
            *out = text;
            return 0;
        }
    }
    char constraint[256];
    size_t used =
        (size_t)snprintf(constraint, sizeof constraint, "Member must satisfy enum value set: [");
    for (size_t i = 0; i < nvalues && used < sizeof constraint; i++) {
        used += (size_t)snprintf(constraint + used, sizeof constraint - used, "%s%s",
                                 i > 0 ? ", " : "", values[i]);
    }
    if (used < sizeof constraint) {
        snprintf(constraint + used, sizeof constraint - used, "]");
    }
    *out = NULL;
    return api_input_invalid(call, text, path, constraint);
}

int api_input_object(api_call *call, const json_t *obj, const char *name, const char *path,
                     bool required, const json_t **out)
{
    *out = NULL;
    if (path == NULL) {
        path = name;
    }
    const json_t *value = api_input_member(obj, name);
    if (value == NULL) {
        return required ? api_input_missing(call, path) : 0;
    }
    if (!json_is_object(value)) {
        return api_input_wrong_type(call, path, "a structure", value);
    }
    *out = value;
    return 0;
}

int api_input_array(api_call *call, const json_t *obj, const char *name, const char *path,
                    bool required, size_t min, size_t max, const json_t **out)
{
    *out = NULL;
    if (path == NULL) {
        path = name;
    }
    const json_t *value = api_input_member(obj, name);
    if (value == NULL) {
        return required ? api_input_missing(call, path) : 0;
    }
    if (!json_is_array(value)) {
        return api_input_wrong_type(call, path, "a list", value);
    }
    char constraint[96];
    char text[32];
    snprintf(text, sizeof text, "[%zu elements]", json_array_size(value));
    if (json_array_size(value) < min) {
        snprintf(constraint, sizeof constraint,
                 "Member must have length greater than or equal to %zu", min);
        return api_input_invalid(call, text, path, constraint);
    }
    if (max != API_INPUT_NO_MAX && json_array_size(value) > max) {
        snprintf(constraint, sizeof constraint, "Member must have length less than or equal to %zu",
                 max);
        return api_input_invalid(call, text, path, constraint);
    }
    *out = value;
    return 0;
}

int api_input_structures(api_call *call, const json_t *list, const char *name,
                         api_input_member_check check)
{
    size_t i;
    const json_t *member;
    json_array_foreach(list, i, member)
    {
        char path[96];
        snprintf(path, sizeof path, "%s.%zu.member", name, i + 1);
        if (!json_is_object(member)) {
            return api_call_fail(call, "SerializationException", "Member '%s' must be a structure",
                                 path);
        }
        int rc = check(call, member, path, list, i);
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

int api_input_string_map(api_call *call, const json_t *obj, const char *name, const char *path,
                         size_t max_entries, size_t kmin, size_t kmax,
                         api_input_charset key_charset, size_t vmin, size_t vmax,
                         const json_t **out)
{
    const json_t *map = NULL;
    if (path == NULL) {
        path = name;
    }
    int rc = api_input_object(call, obj, name, path, false, &map);
    *out = NULL;
    if (rc != 0 || map == NULL) {
        return rc;
    }
    if (json_object_size(map) > max_entries) {
        char constraint[96];
        char text[32];
        snprintf(text, sizeof text, "{%zu entries}", json_object_size(map));
        snprintf(constraint, sizeof constraint, "Member must have length less than or equal to %zu",
                 max_entries);
        return api_input_invalid(call, text, path, constraint);
    }
    const char *key;
    json_t *value;
    json_t *entries = json_object_get(obj, name); /* the same object, as jansson iterates it */
    json_object_foreach(entries, key, value)
    {
        char member_path[160];
        snprintf(member_path, sizeof member_path, "%s.%.*s", path, api_input_echo_len(key), key);
        rc = api_input_check_length(call, key, member_path, kmin, kmax);
        if (rc == 0) {
            rc = api_input_check_pattern(call, key, member_path, key_charset);
        }
        if (rc != 0) {
            return rc;
        }
        if (!json_is_string(value)) {
            return api_input_wrong_type(call, member_path, "a string", value);
        }
        rc = api_input_check_length(call, json_string_value(value), member_path, vmin, vmax);
        if (rc != 0) {
            return rc;
        }
    }
    *out = map;
    return 0;
}
