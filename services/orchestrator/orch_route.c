/*
 * orch_route.c — requests in, outbox entries out (see orch_route.h).
 */
#include "orch_route.h"

#include "sluice/buf.h"
#include "sluice/engine_json.h"
#include "sluice/error.h"
#include "sluice/state_key.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int orch_route_request(const bus_envelope *env, orch_request *req, char *err, size_t errlen)
{
    memset(req, 0, sizeof *req);
    json_t *detail = env->detail;
    const char *pipeline = json_string_value(json_object_get(detail, "pipeline"));
    if (pipeline == NULL) {
        return sluice_error_set(err, errlen, SLUICE_EPARSE,
                                "request detail: missing string field \"pipeline\"");
    }
    if (!protocol_pipeline_name_ok(pipeline)) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                "request detail.pipeline: \"%.100s\" is not a pipeline name",
                                pipeline);
    }
    const char *type = json_string_value(json_object_get(detail, "type"));
    if (type == NULL) {
        return sluice_error_set(err, errlen, SLUICE_EPARSE,
                                "request detail: missing string field \"type\"");
    }
    req->pipeline = pipeline;
    if (strcmp(type, PROTOCOL_REQUEST_PIPELINE_DELETED) == 0) {
        req->kind = ORCH_REQUEST_DELETED;
        return SLUICE_OK;
    }
    if (strcmp(type, PROTOCOL_REQUEST_PIPELINE_UPDATED) == 0) {
        json_t *version = json_object_get(detail, "version");
        if (!json_is_integer(version) || json_integer_value(version) < 1) {
            return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                    "request detail.version: PipelineUpdated needs a version >= 1");
        }
        req->version = json_integer_value(version);
    }
    char reason[256];
    int rc = engine_input_from_json(detail, &req->doc, reason, sizeof reason);
    if (rc != SLUICE_OK) {
        memset(req, 0, sizeof *req);
        return sluice_error_set(err, errlen, rc, "request detail: %s", reason);
    }
    req->has_doc = true;
    req->kind = ORCH_REQUEST_ENGINE;
    return SLUICE_OK;
}

void orch_request_clear(orch_request *req)
{
    if (req->has_doc) {
        engine_input_doc_free(&req->doc);
    }
    memset(req, 0, sizeof *req);
}

static json_t *job_envelope(const engine_effect *effect, const orch_route_ctx *ctx, char *err,
                            size_t errlen)
{
    const char *resources[1] = {ctx->pipeline_arn};
    bus_envelope_spec spec = {
        .id = effect->id,
        .detail_type = ORCH_DETAIL_TYPE_JOB,
        .source = ORCH_SOURCE,
        .account = ctx->account,
        .region = ctx->region,
        .time_ms = ctx->now_ms,
        .resources = resources,
        .nresources = 1,
        .detail = effect->body,
    };
    bus_envelope *env = NULL;
    if (bus_envelope_new(&spec, &env, err, errlen) != SLUICE_OK) {
        return NULL;
    }
    json_t *root = json_incref(env->root);
    bus_envelope_free(env);
    return root;
}

/* Epoch-seconds number member (as the API shapes carry) to milliseconds; fallback when absent. */
static int64_t seconds_member_ms(const json_t *obj, const char *name, int64_t fallback)
{
    json_t *value = json_object_get(obj, name);
    if (!json_is_number(value)) {
        return fallback;
    }
    return (int64_t)llround(json_number_value(value) * 1000.0);
}

