/*
 * model_errors.c — the bounded list of declaration problems (model_errors.h).
 *
 * Messages are formatted into a fixed-size stack buffer, cut at
 * MODEL_ERROR_MESSAGE_MAX, then copied; the list grows by doubling up to its
 * bound. Pure; one owner at a time.
 */
#include "sluice/model_errors.h"

#include "sluice/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void model_errors_init(model_errors *errs, size_t max)
{
    memset(errs, 0, sizeof(*errs));
    errs->max = max == 0 ? MODEL_ERRORS_DEFAULT_MAX : max;
}

void model_errors_free(model_errors *errs)
{
    if (errs == NULL) {
        return;
    }
    for (size_t i = 0; i < errs->count; i++) {
        free(errs->items[i].path);
        free(errs->items[i].message);
    }
    free(errs->items);
    errs->items = NULL;
    errs->count = 0;
    errs->cap = 0;
    errs->dropped = 0;
}

static int errors_reserve(model_errors *errs)
{
    if (errs->count < errs->cap) {
        return SLUICE_OK;
    }
    size_t cap = errs->cap == 0 ? 8 : errs->cap * 2;
    if (cap > errs->max) {
        cap = errs->max;
    }
    model_error *items = realloc(errs->items, cap * sizeof(*items));
    if (items == NULL) {
        return SLUICE_ENOMEM;
    }
    errs->items = items;
    errs->cap = cap;
    return SLUICE_OK;
}

int model_errors_add(model_errors *errs, const char *exception, const char *path, const char *fmt,
                     ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = model_errors_vadd(errs, exception, path, fmt, ap);
    va_end(ap);
    return rc;
}

int model_errors_vadd(model_errors *errs, const char *exception, const char *path, const char *fmt,
                      va_list ap)
{
    char message[MODEL_ERROR_MESSAGE_MAX];
    char *path_copy = NULL;
    char *message_copy = NULL;

    if (errs->count >= errs->max) {
        errs->dropped++;
        return SLUICE_ETOOBIG;
    }
    vsnprintf(message, sizeof(message), fmt, ap);

    path_copy = strdup(path != NULL ? path : "pipeline");
    message_copy = strdup(message);
    if (path_copy == NULL || message_copy == NULL || errors_reserve(errs) != SLUICE_OK) {
        free(path_copy);
        free(message_copy);
        errs->dropped++;
        return SLUICE_ENOMEM;
    }
    errs->items[errs->count].exception = exception;
    errs->items[errs->count].path = path_copy;
    errs->items[errs->count].message = message_copy;
    errs->count++;
    return SLUICE_OK;
}

size_t model_errors_total(const model_errors *errs)
{
    return errs->count + errs->dropped;
}

bool model_errors_covers(const model_errors *errs, size_t first, size_t end, const char *path)
{
    size_t len = strlen(path);
    if (end > errs->count) {
        end = errs->count;
    }
    for (size_t i = first; i < end; i++) {
        const char *p = errs->items[i].path;
        if (strncmp(p, path, len) == 0 && (p[len] == '\0' || p[len] == '.' || p[len] == '[')) {
            return true;
        }
    }
    return false;
}

int model_errors_format(const model_error *err, sluice_buf *out)
{
    return sluice_buf_appendf(out, "%s: %s", err->path, err->message);
}

int model_errors_summary(const model_errors *errs, sluice_buf *out)
{
    int rc = SLUICE_OK;
    for (size_t i = 0; i < errs->count && rc == SLUICE_OK; i++) {
        if (i > 0) {
            rc = sluice_buf_append_str(out, "; ");
        }
        if (rc == SLUICE_OK) {
            rc = model_errors_format(&errs->items[i], out);
        }
    }
    if (rc == SLUICE_OK && errs->dropped > 0) {
        rc = sluice_buf_appendf(out, " (and %zu more)", errs->dropped);
    }
    return rc;
}

const char *model_errors_exception(const model_errors *errs)
{
    return errs->count > 0 ? errs->items[0].exception : NULL;
}
