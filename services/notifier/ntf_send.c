/*
 * ntf_send.c — HTTP and SMTP delivery attempts (see ntf_send.h).
 *
 * HTTP goes through libs/http's client (one per sender). SMTP uses libcurl
 * directly: the http client refuses non-HTTP URLs on purpose. The curl
 * handle is reset before each mail so no option of one target leaks into
 * the next; CURLOPT_NOSIGNAL, a connect timeout and a total timeout are
 * always set.
 */
#include "ntf_send.h"

#include "sluice/error.h"
#include "sluice/http_client.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NTF_SEND_CONNECT_MS   3000
#define NTF_SEND_RESPONSE_MAX (64 * 1024)

struct ntf_sender {
    http_client *http;
    CURL *curl;
};

ntf_sender *ntf_sender_new(long timeout_ms)
{
    ntf_sender *s = calloc(1, sizeof *s);
    if (s == NULL) {
        return NULL;
    }
    http_client_config cfg;
    http_client_config_defaults(&cfg);
    cfg.connect_timeout_ms = NTF_SEND_CONNECT_MS < timeout_ms ? NTF_SEND_CONNECT_MS : timeout_ms;
    cfg.timeout_ms = timeout_ms;
    cfg.max_response = NTF_SEND_RESPONSE_MAX;
    cfg.user_agent = "sluice-notifier";
    char err[256];
    s->http = http_client_new(&cfg, err, sizeof err); /* runs curl_global_init once */
    s->curl = s->http != NULL ? curl_easy_init() : NULL;
    if (s->curl == NULL) {
        ntf_sender_free(s);
        return NULL;
    }
    return s;
}

void ntf_sender_free(ntf_sender *s)
{
    if (s == NULL) {
        return;
    }
    if (s->curl != NULL) {
        curl_easy_cleanup(s->curl);
    }
    http_client_free(s->http);
    free(s);
}

int64_t ntf_send_backoff_ms(int attempt, int64_t base_ms, int64_t cap_ms, int64_t retry_after_ms,
                            uint32_t jitter)
{
    if (base_ms < 1) {
        base_ms = 1;
    }
    if (cap_ms < base_ms) {
        cap_ms = base_ms;
    }
    int64_t ceiling = base_ms;
    for (int i = 1; i < attempt && ceiling < cap_ms; i++) {
        ceiling *= 2;
    }
    if (ceiling > cap_ms) {
        ceiling = cap_ms;
    }
    int64_t half = ceiling / 2;
    int64_t wait = half + (int64_t)(jitter % (uint32_t)(ceiling - half + 1));
    if (retry_after_ms > wait) {
        wait = retry_after_ms < cap_ms ? retry_after_ms : cap_ms;
    }
    return wait;
}

/* Retry-After as delta-seconds (the HTTP-date form is taken as no hint). */
static int64_t ntf_send_retry_after(const http_client_response *resp)
{
    const char *v = http_client_response_header(resp, "Retry-After");
    if (v == NULL) {
        return 0;
    }
    char *end = NULL;
    long secs = strtol(v, &end, 10);
    if (end == v || secs < 0 || secs > 86400) {
        return 0;
    }
    return (int64_t)secs * 1000;
}

ntf_send_result ntf_send_http(ntf_sender *s, const char *url, const http_pair *headers,
                              size_t nheaders, const char *body, size_t len,
                              int64_t *retry_after_ms, char *reason, size_t reasonlen)
{
    http_pair all[8];
    size_t n = 0;
    all[n++] = (http_pair){.name = "Content-Type", .value = "application/json"};
    for (size_t i = 0; i < nheaders && n < sizeof all / sizeof all[0]; i++) {
        all[n++] = headers[i];
    }
    *retry_after_ms = 0;
    http_client_response resp;
    char err[256] = "";
    int rc = http_client_request(s->http, "POST", url, all, n, body, len, &resp, err, sizeof err);
    ntf_send_result result = NTF_SEND_RETRY;
    if (rc == SLUICE_EINVAL) {
        snprintf(reason, reasonlen, "the request was refused before sending: %s", err);
        result = NTF_SEND_GIVE_UP;
    } else if (rc != 0) {
        snprintf(reason, reasonlen, "no answer: %s", sluice_strerror(rc));
    } else if (resp.status >= 200 && resp.status < 300) {
        result = NTF_SEND_OK;
        snprintf(reason, reasonlen, "HTTP %ld", resp.status);
    } else {
        char excerpt[128];
        snprintf(excerpt, sizeof excerpt, "%.100s", sluice_buf_cstr(&resp.body));
        for (char *p = excerpt; *p != '\0'; p++) {
            *p = (*p == '\n' || *p == '\r') ? ' ' : *p;
        }
        snprintf(reason, reasonlen, "HTTP %ld: %s", resp.status, excerpt);
        if (resp.status == 429 || resp.status >= 500) {
            *retry_after_ms = ntf_send_retry_after(&resp);
        } else {
            result = NTF_SEND_GIVE_UP;
        }
    }
    http_client_response_free(&resp);
    return result;
}

