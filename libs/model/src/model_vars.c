/*
 * model_vars.c — scanning and resolving `#{ns.key}` references (model_vars.h).
 *
 * A single left-to-right scan: "#{" opens a reference, the first "}" closes
 * it, and what lies between must be namespace "." key. Resolution copies the
 * text into a bounded buffer, substituting values. Pure.
 */
#include "sluice/model_vars.h"

#include "sluice/buf.h"
#include "sluice/error.h"

#include <stdlib.h>
#include <string.h>

static bool is_name_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '@' ||
           c == '-' || c == '_';
}

int model_vars_next(const char *text, size_t *pos, model_vars_ref *ref, char *errbuf, size_t errlen)
{
    const char *start = strstr(text + *pos, "#{");
    if (start == NULL) {
        *pos += strlen(text + *pos);
        return 0;
    }
    const char *body = start + 2;
    const char *close = strchr(body, '}');
    memset(ref, 0, sizeof(*ref));
    ref->offset = (size_t)(start - text);
    if (close == NULL) {
        ref->length = strlen(start);
        *pos = ref->offset + ref->length;
        return sluice_error_set(errbuf, errlen, SLUICE_EPARSE,
                                "variable reference \"%.60s\" is not closed with \"}\"", start);
    }
    ref->length = (size_t)(close - start) + 1;
    *pos = ref->offset + ref->length;

    const char *dot = memchr(body, '.', (size_t)(close - body));
    bool ok = dot != NULL && dot > body && dot + 1 < close;
    for (const char *p = body; ok && p < close; p++) {
        ok = p == dot || is_name_char((unsigned char)*p);
    }
    if (!ok) {
        return sluice_error_set(errbuf, errlen, SLUICE_EPARSE,
                                "malformed variable reference \"%.*s\"; expected "
                                "#{namespace.key}",
                                (int)(ref->length > 80 ? 80 : ref->length), start);
    }
    ref->ns = body;
    ref->ns_len = (size_t)(dot - body);
    ref->key = dot + 1;
    ref->key_len = (size_t)(close - dot - 1);
    return 1;
}

static bool span_is(const char *span, size_t len, const char *word)
{
    return strlen(word) == len && memcmp(span, word, len) == 0;
}

static const char *value_find(const model_vars_value *values, size_t n, const char *key,
                              size_t key_len)
{
    for (size_t i = 0; i < n; i++) {
        if (values[i].name != NULL && span_is(key, key_len, values[i].name)) {
            return values[i].value;
        }
    }
    return NULL;
}

const char *model_vars_lookup(const model_vars_context *ctx, const char *ns, size_t ns_len,
                              const char *key, size_t key_len)
{
    if (span_is(ns, ns_len, MODEL_VARS_NS_CODEPIPELINE)) {
        return span_is(key, key_len, MODEL_VARS_EXECUTION_ID) ? ctx->execution_id : NULL;
    }
    if (span_is(ns, ns_len, MODEL_VARS_NS_PIPELINE)) {
        return value_find(ctx->pipeline_values, ctx->npipeline_values, key, key_len);
    }
    for (size_t i = 0; i < ctx->nnamespaces; i++) {
        const model_vars_namespace *space = &ctx->namespaces[i];
        if (space->name != NULL && span_is(ns, ns_len, space->name)) {
            return value_find(space->values, space->nvalues, key, key_len);
        }
    }
    return NULL;
}

int model_vars_resolve(const char *text, const model_vars_context *ctx, const char *path,
                       char **out, model_errors *errs)
{
    sluice_buf buf;
    size_t pos = 0;
    size_t copied = 0;
    int rc = SLUICE_OK;
    bool failed = false;
    char message[160];

    *out = NULL;
    sluice_buf_init(&buf, MODEL_VARS_MAX_RESOLVED);
    for (;;) {
        model_vars_ref ref;
        int found = model_vars_next(text, &pos, &ref, message, sizeof(message));
        if (found == 0) {
            break;
        }
        if (found < 0) {
            model_errors_add(errs, MODEL_EXC_ACTION, path, "%s", message);
            failed = true;
            continue;
        }
        const char *value = model_vars_lookup(ctx, ref.ns, ref.ns_len, ref.key, ref.key_len);
        if (value == NULL) {
            model_errors_add(errs, MODEL_EXC_ACTION, path, "variable \"%.*s\" cannot be resolved",
                             (int)ref.length, text + ref.offset);
            failed = true;
            continue;
        }
        if (!failed) {
            rc = sluice_buf_append(&buf, text + copied, ref.offset - copied);
            if (rc == SLUICE_OK) {
                rc = sluice_buf_append_str(&buf, value);
            }
            if (rc != SLUICE_OK) {
                goto out;
            }
        }
        copied = ref.offset + ref.length;
    }
    if (failed) {
        rc = SLUICE_EINVAL;
        goto out;
    }
    rc = sluice_buf_append_str(&buf, text + copied);
    if (rc != SLUICE_OK) {
        goto out;
    }
    *out = sluice_buf_steal(&buf);
    if (*out == NULL) {
        *out = strdup("");
        rc = *out == NULL ? SLUICE_ENOMEM : SLUICE_OK;
    }
out:
    if (rc == SLUICE_ETOOBIG) {
        model_errors_add(errs, MODEL_EXC_ACTION, path, "resolved value exceeds %d bytes",
                         MODEL_VARS_MAX_RESOLVED);
    }
    sluice_buf_free(&buf);
    return rc;
}

