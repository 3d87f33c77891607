/*
 * orch_route.c — requests in, outbox entries out (see orch_route.h).
 */
#include "orch_route.h"

#include "sluice/buf.h"
#include "sluice/engine_json.h"
#include "sluice/error.h"
#include "sluice/id.h"
#include "sluice/jsontext.h"
#include "sluice/state_key.h"
#include "sluice/time.h"

#include <inttypes.h>
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
    free(entry->info);
    free(entry->keys);
    memset(entry, 0, sizeof *entry);
}

void orch_route_builder_init(orch_route_builder *b)
{
    memset(b, 0, sizeof *b);
    sluice_buf_init(&b->text, ORCH_ROUTE_ENTRY_MAX_BYTES);
    sluice_buf_init(&b->keys, ORCH_ROUTE_ENTRY_MAX_BYTES);
}

void orch_route_builder_free(orch_route_builder *b)
{
    sluice_buf_free(&b->text);
    sluice_buf_free(&b->keys);
    free(b->payload_at);
    free(b->payload_len);
    free(b->info);
    orch_route_builder_init(b);
}

size_t orch_route_builder_count(const orch_route_builder *b)
{
    return b->nops;
}

/* Keeps the first failure; true while there is none. */
static bool builder_ok(orch_route_builder *b, int rc)
{
    if (b->rc == SLUICE_OK && rc != SLUICE_OK) {
        b->rc = rc == SLUICE_ENOMEM ? SLUICE_ENOMEM : SLUICE_ETOOBIG;
    }
    return b->rc == SLUICE_OK;
}

static void builder_raw(orch_route_builder *b, const char *s, size_t len)
{
    if (b->rc == SLUICE_OK) {
        (void)builder_ok(b, sluice_buf_append(&b->text, s, len));
    }
}

#define BUILDER_LIT(b, lit) builder_raw((b), (lit), sizeof(lit) - 1)

/* A string value; false (nothing kept) when jansson would not take it (not UTF-8). */
static bool builder_string(orch_route_builder *b, const char *s)
{
    if (b->rc != SLUICE_OK) {
        return true;
    }
    int rc = engine_json_append_string(&b->text, s, strlen(s));
    if (rc == SLUICE_EINVAL) {
        return false;
    }
    (void)builder_ok(b, rc);
    return true;
}

static void builder_int(orch_route_builder *b, int64_t value)
{
    char digits[24];
    int n = snprintf(digits, sizeof digits, "%" PRId64, value);
    builder_raw(b, digits, (size_t)n);
}

/* A document (a payload, an envelope's detail); false when jansson would not dump it. */
static bool builder_json(orch_route_builder *b, const json_t *json)
{
    if (b->rc != SLUICE_OK) {
        return true;
    }
    int rc = engine_json_append(&b->text, json);
    if (rc == SLUICE_EINVAL) {
        return false;
    }
    (void)builder_ok(b, rc);
    return true;
}

/* Starts op number b->nops: its separator, "{\"op\":\"<name>\"", its info with key kept. */
static void builder_op_begin(orch_route_builder *b, orch_op_kind kind, const char *name,
                             const char *key, int64_t at_ms)
{
    if (b->nops == b->cap) {
        size_t cap = b->cap > 0 ? b->cap * 2 : 8;
        size_t *at = realloc(b->payload_at, cap * sizeof *at);
        if (at != NULL) {
            b->payload_at = at;
        }
        size_t *len = realloc(b->payload_len, cap * sizeof *len);
        if (len != NULL) {
            b->payload_len = len;
        }
        orch_route_op_info *info = realloc(b->info, cap * sizeof *info);
        if (info != NULL) {
            b->info = info;
        }
        if (at == NULL || len == NULL || info == NULL) {
            (void)builder_ok(b, SLUICE_ENOMEM);
            return;
        }
        b->cap = cap;
    }
    if (b->rc != SLUICE_OK) {
        return;
    }
    size_t i = b->nops++;
    b->payload_at[i] = 0;
    b->payload_len[i] = 0;
    b->info[i] = (orch_route_op_info){.kind = kind, .key_at = b->keys.len, .at_ms = at_ms};
    (void)builder_ok(b, sluice_buf_append(&b->keys, key, strlen(key) + 1));
    if (i > 0) {
        BUILDER_LIT(b, ",");
    }
    BUILDER_LIT(b, "{\"op\":\"");
    builder_raw(b, name, strlen(name));
    BUILDER_LIT(b, "\"");
}

