/*
 * con_http.c — pages, sign-in, api calls and live updates of sluice-console
 * (see con_http.h).
 *
 * This file decides who is asking (the session cookie → the access key id
 * kept in the session → the identity of SLUICE_API_CREDENTIALS), lets
 * con_core_check judge the request, and hands calls to con_service_call. The
 * api's answers go back to the browser as they are (status and JSON body),
 * but for the console's own reads: the approvals waiting for the person
 * (GET /console/api/approvals, decided by con_approvals) and an action's log
 * (GET /console/logs, its input checked by con_logs).
 */
#include "con_http.h"

#include "con_approvals.h"
#include "con_assets.h"
#include "con_core.h"

#include "sluice/error.h"
#include "sluice/log.h"
#include "sluice/web_form.h"
#include "sluice/web_session.h"

#include <openssl/crypto.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CON_SESSION_PREFIX "sluice:console:session:"

/* Who is asking. */
typedef struct con_http_who {
    char session[WEB_SESSION_ID_LEN + 1]; /* "" when none */
    const aws_credential *cred;           /* NULL when nobody is signed in */
    bool redis_down;
} con_http_who;

static void con_http_headers(http_response *resp)
{
    (void)http_response_add_header(resp, "Content-Security-Policy", CON_HTTP_CSP);
    (void)http_response_add_header(resp, "X-Frame-Options", "DENY");
    (void)http_response_add_header(resp, "X-Content-Type-Options", "nosniff");
    (void)http_response_add_header(resp, "Referrer-Policy", "same-origin");
    (void)http_response_add_header(resp, "Cache-Control", "no-store");
}

static void con_http_json_error(http_response *resp, int status, const char *type,
                                const char *message)
{
    json_t *body = json_pack("{s:s, s:s}", "__type", type, "message", message);
    http_response_set_json(resp, status, body);
    json_decref(body);
    con_http_headers(resp);
}

static void con_http_who_of(con_service *s, const http_request *req, con_http_who *who)
{
    memset(who, 0, sizeof *who);
    char sid[WEB_SESSION_ID_LEN + 1];
    if (!web_cookie_get(http_request_header(req, "Cookie"), CON_SESSION_COOKIE, sid, sizeof sid) ||
        !web_session_id_valid(sid)) {
        return;
    }
    char value[WEB_SESSION_VALUE_MAX + 1];
    char err[512];
    state_redis *conn = con_service_take(s);
    int rc = web_session_get(conn, CON_SESSION_PREFIX, sid, s->cfg->session_idle_s, value, err,
                             sizeof err);
    con_service_give(s, conn);
    if (rc != 0) {
        SLUICE_WARN("%s", err);
        who->redis_down = true;
        return;
    }
    const aws_credential *cred =
        value[0] != '\0' ? aws_credentials_find(s->credentials, value) : NULL;
    if (cred != NULL) {
        snprintf(who->session, sizeof who->session, "%s", sid);
        who->cred = cred;
    }
}

static void con_http_csrf(const con_service *s, const char *sid, char out[WEB_CSRF_LEN + 1])
{
    char subject[WEB_SESSION_ID_LEN + 16];
    snprintf(subject, sizeof subject, "session:%s", sid);
    web_csrf_make(s->key, s->key_len, CON_CSRF_TAG, subject, out);
}

/* Judges req with con_core_check; on refusal answers and returns false. */
static bool con_http_allowed(con_service *s, const http_request *req, const con_http_who *who,
                             bool needs_session, bool changes_state, bool csrf_required,
                             http_response *resp)
{
    if (who->redis_down) {
        con_http_json_error(resp, 503, "ServiceUnavailableException",
                            "the session store is not available; try again");
        return false;
    }
    bool csrf_ok = false;
    if (who->cred != NULL && csrf_required) {
        char subject[WEB_SESSION_ID_LEN + 16];
        snprintf(subject, sizeof subject, "session:%s", who->session);
        csrf_ok = web_csrf_check(s->key, s->key_len, CON_CSRF_TAG, subject,
                                 http_request_header(req, CON_CSRF_HEADER));
    }
    con_core_request r = {.needs_session = needs_session,
                          .has_session = who->cred != NULL,
                          .changes_state = changes_state,
                          .origin = http_request_header(req, "Origin"),
                          .public_origin = s->public_origin,
                          .host = http_request_header(req, "Host"),
                          .secure = s->secure_cookie,
                          .csrf_required = csrf_required,
                          .csrf_ok = csrf_ok};
    con_core_verdict verdict = con_core_check(&r);
    switch (verdict) {
    case CON_CORE_OK:
        return true;
    case CON_CORE_SIGNED_OUT:
        con_http_json_error(resp, 401, "SignedOut", "sign in first (the session ended or expired)");
        return false;
    case CON_CORE_FOREIGN:
        con_http_json_error(resp, 403, "AccessDeniedException", "a request from another origin");
        return false;
    case CON_CORE_NO_CSRF:
        con_http_json_error(resp, 403, "AccessDeniedException",
                            "this call needs the session's CSRF token in " CON_CSRF_HEADER);
        return false;
    }
    return false;
}