static json_t *route_one(const engine_effect *effect, const orch_route_ctx *ctx, char *err,
                         size_t errlen)
{
    switch (effect->kind) {
    case ENGINE_EFFECT_EVENT:
        if (effect->body == NULL) {
            break;
        }
        return json_pack("{s:s, s:s, s:O}", "op", "publish-event", "key", ctx->pipeline, "message",
                         effect->body);
    case ENGINE_EFFECT_JOB: {
        if (effect->id == NULL || effect->body == NULL || effect->execution_id == NULL) {
            break;
        }
        json_t *message = job_envelope(effect, ctx, err, errlen);
        if (message == NULL) {
            return NULL;
        }
        return json_pack("{s:s, s:s, s:o}", "op", "publish-job", "key", effect->execution_id,
                         "message", message);
    }
    case ENGINE_EFFECT_TIMER_SET:
        if (effect->id == NULL) {
            break;
        }
        return json_pack("{s:s, s:s, s:I}", "op", "timer-set", "key", effect->id, "deadline",
                         (json_int_t)effect->deadline_ms);
    case ENGINE_EFFECT_TIMER_CANCEL:
        if (effect->id == NULL) {
            break;
        }
        return json_pack("{s:s, s:s}", "op", "timer-cancel", "key", effect->id);
    case ENGINE_EFFECT_REPLY: {
        if (effect->id == NULL) {
            return json_null(); /* nobody waits for it */
        }
        json_t *reply = json_pack("{s:s}", "requestId", effect->id);
        if (effect->exception != NULL) {
            json_object_set_new(reply, "exception", json_string(effect->exception));
            json_object_set_new(reply, "message",
                                json_string(effect->message != NULL ? effect->message : ""));
        } else {
            json_object_set_new(reply, "body",
                                effect->body != NULL ? json_incref(effect->body) : json_object());
        }
        return json_pack("{s:s, s:s, s:o}", "op", "reply", "requestId", effect->id, "reply", reply);
    }
    case ENGINE_EFFECT_ARCHIVE: {
        if (effect->id == NULL || effect->body == NULL) {
            break;
        }
        bool execution = effect->archive == ENGINE_ARCHIVE_PIPELINE_EXECUTION;
        const json_t *timed = execution ? json_object_get(effect->body, "summary") : effect->body;
        int64_t start = seconds_member_ms(timed, "startTime", ctx->now_ms);
        const char *op = execution                                          ? "archive-execution"
                         : effect->archive == ENGINE_ARCHIVE_RULE_EXECUTION ? "archive-rule"
                                                                            : "archive-action";
        return json_pack("{s:s, s:s, s:I, s:O}", "op", op, "id", effect->id, "start",
                         (json_int_t)start, "record", effect->body);
    }
    }
    sluice_error_set(err, errlen, SLUICE_EINVAL, "effect %s lacks its id or body",
                     engine_effects_kind_name(effect->kind));
    return NULL;
}

int orch_route_effects(const engine_effects *effects, const orch_route_ctx *ctx, json_t *entries,
                       char *err, size_t errlen)
{
    for (size_t i = 0; i < effects->count; i++) {
        json_t *entry = route_one(&effects->items[i], ctx, err, errlen);
        if (entry == NULL) {
            return SLUICE_EINVAL;
        }
        if (json_is_null(entry)) {
            continue;
        }
        json_array_append_new(entries, entry);
    }
    return SLUICE_OK;
}

static const struct {
    const char *name;
    orch_op_kind kind;
} op_names[] = {
    {"publish-event", ORCH_OP_PUBLISH_EVENT},
    {"publish-job", ORCH_OP_PUBLISH_JOB},
    {"timer-set", ORCH_OP_TIMER_SET},
    {"timer-cancel", ORCH_OP_TIMER_CANCEL},
    {"reply", ORCH_OP_REPLY},
    {"archive-execution", ORCH_OP_ARCHIVE_EXECUTION},
    {"archive-action", ORCH_OP_ARCHIVE_ACTION},
    {"archive-rule", ORCH_OP_ARCHIVE_RULE},
};

int orch_op_parse(const char *text, size_t len, orch_op *op, char *err, size_t errlen)
{
    memset(op, 0, sizeof *op);
    json_error_t jerr;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        return sluice_error_set(err, errlen, SLUICE_EPARSE, "outbox entry: %s", jerr.text);
    }
    int rc = orch_op_from_json(root, op, err, errlen);
    json_decref(root); /* op keeps its own reference */
    return rc;
}

