/*
 * http_client.c — blocking requests over one curl easy handle (see http_client.h).
 *
 * Each request resets the handle (connections stay cached), sets every
 * option again, and collects the body into a bounded buffer and the header
 * lines of the final response into a bounded "name\0value\0..." buffer that
 * is turned into http_pair pointers once the transfer is over (the buffer
 * may move while it grows). A status line starts a new header block, so the
 * headers of a 100 Continue never leak into the final ones. libcurl's global
 * initialisation is guarded by pthread_once, the only process-wide state.
 */
#include "sluice/http_client.h"

#include "sluice/error.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CLIENT_USER_AGENT_MAX  128
#define CLIENT_HEADER_LINE_MAX 8192

struct http_client {
    CURL *curl;
    http_client_config config;
    char user_agent[CLIENT_USER_AGENT_MAX];
    char error[CURL_ERROR_SIZE];
};

/* The state of one transfer, seen by the callbacks. */
typedef struct client_transfer {
    http_client_response *out;
    bool body_too_big;
    bool headers_too_big;
    bool out_of_memory;
} client_transfer;

static pthread_once_t client_once = PTHREAD_ONCE_INIT;
static CURLcode client_global_rc = CURLE_FAILED_INIT;

static void client_global_init(void)
{
    client_global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

void http_client_config_defaults(http_client_config *config)
{
    config->connect_timeout_ms = 2000;
    config->timeout_ms = 10000;
    config->max_response = 16 * 1024 * 1024;
    config->user_agent = NULL;
}

http_client *http_client_new(const http_client_config *config, char *err, size_t errlen)
{
    if (config == NULL || config->connect_timeout_ms < 1 || config->timeout_ms < 1) {
        sluice_error_set(err, errlen, SLUICE_EINVAL, "timeouts must be at least 1 ms");
        return NULL;
    }
    const char *agent = config->user_agent != NULL ? config->user_agent : "sluice";
    if (strlen(agent) >= CLIENT_USER_AGENT_MAX || strpbrk(agent, "\r\n") != NULL) {
        sluice_error_set(err, errlen, SLUICE_EINVAL, "invalid user agent");
        return NULL;
    }
    pthread_once(&client_once, client_global_init);
    if (client_global_rc != CURLE_OK) {
        sluice_error_set(err, errlen, SLUICE_EIO, "curl_global_init failed: %s",
                         curl_easy_strerror(client_global_rc));
        return NULL;
    }
    http_client *client = calloc(1, sizeof *client);
    if (client == NULL) {
        sluice_error_set(err, errlen, SLUICE_ENOMEM, "out of memory");
        return NULL;
    }
    client->config = *config;
    memcpy(client->user_agent, agent, strlen(agent) + 1);
    client->config.user_agent = client->user_agent;
    client->curl = curl_easy_init();
    if (client->curl == NULL) {
        free(client);
        sluice_error_set(err, errlen, SLUICE_ENOMEM, "curl_easy_init failed");
        return NULL;
    }
    return client;
}

void http_client_free(http_client *client)
{
    if (client == NULL) {
        return;
    }
    curl_easy_cleanup(client->curl);
    free(client);
}

static void client_response_init(http_client_response *out, size_t max_body)
{
    out->status = 0;
    sluice_buf_init(&out->body, max_body);
    out->headers = NULL;
    out->header_count = 0;
    sluice_buf_init(&out->header_text, HTTP_CLIENT_MAX_HEADER_BYTES);
}

void http_client_response_free(http_client_response *resp)
{
    if (resp == NULL) {
        return;
    }
    sluice_buf_free(&resp->body);
    sluice_buf_free(&resp->header_text);
    free(resp->headers);
    resp->headers = NULL;
    resp->header_count = 0;
}

const char *http_client_response_header(const http_client_response *resp, const char *name)
{
    for (size_t i = 0; i < resp->header_count; i++) {
        if (strcasecmp(resp->headers[i].name, name) == 0) {
            return resp->headers[i].value;
        }
    }
    return NULL;
}

static size_t client_on_body(char *data, size_t size, size_t nmemb, void *userdata)
{
    client_transfer *transfer = userdata;
    size_t n = size * nmemb; /* libcurl guarantees size == 1 */
    int rc = sluice_buf_append(&transfer->out->body, data, n);
    if (rc == SLUICE_ETOOBIG) {
        transfer->body_too_big = true;
        return 0;
    }
    if (rc != SLUICE_OK) {
        transfer->out_of_memory = true;
        return 0;
    }
    return n;
}

static bool client_is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static size_t client_on_header(char *data, size_t size, size_t nmemb, void *userdata)
{
    client_transfer *transfer = userdata;
    http_client_response *out = transfer->out;
    size_t n = size * nmemb;
    if (n >= 5 && memcmp(data, "HTTP/", 5) == 0) {
        sluice_buf_reset(&out->header_text); /* a new response block begins */
        out->header_count = 0;
        return n;
    }
    const char *colon = memchr(data, ':', n);
    if (colon == NULL || colon == data || client_is_space(data[0])) {
        return n; /* the blank line ending the block, or an obsolete folded line */
    }
    size_t name_len = (size_t)(colon - data);
    const char *value = colon + 1;
    size_t value_len = n - name_len - 1;
    while (value_len > 0 && client_is_space(value[0])) {
        value++;
        value_len--;
    }
    while (value_len > 0 && client_is_space(value[value_len - 1])) {
        value_len--;
    }
    if (out->header_count >= HTTP_CLIENT_MAX_HEADERS) {
        transfer->headers_too_big = true;
        return 0;
    }
    sluice_buf *text = &out->header_text;
    size_t before = text->len;
    int rc = sluice_buf_append(text, data, name_len);
    if (rc == SLUICE_OK) {
        rc = sluice_buf_append(text, "", 1);
    }
    if (rc == SLUICE_OK) {
        rc = sluice_buf_append(text, value, value_len);
    }
    if (rc == SLUICE_OK) {
        rc = sluice_buf_append(text, "", 1);
    }
    if (rc != SLUICE_OK) {
        text->len = before;
        if (rc == SLUICE_ETOOBIG) {
            transfer->headers_too_big = true;
        } else {
            transfer->out_of_memory = true;
        }
        return 0;
    }
    out->header_count++;
    return n;
}

/* Points out->headers into out->header_text once the transfer is over. */
static int client_index_headers(http_client_response *out)
{
    size_t count = out->header_count;
    out->header_count = 0;
    if (count == 0) {
        return SLUICE_OK;
    }
    out->headers = calloc(count, sizeof *out->headers);
    if (out->headers == NULL) {
        return SLUICE_ENOMEM;
    }
    const char *p = out->header_text.data;
    for (size_t i = 0; i < count; i++) {
        out->headers[i].name = p;
        p += strlen(p) + 1;
        out->headers[i].value = p;
        p += strlen(p) + 1;
    }
    out->header_count = count;
    return SLUICE_OK;
}

static bool client_is_token(const char *text)
{
    if (text == NULL || text[0] == '\0') {
        return false;
    }
    for (const char *p = text; *p != '\0'; p++) {
        bool alnum =
            (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9');
        if (!alnum && strchr("!#$%&'*+-.^_`|~", *p) == NULL) {
            return false;
        }
    }
    return true;
}

/* Builds libcurl's header list; "Expect:" suppresses 100-continue round trips. */
static int client_header_list(const http_pair *headers, size_t count, struct curl_slist **out,
                              char *err, size_t errlen)
{
    struct curl_slist *list = NULL;
    bool has_expect = false;
    char line[CLIENT_HEADER_LINE_MAX];
    for (size_t i = 0; i < count; i++) {
        const char *name = headers[i].name;
        const char *value = headers[i].value != NULL ? headers[i].value : "";
        if (!client_is_token(name) || strpbrk(value, "\r\n") != NULL) {
            curl_slist_free_all(list);
            return sluice_error_set(err, errlen, SLUICE_EINVAL, "invalid request header");
        }
        has_expect = has_expect || strcasecmp(name, "Expect") == 0;
        int n = value[0] != '\0' ? snprintf(line, sizeof line, "%s: %s", name, value)
                                 : snprintf(line, sizeof line, "%s;", name);
        if (n < 0 || (size_t)n >= sizeof line) {
            curl_slist_free_all(list);
            return sluice_error_set(err, errlen, SLUICE_ETOOBIG, "request header too long");
        }
        struct curl_slist *grown = curl_slist_append(list, line);
        if (grown == NULL) {
            curl_slist_free_all(list);
            return sluice_error_set(err, errlen, SLUICE_ENOMEM, "out of memory");
        }
        list = grown;
    }
    if (!has_expect) {
        struct curl_slist *grown = curl_slist_append(list, "Expect:");
        if (grown == NULL) {
            curl_slist_free_all(list);
            return sluice_error_set(err, errlen, SLUICE_ENOMEM, "out of memory");
        }
        list = grown;
    }
    *out = list;
    return SLUICE_OK;
}

static void client_set_method(CURL *curl, const char *method, const void *body, size_t body_len)
{
    bool has_body = body != NULL || body_len > 0;
    if (strcmp(method, "GET") == 0 && !has_body) {
        curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
        return;
    }
    if (strcmp(method, "HEAD") == 0) {
        curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
        return;
    }
    if (strcmp(method, "POST") != 0) {
        curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
    }
    if (has_body || strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0) {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body != NULL ? (const char *)body : "");
    }
}

static int client_map_error(CURLcode code, const client_transfer *transfer, const char *detail,
                            char *err, size_t errlen)
{
    if (transfer->body_too_big || code == CURLE_FILESIZE_EXCEEDED) {
        return sluice_error_set(err, errlen, SLUICE_ETOOBIG, "response body too large");
    }
    if (transfer->headers_too_big) {
        return sluice_error_set(err, errlen, SLUICE_ETOOBIG, "response headers too large");
    }
    if (transfer->out_of_memory || code == CURLE_OUT_OF_MEMORY) {
        return sluice_error_set(err, errlen, SLUICE_ENOMEM, "out of memory");
    }
    const char *text = detail[0] != '\0' ? detail : curl_easy_strerror(code);
    switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
        return sluice_error_set(err, errlen, SLUICE_ETIMEDOUT, "%s", text);
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
        return sluice_error_set(err, errlen, SLUICE_EINVAL, "%s", text);
    default:
        return sluice_error_set(err, errlen, SLUICE_EIO, "%s", text);
    }
}