/* ---- the page ------------------------------------------------------------------------------- */

static void con_http_asset(const http_request *req, http_response *resp, void *ctx)
{
    (void)ctx;
    const char *path = req->path;
    if (strcmp(path, "/console/") == 0) {
        path = "/console/static/index.html";
    }
    const con_asset *asset = con_assets_find(path + strlen("/console/static/"));
    if (asset == NULL) {
        con_http_json_error(resp, 404, "NotFound", "there is nothing at this address");
        return;
    }
    http_response_set_body(resp, 200, asset->content_type, asset->bytes, asset->len);
    con_http_headers(resp);
}

static void con_http_root(const http_request *req, http_response *resp, void *ctx)
{
    (void)req;
    (void)ctx;
    http_response_set_body(resp, 303, "text/plain; charset=utf-8", "", 0);
    (void)http_response_add_header(resp, "Location", "/console/");
    con_http_headers(resp);
}

/* ---- sessions ------------------------------------------------------------------------------- */

/*
 * The groups of cred's identity (the first of its entries that carries them, as the api takes
 * them for a vote) into groups: their number.
 */
static size_t con_http_groups(const con_service *s, const aws_credential *cred,
                              const char *groups[AWS_CREDENTIAL_MAX_GROUPS])
{
    const aws_credential *profile = aws_credentials_find_identity(s->credentials, cred->identity);
    if (profile == NULL) {
        profile = cred;
    }
    for (size_t i = 0; i < profile->ngroups; i++) {
        groups[i] = profile->groups[i];
    }
    return profile->ngroups;
}

/* The ARN the api records cred's votes under (api_call_init): arn:aws:iam::<account>:user/<id>. */
static void con_http_arn(const con_service *s, const aws_credential *cred, char *out, size_t len)
{
    snprintf(out, len, "arn:aws:iam::%s:user/%s", s->cfg->account, cred->identity);
}

static json_t *con_http_session_doc(const con_service *s, const char *sid,
                                    const aws_credential *cred)
{
    char csrf[WEB_CSRF_LEN + 1];
    con_http_csrf(s, sid, csrf);
    con_core_buttons b;
    con_core_buttons_of(cred->role, &b);
    const char *groups[AWS_CREDENTIAL_MAX_GROUPS];
    size_t ngroups = con_http_groups(s, cred, groups);
    json_t *list = json_array();
    for (size_t i = 0; i < ngroups; i++) {
        json_array_append_new(list, json_string(groups[i]));
    }
    char arn[AWS_IDENTITY_MAX + 64];
    con_http_arn(s, cred, arn, sizeof arn);
    return json_pack("{s:s, s:s, s:o, s:s, s:s, s:{s:b, s:b, s:b, s:b, s:b}}", "identity",
                     cred->identity, "arn", arn, "groups", list, "role", cred->role, "csrf", csrf,
                     "buttons", "start", b.start, "stop", b.stop, "retry", b.retry, "transition",
                     b.transition, "approve", b.approve);
}

static void con_http_session(const http_request *req, http_response *resp, void *ctx)
{
    con_service *s = ctx;
    con_http_who who;
    con_http_who_of(s, req, &who);
    if (!con_http_allowed(s, req, &who, true, false, false, resp)) {
        return;
    }
    json_t *doc = con_http_session_doc(s, who.session, who.cred);
    http_response_set_json(resp, 200, doc);
    json_decref(doc);
    con_http_headers(resp);
}

