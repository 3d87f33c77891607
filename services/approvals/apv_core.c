/*
 * apv_core.c — the pure rules of sluice-approvals (see apv_core.h).
 *
 * Links are libs/core's approval_link.h (HMAC-SHA256 shared with the notifier);
 * CSRF tokens and form bodies are libs/web's (web_csrf.h, web_form.h), the same
 * code the console uses.
 */
#include "apv_core.h"

#include "sluice/approval_link.h"
#include "sluice/error.h"
#include "sluice/html.h"
#include "sluice/hex.h"
#include "sluice/time.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define APV_CSRF_TAG "sluice-approval-csrf"

/* ---- escaping and parsing ------------------------------------------------------------------- */

int apv_core_html_escape(sluice_buf *out, const char *text)
{
    return sluice_html_escape(out, text, false);
}

int apv_core_form_parse(const char *body, size_t len, apv_form *form, char *err, size_t errlen)
{
    return web_form_parse(body, len, form, err, errlen);
}

const char *apv_core_form_get(const apv_form *form, const char *name)
{
    return web_form_get(form, name);
}

bool apv_core_cookie(const char *header, const char *name, char *out, size_t outlen)
{
    return web_cookie_get(header, name, out, outlen);
}

bool apv_core_basic(const char *header, char *key, size_t keymax, char *secret, size_t secretmax)
{
    if (keymax > 0) {
        key[0] = '\0';
    }
    if (secretmax > 0) {
        secret[0] = '\0';
    }
    if (header == NULL || strncmp(header, "Basic ", 6) != 0 || keymax == 0 || secretmax == 0) {
        return false;
    }
    const char *b64 = header + 6;
    size_t len = strlen(b64);
    unsigned char decoded[512];
    if (len == 0 || len % 4 != 0 || len / 4 * 3 >= sizeof decoded) {
        return false;
    }
    int n = EVP_DecodeBlock(decoded, (const unsigned char *)b64, (int)len);
    if (n <= 0) {
        return false;
    }
    n -= (b64[len - 1] == '=') + (b64[len - 2] == '=');
    const unsigned char *colon = memchr(decoded, ':', (size_t)n);
    bool ok = colon != NULL && memchr(decoded, '\0', (size_t)n) == NULL;
    size_t klen = ok ? (size_t)(colon - decoded) : 0;
    size_t slen = ok ? (size_t)n - klen - 1 : 0;
    ok = ok && klen > 0 && klen < keymax && slen > 0 && slen < secretmax;
    if (ok) {
        memcpy(key, decoded, klen);
        key[klen] = '\0';
        memcpy(secret, colon + 1, slen);
        secret[slen] = '\0';
    }
    OPENSSL_cleanse(decoded, sizeof decoded);
    return ok;
}

bool apv_core_id_valid(const char *id)
{
    return sluice_approval_id_valid(id);
}

bool apv_core_identity_valid(const char *name)
{
    return sluice_approval_approver_valid(name);
}

/* ---- links and CSRF tokens ------------------------------------------------------------------ */

void apv_core_csrf(const unsigned char *key, size_t keylen, const char *subject,
                   char out[APV_CSRF_LEN + 1])
{
    web_csrf_make(key, keylen, APV_CSRF_TAG, subject, out);
}

bool apv_core_csrf_check(const unsigned char *key, size_t keylen, const char *subject,
                         const char *token)
{
    return web_csrf_check(key, keylen, APV_CSRF_TAG, subject, token);
}

/* ---- records -------------------------------------------------------------------------------- */

static const char *apv_core_str(const json_t *obj, const char *name)
{
    return json_string_value(json_object_get(obj, name));
}

/* A copy of a string member within APV_FIELD_MAX bytes, "" when absent; -1 when too long. */
static int apv_core_copy(json_t *record, const char *to, const json_t *from, const char *name)
{
    const char *value = apv_core_str(from, name);
    if (value != NULL && strlen(value) > APV_FIELD_MAX) {
        return -1;
    }
    json_object_set_new(record, to, json_string(value != NULL ? value : ""));
    return 0;
}

