/*
 * http_message.c — request lookups and response building (see http_message.h).
 * Header names are compared ASCII case-insensitively (RFC 9110 §5.1); header
 * names must be tokens and values free of CR, LF and other controls so that a
 * value taken from input can never split a response (RFC 9110 §5.5).
 */
#include "sluice/http_message.h"

#include "sluice/error.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define HTTP_JSON_REAL_PRECISION 16

const char *http_request_header(const http_request *req, const char *name)
{
    for (size_t i = 0; i < req->header_count; i++) {
        if (strcasecmp(req->headers[i].name, name) == 0) {
            return req->headers[i].value;
        }
    }
    return NULL;
}

const char *http_request_query(const http_request *req, const char *name)
{
    for (size_t i = 0; i < req->query_count; i++) {
        if (strcmp(req->query[i].name, name) == 0) {
            return req->query[i].value;
        }
    }
    return NULL;
}

void http_response_init(http_response *resp, size_t max_body)
{
    resp->status = 0;
    resp->content_type[0] = '\0';
    sluice_buf_init(&resp->body, max_body);
    resp->body_fd = -1;
    resp->body_offset = 0;
    resp->body_length = 0;
    memset(&resp->stream, 0, sizeof resp->stream);
    resp->header_count = 0;
    for (size_t i = 0; i < HTTP_RESPONSE_MAX_HEADERS; i++) {
        resp->headers[i].name = NULL;
        resp->headers[i].value = NULL;
    }
}

/* RFC 9110 tchar. */
static bool message_is_token_char(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
        return true;
    }
    return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static bool message_is_token(const char *text)
{
    if (text[0] == '\0') {
        return false;
    }
    for (const unsigned char *p = (const unsigned char *)text; *p != '\0'; p++) {
        if (!message_is_token_char(*p)) {
            return false;
        }
    }
    return true;
}

/* Visible ASCII, space, tab and bytes >= 0x80 (obs-text); no CR, LF or other controls. */
static bool message_is_field_value(const char *text)
{
    for (const unsigned char *p = (const unsigned char *)text; *p != '\0'; p++) {
        if ((*p < 0x20 && *p != '\t') || *p == 0x7f) {
            return false;
        }
    }
    return true;
}

static bool message_check_head(int status, const char *content_type)
{
    return status >= 100 && status <= 599 && content_type != NULL &&
           strlen(content_type) <= HTTP_CONTENT_TYPE_MAX && message_is_field_value(content_type);
}

/* Installs body as the response body (taking it) with status and content type. */
static void message_release_stream(http_response *resp)
{
    if (resp->stream.read != NULL && resp->stream.release != NULL) {
        resp->stream.release(resp->stream.ctx);
    }
    memset(&resp->stream, 0, sizeof resp->stream);
}

static void message_replace(http_response *resp, int status, const char *content_type,
                            sluice_buf *body)
{
    sluice_buf_free(&resp->body);
    resp->body = *body;
    sluice_buf_init(body, resp->body.max); /* now owned by the response */
    if (resp->body_fd >= 0) {
        close(resp->body_fd);
        resp->body_fd = -1;
    }
    message_release_stream(resp);
    resp->status = status;
    memcpy(resp->content_type, content_type, strlen(content_type) + 1);
}

int http_response_set_file(http_response *resp, int status, const char *content_type, int fd,
                           uint64_t offset, uint64_t length)
{
    if (fd < 0) {
        return SLUICE_EINVAL;
    }
    if (!message_check_head(status, content_type)) {
        close(fd);
        return SLUICE_EINVAL;
    }
    sluice_buf empty;
    sluice_buf_init(&empty, resp->body.max);
    message_replace(resp, status, content_type, &empty);
    resp->body_fd = fd; /* now owned by the response */
    resp->body_offset = offset;
    resp->body_length = length;
    return SLUICE_OK;
}

int http_response_set_stream(http_response *resp, int status, const char *content_type,
                             const http_response_stream *stream)
{
    if (stream == NULL || stream->read == NULL || stream->release == NULL ||
        !message_check_head(status, content_type)) {
        if (stream != NULL && stream->release != NULL) {
            stream->release(stream->ctx);
        }
        return SLUICE_EINVAL;
    }
    sluice_buf empty;
    sluice_buf_init(&empty, resp->body.max);
    message_replace(resp, status, content_type, &empty);
    resp->stream = *stream; /* now owned by the response */
    return SLUICE_OK;
}