static bool con_http_is_json(const http_request *req)
{
    const char *type = http_request_header(req, "Content-Type");
    return type != NULL &&
           strncmp(type, HTTP_CONTENT_TYPE_JSON, strlen(HTTP_CONTENT_TYPE_JSON)) == 0;
}

static void con_http_signin(const http_request *req, http_response *resp, void *ctx)
{
    con_service *s = ctx;
    const char *labels[1] = {"refused"};
    con_http_who nobody;
    memset(&nobody, 0, sizeof nobody);
    if (!con_http_allowed(s, req, &nobody, false, true, false, resp)) {
        (void)http_metrics_inc(s->signins, labels, 1);
        return;
    }
    if (!con_http_is_json(req)) { /* a cross-site form cannot send JSON without CORS */
        con_http_json_error(resp, 415, "ValidationException",
                            "send {\"accessKeyId\", \"secretAccessKey\"} as application/json");
        (void)http_metrics_inc(s->signins, labels, 1);
        return;
    }
    json_error_t jerr;
    json_t *doc = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &jerr);
    const char *key = json_string_value(json_object_get(doc, "accessKeyId"));
    const char *secret = json_string_value(json_object_get(doc, "secretAccessKey"));
    const aws_credential *cred = key != NULL ? aws_credentials_find(s->credentials, key) : NULL;
    bool good = cred != NULL && secret != NULL &&
                strlen(cred->secret_access_key) == strlen(secret) &&
                CRYPTO_memcmp(cred->secret_access_key, secret, strlen(secret)) == 0;
    json_decref(doc);
    if (!good) {
        con_http_json_error(resp, 401, "UnrecognizedClientException",
                            "the access key id or the secret access key is wrong");
        (void)http_metrics_inc(s->signins, labels, 1);
        return;
    }
    char sid[WEB_SESSION_ID_LEN + 1];
    char err[512];
    state_redis *conn = con_service_take(s);
    int rc = web_session_id_new(sid);
    rc = rc != 0 ? rc
                 : web_session_new(conn, CON_SESSION_PREFIX, sid, cred->access_key_id,
                                   s->cfg->session_idle_s, err, sizeof err);
    con_service_give(s, conn);
    if (rc != 0) {
        con_http_json_error(resp, 503, "ServiceUnavailableException",
                            "the session store is not available; try again");
        return;
    }
    SLUICE_INFO("%s signed in to the console (access key %s)", cred->identity, cred->access_key_id);
    labels[0] = "accepted";
    (void)http_metrics_inc(s->signins, labels, 1);
    json_t *answer = con_http_session_doc(s, sid, cred);
    http_response_set_json(resp, 200, answer);
    json_decref(answer);
    char cookie[256];
    snprintf(cookie, sizeof cookie, "%s=%s; Path=/console/; HttpOnly; SameSite=Strict%s",
             CON_SESSION_COOKIE, sid, s->secure_cookie ? "; Secure" : "");
    (void)http_response_add_header(resp, "Set-Cookie", cookie);
    con_http_headers(resp);
}

static void con_http_signout(const http_request *req, http_response *resp, void *ctx)
{
    con_service *s = ctx;
    con_http_who who;
    con_http_who_of(s, req, &who);
    if (!con_http_allowed(s, req, &who, true, true, true, resp)) {
        return;
    }
    char err[512];
    state_redis *conn = con_service_take(s);
    int rc = web_session_delete(conn, CON_SESSION_PREFIX, who.session, err, sizeof err);
    con_service_give(s, conn);
    if (rc != 0) {
        con_http_json_error(resp, 503, "ServiceUnavailableException", "try again");
        return;
    }
    SLUICE_INFO("%s signed out of the console", who.cred->identity);
    json_t *answer = json_pack("{s:b}", "signedOut", 1);
    http_response_set_json(resp, 200, answer);
    json_decref(answer);
    char cookie[256];
    snprintf(cookie, sizeof cookie, "%s=; Path=/console/; Max-Age=0; HttpOnly; SameSite=Strict%s",
             CON_SESSION_COOKIE, s->secure_cookie ? "; Secure" : "");
    (void)http_response_add_header(resp, "Set-Cookie", cookie);
    con_http_headers(resp);
}

