/*
 * apv_http.c — pages, the JSON endpoint and sign-in of sluice-approvals
 * (see apv_http.h).
 *
 * Every page is built by apv_core (escaped there); this file decides who is
 * asking, checks the CSRF rules, and sends votes (apv_service_vote). HTML
 * answers carry a Content-Security-Policy that allows no external asset and
 * the inline style and script of the page only, no framing, no caching.
 */
#include "apv_http.h"

#include "apv_core.h"
#include "apv_store.h"

#include "sluice/error.h"
#include "sluice/log.h"
#include "sluice/time.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define APV_PREFIX  "/approvals/"
#define APV_SIGNOUT APV_PREFIX "sign-out"
#define APV_MSG_MAX 1024

typedef struct apv_http_stream {
    sluice_buf body;
    bool too_big;
} apv_http_stream;

/* Who is asking, and through what. */
typedef struct apv_http_who {
    char identity[APV_IDENTITY_MAX + 1]; /* "" when nobody */
    char session[APV_SESSION_ID_LEN + 1];
    const char *link; /* the link token used, or NULL */
    bool basic;       /* HTTP Basic */
} apv_http_who;

/* ---- responses ------------------------------------------------------------------------------ */

static void apv_http_html_headers(http_response *resp)
{
    (void)http_response_add_header(
        resp, "Content-Security-Policy",
        "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
    (void)http_response_add_header(resp, "X-Frame-Options", "DENY");
    (void)http_response_add_header(resp, "X-Content-Type-Options", "nosniff");
    (void)http_response_add_header(resp, "Referrer-Policy", "same-origin");
    (void)http_response_add_header(resp, "Cache-Control", "no-store");
}

static void apv_http_html(http_response *resp, int status, sluice_buf *page)
{
    http_response_set_body(resp, status, "text/html; charset=utf-8", page->data, page->len);
    apv_http_html_headers(resp);
    sluice_buf_free(page);
}

static void apv_http_notice(http_response *resp, int status, const char *title, const char *text)
{
    sluice_buf page;
    sluice_buf_init(&page, APV_HTTP_BODY_MAX);
    (void)apv_core_notice(&page, title, text);
    apv_http_html(resp, status, &page);
}

static void apv_http_json_error(http_response *resp, int status, const char *type,
                                const char *message)
{
    json_t *body = json_pack("{s:s, s:s}", "__type", type, "message", message);
    http_response_set_json(resp, status, body);
    json_decref(body);
}

/* ---- who is asking -------------------------------------------------------------------------- */

static const char *apv_http_header(const http_request *req, const char *name)
{
    return http_request_header(req, name);
}

/* The access key of "Authorization: Basic base64(key:secret)" when it matches: its identity. */
static bool apv_http_basic(const apv_service *s, const http_request *req, char *identity)
{
    char key[AWS_ACCESS_KEY_ID_MAX + 1];
    char secret[AWS_SECRET_KEY_MAX + 1];
    if (!apv_core_basic(apv_http_header(req, "Authorization"), key, sizeof key, secret,
                        sizeof secret)) {
        return false;
    }
    const aws_credential *cred = aws_credentials_find(s->credentials, key);
    bool ok = cred != NULL && strlen(cred->secret_access_key) == strlen(secret) &&
              CRYPTO_memcmp(cred->secret_access_key, secret, strlen(secret)) == 0;
    if (ok) {
        snprintf(identity, APV_IDENTITY_MAX + 1, "%s", cred->identity);
    }
    OPENSSL_cleanse(secret, sizeof secret);
    return ok;
}

/* ---- votes ---------------------------------------------------------------------------------- */

typedef struct apv_http_result {
    int status;            /* HTTP status of the JSON answer */
    const char *exception; /* NULL: accepted */
    char exc[128];
    char message[APV_MSG_MAX];
} apv_http_result;

static void apv_http_vote(apv_service *s, apv_store *store, const json_t *record,
                          const char *identity, const char *status, const char *comment,
                          apv_http_result *out)
{
    const char *labels[1] = {"accepted"};
    int64_t now = sluice_time_now_ms();
    out->status = 200;
    out->exception = apv_core_vote_check(record, identity, status, comment, now, out->message,
                                         sizeof out->message);
    const char *id = json_string_value(json_object_get(record, "id"));
    if (out->exception == NULL) {
        bool taken = false;
        char err[512];
        if (apv_store_claim(store, id, identity, &taken, err, sizeof err) != 0) {
            out->status = 503;
            out->exception = "ServiceUnavailableException";
            snprintf(out->message, sizeof out->message, "%s", err);
        } else if (!taken) {
            out->exception = APV_EXC_COMPLETED;
            snprintf(out->message, sizeof out->message, "%s has already voted on this approval",
                     identity);
        }
    }
    if (out->exception != NULL) {
        out->status = out->status == 200 ? 400 : out->status;
        labels[0] = "refused";
        (void)http_metrics_inc(s->votes, labels, 1);
        return;
    }
    const aws_credential *profile = aws_credentials_find_identity(s->credentials, identity);
    const char *groups[AWS_CREDENTIAL_MAX_GROUPS];
    const char *emails[1];
    char arn[256];
    apv_service_arn(s, identity, arn, sizeof arn);
    bus_request_vote vote = {.stage = json_string_value(json_object_get(record, "stage")),
                             .action = json_string_value(json_object_get(record, "action")),
                             .token = json_string_value(json_object_get(record, "token")),
                             .identity = arn,
                             .groups = groups,
                             .emails = emails,
                             .status = status,
                             .summary = comment != NULL ? comment : ""};
    for (size_t i = 0; profile != NULL && i < profile->ngroups; i++) {
        groups[vote.ngroups++] = profile->groups[i];
    }
    if (profile != NULL && profile->email[0] != '\0') {
        emails[vote.nemails++] = profile->email;
    }
    const char *pipeline = json_string_value(json_object_get(record, "pipeline"));
    int rc = apv_service_vote(s, store->redis, pipeline, &vote, &out->exception, out->exc,
                              sizeof out->exc, out->message, sizeof out->message);
    char err[512];
    if (rc != 0) {
        out->status = rc == SLUICE_ETIMEDOUT ? 504 : 503;
        out->exception = rc == SLUICE_ETIMEDOUT ? "InternalFailure" : "ServiceUnavailableException";
        if (rc != SLUICE_ETIMEDOUT) {
            (void)apv_store_unclaim(store, id, identity, err, sizeof err);
        }
        labels[0] = "failed";
    } else if (out->exception != NULL) {
        out->status = 400;
        labels[0] = "refused";
        bool changed = false;
        if (strcmp(out->exception, APV_EXC_INVALID_TOKEN) == 0) {
            (void)apv_store_end(store, id, APV_STATE_WITHDRAWN, &changed, err, sizeof err);
        } else if (strcmp(out->exception, APV_EXC_COMPLETED) != 0) {
            (void)apv_store_unclaim(store, id, identity, err, sizeof err); /* may not vote */
        }
    } else {
        char when[40];
        (void)sluice_time_format_rfc3339(sluice_time_now_ms(), when, sizeof when);
        json_t *mine = json_pack("{s:s, s:s, s:s, s:s}", "identity", arn, "status", status,
                                 "comment", vote.summary, "time", when);
        if (mine != NULL) {
            (void)apv_store_add_vote(store, id, mine, err, sizeof err);
        }
        json_decref(mine);
        SLUICE_INFO("vote on approval %s by %s: %s", id, arn, status);
    }
    (void)http_metrics_inc(s->votes, labels, 1);
}

/* ---- pages ---------------------------------------------------------------------------------- */

static void apv_http_signin_page(apv_service *s, const char *id, const char *message,
                                 http_response *resp)
{
    unsigned char nonce[32];
    char hex[65];
    if (RAND_bytes(nonce, sizeof nonce) != 1) {
        apv_http_notice(resp, 500, "Try again", "No randomness is available.");
        return;
    }
    for (size_t i = 0; i < sizeof nonce; i++) {
        snprintf(hex + 2 * i, 3, "%02x", nonce[i]);
    }
    char subject[96];
    snprintf(subject, sizeof subject, "signin:%s", hex);
    char csrf[APV_CSRF_LEN + 1];
    apv_core_csrf(s->link_key, s->link_key_len, subject, csrf);
    sluice_buf page;
    sluice_buf_init(&page, APV_HTTP_BODY_MAX);
    (void)apv_core_signin(&page, id, csrf, message);
    apv_http_html(resp, message != NULL ? 403 : 200, &page);
    char cookie[256];
    snprintf(cookie, sizeof cookie, "%s=%s; Path=/approvals/; HttpOnly; SameSite=Strict%s",
             APV_PRESIGN_COOKIE, hex, s->secure_cookie ? "; Secure" : "");
    (void)http_response_add_header(resp, "Set-Cookie", cookie);
}

static void apv_http_page(apv_service *s, apv_store *store, const json_t *record,
                          const apv_http_who *who, const char *notice, http_response *resp)
{
    char subject[APV_LINK_MAX + 16];
    snprintf(subject, sizeof subject, "%s%s", who->link != NULL ? "link:" : "session:",
             who->link != NULL ? who->link : who->session);
    char csrf[APV_CSRF_LEN + 1];
    apv_core_csrf(s->link_key, s->link_key_len, subject, csrf);
    bool claimed = false;
    char err[512];
    (void)apv_store_claimed(store, json_string_value(json_object_get(record, "id")), who->identity,
                            &claimed, err, sizeof err);
    apv_core_view view = {.identity = who->identity,
                          .csrf = csrf,
                          .link = who->link,
                          .notice = notice,
                          .voted = claimed,
                          .session = who->link == NULL && who->session[0] != '\0',
                          .now_ms = sluice_time_now_ms()};
    if (claimed && notice == NULL && who->link != NULL) {
        view.notice = "This link has been used: your vote is recorded.";
    } else if (claimed && notice == NULL) {
        view.notice = "You have voted on this approval.";
    }
    sluice_buf page;
    sluice_buf_init(&page, APV_HTTP_BODY_MAX);
    if (apv_core_page(&page, record, &view) != 0) {
        sluice_buf_free(&page);
        apv_http_notice(resp, 500, "Page too large", "This approval's page could not be shown.");
        return;
    }
    apv_http_html(resp, 200, &page);
}

/* Resolves a link token for id into who; on failure answers and returns false. */
static bool apv_http_link(apv_service *s, const char *id, const char *token, apv_http_who *who,
                          bool json, http_response *resp)
{
    int rc = sluice_approval_link_verify(s->link_key, s->link_key_len, id, token,
                                         sluice_time_now_ms() / 1000, who->identity);
    if (rc == 0 && aws_credentials_find_identity(s->credentials, who->identity) == NULL) {
        rc = SLUICE_EDENIED;
        who->identity[0] = '\0';
    }
    if (rc == 0) {
        who->link = token;
        return true;
    }
    const char *text = rc == SLUICE_ETIMEDOUT ? "This link has expired. Ask for a new one, or "
                                                "sign in to decide."
                                              : "This link is not valid.";
    if (json) {
        apv_http_json_error(resp, 403, APV_EXC_DENIED, text);
    } else {
        apv_http_notice(resp, 403, rc == SLUICE_ETIMEDOUT ? "Link expired" : "Link not valid",
                        text);
    }
    return false;
}

static void apv_http_session(apv_service *s, apv_store *store, const http_request *req,
                             apv_http_who *who)
{
    char sid[APV_SESSION_ID_LEN + 1];
    if (!apv_core_cookie(apv_http_header(req, "Cookie"), APV_SESSION_COOKIE, sid, sizeof sid) ||
        strlen(sid) != APV_SESSION_ID_LEN) {
        return;
    }
    for (size_t i = 0; i < APV_SESSION_ID_LEN; i++) {
        if (!((sid[i] >= '0' && sid[i] <= '9') || (sid[i] >= 'a' && sid[i] <= 'f'))) {
            return;
        }
    }
    char err[512];
    if (apv_store_session_get(store, sid, s->cfg->session_idle_s, who->identity, err, sizeof err) ==
            0 &&
        who->identity[0] != '\0') {
        snprintf(who->session, sizeof who->session, "%s", sid);
    }
}

/* A POST from another origin: refused. */
static bool apv_http_origin_ok(const apv_service *s, const http_request *req)
{
    const char *origin = apv_http_header(req, "Origin");
    if (origin == NULL) {
        return true; /* not sent by a browser, or a same-origin GET-style navigation */
    }
    if (strcmp(origin, s->public_origin) == 0) {
        return true;
    }
    const char *host = apv_http_header(req, "Host");
    char own[1100];
    if (host != NULL) {
        snprintf(own, sizeof own, "%s://%s", s->secure_cookie ? "https" : "http", host);
        if (strcmp(origin, own) == 0) {
            return true;
        }
    }
    return false;
}

/* Whether the client asks for JSON (Accept: application/json). */
static bool apv_http_wants_json(const http_request *req)
{
    const char *accept = apv_http_header(req, "Accept");
    return accept != NULL && strstr(accept, HTTP_CONTENT_TYPE_JSON) != NULL;
}

/*
 * GET /approvals/<id> with Accept: application/json: the record without its
 * token (apv_core_record_public), for a link, HTTP Basic or a session.
 */
static void apv_http_get_json(apv_service *s, apv_store *store, const char *id,
                              const http_request *req, http_response *resp)
{
    apv_http_who who = {0};
    const char *link = http_request_query(req, "link");
    if (link != NULL) {
        if (!apv_http_link(s, id, link, &who, true, resp)) {
            return;
        }
    } else if (!apv_http_basic(s, req, who.identity)) {
        apv_http_session(s, store, req, &who);
    }
    if (who.identity[0] == '\0') {
        apv_http_json_error(resp, 401, "UnrecognizedClientException",
                            "sign in, use a signed link, or send HTTP Basic access key + secret");
        return;
    }
    json_t *record = NULL;
    char err[512];
    if (apv_store_get(store, id, &record, err, sizeof err) != 0) {
        apv_http_json_error(resp, 503, "ServiceUnavailableException", err);
        return;
    }
    if (record == NULL) {
        apv_http_json_error(resp, 404, APV_EXC_INVALID_TOKEN,
                            "there is no such approval, or it was removed");
        return;
    }
    json_t *view = apv_core_record_public(record, sluice_time_now_ms());
    json_decref(record);
    http_response_set_json(resp, 200, view);
    json_decref(view);
    (void)http_response_add_header(resp, "Cache-Control", "no-store");
}

static void apv_http_get(apv_service *s, apv_store *store, const char *id, const http_request *req,
                         http_response *resp)
{
    if (apv_http_wants_json(req)) {
        apv_http_get_json(s, store, id, req, resp);
        return;
    }
    apv_http_who who = {0};
    const char *link = http_request_query(req, "link");
    if (link != NULL) {
        if (!apv_http_link(s, id, link, &who, false, resp)) {
            return;
        }
    } else {
        apv_http_session(s, store, req, &who);
    }
    if (who.identity[0] == '\0') {
        apv_http_signin_page(s, id, NULL, resp);
        return;
    }
    json_t *record = NULL;
    char err[512];
    if (apv_store_get(store, id, &record, err, sizeof err) != 0) {
        apv_http_notice(resp, 503, "Try again", "The approvals store is not available.");
        return;
    }
    if (record == NULL) {
        apv_http_notice(resp, 404, "Unknown approval",
                        "There is no approval at this address, or it was removed.");
        return;
    }
    apv_http_page(s, store, record, &who, NULL, resp);
    json_decref(record);
}

static void apv_http_signin(apv_service *s, apv_store *store, const char *id,
                            const http_request *req, const char *body, size_t len,
                            http_response *resp)
{
    apv_form *f = malloc(sizeof *f); /* 64 KiB: on the heap, not a pool thread's stack */
    char err[512];
    if (f == NULL) {
        abort();
    }
    char pre[80];
    bool ok =
        apv_http_origin_ok(s, req) &&
        apv_core_cookie(apv_http_header(req, "Cookie"), APV_PRESIGN_COOKIE, pre, sizeof pre) &&
        apv_core_form_parse(body, len, f, err, sizeof err) == 0;
    char subject[96];
    snprintf(subject, sizeof subject, "signin:%s", ok ? pre : "");
    if (!ok ||
        !apv_core_csrf_check(s->link_key, s->link_key_len, subject, apv_core_form_get(f, "csrf"))) {
        free(f);
        apv_http_notice(resp, 403, "Refused",
                        "The sign-in form was not sent from this page. Load the page again.");
        return;
    }
    const char *key = apv_core_form_get(f, "key");
    const char *secret = apv_core_form_get(f, "secret");
    const aws_credential *cred = key != NULL ? aws_credentials_find(s->credentials, key) : NULL;
    bool good = cred != NULL && secret != NULL &&
                strlen(cred->secret_access_key) == strlen(secret) &&
                CRYPTO_memcmp(cred->secret_access_key, secret, strlen(secret)) == 0;
    if (!good) {
        OPENSSL_cleanse(f, sizeof *f);
        free(f);
        apv_http_signin_page(s, id, "The access key id or the secret access key is wrong.", resp);
        return;
    }
    OPENSSL_cleanse(f, sizeof *f);
    free(f);
    unsigned char raw[32];
    char sid[APV_SESSION_ID_LEN + 1];
    if (RAND_bytes(raw, sizeof raw) != 1) {
        apv_http_notice(resp, 500, "Try again", "No randomness is available.");
        return;
    }
    for (size_t i = 0; i < sizeof raw; i++) {
        snprintf(sid + 2 * i, 3, "%02x", raw[i]);
    }
    if (apv_store_session_new(store, sid, cred->identity, s->cfg->session_idle_s, err,
                              sizeof err) != 0) {
        apv_http_notice(resp, 503, "Try again", "The approvals store is not available.");
        return;
    }
    SLUICE_INFO("%s signed in (access key %s)", cred->identity, cred->access_key_id);
    char location[128];
    snprintf(location, sizeof location, APV_PREFIX "%s", id);
    char cookie[256];
    snprintf(cookie, sizeof cookie, "%s=%s; Path=/approvals/; HttpOnly; SameSite=Strict%s",
             APV_SESSION_COOKIE, sid, s->secure_cookie ? "; Secure" : "");
    http_response_set_body(resp, 303, "text/plain; charset=utf-8", "", 0);
    (void)http_response_add_header(resp, "Location", location);
    (void)http_response_add_header(resp, "Set-Cookie", cookie);
    apv_http_html_headers(resp);
}

static bool apv_http_is_json(const http_request *req)
{
    const char *type = apv_http_header(req, "Content-Type");
    return type != NULL &&
           strncmp(type, HTTP_CONTENT_TYPE_JSON, strlen(HTTP_CONTENT_TYPE_JSON)) == 0;
}

static void apv_http_post_json(apv_service *s, apv_store *store, const char *id,
                               const http_request *req, const char *body, size_t len,
                               http_response *resp)
{
    json_error_t jerr;
    json_t *doc = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
    const char *status = json_string_value(json_object_get(doc, "status"));
    const char *summary = json_string_value(json_object_get(doc, "summary"));
    const char *link = json_string_value(json_object_get(doc, "link"));
    if (!json_is_object(doc)) {
        json_decref(doc);
        apv_http_json_error(resp, 400, APV_EXC_VALIDATION,
                            "the body must be a JSON object {\"status\", \"summary\"}");
        return;
    }
    apv_http_who who = {0};
    if (link != NULL) {
        if (!apv_http_link(s, id, link, &who, true, resp)) {
            json_decref(doc);
            return;
        }
    } else if (apv_http_basic(s, req, who.identity)) {
        who.basic = true;
    } else {
        apv_http_session(s, store, req, &who);
        char subject[APV_SESSION_ID_LEN + 16];
        snprintf(subject, sizeof subject, "session:%s", who.session);
        if (who.identity[0] != '\0' &&
            !apv_core_csrf_check(s->link_key, s->link_key_len, subject,
                                 apv_http_header(req, APV_CSRF_HEADER))) {
            json_decref(doc);
            apv_http_json_error(resp, 403, APV_EXC_DENIED,
                                "a session's vote needs its CSRF token in " APV_CSRF_HEADER);
            return;
        }
    }
    if (who.identity[0] == '\0') {
        json_decref(doc);
        apv_http_json_error(resp, 401, "UnrecognizedClientException",
                            "sign in, use a signed link, or send HTTP Basic access key + secret");
        return;
    }
    json_t *record = NULL;
    char err[512];
    int rc = apv_store_get(store, id, &record, err, sizeof err);
    if (rc != 0 || record == NULL) {
        json_decref(doc);
        if (rc != 0) {
            apv_http_json_error(resp, 503, "ServiceUnavailableException", err);
        } else {
            apv_http_json_error(resp, 400, APV_EXC_INVALID_TOKEN,
                                "there is no such approval, or it was removed");
        }
        return;
    }
    apv_http_result result;
    apv_http_vote(s, store, record, who.identity, status, summary, &result);
    json_decref(record);
    if (result.exception != NULL) {
        json_decref(doc);
        apv_http_json_error(resp, result.status, result.exception, result.message);
        return;
    }
    json_t *answer = json_pack("{s:f, s:s}", "approvedAt", (double)sluice_time_now_ms() / 1000.0,
                               "status", status);
    json_decref(doc);
    http_response_set_json(resp, 200, answer);
    json_decref(answer);
}

static void apv_http_post_form(apv_service *s, apv_store *store, const char *id,
                               const http_request *req, const char *body, size_t len,
                               http_response *resp)
{
    apv_form *f = malloc(sizeof *f);
    char err[512];
    if (f == NULL) {
        abort();
    }
    if (apv_core_form_parse(body, len, f, err, sizeof err) != 0) {
        free(f);
        apv_http_notice(resp, 400, "Bad form", err);
        return;
    }
    apv_http_who who = {0};
    const char *link = apv_core_form_get(f, "link");
    if (link != NULL) {
        if (!apv_http_link(s, id, link, &who, false, resp)) {
            free(f);
            return;
        }
    } else {
        apv_http_session(s, store, req, &who);
    }
    char subject[APV_LINK_MAX + 16];
    snprintf(subject, sizeof subject, "%s%s",
             who.link != NULL ? "link:" : "session:", who.link != NULL ? who.link : who.session);
    if (who.identity[0] == '\0' ||
        !apv_core_csrf_check(s->link_key, s->link_key_len, subject, apv_core_form_get(f, "csrf"))) {
        free(f);
        apv_http_notice(resp, 403, "Refused",
                        "This vote was not sent from the approval's page. Load the page again.");
        return;
    }
    json_t *record = NULL;
    int rc = apv_store_get(store, id, &record, err, sizeof err);
    if (rc != 0 || record == NULL) {
        free(f);
        if (rc != 0) {
            apv_http_notice(resp, 503, "Try again", "The approvals store is not available.");
        } else {
            apv_http_notice(resp, 404, "Unknown approval",
                            "There is no approval at this address, or it was removed.");
        }
        return;
    }
    apv_http_result result;
    const char *status = apv_core_form_get(f, "status");
    apv_http_vote(s, store, record, who.identity, status, apv_core_form_get(f, "comment"), &result);
    char notice[APV_MSG_MAX + 64];
    if (result.exception == NULL) {
        snprintf(notice, sizeof notice, "Your vote (%s) was recorded.", status);
    } else {
        snprintf(notice, sizeof notice, "Your vote was not recorded: %s", result.message);
    }
    json_decref(record);
    record = NULL;
    if (apv_store_get(store, id, &record, err, sizeof err) != 0 || record == NULL) {
        apv_http_notice(resp, 200, "Vote", notice);
    } else {
        apv_http_page(s, store, record, &who, notice, resp); /* who.link points into f */
    }
    json_decref(record);
    free(f);
}

/*
 * POST /approvals/sign-out: ends the session of the cookie (removed from
 * Redis, so the cookie is refused by every replica from then on) when the
 * form's csrf field (or the X-Sluice-CSRF header) is the session's token.
 */
static void apv_http_sign_out(apv_service *s, apv_store *store, const http_request *req,
                              const char *body, size_t len, http_response *resp)
{
    apv_http_who who = {0};
    apv_http_session(s, store, req, &who);
    char cookie[256];
    snprintf(cookie, sizeof cookie, "%s=; Path=/approvals/; Max-Age=0; HttpOnly; SameSite=Strict%s",
             APV_SESSION_COOKIE, s->secure_cookie ? "; Secure" : "");
    if (who.identity[0] == '\0') {
        apv_http_notice(resp, 200, "Signed out", "You are not signed in.");
        (void)http_response_add_header(resp, "Set-Cookie", cookie);
        return;
    }
    apv_form *f = malloc(sizeof *f);
    char err[512];
    if (f == NULL) {
        abort();
    }
    const char *token = apv_http_header(req, APV_CSRF_HEADER);
    if (token == NULL && apv_core_form_parse(body, len, f, err, sizeof err) == 0) {
        token = apv_core_form_get(f, "csrf");
    }
    char subject[APV_SESSION_ID_LEN + 16];
    snprintf(subject, sizeof subject, "session:%s", who.session);
    bool ok = apv_core_csrf_check(s->link_key, s->link_key_len, subject, token);
    free(f);
    if (!ok) {
        apv_http_notice(resp, 403, "Refused",
                        "This sign-out was not sent from an approval page. Load the page again.");
        return;
    }
    bool ended = false;
    if (apv_store_session_end(store, who.session, &ended, err, sizeof err) != 0) {
        apv_http_notice(resp, 503, "Try again", "The approvals store is not available.");
        return;
    }
    SLUICE_INFO("%s signed out", who.identity);
    apv_http_notice(resp, 200, "Signed out", "You are signed out.");
    (void)http_response_add_header(resp, "Set-Cookie", cookie);
}

/* ---- the streaming route -------------------------------------------------------------------- */

/* The approval id of path into id and whether it ends in "/signin"; false for any other path. */
static bool apv_http_path(const char *path, char *id, bool *signin)
{
    if (strncmp(path, APV_PREFIX, strlen(APV_PREFIX)) != 0) {
        return false;
    }
    const char *rest = path + strlen(APV_PREFIX);
    size_t len = strlen(rest);
    *signin = len > 7 && strcmp(rest + len - 7, "/signin") == 0;
    if (*signin) {
        len -= 7;
    }
    if (len != 36) {
        return false;
    }
    memcpy(id, rest, len);
    id[len] = '\0';
    return apv_core_id_valid(id);
}

static void apv_http_begin(const http_request *req, http_response *resp, void **stream, void *ctx)
{
    (void)ctx;
    char id[APV_ID_MAX + 1];
    bool signin = false;
    bool signout = strcmp(req->path, APV_SIGNOUT) == 0;
    if (!signout && !apv_http_path(req->path, id, &signin)) {
        apv_http_notice(resp, 404, "Not found", "There is nothing at this address.");
        return;
    }
    bool get = strcmp(req->method, "GET") == 0 && !signin && !signout;
    bool post = strcmp(req->method, "POST") == 0;
    if (!get && !post) {
        apv_http_notice(resp, 405, "Method not allowed", "Use GET or POST.");
        return;
    }
    apv_http_stream *st = calloc(1, sizeof *st);
    if (st == NULL) {
        abort();
    }
    sluice_buf_init(&st->body, APV_HTTP_BODY_MAX);
    *stream = st;
}

static int apv_http_data(void *stream, const char *bytes, size_t len, void *ctx)
{
    (void)ctx;
    apv_http_stream *st = stream;
    if (st->too_big || sluice_buf_append(&st->body, bytes, len) != 0) {
        st->too_big = true;
        return -1;
    }
    return 0;
}

static void apv_http_end(void *stream, const http_request *req, http_response *resp, void *ctx)
{
    apv_service *s = ctx;
    apv_http_stream *st = stream;
    char id[APV_ID_MAX + 1] = "";
    bool signin = false;
    bool signout = strcmp(req->path, APV_SIGNOUT) == 0;
    if (!signout) {
        (void)apv_http_path(req->path, id, &signin);
    }
    if (st->too_big) {
        apv_http_notice(resp, 413, "Too large", "The request body exceeds 64 KiB.");
        return;
    }
    state_redis *conn = apv_service_take(s);
    apv_store store = {.redis = conn, .keep_s = s->cfg->keep_s};
    const char *body = st->body.data != NULL ? st->body.data : "";
    if (strcmp(req->method, "GET") == 0) {
        apv_http_get(s, &store, id, req, resp);
    } else if (!apv_http_origin_ok(s, req)) {
        if (apv_http_is_json(req)) {
            apv_http_json_error(resp, 403, APV_EXC_DENIED, "a request from another origin");
        } else {
            apv_http_notice(resp, 403, "Refused", "This form was sent from another site.");
        }
    } else if (signout) {
        apv_http_sign_out(s, &store, req, body, st->body.len, resp);
    } else if (signin) {
        apv_http_signin(s, &store, id, req, body, st->body.len, resp);
    } else if (apv_http_is_json(req)) {
        apv_http_post_json(s, &store, id, req, body, st->body.len, resp);
    } else {
        apv_http_post_form(s, &store, id, req, body, st->body.len, resp);
    }
    apv_service_give(s, conn);
}

static void apv_http_done(void *stream, bool completed, void *ctx)
{
    (void)completed;
    (void)ctx;
    apv_http_stream *st = stream;
    if (st != NULL) {
        sluice_buf_free(&st->body);
        free(st);
    }
}

void apv_http_handler_init(http_stream_handler *h, apv_service *s)
{
    h->begin = apv_http_begin;
    h->data = apv_http_data;
    h->end = apv_http_end;
    h->done = apv_http_done;
    h->ctx = s;
}