/*
 * Copies text into a new JSON string of at most max bytes, cut at a UTF-8
 * character boundary with APV_CUT_MARKER after what was kept.
 */
static json_t *apv_core_cut(const char *text, size_t max)
{
    size_t len = strlen(text);
    if (len <= max) {
        return json_string(text);
    }
    size_t keep = max - strlen(APV_CUT_MARKER);
    while (keep > 0 && ((unsigned char)text[keep] & 0xC0) == 0x80) {
        keep--; /* text[keep] continues a character: cut before it */
    }
    char *buf = malloc(keep + strlen(APV_CUT_MARKER) + 1);
    if (buf == NULL) {
        abort();
    }
    memcpy(buf, text, keep);
    memcpy(buf + keep, APV_CUT_MARKER, strlen(APV_CUT_MARKER) + 1);
    json_t *out = json_string(buf);
    free(buf);
    return out != NULL ? out : json_string(""); /* not UTF-8: shown as nothing */
}

/*
 * The record's artifactRevisions from the job's (engine_step.h): at most
 * APV_REVISIONS_MAX entries with a revisionId, each member bounded (the
 * summary cut visibly, a URL over its bound dropped), and all of them at most
 * APV_REVISIONS_BYTES_MAX bytes of JSON (the entries past it left out), so a
 * record stays within the store's bound. A new reference.
 */
static json_t *apv_core_revisions(const json_t *from)
{
    json_t *out = json_array();
    size_t used = 0; /* bytes of the kept entries as stored (JSON) */
    size_t i;
    const json_t *rev;
    json_array_foreach(from, i, rev)
    {
        const char *id = apv_core_str(rev, "revisionId");
        if (json_array_size(out) >= APV_REVISIONS_MAX || id == NULL || id[0] == '\0') {
            continue;
        }
        json_t *entry = json_object();
        const char *action = apv_core_str(rev, "actionName");
        const char *name = apv_core_str(rev, "name");
        const char *summary = apv_core_str(rev, "revisionSummary");
        const char *url = apv_core_str(rev, "revisionUrl");
        const char *created = apv_core_str(rev, "created");
        json_object_set_new(entry, "actionName", apv_core_cut(action != NULL ? action : "", 128));
        json_object_set_new(entry, "name", apv_core_cut(name != NULL ? name : "", 128));
        json_object_set_new(entry, "revisionId", apv_core_cut(id, APV_REVISION_ID_MAX));
        json_object_set_new(entry, "revisionSummary",
                            apv_core_cut(summary != NULL ? summary : "", APV_REVISION_SUMMARY_MAX));
        json_object_set_new(
            entry, "revisionUrl",
            json_string(url != NULL && strlen(url) <= APV_REVISION_URL_MAX ? url : ""));
        json_object_set_new(entry, "created",
                            json_string(created != NULL && strlen(created) <= 40 ? created : ""));
        size_t size = json_dumpb(entry, NULL, 0, JSON_COMPACT);
        if (size == 0 || size > APV_REVISIONS_BYTES_MAX - used) {
            json_decref(entry); /* the record's bound: the rest are left out */
            break;
        }
        used += size;
        json_array_append_new(out, entry);
    }
    return out;
}