/* ---- api calls ------------------------------------------------------------------------------ */

static void con_http_call(const http_request *req, http_response *resp, void *ctx)
{
    con_service *s = ctx;
    const char *op = http_request_query(req, "op");
    bool changes_state = false;
    if (!con_core_operation(op, &changes_state)) {
        con_http_json_error(resp, 400, "ValidationException",
                            "op must name an operation the console calls");
        return;
    }
    con_http_who who;
    con_http_who_of(s, req, &who);
    /* every call is a POST: all need the origin and the CSRF token, reads too */
    if (!con_http_allowed(s, req, &who, true, true, true, resp)) {
        return;
    }
    const char *body = req->body_len > 0 ? req->body : "{}";
    size_t len = req->body_len > 0 ? req->body_len : 2;
    long status = 0;
    sluice_buf out;
    sluice_buf_init(&out, CON_API_RESPONSE_MAX);
    char err[1024];
    int rc = con_service_call(s, who.cred, op, body, len, &status, &out, err, sizeof err);
    char status_text[16];
    snprintf(status_text, sizeof status_text, "%ld", rc == 0 ? status : 502L);
    const char *labels[2] = {op, status_text};
    (void)http_metrics_inc(s->calls, labels, 1);
    if (rc != 0) {
        sluice_buf_free(&out);
        SLUICE_WARN("%s", err);
        con_http_json_error(resp, 502, "ServiceUnavailableException", err);
        return;
    }
    if (changes_state) {
        SLUICE_INFO("%s called %s: %ld", who.cred->identity, op, status);
    }
    int code = status >= 200 && status <= 599 ? (int)status : 502;
    http_response_set_body(resp, code, HTTP_CONTENT_TYPE_JSON, out.data != NULL ? out.data : "",
                           out.len);
    sluice_buf_free(&out);
    con_http_headers(resp);
}

/* ---- approvals ------------------------------------------------------------------------------ */

/*
 * Calls op with input (taken) as cred: 0 with *status and *answer (the parsed body, NULL when
 * it is no JSON), or SLUICE_EIO when the api did not answer (logged).
 */
static int con_http_api_json(con_service *s, const aws_credential *cred, const char *op,
                             json_t *input, long *status, json_t **answer)
{
    *answer = NULL;
    char *text = json_dumps(input, JSON_COMPACT);
    json_decref(input);
    if (text == NULL) {
        abort();
    }
    sluice_buf out;
    sluice_buf_init(&out, CON_API_RESPONSE_MAX);
    char err[1024];
    int rc = con_service_call(s, cred, op, text, strlen(text), status, &out, err, sizeof err);
    free(text);
    if (rc != 0) {
        SLUICE_WARN("%s", err);
        sluice_buf_free(&out);
        return SLUICE_EIO;
    }
    *answer = json_loadb(out.data != NULL ? out.data : "", out.len, 0, NULL);
    sluice_buf_free(&out);
    return 0;
}

/*
 * Adds the approvals waiting in pipeline name to list (con_approvals_collect): false once
 * CON_APPROVALS_MAX is reached with more to add. A pipeline the api does not show (deleted
 * meanwhile, refused) is skipped.
 */
static bool con_http_approvals_of(con_service *s, const aws_credential *cred, const char *name,
                                  const con_approvals_who *w, bool all, json_t *list)
{
    long status = 0;
    json_t *state = NULL;
    if (con_http_api_json(s, cred, "GetPipelineState", json_pack("{s:s}", "name", name), &status,
                          &state) != 0 ||
        status != 200 || !con_approvals_pending(state)) {
        json_decref(state);
        return true;
    }
    json_t *decl = NULL;
    bool more = true;
    if (con_http_api_json(s, cred, "GetPipeline", json_pack("{s:s}", "name", name), &status,
                          &decl) == 0 &&
        status == 200) {
        more = con_approvals_collect(name, decl, state, w, all, list) >= 0;
    }
    json_decref(decl);
    json_decref(state);
    return more;
}

/*
 * GET /console/api/approvals[?all=1]: the Manual approvals in progress the person may answer
 * (all=1: every one, each with mayAnswer), read as the person from at most
 * CON_APPROVALS_PIPELINES_MAX pipelines.
 */
