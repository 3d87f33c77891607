/*
 * aws_json.c — AWS JSON 1.1 protocol helpers (see aws_json.h). The request
 * body is scanned once for its nesting depth before jansson parses it, so a
 * deeply nested body is refused without recursing into it.
 */
#include "sluice/aws_json.h"

#include "sluice/error.h"
#include "sluice/jsontext.h"
#include "sluice/id.h"
#include "sluice/time.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define JSON_REAL_DIGITS       16
#define JSON_MAX_EPOCH_SECONDS 253402300799.0 /* 9999-12-31T23:59:59Z */

__attribute__((format(printf, 4, 5))) static int json_fail(aws_json_error *error, int status,
                                                           const char *type, const char *fmt, ...)
{
    if (error != NULL) {
        error->http_status = status;
        snprintf(error->type, sizeof error->type, "%s", type);
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(error->message, sizeof error->message, fmt, ap);
        va_end(ap);
    }
    return SLUICE_EPARSE;
}

static bool json_is_letter(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

int aws_json_target_parse(const char *target, const char *expected_prefix, char *op, size_t op_size,
                          aws_json_error *error)
{
    if (op_size > 0) {
        op[0] = '\0';
    }
    if (target == NULL || target[0] == '\0') {
        return json_fail(error, 400, "UnknownOperationException",
                         "Missing required header: X-Amz-Target");
    }
    const char *dot = strrchr(target, '.');
    size_t prefix_len = dot != NULL ? (size_t)(dot - target) : 0;
    if (dot == NULL || expected_prefix == NULL || prefix_len != strlen(expected_prefix) ||
        strncmp(target, expected_prefix, prefix_len) != 0) {
        return json_fail(error, 400, "UnknownOperationException",
                         "Unknown target: expected %s.<Operation>",
                         expected_prefix != NULL ? expected_prefix : "");
    }
    const char *name = dot + 1;
    size_t len = strlen(name);
    bool valid =
        len > 0 && len <= AWS_JSON_OPERATION_MAX && len < op_size && json_is_letter(name[0]);
    for (size_t i = 0; i < len && valid; i++) {
        valid = json_is_letter(name[i]) || (name[i] >= '0' && name[i] <= '9');
    }
    if (!valid) {
        return json_fail(error, 400, "UnknownOperationException",
                         "Unknown operation in X-Amz-Target");
    }
    memcpy(op, name, len + 1);
    return SLUICE_OK;
}

bool aws_json_content_type_ok(const char *content_type)
{
    if (content_type == NULL) {
        return true;
    }
    static const char *const accepted[] = {"application/x-amz-json-1.1",
                                           "application/x-amz-json-1.0", "application/json"};
    const char *p = content_type;
    while (*p == ' ' || *p == '\t') {
        p++;
    }
    size_t len = strcspn(p, "; \t");
    for (size_t i = 0; i < sizeof accepted / sizeof accepted[0]; i++) {
        if (len == strlen(accepted[i]) && strncasecmp(p, accepted[i], len) == 0) {
            const char *rest = p + len;
            while (*rest == ' ' || *rest == '\t') {
                rest++;
            }
            return *rest == '\0' || *rest == ';';
        }
    }
    return false;
}

int aws_json_body_parse(const char *body, size_t len, size_t max_depth, json_t **out,
                        aws_json_error *error)
{
    *out = NULL;
    size_t start = 0;
    while (start < len && (body[start] == ' ' || body[start] == '\t' || body[start] == '\r' ||
                           body[start] == '\n')) {
        start++;
    }
    if (start == len) {
        *out = json_object();
        if (*out == NULL) {
            json_fail(error, 500, "InternalFailure", "out of memory");
            return SLUICE_ENOMEM;
        }
        return SLUICE_OK;
    }
    size_t limit = max_depth > 0 ? max_depth : AWS_JSON_MAX_DEPTH;
    if (sluice_jsontext_depth(body, len, limit) > limit) {
        return json_fail(error, 400, "SerializationException",
                         "Request body is nested deeper than %zu levels", limit);
    }
    json_error_t detail;
    json_t *value = json_loadb(body, len, JSON_REJECT_DUPLICATES, &detail);
    if (value == NULL) {
        return json_fail(error, 400, "SerializationException",
                         "Malformed JSON request body: %s (line %d, column %d)", detail.text,
                         detail.line, detail.column);
    }
    if (!json_is_object(value)) {
        json_decref(value);
        return json_fail(error, 400, "SerializationException",
                         "Request body must be a JSON object");
    }
    *out = value;
    return SLUICE_OK;
}

int aws_json_error_status(const char *type)
{
    if (type == NULL) {
        return 500;
    }
    if (strcmp(type, "InternalFailure") == 0 || strcmp(type, "InternalServerError") == 0 ||
        strcmp(type, "InternalServerException") == 0) {
        return 500;
    }
    if (strcmp(type, "ServiceUnavailable") == 0 ||
        strcmp(type, "ServiceUnavailableException") == 0) {
        return 503;
    }
    return 400;
}

static int json_dump_append(const char *bytes, size_t size, void *data)
{
    return sluice_buf_append((sluice_buf *)data, bytes, size) == SLUICE_OK ? 0 : -1;
}

int aws_json_error_render(const char *type, const char *message, sluice_buf *out)
{
    json_t *body = json_object();
    int rc = SLUICE_ENOMEM;
    if (body == NULL ||
        json_object_set_new(body, "__type", http_message_json_string(type != NULL ? type : "")) !=
            0 ||
        json_object_set_new(body, "message",
                            http_message_json_string(message != NULL ? message : "")) != 0) {
        goto out;
    }
    size_t before = out->len;
    if (json_dump_callback(body, json_dump_append, out, JSON_COMPACT) != 0) {
        out->len = before;
        if (out->data != NULL) {
            out->data[before] = '\0';
        }
        rc = SLUICE_ETOOBIG;
        goto out;
    }
    rc = SLUICE_OK;
out:
    json_decref(body);
    return rc;
}

int aws_json_respond_error(http_response *resp, const char *type, const char *message,
                           const char *request_id)
{
    sluice_buf text;
    sluice_buf_init(&text, resp->body.max);
    int rc = aws_json_error_render(type, message, &text);
    if (rc == SLUICE_OK) {
        rc = http_response_set_body(resp, aws_json_error_status(type), AWS_JSON_CONTENT_TYPE,
                                    sluice_buf_cstr(&text), text.len);
    }
    sluice_buf_free(&text);
    if (rc == SLUICE_OK && request_id != NULL) {
        rc = http_response_add_header(resp, AWS_JSON_REQUEST_ID_HEADER, request_id);
    }
    if (rc == SLUICE_OK && type != NULL) {
        rc = http_response_add_header(resp, AWS_JSON_ERROR_TYPE_HEADER, type);
    }
    return rc;
}

int aws_json_respond(http_response *resp, const json_t *body, const char *request_id)
{
    if (!json_is_object(body)) {
        return SLUICE_EINVAL;
    }
    sluice_buf text;
    sluice_buf_init(&text, resp->body.max);
    int rc = SLUICE_OK;
    if (json_dump_callback(body, json_dump_append, &text,
                           JSON_COMPACT | JSON_REAL_PRECISION(JSON_REAL_DIGITS)) != 0) {
        rc = SLUICE_ETOOBIG;
    }
    if (rc == SLUICE_OK) {
        rc = http_response_set_body(resp, 200, AWS_JSON_CONTENT_TYPE, sluice_buf_cstr(&text),
                                    text.len);
    }
    sluice_buf_free(&text);
    if (rc == SLUICE_OK && request_id != NULL) {
        rc = http_response_add_header(resp, AWS_JSON_REQUEST_ID_HEADER, request_id);
    }
    return rc;
}

int aws_json_request_id(char out[AWS_JSON_REQUEST_ID_LEN + 1])
{
    return sluice_uuid_v4(out);
}

json_t *aws_json_timestamp(int64_t ms)
{
    return json_real(sluice_time_epoch_seconds(ms));
}

int aws_json_timestamp_ms(const json_t *value, int64_t *ms)
{
    if (!json_is_number(value)) {
        return SLUICE_EINVAL;
    }
    double seconds = json_number_value(value);
    if (!isfinite(seconds) || seconds < 0 || seconds > JSON_MAX_EPOCH_SECONDS) {
        return SLUICE_EINVAL;
    }
    *ms = sluice_time_from_epoch_seconds(seconds);
    return SLUICE_OK;
}