int orch_op_from_json(json_t *entry, orch_op *op, char *err, size_t errlen)
{
    memset(op, 0, sizeof *op);
    json_t *root = json_incref(entry);
    const char *name = json_string_value(json_object_get(root, "op"));
    size_t i = 0;
    for (; name != NULL && i < sizeof op_names / sizeof op_names[0]; i++) {
        if (strcmp(name, op_names[i].name) == 0) {
            break;
        }
    }
    if (name == NULL || i == sizeof op_names / sizeof op_names[0]) {
        json_decref(root);
        return sluice_error_set(err, errlen, SLUICE_EPARSE, "outbox op: unknown op");
    }
    op->kind = op_names[i].kind;
    op->root = root;
    switch (op->kind) {
    case ORCH_OP_PUBLISH_EVENT:
    case ORCH_OP_PUBLISH_JOB:
        op->key = json_string_value(json_object_get(root, "key"));
        op->payload = json_object_get(root, "message");
        if (op->key == NULL || !json_is_object(op->payload)) {
            goto malformed;
        }
        return SLUICE_OK;
    case ORCH_OP_TIMER_SET:
    case ORCH_OP_TIMER_CANCEL:
        op->key = json_string_value(json_object_get(root, "key"));
        op->deadline_ms = json_integer_value(json_object_get(root, "deadline"));
        if (op->key == NULL || (op->kind == ORCH_OP_TIMER_SET &&
                                !json_is_integer(json_object_get(root, "deadline")))) {
            goto malformed;
        }
        return SLUICE_OK;
    case ORCH_OP_REPLY:
        op->id = json_string_value(json_object_get(root, "requestId"));
        op->payload = json_object_get(root, "reply");
        if (op->id == NULL || !json_is_object(op->payload)) {
            goto malformed;
        }
        return SLUICE_OK;
    case ORCH_OP_ARCHIVE_EXECUTION:
    case ORCH_OP_ARCHIVE_ACTION:
    case ORCH_OP_ARCHIVE_RULE:
        op->id = json_string_value(json_object_get(root, "id"));
        op->start_ms = json_integer_value(json_object_get(root, "start"));
        op->payload = json_object_get(root, "record");
        if (op->id == NULL || !json_is_object(op->payload)) {
            goto malformed;
        }
        return SLUICE_OK;
    }
malformed:
    sluice_error_set(err, errlen, SLUICE_EPARSE, "outbox op %s: missing members", name);
    json_decref(root); /* name points into root: report first */
    memset(op, 0, sizeof *op);
    return SLUICE_EPARSE;
}

void orch_op_clear(orch_op *op)
{
    json_decref(op->root);
    memset(op, 0, sizeof *op);
}

/* Appends the compact text of json to buf (json_dumps's bytes). 0, or SLUICE_ETOOBIG. */
static int dump_append(sluice_buf *buf, const json_t *json)
{
    int rc = engine_json_append(buf, json);
    return rc == SLUICE_OK || rc == SLUICE_ENOMEM ? rc : SLUICE_ETOOBIG;
}

/* The member of an op holding its document: what is published, replied or archived. */
static const char *payload_member(const json_t *op)
{
    static const char *const names[] = {"message", "reply", "record"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (json_object_get(op, names[i]) != NULL) {
            return names[i];
        }
    }
    return NULL;
}

/*
 * Appends one op: its members but its payload, in order, then
 * "<payload>":<text> last, noting where the text is. Written member by
 * member: no copy of the op.
 */