json_t *apv_core_record_from_job(const json_t *job, int64_t now_ms, char *err, size_t errlen)
{
    if (err != NULL && errlen > 0) {
        err[0] = '\0';
    }
    const json_t *type = json_object_get(job, "actionTypeId");
    if (!json_is_object(type) || apv_core_str(type, "category") == NULL ||
        strcmp(apv_core_str(type, "category"), "Approval") != 0 ||
        apv_core_str(type, "owner") == NULL || strcmp(apv_core_str(type, "owner"), "AWS") != 0 ||
        apv_core_str(type, "provider") == NULL ||
        strcmp(apv_core_str(type, "provider"), "Manual") != 0) {
        return NULL;
    }
    static const char *const required[] = {"actionExecutionId",
                                           "pipeline",
                                           "pipelineExecutionId",
                                           "stage",
                                           "action",
                                           "token",
                                           "expires"};
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++) {
        const char *value = apv_core_str(job, required[i]);
        if (value == NULL || value[0] == '\0' || strlen(value) > 256) {
            sluice_error_set(err, errlen, SLUICE_EPARSE,
                             "approval job: %s must be a string of 1..256 characters", required[i]);
            return NULL;
        }
    }
    const char *id = apv_core_str(job, "actionExecutionId");
    if (!apv_core_id_valid(id)) {
        sluice_error_set(err, errlen, SLUICE_EPARSE,
                         "approval job: actionExecutionId must be a lowercase UUID");
        return NULL;
    }
    int64_t expires = 0;
    if (sluice_time_parse_rfc3339(apv_core_str(job, "expires"), &expires) != 0) {
        sluice_error_set(err, errlen, SLUICE_EPARSE, "approval job: expires must be RFC 3339");
        return NULL;
    }
    const json_t *config = json_object_get(job, "configuration");
    if (config != NULL && !json_is_object(config)) {
        sluice_error_set(err, errlen, SLUICE_EPARSE,
                         "approval job: configuration must be an object");
        return NULL;
    }
    json_t *record = json_object();
    json_object_set_new(record, "id", json_string(id));
    json_object_set_new(record, "pipeline", json_string(apv_core_str(job, "pipeline")));
    json_object_set_new(record, "pipelineVersion",
                        json_integer(json_integer_value(json_object_get(job, "pipelineVersion"))));
    json_object_set_new(record, "executionId",
                        json_string(apv_core_str(job, "pipelineExecutionId")));
    json_object_set_new(record, "stage", json_string(apv_core_str(job, "stage")));
    json_object_set_new(record, "action", json_string(apv_core_str(job, "action")));
    json_object_set_new(record, "token", json_string(apv_core_str(job, "token")));
    if (apv_core_copy(record, "customData", config, "CustomData") != 0 ||
        apv_core_copy(record, "externalEntityLink", config, "ExternalEntityLink") != 0 ||
        apv_core_copy(record, "approvers", config, "SluiceApprovers") != 0 ||
        apv_core_copy(record, "requiredApprovals", config, "SluiceRequiredApprovals") != 0) {
        json_decref(record);
        sluice_error_set(err, errlen, SLUICE_ETOOBIG,
                         "approval job: a configuration value exceeds %d bytes", APV_FIELD_MAX);
        return NULL;
    }
    const json_t *rev = json_object_get(job, "sourceRevision");
    const char *revision = json_is_object(rev) ? apv_core_str(rev, "revisionValue") : NULL;
    json_object_set_new(record, "sourceRevision",
                        json_string(revision != NULL && strlen(revision) <= 256 ? revision : ""));
    json_object_set_new(record, "artifactRevisions",
                        apv_core_revisions(json_object_get(job, "artifactRevisions")));
    json_object_set_new(record, "expires", json_integer(expires));
    json_object_set_new(record, "created", json_integer(now_ms));
    json_object_set_new(record, "state", json_string(APV_STATE_WAITING));
    json_object_set_new(record, "votes", json_array());
    return record;
}

const char *apv_core_record_state(const json_t *record, int64_t now_ms)
{
    const char *state = apv_core_str(record, "state");
    if (state == NULL) {
        return APV_STATE_WITHDRAWN;
    }
    if (strcmp(state, APV_STATE_WAITING) == 0 &&
        json_integer_value(json_object_get(record, "expires")) <= now_ms) {
        return APV_STATE_WITHDRAWN;
    }
    return state;
}

/* The vote of identity on record, or NULL. */
static const json_t *apv_core_vote_of(const json_t *record, const char *identity)
{
    const json_t *votes = json_object_get(record, "votes");
    size_t i;
    const json_t *vote;
    json_array_foreach(votes, i, vote)
    {
        const char *who = apv_core_str(vote, "identity");
        if (who != NULL && identity != NULL && strcmp(who, identity) == 0) {
            return vote;
        }
    }
    return NULL;
}

/* Characters (code points) of UTF-8 text. */
static size_t apv_core_chars(const char *text)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)text; *p != '\0'; p++) {
        n += (*p & 0xC0) != 0x80;
    }
    return n;
}