int http_response_set_body(http_response *resp, int status, const char *content_type,
                           const void *bytes, size_t len)
{
    if (!message_check_head(status, content_type)) {
        return SLUICE_EINVAL;
    }
    sluice_buf fresh;
    sluice_buf_init(&fresh, resp->body.max);
    int rc = sluice_buf_append(&fresh, len > 0 ? bytes : "", len);
    if (rc == SLUICE_OK) {
        message_replace(resp, status, content_type, &fresh);
    }
    sluice_buf_free(&fresh);
    return rc;
}

/* Where json_dump_callback writes: a bounded buffer and the first failure. */
typedef struct message_dump {
    sluice_buf text;
    int rc;
} message_dump;

static int message_dump_cb(const char *bytes, size_t size, void *data)
{
    message_dump *dump = data;
    int rc = sluice_buf_append(&dump->text, bytes, size);
    if (rc != SLUICE_OK) {
        dump->rc = rc;
        return -1;
    }
    return 0;
}

int http_response_set_json(http_response *resp, int status, const json_t *json)
{
    if (json == NULL || !message_check_head(status, HTTP_CONTENT_TYPE_JSON)) {
        return SLUICE_EINVAL;
    }
    message_dump dump = {.rc = SLUICE_OK};
    sluice_buf_init(&dump.text, resp->body.max);
    int rc = SLUICE_OK;
    if (json_dump_callback(json, message_dump_cb, &dump,
                           JSON_COMPACT | JSON_ENCODE_ANY |
                               JSON_REAL_PRECISION(HTTP_JSON_REAL_PRECISION)) != 0) {
        rc = dump.rc != SLUICE_OK ? dump.rc : SLUICE_EINVAL;
        goto out;
    }
    message_replace(resp, status, HTTP_CONTENT_TYPE_JSON, &dump.text);
out:
    sluice_buf_free(&dump.text);
    return rc;
}

json_t *http_message_json_string(const char *text)
{
    json_t *str = json_string(text);
    if (str != NULL) {
        return str;
    }
    char *ascii = strdup(text);
    if (ascii == NULL) {
        return NULL;
    }
    for (char *p = ascii; *p != '\0'; p++) {
        if ((unsigned char)*p >= 0x80) {
            *p = '?';
        }
    }
    str = json_string(ascii);
    free(ascii);
    return str;
}

int http_response_set_error(http_response *resp, int status, const char *code, const char *message)
{
    json_t *body = json_object();
    int rc = SLUICE_ENOMEM;
    if (body == NULL ||
        json_object_set_new(body, "code", http_message_json_string(code != NULL ? code : "")) !=
            0 ||
        json_object_set_new(body, "message",
                            http_message_json_string(message != NULL ? message : "")) != 0) {
        goto out;
    }
    rc = http_response_set_json(resp, status, body);
out:
    json_decref(body);
    return rc;
}

int http_response_add_header(http_response *resp, const char *name, const char *value)
{
    if (name == NULL || value == NULL || !message_is_token(name) ||
        !message_is_field_value(value) || strcasecmp(name, "Content-Type") == 0 ||
        strcasecmp(name, "Content-Length") == 0) {
        return SLUICE_EINVAL;
    }
    if (resp->header_count >= HTTP_RESPONSE_MAX_HEADERS || strlen(value) > HTTP_HEADER_VALUE_MAX) {
        return SLUICE_ETOOBIG;
    }
    char *name_copy = strdup(name);
    char *value_copy = strdup(value);
    if (name_copy == NULL || value_copy == NULL) {
        free(name_copy);
        free(value_copy);
        return SLUICE_ENOMEM;
    }
    resp->headers[resp->header_count].name = name_copy;
    resp->headers[resp->header_count].value = value_copy;
    resp->header_count++;
    return SLUICE_OK;
}

const char *http_response_get_header(const http_response *resp, const char *name)
{
    for (size_t i = 0; i < resp->header_count; i++) {
        if (strcasecmp(resp->headers[i].name, name) == 0) {
            return resp->headers[i].value;
        }
    }
    return NULL;
}

void http_response_free(http_response *resp)
{
    if (resp == NULL) {
        return;
    }
    sluice_buf_free(&resp->body);
    if (resp->body_fd >= 0) {
        close(resp->body_fd);
        resp->body_fd = -1;
    }
    message_release_stream(resp);
    for (size_t i = 0; i < resp->header_count; i++) {
        free(resp->headers[i].name);
        free(resp->headers[i].value);
        resp->headers[i].name = NULL;
        resp->headers[i].value = NULL;
    }
    resp->header_count = 0;
}
