/*
 * engine_vars.c — variable references in action configuration (see engine_vars.h;
 * CodePipeline user guide, "Variables reference").
 */
#include "engine_vars.h"

#include "engine_util.h"
#include "sluice/buf.h"
#include "sluice/error.h"

#include <stdlib.h>
#include <string.h>

/* The value of ns.key for x, or NULL when it names nothing. */
static const char *engine_vars_lookup(const engine_plan *plan, const engine_execution *x,
                                      const char *ns, const char *key)
{
    if (strcmp(ns, "codepipeline") == 0) {
        return strcmp(key, "PipelineExecutionId") == 0 ? x->id : NULL;
    }
    if (strcmp(ns, "variables") == 0) {
        for (size_t i = 0; i < x->nvariables; i++) {
            if (strcmp(x->variables[i].key, key) == 0) {
                return x->variables[i].value;
            }
        }
        return NULL;
    }
    for (size_t s = 0; s < plan->nstages && s < x->nstages; s++) {
        const engine_plan_stage *ps = &plan->stages[s];
        for (size_t a = 0; a < ps->nactions && a < x->stages[s].nactions; a++) {
            const engine_action_run *run = &x->stages[s].actions[a];
            if (!engine_util_str_eq(ps->actions[a].namespace_, ns) ||
                run->status != ENGINE_ACTION_SUCCEEDED) {
                continue;
            }
            for (size_t v = 0; v < run->noutput_vars; v++) {
                if (strcmp(run->output_vars[v].key, key) == 0) {
                    return run->output_vars[v].value;
                }
            }
        }
    }
    return NULL;
}

int engine_vars_resolve(const engine_plan *plan, const engine_execution *x, const char *text,
                        char **out, char *errbuf, size_t errlen)
{
    sluice_buf buf;
    sluice_buf_init(&buf, ENGINE_VARS_MAX_BYTES);
    int rc = SLUICE_OK;
    const char *p = text != NULL ? text : "";
    *out = NULL;
    while (*p != '\0' && rc == SLUICE_OK) {
        const char *open = strstr(p, "#{");
        const char *close = open != NULL ? strchr(open + 2, '}') : NULL;
        if (open == NULL || close == NULL) {
            rc = sluice_buf_append_str(&buf, p);
            break;
        }
        rc = sluice_buf_append(&buf, p, (size_t)(open - p));
        size_t inner_len = (size_t)(close - open - 2);
        char *inner = engine_util_calloc(inner_len + 1, 1);
        memcpy(inner, open + 2, inner_len);
        char *dot = strchr(inner, '.');
        if (rc == SLUICE_OK && (dot == NULL || dot == inner || dot[1] == '\0')) {
            /* not a reference: copy the text as written */
            rc = sluice_buf_append(&buf, open, (size_t)(close - open + 1));
        } else if (rc == SLUICE_OK) {
            *dot = '\0';
            const char *value = engine_vars_lookup(plan, x, inner, dot + 1);
            if (value == NULL) {
                *dot = '.';
                rc = sluice_error_set(errbuf, errlen, SLUICE_ENOTFOUND,
                                      "Unable to resolve variable reference #{%s}", inner);
            } else {
                rc = sluice_buf_append_str(&buf, value);
            }
        }
        free(inner);
        p = close + 1;
    }
    if (rc == SLUICE_ETOOBIG) {
        sluice_error_set(errbuf, errlen, rc, "Resolved configuration exceeds %d bytes",
                         ENGINE_VARS_MAX_BYTES);
    } else if (rc == SLUICE_ENOMEM) {
        abort(); /* the engine's out-of-memory policy */
    }
    if (rc != SLUICE_OK) {
        sluice_buf_free(&buf);
        return rc;
    }
    char *result = sluice_buf_steal(&buf);
    *out = result != NULL ? result : engine_util_strdup("");
    return SLUICE_OK;
}