const char *apv_core_vote_check(const json_t *record, const char *identity, const char *status,
                                const char *comment, int64_t now_ms, char *msg, size_t msglen)
{
    const char *state = apv_core_record_state(record, now_ms);
    if (strcmp(state, APV_STATE_WITHDRAWN) == 0) {
        snprintf(msg, msglen,
                 "This approval is no longer waiting: it expired or its execution "
                 "ended");
        return APV_EXC_COMPLETED;
    }
    if (strcmp(state, APV_STATE_WAITING) != 0) {
        snprintf(msg, msglen, "This approval has already been decided");
        return APV_EXC_COMPLETED;
    }
    if (status == NULL || (strcmp(status, "Approved") != 0 && strcmp(status, "Rejected") != 0)) {
        snprintf(msg, msglen, "status must be Approved or Rejected");
        return APV_EXC_VALIDATION;
    }
    if (comment != NULL && apv_core_chars(comment) > APV_COMMENT_MAX) {
        snprintf(msg, msglen, "the comment must be at most %d characters", APV_COMMENT_MAX);
        return APV_EXC_VALIDATION;
    }
    const json_t *vote = apv_core_vote_of(record, identity);
    if (vote != NULL) {
        snprintf(msg, msglen, "%s has already voted on this approval (%s)", identity,
                 apv_core_str(vote, "status") != NULL ? apv_core_str(vote, "status") : "");
        return APV_EXC_COMPLETED;
    }
    return NULL;
}

json_t *apv_core_record_public(const json_t *record, int64_t now_ms)
{
    json_t *out = json_deep_copy(record);
    if (out == NULL) {
        abort();
    }
    json_object_del(out, "token");
    json_object_set_new(out, "state", json_string(apv_core_record_state(record, now_ms)));
    char when[40] = "";
    (void)sluice_time_format_rfc3339(json_integer_value(json_object_get(record, "expires")), when,
                                     sizeof when);
    json_object_set_new(out, "deadline", json_string(when));
    json_object_del(out, "expires");
    json_object_del(out, "created");
    return out;
}

/* ---- pages ---------------------------------------------------------------------------------- */

static const char apv_core_style[] =
    "<style>body{font-family:system-ui,sans-serif;margin:0 auto;max-width:40rem;padding:1rem;"
    "line-height:1.4;color:#1b1f24}h1{font-size:1.4rem}dl{display:grid;grid-template-columns:"
    "max-content 1fr;gap:.3rem 1rem}dt{font-weight:600}dd{margin:0;overflow-wrap:anywhere}"
    "textarea,input{width:100%;box-sizing:border-box;font:inherit;padding:.5rem}"
    "button{font:inherit;padding:.7rem 1.4rem;margin:.5rem .5rem 0 0;border:0;border-radius:.3rem;"
    "color:#fff}.approve{background:#1a7f37}.reject{background:#cf222e}"
    ".signout{background:#57606a;margin-top:1.5rem}"
    ".notice{background:#fff8c5;padding:.5rem;border-radius:.3rem}"
    "table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.2rem .4rem;"
    "border-bottom:1px solid #ddd;overflow-wrap:break-word;word-break:break-word}"
    ".msg{white-space:pre-wrap;overflow-wrap:anywhere;background:#f6f8fa;padding:.5rem;"
    "margin:0 0 .5rem;border-radius:.3rem;font-size:.9rem}.rev p{overflow-wrap:anywhere}</style>";

static int apv_core_head(sluice_buf *out, const char *title)
{
    int rc = sluice_buf_append_str(out, "<!DOCTYPE html>\n<html lang=\"en\"><head>"
                                        "<meta charset=\"utf-8\"><meta name=\"viewport\" "
                                        "content=\"width=device-width,initial-scale=1\">"
                                        "<meta name=\"referrer\" content=\"same-origin\"><title>");
    rc = rc != 0 ? rc : apv_core_html_escape(out, title);
    rc = rc != 0 ? rc : sluice_buf_append_str(out, "</title>");
    rc = rc != 0 ? rc : sluice_buf_append_str(out, apv_core_style);
    rc = rc != 0 ? rc : sluice_buf_append_str(out, "</head><body><h1>");
    rc = rc != 0 ? rc : apv_core_html_escape(out, title);
    rc = rc != 0 ? rc : sluice_buf_append_str(out, "</h1>");
    return rc;
}

