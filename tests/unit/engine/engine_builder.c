/*
 * engine_builder.c — builds test pipelines from the spec of engine_builder.h,
 * allocated the way the model parser allocates, so model_pipeline_free frees them.
 */
#include "engine_builder.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Copy of n bytes of s; '~' becomes a space when tilde is true. */
static char *tb_copy(const char *s, size_t n, bool tilde)
{
    char *out = malloc(n + 1);
    if (out == NULL) {
        abort();
    }
    memcpy(out, s, n);
    out[n] = '\0';
    for (size_t i = 0; tilde && i < n; i++) {
        if (out[i] == '~') {
            out[i] = ' ';
        }
    }
    return out;
}

static char *tb_strndup(const char *s, size_t n)
{
    return tb_copy(s, n, true);
}

static char *tb_strdup(const char *s)
{
    return tb_strndup(s, strlen(s));
}

static void *tb_grow(void *items, size_t n, size_t size)
{
    void *out = realloc(items, (n + 1) * size);
    if (out == NULL) {
        abort();
    }
    memset((char *)out + n * size, 0, size);
    return out;
}

static const char *tb_skip_space(const char *p)
{
    while (*p == ' ' || *p == '\n' || *p == '\t') {
        p++;
    }
    return p;
}

static model_category tb_category(const char *text)
{
    static const char *const names[] = {"Source", "Build",    "Deploy", "Test",
                                        "Invoke", "Approval", "Compute"};
    for (int i = 0; i < 7; i++) {
        if (strcmp(text, names[i]) == 0) {
            return (model_category)i;
        }
    }
    return MODEL_CATEGORY_UNKNOWN;
}

/* Splits "A,B" into artifacts appended to *items. */
static void tb_artifacts(const char *value, size_t len, model_artifact **items, size_t *n)
{
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || value[i] == ',') {
            if (i > start) {
                *items = tb_grow(*items, *n, sizeof **items);
                (*items)[*n].name = tb_strndup(value + start, i - start);
                (*n)++;
            }
            start = i + 1;
        }
    }
}

static int tb_attr(model_action *a, const char *attr, size_t len)
{
    const char *eq = memchr(attr, '=', len);
    if (eq == NULL) {
        return -1;
    }
    size_t klen = (size_t)(eq - attr);
    const char *value = eq + 1;
    size_t vlen = len - klen - 1;
    char *v = tb_copy(value, vlen, false);
    int rc = 0;
    if (klen == 5 && strncmp(attr, "order", 5) == 0) {
        a->run_order = (int)strtol(v, NULL, 10);
    } else if (klen == 2 && strncmp(attr, "in", 2) == 0) {
        tb_artifacts(value, vlen, &a->input_artifacts, &a->ninput_artifacts);
    } else if (klen == 3 && strncmp(attr, "out", 3) == 0) {
        tb_artifacts(value, vlen, &a->output_artifacts, &a->noutput_artifacts);
    } else if (klen == 2 && strncmp(attr, "ns", 2) == 0) {
        a->namespace_ = tb_strdup(v);
    } else if (klen == 6 && strncmp(attr, "region", 6) == 0) {
        a->region = tb_strdup(v);
    } else if (klen == 5 && strncmp(attr, "owner", 5) == 0) {
        free(a->type_id.owner);
        a->type_id.owner = tb_strdup(v);
    } else if (klen == 7 && strncmp(attr, "timeout", 7) == 0) {
        a->timeout_in_minutes = strtol(v, NULL, 10);
    } else if (klen == 3 && strncmp(attr, "cmd", 3) == 0) {
        a->commands = tb_grow(a->commands, a->ncommands, sizeof *a->commands);
        a->commands[a->ncommands++] = tb_strdup(v);
    } else if ((klen == 3 && strncmp(attr, "cfg", 3) == 0) ||
               (klen == 3 && strncmp(attr, "env", 3) == 0)) {
        char *colon = strchr(v, ':');
        if (colon == NULL) {
            rc = -1;
        } else if (attr[0] == 'c') {
            a->configuration =
                tb_grow(a->configuration, a->nconfiguration, sizeof *a->configuration);
            a->configuration[a->nconfiguration].key = tb_strndup(v, (size_t)(colon - v));
            a->configuration[a->nconfiguration].value = tb_strdup(colon + 1);
            a->nconfiguration++;
            a->has_configuration = true;
        } else {
            a->environment_variables = tb_grow(a->environment_variables, a->nenvironment_variables,
                                               sizeof *a->environment_variables);
            model_env_var *env = &a->environment_variables[a->nenvironment_variables++];
            env->name = tb_strndup(v, (size_t)(colon - v));
            env->value = tb_strdup(colon + 1);
            env->type = tb_strdup("PLAINTEXT");
        }
    } else {
        rc = -1;
    }
    free(v);
    return rc;
}

