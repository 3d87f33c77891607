/*
 * con_core.c — the pure rules of sluice-console (see con_core.h).
 *
 * Server-Sent Events: the HTML Living Standard, "Server-sent events"
 * (event stream format: fields "id", "event", "data", "retry", a blank line
 * ending each event, lines starting with ':' being comments).
 */
#include "con_core.h"

#include "sluice/error.h"
#include "sluice/protocol_roles.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void con_core_buttons_of(const char *role, con_core_buttons *out)
{
    bool operate = protocol_role_allows(role, PROTOCOL_ROLE_OPERATE);
    out->start = operate;
    out->stop = operate;
    out->retry = operate;
    out->transition = operate;
    out->approve = protocol_role_allows(role, PROTOCOL_ROLE_APPROVE);
}

typedef struct con_core_op {
    const char *name;
    bool changes_state;
} con_core_op;

static const con_core_op con_core_ops[] = {
    {"ListPipelines", false},         {"GetPipeline", false},
    {"GetPipelineState", false},      {"ListPipelineExecutions", false},
    {"GetPipelineExecution", false},  {"ListActionExecutions", false},
    {"StartPipelineExecution", true}, {"StopPipelineExecution", true},
    {"RetryStageExecution", true},    {"DisableStageTransition", true},
    {"EnableStageTransition", true},  {"PutApprovalResult", true},
};

bool con_core_operation(const char *name, bool *changes_state)
{
    for (size_t i = 0; name != NULL && i < sizeof con_core_ops / sizeof con_core_ops[0]; i++) {
        if (strcmp(con_core_ops[i].name, name) == 0) {
            *changes_state = con_core_ops[i].changes_state;
            return true;
        }
    }
    *changes_state = false;
    return false;
}

/* The Origin is the public URL's, or the request's own scheme://Host. */
static bool con_core_origin_ok(const con_core_request *req)
{
    if (req->origin == NULL) {
        return true; /* not a browser's cross-origin call: browsers send Origin on every POST */
    }
    if (req->public_origin != NULL && strcmp(req->origin, req->public_origin) == 0) {
        return true;
    }
    if (req->host == NULL) {
        return false;
    }
    const char *scheme = req->secure ? "https://" : "http://";
    size_t slen = strlen(scheme);
    return strncmp(req->origin, scheme, slen) == 0 && strcmp(req->origin + slen, req->host) == 0;
}

con_core_verdict con_core_check(const con_core_request *req)
{
    if (req->changes_state && !con_core_origin_ok(req)) {
        return CON_CORE_FOREIGN;
    }
    if (req->needs_session && !req->has_session) {
        return CON_CORE_SIGNED_OUT;
    }
    if (req->changes_state && req->csrf_required && !req->csrf_ok) {
        return CON_CORE_NO_CSRF;
    }
    return CON_CORE_OK;
}

int con_core_verdict_status(con_core_verdict verdict)
{
    switch (verdict) {
    case CON_CORE_OK:
        return 200;
    case CON_CORE_SIGNED_OUT:
        return 401;
    case CON_CORE_FOREIGN:
    case CON_CORE_NO_CSRF:
        return 403;
    }
    return 500;
}

int con_core_sse_frame(sluice_buf *out, const char *id, const char *event, const char *data)
{
    if ((id != NULL && strpbrk(id, "\r\n") != NULL) || strpbrk(event, "\r\n") != NULL ||
        strpbrk(data, "\r\n") != NULL) {
        return SLUICE_EINVAL;
    }
    int rc = 0;
    if (id != NULL) {
        rc = sluice_buf_appendf(out, "id: %s\n", id);
    }
    rc = rc != 0 ? rc : sluice_buf_appendf(out, "event: %s\ndata: %s\n\n", event, data);
    return rc;
}

bool con_core_pipeline_valid(const char *name)
{
    size_t len = name != NULL ? strlen(name) : 0;
    if (len == 0 || len > CON_CORE_PIPELINE_MAX) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '@' || c == '_' || c == '-')) {
            return false;
        }
    }
    return true;
}

/* Copies a string member of detail into doc as to; -1 when present but not a string. */
static int con_core_copy(json_t *doc, const char *to, const json_t *detail, const char *name)
{
    const json_t *v = json_object_get(detail, name);
    if (v == NULL) {
        return 0;
    }
    if (!json_is_string(v) || json_string_length(v) > 1024) {
        return -1;
    }
    json_object_set_new(doc, to, json_string(json_string_value(v)));
    return 0;
}

int con_core_event_data(const char *detail_type, const char *time, const json_t *detail,
                        sluice_buf *out, char *pipeline)
{
    pipeline[0] = '\0';
    static const char prefix[] = "CodePipeline ";
    if (detail_type == NULL || strncmp(detail_type, prefix, sizeof prefix - 1) != 0 ||
        strstr(detail_type, "State Change") == NULL) {
        return SLUICE_ENOTFOUND;
    }
    const char *name = json_string_value(json_object_get(detail, "pipeline"));
    if (!json_is_object(detail) || !con_core_pipeline_valid(name)) {
        return SLUICE_EPARSE;
    }
    json_t *doc = json_object();
    json_object_set_new(doc, "type", json_string(detail_type));
    json_object_set_new(doc, "pipeline", json_string(name));
    if (time != NULL && strlen(time) <= 64) {
        json_object_set_new(doc, "time", json_string(time));
    }
    int rc = 0;
    if (con_core_copy(doc, "stage", detail, "stage") != 0 ||
        con_core_copy(doc, "action", detail, "action") != 0 ||
        con_core_copy(doc, "state", detail, "state") != 0 ||
        con_core_copy(doc, "executionId", detail, "execution-id") != 0) {
        rc = SLUICE_EPARSE;
    }
    char *text = rc == 0 ? json_dumps(doc, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
    json_decref(doc);
    if (rc == 0 && text == NULL) {
        rc = SLUICE_ENOMEM;
    }
    if (rc == 0 && strlen(text) > CON_CORE_EVENT_MAX) {
        rc = SLUICE_ETOOBIG;
    }
    if (rc == 0) {
        rc = sluice_buf_append_str(out, text);
    }
    free(text);
    if (rc == 0) {
        snprintf(pipeline, CON_CORE_PIPELINE_MAX + 1, "%s", name);
    }
    return rc;
}

/* Reads [p, end) as a decimal of at most 19 digits. */
static bool con_core_decimal(const char *p, const char *end, uint64_t *out)
{
    if (p == end || end - p > 19) {
        return false;
    }
    uint64_t v = 0;
    for (; p < end; p++) {
        if (*p < '0' || *p > '9') {
            return false;
        }
        v = v * 10 + (uint64_t)(*p - '0');
    }
    *out = v;
    return true;
}

bool con_core_last_event_id(const char *text, uint64_t *epoch, uint64_t *seq)
{
    if (text == NULL) {
        return false;
    }
    const char *dash = strchr(text, '-');
    if (dash == NULL) {
        return false;
    }
    uint64_t e = 0;
    uint64_t s = 0;
    if (!con_core_decimal(text, dash, &e) || !con_core_decimal(dash + 1, dash + strlen(dash), &s)) {
        return false;
    }
    *epoch = e;
    *seq = s;
    return true;
}