static int apv_core_row(sluice_buf *out, const char *name, const char *value)
{
    if (value == NULL || value[0] == '\0') {
        return 0;
    }
    int rc = sluice_buf_append_str(out, "<dt>");
    rc = rc != 0 ? rc : apv_core_html_escape(out, name);
    rc = rc != 0 ? rc : sluice_buf_append_str(out, "</dt><dd>");
    rc = rc != 0 ? rc : apv_core_html_escape(out, value);
    rc = rc != 0 ? rc : sluice_buf_append_str(out, "</dd>");
    return rc;
}

static bool apv_core_web_link(const char *url)
{
    return url != NULL && (strncmp(url, "https://", 8) == 0 || strncmp(url, "http://", 7) == 0);
}

static int apv_core_hidden(sluice_buf *out, const char *name, const char *value)
{
    int rc = sluice_buf_append_str(out, "<input type=\"hidden\" name=\"");
    rc = rc != 0 ? rc : apv_core_html_escape(out, name);
    rc = rc != 0 ? rc : sluice_buf_append_str(out, "\" value=\"");
    rc = rc != 0 ? rc : apv_core_html_escape(out, value);
    rc = rc != 0 ? rc : sluice_buf_append_str(out, "\">");
    return rc;
}

static const char *apv_core_state_text(const char *state)
{
    if (strcmp(state, APV_STATE_APPROVED) == 0) {
        return "This approval was approved.";
    }
    if (strcmp(state, APV_STATE_REJECTED) == 0) {
        return "This approval was rejected.";
    }
    if (strcmp(state, APV_STATE_WITHDRAWN) == 0) {
        return "This approval is no longer waiting: it expired, or its execution was stopped, "
               "superseded or cancelled by a pipeline update. Its links no longer work.";
    }
    return NULL;
}

/* The "Source revisions" section: each revision, its link and its commit message. */
static int apv_core_page_revisions(sluice_buf *out, const json_t *revisions)
{
    if (json_array_size(revisions) == 0) {
        return 0;
    }
    int rc = sluice_buf_append_str(out, "<h2>Source revisions</h2>");
    size_t i;
    const json_t *rev;
    json_array_foreach(revisions, i, rev)
    {
        const char *name = apv_core_str(rev, "actionName");
        const char *id = apv_core_str(rev, "revisionId");
        const char *url = apv_core_str(rev, "revisionUrl");
        const char *summary = apv_core_str(rev, "revisionSummary");
        rc = rc != 0 ? rc : sluice_buf_append_str(out, "<div class=\"rev\"><p><b>");
        rc = rc != 0 ? rc : apv_core_html_escape(out, name != NULL && name[0] ? name : "Source");
        rc = rc != 0 ? rc : sluice_buf_append_str(out, "</b> ");
        if (rc == 0 && apv_core_web_link(url)) {
            rc = sluice_buf_append_str(out, "<a rel=\"noopener noreferrer\" href=\"");
            rc = rc != 0 ? rc : apv_core_html_escape(out, url);
            rc = rc != 0 ? rc : sluice_buf_append_str(out, "\"><code>");
            rc = rc != 0 ? rc : apv_core_html_escape(out, id);
            rc = rc != 0 ? rc : sluice_buf_append_str(out, "</code></a>");
        } else if (rc == 0) {
            rc = sluice_buf_append_str(out, "<code>");
            rc = rc != 0 ? rc : apv_core_html_escape(out, id);
            rc = rc != 0 ? rc : sluice_buf_append_str(out, "</code>");
        }
        rc = rc != 0 ? rc : sluice_buf_append_str(out, "</p>");
        if (rc == 0 && summary != NULL && summary[0] != '\0') {
            rc = sluice_buf_append_str(out, "<pre class=\"msg\">");
            rc = rc != 0 ? rc : apv_core_html_escape(out, summary);
            rc = rc != 0 ? rc : sluice_buf_append_str(out, "</pre>");
        }
        rc = rc != 0 ? rc : sluice_buf_append_str(out, "</div>");
    }
    return rc;
}