/* Parses "Name(Category/Provider attr...)" at *pp into a. */
static int tb_action(const char **pp, model_action *a)
{
    const char *p = tb_skip_space(*pp);
    const char *open = strchr(p, '(');
    const char *close = open != NULL ? strchr(open, ')') : NULL;
    if (open == NULL || close == NULL) {
        return -1;
    }
    a->name = tb_strndup(p, (size_t)(open - p));
    a->run_order = 1;
    const char *q = open + 1;
    const char *end = q;
    while (end < close && *end != ' ') {
        end++;
    }
    const char *slash = memchr(q, '/', (size_t)(end - q));
    if (slash == NULL) {
        return -1;
    }
    a->type_id.category = tb_strndup(q, (size_t)(slash - q));
    a->type_id.provider = tb_strndup(slash + 1, (size_t)(end - slash - 1));
    a->type_id.owner = tb_strdup("AWS");
    a->type_id.version = tb_strdup("1");
    a->category = tb_category(a->type_id.category);
    q = end;
    while (q < close) {
        q = tb_skip_space(q);
        end = q;
        while (end < close && *end != ' ') {
            end++;
        }
        if (end > q && tb_attr(a, q, (size_t)(end - q)) != 0) {
            return -1;
        }
        q = end;
    }
    *pp = close + 1;
    return 0;
}

static int tb_stage(const char *text, size_t len, model_stage *st)
{
    char *copy = tb_copy(text, len, false);
    const char *p = tb_skip_space(copy);
    const char *colon = strchr(p, ':');
    int rc = 0;
    if (colon == NULL) {
        free(copy);
        return -1;
    }
    st->name = tb_strndup(p, (size_t)(colon - p));
    p = colon + 1;
    for (;;) {
        p = tb_skip_space(p);
        if (*p == '\0') {
            break;
        }
        st->actions = tb_grow(st->actions, st->nactions, sizeof *st->actions);
        rc = tb_action(&p, &st->actions[st->nactions]);
        st->nactions++;
        if (rc != 0) {
            break;
        }
    }
    free(copy);
    return rc;
}

model_pipeline *tb_pipeline(const char *name, int64_t version, model_execution_mode mode,
                            const char *spec, const char *variables)
{
    model_pipeline *p = calloc(1, sizeof *p);
    if (p == NULL) {
        abort();
    }
    p->name = tb_strdup(name);
    p->role_arn = tb_strdup("arn:aws:iam::111122223333:role/Pipeline");
    p->version = version;
    p->execution_mode = mode;
    p->pipeline_type = MODEL_PIPELINE_V2;
    const char *s = spec;
    while (*s != '\0') {
        const char *bar = strchr(s, '|');
        size_t len = bar != NULL ? (size_t)(bar - s) : strlen(s);
        p->stages = tb_grow(p->stages, p->nstages, sizeof *p->stages);
        int rc = tb_stage(s, len, &p->stages[p->nstages]);
        p->nstages++;
        if (rc != 0) {
            fprintf(stderr, "bad pipeline spec near: %.*s\n", (int)len, s);
            model_pipeline_free(p);
            return NULL;
        }
        s += len;
        if (*s == '|') {
            s++;
        }
    }
    const char *v = variables;
    while (v != NULL && *v != '\0') {
        const char *comma = strchr(v, ',');
        size_t len = comma != NULL ? (size_t)(comma - v) : strlen(v);
        const char *eq = memchr(v, '=', len);
        p->variables = tb_grow(p->variables, p->nvariables, sizeof *p->variables);
        model_variable *var = &p->variables[p->nvariables++];
        var->name = tb_strndup(v, eq != NULL ? (size_t)(eq - v) : len);
        if (eq != NULL) {
            var->default_value = tb_strndup(eq + 1, len - (size_t)(eq - v) - 1);
        }
        v += len;
        if (*v == ',') {
            v++;
        }
    }
    return p;
}

int tb_conditions(model_pipeline *p, const char *json)
{
    if (json == NULL) {
        return 0;
    }
    char *text = tb_copy(json, strlen(json), false);
    for (char *c = text; *c != '\0'; c++) {
        if (*c == '\'') {
            *c = '"';
        }
    }
    json_error_t error;
    json_t *root = json_loads(text, 0, &error);
    free(text);
    if (!json_is_object(root)) {
        fprintf(stderr, "bad conditions JSON: %s\n", error.text);
        json_decref(root);
        return -1;
    }
    int rc = 0;
    const char *stage;
    json_t *holders;
    json_object_foreach(root, stage, holders)
    {
        model_stage *st = NULL;
        for (size_t s = 0; s < p->nstages; s++) {
            st = strcmp(p->stages[s].name, stage) == 0 ? &p->stages[s] : st;
        }
        const char *kind;
        json_t *holder;
        json_object_foreach(holders, kind, holder)
        {
            json_t **slot = NULL;
            if (st != NULL && strcmp(kind, "beforeEntry") == 0) {
                slot = &st->before_entry;
            } else if (st != NULL && strcmp(kind, "onSuccess") == 0) {
                slot = &st->on_success;
            } else if (st != NULL && strcmp(kind, "onFailure") == 0) {
                slot = &st->on_failure;
            }
            if (slot == NULL) {
                fprintf(stderr, "bad conditions: stage %s, member %s\n", stage, kind);
                rc = -1;
                continue;
            }
            json_decref(*slot);
            *slot = json_incref(holder);
        }
    }
    json_decref(root);
    return rc;
}