/* Writes ,"<member>": and notes that the current op's payload starts here. */
static void builder_payload_begin(orch_route_builder *b, const char *member)
{
    BUILDER_LIT(b, ",\"");
    builder_raw(b, member, strlen(member));
    BUILDER_LIT(b, "\":");
    if (b->rc == SLUICE_OK) {
        b->payload_at[b->nops - 1] = b->text.len;
    }
}

/* Notes the end of the current op's payload and closes the op. */
static void builder_payload_end(orch_route_builder *b)
{
    if (b->rc == SLUICE_OK) {
        b->payload_len[b->nops - 1] = b->text.len - b->payload_at[b->nops - 1];
    }
    BUILDER_LIT(b, "}");
}

/*
 * Checks the header of the jobs' envelopes (what bus_envelope_new checks
 * but the detail and the id) once: the account, region and pipeline ARN
 * are those of every job of the call.
 */
static int job_header_check(const orch_route_ctx *ctx, const char *id, char *err, size_t errlen)
{
    const char *resources[1] = {ctx->pipeline_arn};
    json_t *empty = json_object();
    bus_envelope_spec spec = {
        .id = id,
        .detail_type = ORCH_DETAIL_TYPE_JOB,
        .source = ORCH_SOURCE,
        .account = ctx->account,
        .region = ctx->region,
        .time_ms = ctx->now_ms,
        .resources = resources,
        .nresources = 1,
        .detail = empty,
    };
    bus_envelope *env = NULL;
    int rc = empty != NULL ? bus_envelope_new(&spec, &env, err, errlen) : SLUICE_ENOMEM;
    bus_envelope_free(env);
    json_decref(empty);
    return rc;
}

/* A job's envelope, as bus_envelope_new builds it and json_dumps renders it. */
static int builder_job_envelope(orch_route_builder *b, const engine_effect *effect,
                                const orch_route_ctx *ctx, const char *when, char *err,
                                size_t errlen)
{
    size_t start = b->text.len;
    BUILDER_LIT(b, "{\"version\":\"" BUS_ENVELOPE_VERSION "\",\"id\":");
    (void)builder_string(b, effect->id); /* a UUID: checked */
    BUILDER_LIT(b, ",\"detail-type\":");
    (void)builder_string(b, ORCH_DETAIL_TYPE_JOB);
    BUILDER_LIT(b, ",\"source\":");
    (void)builder_string(b, ORCH_SOURCE);
    BUILDER_LIT(b, ",\"account\":");
    (void)builder_string(b, ctx->account); /* checked with the header */
    BUILDER_LIT(b, ",\"time\":");
    (void)builder_string(b, when);
    BUILDER_LIT(b, ",\"region\":");
    (void)builder_string(b, ctx->region);
    BUILDER_LIT(b, ",\"resources\":[");
    (void)builder_string(b, ctx->pipeline_arn);
    BUILDER_LIT(b, "],\"detail\":");
    if (!builder_json(b, effect->body)) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL, "envelope: the job is not UTF-8");
    }
    BUILDER_LIT(b, "}");
    if (b->rc == SLUICE_OK &&
        sluice_jsontext_depth(b->text.data + start, b->text.len - start, BUS_ENVELOPE_MAX_DEPTH) >
            BUS_ENVELOPE_MAX_DEPTH) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                "envelope: nesting depth exceeds %d levels",
                                BUS_ENVELOPE_MAX_DEPTH);
    }
    return SLUICE_OK;
}

