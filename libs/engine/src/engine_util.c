/*
 * engine_util.c — allocation and JSON helpers of libs/engine (see engine_util.h).
 * Allocation failure aborts: the engine's written-down out-of-memory policy.
 */
#include "engine_util.h"

#include "sluice/error.h"
#include "sluice/time.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *engine_util_check(void *ptr)
{
    if (ptr == NULL) {
        abort();
    }
    return ptr;
}

void *engine_util_calloc(size_t n, size_t size)
{
    if (n == 0 || size == 0) {
        n = 1;
        size = 1;
    }
    return engine_util_check(calloc(n, size));
}

void *engine_util_realloc(void *ptr, size_t n, size_t size)
{
    if (size != 0 && n > SIZE_MAX / size) {
        abort();
    }
    size_t bytes = n * size;
    return engine_util_check(realloc(ptr, bytes == 0 ? 1 : bytes));
}

char *engine_util_strdup(const char *s)
{
    if (s == NULL) {
        return NULL;
    }
    return engine_util_check(strdup(s));
}

void engine_util_set(char **dst, const char *src)
{
    char *copy = engine_util_strdup(src);
    free(*dst);
    *dst = copy;
}

bool engine_util_str_eq(const char *a, const char *b)
{
    if (a == NULL || b == NULL) {
        return a == b;
    }
    return strcmp(a, b) == 0;
}

void engine_util_reserve(void **items, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap) {
        return;
    }
    size_t grown = *cap < 4 ? 4 : *cap;
    while (grown < need) {
        if (grown > SIZE_MAX / 2) {
            abort();
        }
        grown *= 2;
    }
    *items = engine_util_realloc(*items, grown, size);
    *cap = grown;
}

char *engine_util_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        abort();
    }
    char *out = engine_util_calloc((size_t)n + 1, 1);
    va_start(ap, fmt);
    vsnprintf(out, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return out;
}

json_t *engine_util_obj(void)
{
    return engine_util_check(json_object());
}

json_t *engine_util_arr(void)
{
    return engine_util_check(json_array());
}

json_t *engine_util_jstr(const char *s)
{
    return engine_util_check(s == NULL ? json_null() : json_string(s));
}

void engine_util_put(json_t *obj, const char *key, json_t *value)
{
    if (value == NULL || json_object_set_new(obj, key, value) != 0) {
        abort();
    }
}

void engine_util_put_str(json_t *obj, const char *key, const char *s)
{
    if (s != NULL) {
        engine_util_put(obj, key, engine_util_jstr(s));
    }
}

void engine_util_put_int(json_t *obj, const char *key, int64_t v)
{
    engine_util_put(obj, key, json_integer((json_int_t)v));
}

void engine_util_put_bool(json_t *obj, const char *key, bool v)
{
    engine_util_put(obj, key, json_boolean(v));
}

void engine_util_put_time(json_t *obj, const char *key, int64_t ms)
{
    if (ms != 0) {
        engine_util_put(obj, key, json_real(sluice_time_epoch_seconds(ms)));
    }
}

void engine_util_push(json_t *arr, json_t *value)
{
    if (value == NULL || json_array_append_new(arr, value) != 0) {
        abort();
    }
}

json_t *engine_util_str_array(char *const *items, size_t n)
{
    json_t *arr = engine_util_arr();
    for (size_t i = 0; i < n; i++) {
        engine_util_push(arr, engine_util_jstr(items[i]));
    }
    return arr;
}

json_t *engine_util_kvs_object(const engine_kv *items, size_t n)
{
    json_t *obj = engine_util_obj();
    for (size_t i = 0; i < n; i++) {
        engine_util_put_str(obj, items[i].key, items[i].value);
    }
    return obj;
}

json_t *engine_util_action_type_json(const engine_plan_action *action)
{
    json_t *type = engine_util_obj();
    engine_util_put_str(type, "category", action->category);
    engine_util_put_str(type, "owner", action->owner);
    engine_util_put_str(type, "provider", action->provider);
    engine_util_put_str(type, "version", action->version);
    return type;
}

json_t *engine_util_artifacts_json(const engine_artifact *items, size_t n)
{
    json_t *arr = engine_util_arr();
    for (size_t i = 0; i < n; i++) {
        json_t *obj = engine_util_obj();
        engine_util_put_str(obj, "name", items[i].name);
        if (items[i].bucket != NULL && items[i].key != NULL) {
            json_t *loc = engine_util_obj();
            engine_util_put_str(loc, "bucket", items[i].bucket);
            engine_util_put_str(loc, "key", items[i].key);
            engine_util_put(obj, "s3location", loc);
        }
        engine_util_push(arr, obj);
    }
    return arr;
}