static void con_http_approvals(const http_request *req, http_response *resp, void *ctx)
{
    con_service *s = ctx;
    con_http_who who;
    con_http_who_of(s, req, &who);
    if (!con_http_allowed(s, req, &who, true, false, false, resp)) {
        return;
    }
    const char *all_text = http_request_query(req, "all");
    bool all = all_text != NULL && (strcmp(all_text, "1") == 0 || strcmp(all_text, "true") == 0);
    const char *groups[AWS_CREDENTIAL_MAX_GROUPS];
    char arn[AWS_IDENTITY_MAX + 64];
    con_http_arn(s, who.cred, arn, sizeof arn);
    con_approvals_who w = {.arn = arn, .role = who.cred->role, .groups = groups};
    w.ngroups = con_http_groups(s, who.cred, groups);
    json_t *list = json_array();
    bool truncated = false;
    size_t looked = 0;
    char token[CON_LOGS_TOKEN_MAX] = "";
    size_t pages = 0;
    do {
        json_t *input = json_object();
        if (token[0] != '\0') {
            json_object_set_new(input, "nextToken", json_string(token));
        }
        long status = 0;
        json_t *page = NULL;
        if (con_http_api_json(s, who.cred, "ListPipelines", input, &status, &page) != 0 ||
            status != 200) {
            json_decref(list);
            if (page != NULL && status >= 400 && status <= 599) {
                http_response_set_json(resp, (int)status, page); /* the api's refusal */
                con_http_headers(resp);
            } else {
                con_http_json_error(resp, 502, "ServiceUnavailableException",
                                    "the api did not list the pipelines");
            }
            json_decref(page);
            return;
        }
        size_t i;
        const json_t *p;
        json_array_foreach(json_object_get(page, "pipelines"), i, p)
        {
            const char *name = json_string_value(json_object_get(p, "name"));
            if (truncated || !con_core_pipeline_valid(name)) {
                continue;
            }
            if (looked >= CON_APPROVALS_PIPELINES_MAX) {
                truncated = true;
                continue;
            }
            looked++;
            truncated = !con_http_approvals_of(s, who.cred, name, &w, all, list);
        }
        const char *next = json_string_value(json_object_get(page, "nextToken"));
        snprintf(token, sizeof token, "%s",
                 next != NULL && strlen(next) < sizeof token && !truncated ? next : "");
        json_decref(page);
        truncated = truncated || (token[0] != '\0' && ++pages >= CON_APPROVALS_PIPELINES_MAX);
    } while (token[0] != '\0' && !truncated);
    json_t *doc = json_pack("{s:o, s:b, s:I, s:b}", "approvals", list, "all", all, "pipelines",
                            (json_int_t)looked, "truncated", truncated);
    http_response_set_json(resp, 200, doc);
    json_decref(doc);
    con_http_headers(resp);
}

/* ---- live updates --------------------------------------------------------------------------- */

typedef struct con_http_stream {
    con_service *service;
    con_hub_client *client;
} con_http_stream;

void con_http_wake(void *waker)
{
    http_body_stream_wake(waker);
}

static void con_http_stream_attach(void *ctx, http_body_stream *waker)
{
    con_http_stream *st = ctx;
    con_hub_attach(st->service->hub, st->client, waker);
}

static long con_http_stream_read(void *ctx, char *buf, size_t max)
{
    con_http_stream *st = ctx;
    return con_hub_read(st->service->hub, st->client, buf, max);
}

static void con_http_stream_gauges(con_service *s)
{
    con_hub_stats stats;
    con_hub_get_stats(s->hub, &stats);
    (void)http_metrics_set(s->clients, NULL, (double)stats.clients);
    (void)http_metrics_set(s->dropped, NULL, (double)stats.dropped);
}

static void con_http_stream_release(void *ctx)
{
    con_http_stream *st = ctx;
    con_hub_leave(st->service->hub, st->client);
    con_http_stream_gauges(st->service);
    free(st);
}