int apv_core_page(sluice_buf *out, const json_t *record, const apv_core_view *view)
{
    const char *state = apv_core_record_state(record, view->now_ms);
    char deadline[40] = "";
    (void)sluice_time_format_rfc3339(json_integer_value(json_object_get(record, "expires")),
                                     deadline, sizeof deadline);
    int rc = apv_core_head(out, "Approval needed");
    const char *text = apv_core_state_text(state);
    if (rc == 0 && (view->notice != NULL || text != NULL)) {
        rc = sluice_buf_append_str(out, "<p class=\"notice\" id=\"notice\">");
        rc = rc != 0 ? rc : apv_core_html_escape(out, view->notice != NULL ? view->notice : text);
        rc = rc != 0 ? rc : sluice_buf_append_str(out, "</p>");
    }
    rc = rc != 0 ? rc : sluice_buf_append_str(out, "<dl>");
    rc = rc != 0 ? rc : apv_core_row(out, "Pipeline", apv_core_str(record, "pipeline"));
    rc = rc != 0 ? rc : apv_core_row(out, "Stage", apv_core_str(record, "stage"));
    rc = rc != 0 ? rc : apv_core_row(out, "Action", apv_core_str(record, "action"));
    rc = rc != 0 ? rc : apv_core_row(out, "Execution", apv_core_str(record, "executionId"));
    rc = rc != 0 ? rc : apv_core_row(out, "Revision", apv_core_str(record, "sourceRevision"));
    rc = rc != 0 ? rc : apv_core_row(out, "Details", apv_core_str(record, "customData"));
    const char *link = apv_core_str(record, "externalEntityLink");
    if (rc == 0 && apv_core_web_link(link)) {
        rc =
            sluice_buf_append_str(out, "<dt>Review</dt><dd><a rel=\"noopener noreferrer\" href=\"");
        rc = rc != 0 ? rc : apv_core_html_escape(out, link);
        rc = rc != 0 ? rc : sluice_buf_append_str(out, "\">");
        rc = rc != 0 ? rc : apv_core_html_escape(out, link);
        rc = rc != 0 ? rc : sluice_buf_append_str(out, "</a></dd>");
    } else if (rc == 0) {
        rc = apv_core_row(out, "Review", link);
    }
    rc = rc != 0 ? rc : apv_core_row(out, "Approvers", apv_core_str(record, "approvers"));
    rc = rc != 0 ? rc
                 : apv_core_row(out, "Approvals needed", apv_core_str(record, "requiredApprovals"));
    rc = rc != 0 ? rc : apv_core_row(out, "Deadline", deadline);
    rc = rc != 0 ? rc : apv_core_row(out, "You are", view->identity);
    rc = rc != 0 ? rc : sluice_buf_append_str(out, "</dl>");
    rc = rc != 0 ? rc : apv_core_page_revisions(out, json_object_get(record, "artifactRevisions"));
    const json_t *votes = json_object_get(record, "votes");
    if (rc == 0 && json_array_size(votes) > 0) {
        rc = sluice_buf_append_str(out, "<h2>Votes</h2><table><tr><th>Who</th><th>Vote</th>"
                                        "<th>Comment</th></tr>");
        size_t i;
        const json_t *vote;
        json_array_foreach(votes, i, vote)
        {
            rc = rc != 0 ? rc : sluice_buf_append_str(out, "<tr><td>");
            rc = rc != 0 ? rc : apv_core_html_escape(out, apv_core_str(vote, "identity"));
            rc = rc != 0 ? rc : sluice_buf_append_str(out, "</td><td>");
            rc = rc != 0 ? rc : apv_core_html_escape(out, apv_core_str(vote, "status"));
            rc = rc != 0 ? rc : sluice_buf_append_str(out, "</td><td>");
            rc = rc != 0 ? rc : apv_core_html_escape(out, apv_core_str(vote, "comment"));
            rc = rc != 0 ? rc : sluice_buf_append_str(out, "</td></tr>");
        }
        rc = rc != 0 ? rc : sluice_buf_append_str(out, "</table>");
    }
    if (rc == 0 && strcmp(state, APV_STATE_WAITING) == 0 && !view->voted) {
        rc = sluice_buf_append_str(out, "<form method=\"post\" id=\"vote\" action=\"/approvals/");
        rc = rc != 0 ? rc : apv_core_html_escape(out, apv_core_str(record, "id"));
        rc = rc != 0 ? rc : sluice_buf_append_str(out, "\">");
        rc = rc != 0 ? rc : apv_core_hidden(out, "csrf", view->csrf);
        if (rc == 0 && view->link != NULL) {
            rc = apv_core_hidden(out, "link", view->link);
        }
        rc = rc != 0 ? rc
                     : sluice_buf_append_str(
                           out, "<label for=\"comment\">Comment</label>"
                                "<textarea id=\"comment\" name=\"comment\" rows=\"3\" "
                                "maxlength=\"512\"></textarea>"
                                "<button class=\"approve\" type=\"submit\" name=\"status\" "
                                "value=\"Approved\" id=\"approve\">Approve</button>"
                                "<button class=\"reject\" type=\"submit\" name=\"status\" "
                                "value=\"Rejected\" id=\"reject\">Reject</button></form>"
                                "<script>document.getElementById('vote').addEventListener("
                                "'submit',function(e){var b=e.submitter;if(b&&b.value==="
                                "'Rejected'&&!confirm('Reject this approval?')){e."
                                "preventDefault();return;}setTimeout(function(){var s=document."
                                "querySelectorAll('#vote button');for(var i=0;i<s.length;i++)"
                                "s[i].disabled=true;},0);});</script>");
    }
    if (rc == 0 && view->session) {
        rc = sluice_buf_append_str(out, "<form method=\"post\" id=\"signout\" "
                                        "action=\"/approvals/sign-out\">");
        rc = rc != 0 ? rc : apv_core_hidden(out, "csrf", view->csrf);
        rc = rc != 0 ? rc
                     : sluice_buf_append_str(out, "<button class=\"signout\" type=\"submit\" "
                                                  "id=\"signout-button\">Sign out</button></form>");
    }
    rc = rc != 0 ? rc : sluice_buf_append_str(out, "</body></html>\n");
    return rc;
}