static int not_utf8(const engine_effect *effect, char *err, size_t errlen)
{
    return sluice_error_set(err, errlen, SLUICE_EINVAL, "effect %s: a string is not UTF-8",
                            engine_effects_kind_name(effect->kind));
}

/* One effect's op, as route_one builds it and render_op writes it. */
static int builder_one(orch_route_builder *b, const engine_effect *effect,
                       const orch_route_ctx *ctx, const char *when, char *err, size_t errlen)
{
    switch (effect->kind) {
    case ENGINE_EFFECT_EVENT:
        if (effect->body == NULL) {
            break;
        }
        builder_op_begin(b, ORCH_OP_PUBLISH_EVENT, "publish-event", ctx->pipeline, 0);
        BUILDER_LIT(b, ",\"key\":");
        if (!builder_string(b, ctx->pipeline)) {
            return not_utf8(effect, err, errlen);
        }
        builder_payload_begin(b, "message");
        if (!builder_json(b, effect->body)) {
            return not_utf8(effect, err, errlen);
        }
        builder_payload_end(b);
        return SLUICE_OK;
    case ENGINE_EFFECT_JOB: {
        if (effect->id == NULL || effect->body == NULL || effect->execution_id == NULL) {
            break;
        }
        if (!sluice_uuid_is_valid(effect->id)) {
            return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                    "field \"id\" must be a lowercase UUID, got \"%.64s\"",
                                    effect->id);
        }
        builder_op_begin(b, ORCH_OP_PUBLISH_JOB, "publish-job", effect->execution_id, 0);
        BUILDER_LIT(b, ",\"key\":");
        if (!builder_string(b, effect->execution_id)) {
            return not_utf8(effect, err, errlen);
        }
        builder_payload_begin(b, "message");
        int rc = builder_job_envelope(b, effect, ctx, when, err, errlen);
        if (rc != SLUICE_OK) {
            return rc;
        }
        builder_payload_end(b);
        return SLUICE_OK;
    }
    case ENGINE_EFFECT_TIMER_SET:
    case ENGINE_EFFECT_TIMER_CANCEL: {
        if (effect->id == NULL) {
            break;
        }
        bool set = effect->kind == ENGINE_EFFECT_TIMER_SET;
        builder_op_begin(b, set ? ORCH_OP_TIMER_SET : ORCH_OP_TIMER_CANCEL,
                         set ? "timer-set" : "timer-cancel", effect->id,
                         set ? effect->deadline_ms : 0);
        BUILDER_LIT(b, ",\"key\":");
        if (!builder_string(b, effect->id)) {
            return not_utf8(effect, err, errlen);
        }
        if (set) {
            BUILDER_LIT(b, ",\"deadline\":");
            builder_int(b, effect->deadline_ms);
        }
        BUILDER_LIT(b, "}");
        return SLUICE_OK;
    }
    case ENGINE_EFFECT_REPLY: {
        if (effect->id == NULL) {
            return SLUICE_OK; /* nobody waits for it */
        }
        builder_op_begin(b, ORCH_OP_REPLY, "reply", effect->id, 0);
        BUILDER_LIT(b, ",\"requestId\":");
        if (!builder_string(b, effect->id)) {
            return not_utf8(effect, err, errlen);
        }
        builder_payload_begin(b, "reply");
        BUILDER_LIT(b, "{\"requestId\":");
        (void)builder_string(b, effect->id);
        bool ok = true;
        if (effect->exception != NULL) {
            BUILDER_LIT(b, ",\"exception\":");
            ok = builder_string(b, effect->exception);
            BUILDER_LIT(b, ",\"message\":");
            ok = builder_string(b, effect->message != NULL ? effect->message : "") && ok;
        } else if (effect->body != NULL) {
            BUILDER_LIT(b, ",\"body\":");
            ok = builder_json(b, effect->body);
        } else {
            BUILDER_LIT(b, ",\"body\":{}");
        }
        if (!ok) {
            return not_utf8(effect, err, errlen);
        }
        BUILDER_LIT(b, "}");
        builder_payload_end(b);
        return SLUICE_OK;
    }
    case ENGINE_EFFECT_ARCHIVE: {
        if (effect->id == NULL || effect->body == NULL) {
            break;
        }
        bool execution = effect->archive == ENGINE_ARCHIVE_PIPELINE_EXECUTION;
        const json_t *timed = execution ? json_object_get(effect->body, "summary") : effect->body;
        int64_t start = seconds_member_ms(timed, "startTime", ctx->now_ms);
        bool rule = effect->archive == ENGINE_ARCHIVE_RULE_EXECUTION;
        builder_op_begin(b,
                         execution ? ORCH_OP_ARCHIVE_EXECUTION
                         : rule    ? ORCH_OP_ARCHIVE_RULE
                                   : ORCH_OP_ARCHIVE_ACTION,
                         execution ? "archive-execution"
                         : rule    ? "archive-rule"
                                   : "archive-action",
                         effect->id, start);
        BUILDER_LIT(b, ",\"id\":");
        if (!builder_string(b, effect->id)) {
            return not_utf8(effect, err, errlen);
        }
        BUILDER_LIT(b, ",\"start\":");
        builder_int(b, start);
        builder_payload_begin(b, "record");
        if (!builder_json(b, effect->body)) {
            return not_utf8(effect, err, errlen);
        }
        builder_payload_end(b);
        return SLUICE_OK;
    }
    }
    return sluice_error_set(err, errlen, SLUICE_EINVAL, "effect %s lacks its id or body",
                            engine_effects_kind_name(effect->kind));
}