static void con_http_events(const http_request *req, http_response *resp, void *ctx)
{
    con_service *s = ctx;
    con_http_who who;
    con_http_who_of(s, req, &who);
    if (!con_http_allowed(s, req, &who, true, false, false, resp)) {
        return;
    }
    const char *pipeline = http_request_query(req, "pipeline");
    if (pipeline != NULL && pipeline[0] != '\0' && !con_core_pipeline_valid(pipeline)) {
        con_http_json_error(resp, 400, "ValidationException", "pipeline is not a pipeline name");
        return;
    }
    con_hub_client *client = NULL;
    if (con_hub_join(s->hub, pipeline, http_request_header(req, "Last-Event-ID"), &client) != 0) {
        con_http_json_error(resp, 503, "ServiceUnavailableException",
                            "too many live-update streams are open; try again later");
        con_http_stream_gauges(s);
        return;
    }
    con_http_stream *st = calloc(1, sizeof *st);
    if (st == NULL) {
        abort();
    }
    st->service = s;
    st->client = client;
    http_response_stream stream = {.attach = con_http_stream_attach,
                                   .read = con_http_stream_read,
                                   .release = con_http_stream_release,
                                   .ctx = st};
    if (http_response_set_stream(resp, 200, "text/event-stream", &stream) != 0) {
        return; /* released: the server answers 500 */
    }
    con_http_headers(resp);
    (void)http_response_add_header(resp, "X-Accel-Buffering", "no");
    con_http_stream_gauges(s);
}

/* ---- action logs ---------------------------------------------------------------------------- */

/*
 * Whether who may read action execution action of pipeline's execution: it is
 * among ListActionExecutions' answer to them (at most 25 pages). 0 found,
 * SLUICE_ENOTFOUND, SLUICE_EDENIED (the api refused), SLUICE_EIO.
 */
static int con_http_action_visible(con_service *s, const aws_credential *cred, const char *pipeline,
                                   const char *execution, const char *action)
{
    char token[CON_LOGS_TOKEN_MAX] = "";
    for (int page = 0; page < 25; page++) {
        json_t *input = json_pack("{s:s, s:{s:s}, s:i}", "pipelineName", pipeline, "filter",
                                  "pipelineExecutionId", execution, "maxResults", 100);
        if (token[0] != '\0') {
            json_object_set_new(input, "nextToken", json_string(token));
        }
        char *text = json_dumps(input, JSON_COMPACT);
        json_decref(input);
        if (text == NULL) {
            abort();
        }
        long status = 0;
        sluice_buf out;
        sluice_buf_init(&out, CON_API_RESPONSE_MAX);
        char err[1024];
        int rc = con_service_call(s, cred, "ListActionExecutions", text, strlen(text), &status,
                                  &out, err, sizeof err);
        free(text);
        if (rc != 0 || status != 200) {
            sluice_buf_free(&out);
            return rc != 0 ? SLUICE_EIO : status == 400 ? SLUICE_EDENIED : SLUICE_EIO;
        }
        bool found = false;
        rc = con_logs_answer_page(out.data, out.len, action, &found, token, err, sizeof err);
        sluice_buf_free(&out);
        if (rc != 0) {
            SLUICE_WARN("%s", err);
            return SLUICE_EIO;
        }
        if (found) {
            return 0;
        }
        if (token[0] == '\0') {
            break;
        }
    }
    return SLUICE_ENOTFOUND;
}

typedef struct con_http_log_stream {
    con_service *service;
    con_logs_watcher *watcher;
} con_http_log_stream;

static void con_http_log_gauge(con_service *s)
{
    con_logs_stats stats;
    con_logs_get_stats(s->logs, &stats);
    (void)http_metrics_set(s->log_streams, NULL, (double)stats.watchers);
}

static void con_http_log_attach(void *ctx, http_body_stream *waker)
{
    con_http_log_stream *st = ctx;
    con_logs_attach(st->service->logs, st->watcher, waker);
}

static long con_http_log_read(void *ctx, char *buf, size_t max)
{
    con_http_log_stream *st = ctx;
    return con_logs_read(st->service->logs, st->watcher, buf, max);
}

static void con_http_log_release(void *ctx)
{
    con_http_log_stream *st = ctx;
    con_logs_leave(st->service->logs, st->watcher);
    con_http_log_gauge(st->service);
    free(st);
}