void ntf_send_address(const char *mailbox, char *out, size_t outlen)
{
    const char *lt = strchr(mailbox, '<');
    const char *gt = lt != NULL ? strchr(lt, '>') : NULL;
    if (lt != NULL && gt != NULL && gt > lt) {
        snprintf(out, outlen, "<%.*s>", (int)(gt - lt - 1), lt + 1);
    } else {
        snprintf(out, outlen, "<%s>", mailbox);
    }
}

typedef struct ntf_upload {
    const char *data;
    size_t len;
    size_t off;
} ntf_upload;

static size_t ntf_send_read(char *buf, size_t size, size_t nitems, void *ctx)
{
    ntf_upload *u = ctx;
    size_t room = size * nitems;
    size_t n = u->len - u->off < room ? u->len - u->off : room;
    memcpy(buf, u->data + u->off, n);
    u->off += n;
    return n;
}

ntf_send_result ntf_send_mail(ntf_sender *s, const ntf_target *t, const char *message, size_t len,
                              char *reason, size_t reasonlen)
{
    CURL *c = s->curl;
    curl_easy_reset(c);
    char from[320];
    ntf_send_address(t->from, from, sizeof from);
    struct curl_slist *rcpt = NULL;
    for (size_t i = 0; i < t->nto; i++) {
        char addr[320];
        ntf_send_address(t->to[i], addr, sizeof addr);
        struct curl_slist *next = curl_slist_append(rcpt, addr);
        if (next == NULL) {
            curl_slist_free_all(rcpt);
            snprintf(reason, reasonlen, "out of memory");
            return NTF_SEND_RETRY;
        }
        rcpt = next;
    }
    ntf_upload upload = {.data = message, .len = len};
    curl_easy_setopt(c, CURLOPT_URL, t->url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)NTF_SEND_CONNECT_MS);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)t->timeout_ms);
    curl_easy_setopt(c, CURLOPT_MAIL_FROM, from);
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, ntf_send_read);
    curl_easy_setopt(c, CURLOPT_READDATA, &upload);
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
    long tls = t->starttls == NTF_STARTTLS_REQUIRED ? (long)CURLUSESSL_ALL
               : t->starttls == NTF_STARTTLS_TRY    ? (long)CURLUSESSL_TRY
                                                    : (long)CURLUSESSL_NONE;
    curl_easy_setopt(c, CURLOPT_USE_SSL, tls);
    if (t->username != NULL) {
        curl_easy_setopt(c, CURLOPT_USERNAME, t->username);
        curl_easy_setopt(c, CURLOPT_PASSWORD, t->secret != NULL ? t->secret : "");
    }
    char curl_err[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, curl_err);
    CURLcode rc = curl_easy_perform(c);
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, NULL);
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, NULL);
    curl_slist_free_all(rcpt);
    if (rc == CURLE_OK) {
        snprintf(reason, reasonlen, "SMTP %ld", code);
        return NTF_SEND_OK;
    }
    snprintf(reason, reasonlen, "SMTP %s%s%s (last reply %ld)", curl_easy_strerror(rc),
             curl_err[0] != '\0' ? ": " : "", curl_err, code);
    if (rc == CURLE_LOGIN_DENIED || rc == CURLE_URL_MALFORMAT || rc == CURLE_UNSUPPORTED_PROTOCOL ||
        rc == CURLE_USE_SSL_FAILED || code >= 500) {
        return NTF_SEND_GIVE_UP;
    }
    return NTF_SEND_RETRY;
}