int http_client_request(http_client *client, const char *method, const char *url,
                        const http_pair *headers, size_t header_count, const void *body,
                        size_t body_len, http_client_response *out, char *err, size_t errlen)
{
    client_response_init(out, client->config.max_response);
    if (!client_is_token(method) || url == NULL || (headers == NULL && header_count > 0)) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL, "invalid method, URL or headers");
    }
    struct curl_slist *header_list = NULL;
    int rc = client_header_list(headers, header_count, &header_list, err, errlen);
    if (rc != SLUICE_OK) {
        return rc;
    }
    CURL *curl = client->curl;
    client_transfer transfer = {.out = out};
    client->error[0] = '\0';
    curl_easy_reset(curl);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, client->config.connect_timeout_ms);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, client->config.timeout_ms);
    /* a HEAD reads no body: its Content-Length (the resource's size) is not refused (0: none) */
    curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE,
                     (curl_off_t)(strcmp(method, "HEAD") == 0 ? 0 : client->config.max_response));
    curl_easy_setopt(curl, CURLOPT_USERAGENT, client->user_agent);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, client->error);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, header_list);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, client_on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &transfer);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, client_on_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &transfer);
    client_set_method(curl, method, body, body_len);

    CURLcode code = curl_easy_perform(curl);
    if (code != CURLE_OK) {
        rc = client_map_error(code, &transfer, client->error, err, errlen);
        goto out;
    }
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &out->status);
    rc = client_index_headers(out);
    if (rc != SLUICE_OK) {
        sluice_error_set(err, errlen, rc, "out of memory");
        goto out;
    }
    if (out->body.data == NULL) {
        sluice_buf_append(&out->body, "", 0); /* an allocated, empty, terminated body */
    }
out:
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(header_list);
    return rc;
}

int http_client_get(http_client *client, const char *url, http_client_response *out, char *err,
                    size_t errlen)
{
    return http_client_request(client, "GET", url, NULL, 0, NULL, 0, out, err, errlen);
}

int http_client_post_json(http_client *client, const char *url, const char *json_text, size_t len,
                          http_client_response *out, char *err, size_t errlen)
{
    const http_pair headers[] = {{"Content-Type", HTTP_CONTENT_TYPE_JSON}};
    return http_client_request(client, "POST", url, headers, 1, json_text, len, out, err, errlen);
}