/* The value of variable `var` for this execution: its override, else its default. */
static const char *value_of(const model_variable *var, const model_vars_value *overrides,
                            size_t noverrides)
{
    const char *value = var->default_value;
    for (size_t i = 0; i < noverrides; i++) {
        if (overrides[i].name != NULL && strcmp(overrides[i].name, var->name) == 0) {
            value = overrides[i].value;
        }
    }
    return value;
}

static bool overrides_ok(const model_pipeline *pipeline, const model_vars_value *overrides,
                         size_t noverrides, model_errors *errs)
{
    bool ok = true;
    for (size_t i = 0; i < noverrides; i++) {
        const char *name = overrides[i].name != NULL ? overrides[i].name : "";
        bool declared = false;
        for (size_t j = 0; j < pipeline->nvariables; j++) {
            declared = declared || (pipeline->variables[j].name != NULL &&
                                    strcmp(pipeline->variables[j].name, name) == 0);
        }
        for (size_t j = 0; j < i; j++) {
            if (overrides[j].name != NULL && strcmp(overrides[j].name, name) == 0) {
                model_errors_add(errs, MODEL_EXC_VALIDATION, "variables",
                                 "variable \"%s\" is given more than once", name);
                ok = false;
                break;
            }
        }
        if (!declared) {
            model_errors_add(errs, MODEL_EXC_VALIDATION, "variables",
                             "variable \"%s\" is not declared by pipeline \"%s\"", name,
                             pipeline->name != NULL ? pipeline->name : "");
            ok = false;
        }
        if (overrides[i].value == NULL) {
            model_errors_add(errs, MODEL_EXC_VALIDATION, "variables",
                             "variable \"%s\" is given no value", name);
            ok = false;
        }
    }
    return ok;
}

int model_vars_pipeline_values(const model_pipeline *pipeline, const model_vars_value *overrides,
                               size_t noverrides, model_vars_value **out, size_t *nout,
                               model_errors *errs)
{
    bool ok = overrides_ok(pipeline, overrides, noverrides, errs);
    size_t n = 0;
    size_t bytes = 0;

    *out = NULL;
    *nout = 0;
    for (size_t j = 0; j < pipeline->nvariables; j++) {
        const model_variable *var = &pipeline->variables[j];
        if (var->name == NULL) {
            continue;
        }
        const char *value = value_of(var, overrides, noverrides);
        if (value == NULL) {
            model_errors_add(errs, MODEL_EXC_VALIDATION, "variables",
                             "variable \"%s\" has no default value and was not given one",
                             var->name);
            ok = false;
            continue;
        }
        n++;
        bytes += strlen(var->name) + 1 + strlen(value) + 1;
    }
    if (!ok) {
        return SLUICE_EINVAL;
    }
    /* One block: the array, then every string it points at. */
    size_t head = (n == 0 ? 1 : n) * sizeof(model_vars_value);
    unsigned char *block = malloc(head + bytes);
    if (block == NULL) {
        return SLUICE_ENOMEM;
    }
    model_vars_value *values = (model_vars_value *)(void *)block;
    char *strings = (char *)block + head;
    size_t k = 0;
    for (size_t j = 0; j < pipeline->nvariables; j++) {
        const model_variable *var = &pipeline->variables[j];
        const char *value = var->name != NULL ? value_of(var, overrides, noverrides) : NULL;
        if (value == NULL) {
            continue;
        }
        size_t name_len = strlen(var->name) + 1;
        size_t value_len = strlen(value) + 1;
        memcpy(strings, var->name, name_len);
        values[k].name = strings;
        strings += name_len;
        memcpy(strings, value, value_len);
        values[k].value = strings;
        strings += value_len;
        k++;
    }
    *out = values;
    *nout = n;
    return SLUICE_OK;
}