void engine_util_rd_fail(engine_util_rd *rd, const char *what, const char *key)
{
    if (rd->rc != 0) {
        return;
    }
    rd->rc = sluice_error_set(rd->errbuf, rd->errlen, SLUICE_EPARSE, "engine state: %s '%s'", what,
                              key != NULL ? key : "");
}

static json_t *engine_util_rd_member(engine_util_rd *rd, const json_t *obj, const char *key,
                                     bool required)
{
    if (rd->rc != 0 || !json_is_object(obj)) {
        if (rd->rc == 0) {
            engine_util_rd_fail(rd, "expected an object around", key);
        }
        return NULL;
    }
    json_t *value = json_object_get(obj, key);
    if (value == NULL || json_is_null(value)) {
        if (required) {
            engine_util_rd_fail(rd, "missing member", key);
        }
        return NULL;
    }
    return value;
}

json_t *engine_util_rd_obj(engine_util_rd *rd, const json_t *obj, const char *key, bool required)
{
    json_t *value = engine_util_rd_member(rd, obj, key, required);
    if (value != NULL && !json_is_object(value)) {
        engine_util_rd_fail(rd, "expected an object at", key);
        return NULL;
    }
    return value;
}

json_t *engine_util_rd_arr(engine_util_rd *rd, const json_t *obj, const char *key, bool required)
{
    json_t *value = engine_util_rd_member(rd, obj, key, required);
    if (value != NULL && !json_is_array(value)) {
        engine_util_rd_fail(rd, "expected an array at", key);
        return NULL;
    }
    return value;
}

char *engine_util_rd_str(engine_util_rd *rd, const json_t *obj, const char *key, bool required)
{
    const json_t *value = engine_util_rd_member(rd, obj, key, required);
    if (value == NULL) {
        return NULL;
    }
    if (!json_is_string(value)) {
        engine_util_rd_fail(rd, "expected a string at", key);
        return NULL;
    }
    return engine_util_strdup(json_string_value(value));
}

int64_t engine_util_rd_int(engine_util_rd *rd, const json_t *obj, const char *key, bool required,
                           int64_t def)
{
    const json_t *value = engine_util_rd_member(rd, obj, key, required);
    if (value == NULL) {
        return def;
    }
    if (!json_is_integer(value)) {
        engine_util_rd_fail(rd, "expected an integer at", key);
        return def;
    }
    return (int64_t)json_integer_value(value);
}

bool engine_util_rd_bool(engine_util_rd *rd, const json_t *obj, const char *key, bool required,
                         bool def)
{
    const json_t *value = engine_util_rd_member(rd, obj, key, required);
    if (value == NULL) {
        return def;
    }
    if (!json_is_boolean(value)) {
        engine_util_rd_fail(rd, "expected a boolean at", key);
        return def;
    }
    return json_is_true(value);
}

char **engine_util_rd_str_array(engine_util_rd *rd, const json_t *obj, const char *key, size_t *n)
{
    *n = 0;
    const json_t *arr = engine_util_rd_arr(rd, obj, key, false);
    if (arr == NULL || json_array_size(arr) == 0) {
        return NULL;
    }
    size_t count = json_array_size(arr);
    char **items = engine_util_calloc(count, sizeof *items);
    for (size_t i = 0; i < count; i++) {
        const json_t *item = json_array_get(arr, i);
        if (!json_is_string(item)) {
            engine_util_rd_fail(rd, "expected strings in", key);
            engine_util_free_strs(items, i);
            return NULL;
        }
        items[i] = engine_util_strdup(json_string_value(item));
    }
    *n = count;
    return items;
}

void engine_util_free_strs(char **items, size_t n)
{
    if (items == NULL) {
        return;
    }
    for (size_t i = 0; i < n; i++) {
        free(items[i]);
    }
    free(items);
}

void engine_util_put_rfc3339(json_t *obj, const char *key, int64_t ms)
{
    char text[32];
    if (sluice_time_format_rfc3339(ms, text, sizeof text) == 0) {
        engine_util_put_str(obj, key, text);
    }
}

char *engine_util_duration(int64_t ms)
{
    int64_t minutes = ms / 60000;
    if (minutes > 0 && minutes % 1440 == 0) {
        return engine_util_printf("%lld day%s", (long long)(minutes / 1440),
                                  minutes == 1440 ? "" : "s");
    }
    if (minutes > 0 && minutes % 60 == 0) {
        return engine_util_printf("%lld hour%s", (long long)(minutes / 60),
                                  minutes == 60 ? "" : "s");
    }
    return engine_util_printf("%lld minute%s", (long long)minutes, minutes == 1 ? "" : "s");
}