static int render_op(sluice_buf *buf, json_t *op, size_t *payload_at, size_t *payload_len)
{
    *payload_at = 0;
    *payload_len = 0;
    const char *name = payload_member(op);
    int rc = sluice_buf_append(buf, "{", 1);
    bool first = true;
    const char *key;
    json_t *member;
    json_object_foreach(op, key, member)
    {
        if (rc != SLUICE_OK) {
            break;
        }
        if (name != NULL && strcmp(key, name) == 0) {
            continue;
        }
        rc = first ? SLUICE_OK : sluice_buf_append(buf, ",", 1);
        first = false;
        if (rc == SLUICE_OK) {
            rc = engine_json_append_string(buf, key, strlen(key)) == SLUICE_OK ? SLUICE_OK
                                                                               : SLUICE_ETOOBIG;
        }
        if (rc == SLUICE_OK) {
            rc = sluice_buf_append(buf, ":", 1);
        }
        if (rc == SLUICE_OK) {
            rc = dump_append(buf, member);
        }
    }
    if (rc == SLUICE_OK && name != NULL) {
        rc = sluice_buf_appendf(buf, "%s\"%s\":", first ? "" : ",", name);
        if (rc == SLUICE_OK) {
            *payload_at = buf->len;
            rc = dump_append(buf, json_object_get(op, name));
            *payload_len = buf->len - *payload_at;
        }
    }
    return rc == SLUICE_OK ? sluice_buf_append(buf, "}", 1) : rc;
}

int orch_route_entry_render(json_t *ops, orch_route_entry *out)
{
    memset(out, 0, sizeof *out);
    if (!json_is_array(ops)) {
        return SLUICE_EINVAL;
    }
    size_t n = json_array_size(ops);
    out->payload_at = calloc(n > 0 ? n : 1, sizeof *out->payload_at);
    out->payload_len = calloc(n > 0 ? n : 1, sizeof *out->payload_len);
    sluice_buf buf;
    sluice_buf_init(&buf, ORCH_ROUTE_ENTRY_MAX_BYTES);
    int rc = out->payload_at != NULL && out->payload_len != NULL
                 ? sluice_buf_append_str(&buf, "{\"ops\":[")
                 : SLUICE_ENOMEM;
    for (size_t i = 0; i < n && rc == SLUICE_OK; i++) {
        json_t *op = json_array_get(ops, i);
        if (!json_is_object(op)) {
            rc = SLUICE_EINVAL;
            break;
        }
        rc = i > 0 ? sluice_buf_append_str(&buf, ",") : SLUICE_OK;
        if (rc == SLUICE_OK) {
            rc = render_op(&buf, op, &out->payload_at[i], &out->payload_len[i]);
        }
    }
    if (rc == SLUICE_OK) {
        rc = sluice_buf_append_str(&buf, "]}");
    }
    if (rc != SLUICE_OK) {
        sluice_buf_free(&buf);
        orch_route_entry_free(out);
        return rc;
    }
    out->len = buf.len;
    out->text = sluice_buf_steal(&buf);
    out->nops = n;
    return SLUICE_OK;
}

void orch_route_entry_free(orch_route_entry *entry)
{
    free(entry->text);
    free(entry->payload_at);
    free(entry->payload_len);
    memset(entry, 0, sizeof *entry);
}

int orch_route_timer_member(char *out, size_t outlen, const char *pipeline, const char *key)
{
    int n = snprintf(out, outlen, "%s%c%s", pipeline, STATE_KEY_TIMER_SEPARATOR, key);
    if (n < 0 || (size_t)n >= outlen) {
        if (outlen > 0) {
            out[0] = '\0';
        }
        return SLUICE_ETOOBIG;
    }
    return SLUICE_OK;
}

int orch_route_timer_split(const char *member, char *pipeline, size_t plen, const char **key)
{
    const char *sep = strchr(member, STATE_KEY_TIMER_SEPARATOR);
    if (sep == NULL || sep == member || (size_t)(sep - member) >= plen) {
        return SLUICE_EPARSE;
    }
    memcpy(pipeline, member, (size_t)(sep - member));
    pipeline[sep - member] = '\0';
    *key = sep + 1;
    return SLUICE_OK;
}