int apv_core_notice(sluice_buf *out, const char *title, const char *text)
{
    int rc = apv_core_head(out, title);
    rc = rc != 0 ? rc : sluice_buf_append_str(out, "<p class=\"notice\" id=\"notice\">");
    rc = rc != 0 ? rc : apv_core_html_escape(out, text);
    rc = rc != 0 ? rc : sluice_buf_append_str(out, "</p></body></html>\n");
    return rc;
}

int apv_core_signin(sluice_buf *out, const char *id, const char *csrf, const char *message)
{
    int rc = apv_core_head(out, "Sign in to decide");
    if (rc == 0 && message != NULL) {
        rc = sluice_buf_append_str(out, "<p class=\"notice\" id=\"notice\">");
        rc = rc != 0 ? rc : apv_core_html_escape(out, message);
        rc = rc != 0 ? rc : sluice_buf_append_str(out, "</p>");
    }
    rc = rc != 0 ? rc : sluice_buf_append_str(out, "<form method=\"post\" action=\"/approvals/");
    rc = rc != 0 ? rc : apv_core_html_escape(out, id);
    rc = rc != 0 ? rc : sluice_buf_append_str(out, "/signin\">");
    rc = rc != 0 ? rc : apv_core_hidden(out, "csrf", csrf);
    rc = rc != 0 ? rc
                 : sluice_buf_append_str(
                       out, "<label for=\"key\">Access key id</label>"
                            "<input id=\"key\" name=\"key\" autocomplete=\"username\" required>"
                            "<label for=\"secret\">Secret access key</label>"
                            "<input id=\"secret\" name=\"secret\" type=\"password\" "
                            "autocomplete=\"current-password\" required>"
                            "<button class=\"approve\" type=\"submit\">Sign in</button></form>"
                            "</body></html>\n");
    return rc;
}