int orch_route_builder_add(orch_route_builder *b, const engine_effects *effects,
                           const orch_route_ctx *ctx, char *err, size_t errlen)
{
    char when[32] = "";
    bool checked = false;
    for (size_t i = 0; i < effects->count; i++) {
        const engine_effect *effect = &effects->items[i];
        if (effect->kind == ENGINE_EFFECT_JOB && !checked && effect->id != NULL &&
            sluice_uuid_is_valid(effect->id)) {
            char why[BUS_ENVELOPE_REASON_MAX];
            int rc = job_header_check(ctx, effect->id, why, sizeof why);
            if (rc == SLUICE_ENOMEM) {
                (void)builder_ok(b, rc);
            } else if (rc != SLUICE_OK) {
                return sluice_error_set(err, errlen, SLUICE_EINVAL, "envelope: %s", why);
            }
            (void)sluice_time_format_rfc3339(ctx->now_ms, when, sizeof when); /* checked */
            checked = true;
        }
        if (b->nops == 0 && b->text.len == 0) {
            BUILDER_LIT(b, "{\"ops\":[");
        }
        int rc = builder_one(b, effect, ctx, when, err, errlen);
        if (rc != SLUICE_OK) {
            return rc;
        }
    }
    return SLUICE_OK;
}

int orch_route_builder_finish(orch_route_builder *b, orch_route_entry *out)
{
    memset(out, 0, sizeof *out);
    if (b->rc == SLUICE_OK && b->nops > 0) {
        BUILDER_LIT(b, "]}");
    }
    int rc = b->rc;
    if (rc == SLUICE_OK && b->nops > 0) {
        out->len = b->text.len;
        out->text = sluice_buf_steal(&b->text);
        out->nops = b->nops;
        out->payload_at = b->payload_at;
        out->payload_len = b->payload_len;
        out->info = b->info;
        out->keys = sluice_buf_steal(&b->keys);
        b->payload_at = NULL;
        b->payload_len = NULL;
        b->info = NULL;
        if (out->text == NULL || out->keys == NULL) {
            orch_route_entry_free(out);
            rc = SLUICE_ENOMEM;
        }
    }
    orch_route_builder_free(b);
    return rc;
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