/* GET /console/logs?pipeline=&execution=&action=: the action's log as it grows. */
static void con_http_logs(const http_request *req, http_response *resp, void *ctx)
{
    con_service *s = ctx;
    con_http_who who;
    con_http_who_of(s, req, &who);
    if (!con_http_allowed(s, req, &who, true, false, false, resp)) {
        return;
    }
    if (s->logs == NULL) {
        con_http_json_error(resp, 404, "LogsNotConfigured",
                            "the console reads no logs (SLUICE_CONSOLE_LOGS_ENDPOINT is empty)");
        return;
    }
    const char *pipeline = http_request_query(req, "pipeline");
    const char *execution = http_request_query(req, "execution");
    const char *action = http_request_query(req, "action");
    char key[CON_LOGS_KEY_MAX];
    char err[256];
    int krc =
        con_logs_key_of(s->cfg->logs_prefix, pipeline, execution, action, key, err, sizeof err);
    if (krc != 0) {
        con_http_json_error(resp, krc == SLUICE_EINVAL ? 400 : 500,
                            krc == SLUICE_EINVAL ? "ValidationException" : "InternalError", err);
        return;
    }
    int rc = con_http_action_visible(s, who.cred, pipeline, execution, action);
    if (rc != 0) {
        con_http_json_error(resp,
                            rc == SLUICE_ENOTFOUND ? 404
                            : rc == SLUICE_EDENIED ? 403
                                                   : 502,
                            rc == SLUICE_ENOTFOUND ? "ActionExecutionNotFoundException"
                            : rc == SLUICE_EDENIED ? "AccessDeniedException"
                                                   : "ServiceUnavailableException",
                            rc == SLUICE_ENOTFOUND ? "no such action execution in that execution"
                            : rc == SLUICE_EDENIED ? "the api refused to list its actions"
                                                   : "the api did not answer");
        return;
    }
    con_logs_watcher *watcher = NULL;
    if (con_logs_join(s->logs, key, &watcher) != 0) {
        con_http_json_error(resp, 503, "ServiceUnavailableException",
                            "too many logs are followed; try again later");
        return;
    }
    con_http_log_stream *st = calloc(1, sizeof *st);
    if (st == NULL) {
        abort();
    }
    st->service = s;
    st->watcher = watcher;
    http_response_stream stream = {.attach = con_http_log_attach,
                                   .read = con_http_log_read,
                                   .release = con_http_log_release,
                                   .ctx = st};
    if (http_response_set_stream(resp, 200, "text/event-stream", &stream) != 0) {
        return; /* released: the server answers 500 */
    }
    con_http_headers(resp);
    (void)http_response_add_header(resp, "X-Accel-Buffering", "no");
    con_http_log_gauge(s);
}

/* ---- routes --------------------------------------------------------------------------------- */

int con_http_routes(http_server *server, con_service *s)
{
    int rc = http_server_route(server, "GET", "/console", con_http_root, s);
    rc = rc != 0 ? rc : http_server_route(server, "GET", "/", con_http_root, s);
    rc = rc != 0 ? rc : http_server_route(server, "GET", "/console/", con_http_asset, s);
    for (size_t i = 0; rc == 0 && i < con_assets_count; i++) {
        char path[HTTP_SERVER_PATH_MAX + 1];
        snprintf(path, sizeof path, "/console/static/%s", con_assets[i].name);
        rc = http_server_route(server, "GET", path, con_http_asset, s);
    }
    rc = rc != 0 ? rc
                 : http_server_route(server, "GET", "/console/api/session", con_http_session, s);
    rc =
        rc != 0 ? rc : http_server_route(server, "POST", "/console/api/signin", con_http_signin, s);
    rc = rc != 0 ? rc
                 : http_server_route(server, "POST", "/console/api/signout", con_http_signout, s);
    rc = rc != 0 ? rc : http_server_route(server, "POST", "/console/api/call", con_http_call, s);
    rc = rc != 0
             ? rc
             : http_server_route(server, "GET", "/console/api/approvals", con_http_approvals, s);
    rc = rc != 0 ? rc : http_server_route(server, "GET", "/console/events", con_http_events, s);
    rc = rc != 0 ? rc : http_server_route(server, "GET", "/console/logs", con_http_logs, s);
    return rc;
}
