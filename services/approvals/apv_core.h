/*
 * apv_core.h — the pure rules of sluice-approvals (docs/approvals.md).
 *
 * What an approval record holds (apv_core_record_from_job: the approval job
 * of sluice.jobs reduced to what a person needs to decide), what the page
 * shows (apv_core_page, apv_core_notice: server-rendered HTML, every value
 * through the one escaping function apv_core_html_escape; signed one-time
 * links are libs/core's approval_link.h, shared with the notifier), the CSRF
 * token of a form
 * (apv_core_csrf: HMAC of the session or link it belongs to), and the parsers
 * of what a browser sends: form bodies (apv_core_form_parse), cookies
 * (apv_core_cookie). Whether a vote may be sent is apv_core_vote_check; the
 * engine decides whether it counts.
 *
 * No I/O, no clock (times are passed in), no globals. Out of memory aborts
 * (the service's policy). Thread-safe.
 */
#ifndef SLUICE_APV_CORE_H
#define SLUICE_APV_CORE_H

#include "sluice/approval_link.h"
#include "sluice/buf.h"
#include "sluice/web_csrf.h"
#include "sluice/web_form.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define APV_ID_MAX               64 /* bytes of an approval id (the action execution id) */
#define APV_IDENTITY_MAX         64 /* bytes of an identity name (aws_credentials.h) */
#define APV_LINK_MAX             SLUICE_APPROVAL_LINK_MAX /* bytes of a link token */
#define APV_CSRF_LEN             WEB_CSRF_LEN             /* hex characters of a CSRF token */
#define APV_COMMENT_MAX          512 /* characters of a comment (PutApprovalResult's summary bound) */
#define APV_FORM_MAX_FIELDS      WEB_FORM_MAX_FIELDS /* fields of one form body (sluice/web_form.h) */
#define APV_FORM_VALUE_MAX       WEB_FORM_VALUE_MAX /* bytes of one decoded form name or value */
#define APV_FIELD_MAX            4096 /* bytes of one text field of a record (CustomData, a link) */
#define APV_REVISIONS_MAX        10   /* source revisions kept in a record */
#define APV_REVISION_ID_MAX      256  /* bytes of a revision id kept */
#define APV_REVISION_SUMMARY_MAX 1024 /* bytes of a commit message kept (cut beyond) */
#define APV_REVISION_URL_MAX     2048 /* bytes of a revision URL (longer ones are dropped) */
#define APV_REVISIONS_BYTES_MAX  16384 /* bytes of a record's revisions as JSON, at most */
#define APV_CUT_MARKER           " \xe2\x80\xa6 [message cut]" /* ends what was cut (U+2026) */
#define APV_KEY_MIN              SLUICE_APPROVAL_KEY_MIN       /* bytes of the link key, at least */
#define APV_KEY_MAX              SLUICE_APPROVAL_KEY_MAX

/* The state of an approval record ("state" member). */
#define APV_STATE_WAITING   "WAITING"
#define APV_STATE_APPROVED  "APPROVED"
#define APV_STATE_REJECTED  "REJECTED"
#define APV_STATE_WITHDRAWN "WITHDRAWN"

/* The exceptions of CodePipeline a vote may get (JSON endpoint "__type"). */
#define APV_EXC_INVALID_TOKEN "InvalidApprovalTokenException"
#define APV_EXC_COMPLETED     "ApprovalAlreadyCompletedException"
#define APV_EXC_DENIED        "AccessDeniedException"
#define APV_EXC_VALIDATION    "ValidationException"

typedef web_form apv_form; /* the form parser is libs/web's, shared with sluice-console */

/* Appends text to out with & < > " ' escaped (the one HTML-escaping function). 0 or SLUICE_ETOOBIG.
 */
int apv_core_html_escape(sluice_buf *out, const char *text);

/*
 * Parses an application/x-www-form-urlencoded body of len bytes (no NUL
 * needed) into form. 0; SLUICE_EPARSE (a bad %-escape, a NUL, a name twice)
 * or SLUICE_ETOOBIG (more than APV_FORM_MAX_FIELDS fields, a name or value
 * over APV_FORM_VALUE_MAX) with err naming the field by position.
 */
int apv_core_form_parse(const char *body, size_t len, apv_form *form, char *err, size_t errlen);

/* The value of field name, or NULL. */
const char *apv_core_form_get(const apv_form *form, const char *name);

/*
 * Copies the value of cookie name from a Cookie header (NULL: none) into out
 * (outlen bytes). true when found and it fits; false otherwise (out is "").
 */
bool apv_core_cookie(const char *header, const char *name, char *out, size_t outlen);

/*
 * Reads "Basic base64(<access key id>:<secret>)" (an Authorization header,
 * NULL: none) into key (keymax bytes) and secret (secretmax bytes). true
 * when it has that shape and both fit; false otherwise (both ""). The
 * caller wipes secret after use.
 */
bool apv_core_basic(const char *header, char *key, size_t keymax, char *secret, size_t secretmax);

/* True when id is a lowercase UUID (the shape of an approval id). */
bool apv_core_id_valid(const char *id);

/* True when name is 1..64 of [A-Za-z0-9_+=,.@-] (an identity name). */
bool apv_core_identity_valid(const char *name);

/* The CSRF token of subject (a session id or a link token) as 64 hex + NUL into out. */
void apv_core_csrf(const unsigned char *key, size_t keylen, const char *subject,
                   char out[APV_CSRF_LEN + 1]);

/* True when token is subject's CSRF token (constant time). token may be NULL. */
bool apv_core_csrf_check(const unsigned char *key, size_t keylen, const char *subject,
                         const char *token);

/*
 * The approval record of an approval job document (engine_step.h) at now_ms:
 * {"id" (actionExecutionId), "pipeline", "pipelineVersion", "executionId",
 * "stage", "action", "token", "customData", "externalEntityLink", "approvers",
 * "requiredApprovals", "expires" (ms), "created" (ms), "sourceRevision",
 * "artifactRevisions": [{"actionName", "name", "revisionId", "revisionSummary"
 * (the commit message, at most APV_REVISION_SUMMARY_MAX bytes: a longer one is
 * cut at a character boundary and ends with APV_CUT_MARKER), "revisionUrl",
 * "created"}] (at most APV_REVISIONS_MAX, and APV_REVISIONS_BYTES_MAX bytes of
 * JSON: the revisions past it are left out), "state": "WAITING", "votes": []} —
 * a new reference. NULL when the job is not an AWS/Manual approval (err "")
 * or is malformed (err says which member).
 */
json_t *apv_core_record_from_job(const json_t *job, int64_t now_ms, char *err, size_t errlen);

/*
 * The state a record is in at now_ms: its "state", or WITHDRAWN when a
 * waiting approval has passed "expires".
 */
const char *apv_core_record_state(const json_t *record, int64_t now_ms);

/*
 * Whether identity may send a vote on record at now_ms: NULL (yes), or the
 * exception to answer (APV_EXC_COMPLETED when decided or withdrawn, and when
 * identity already voted; APV_EXC_VALIDATION for a status other than
 * "Approved"/"Rejected" or a comment over APV_COMMENT_MAX characters) with
 * the message in msg.
 */
const char *apv_core_vote_check(const json_t *record, const char *identity, const char *status,
                                const char *comment, int64_t now_ms, char *msg, size_t msglen);

/*
 * What GET /approvals/<id> answers as JSON: record without its token, "state"
 * as apv_core_record_state says at now_ms, "deadline" (RFC 3339) in place of
 * "expires" and "created". A new reference.
 */
json_t *apv_core_record_public(const json_t *record, int64_t now_ms);

/* What a page needs besides the record. */
typedef struct apv_core_view {
    const char *identity; /* who is looking (signed in or by link) */
    const char *csrf;     /* the form's CSRF token */
    const char *link;     /* the link token the form carries, or NULL (session) */
    const char *notice;   /* a line above the form (e.g. "Your vote was recorded"), or NULL */
    bool voted;           /* identity has voted: no form */
    bool session;         /* signed in (not a link): a sign-out form with the csrf token */
    int64_t now_ms;
} apv_core_view;

/*
 * Appends the approval page of record for view to out: pipeline, stage,
 * action, execution, source revision, CustomData, ExternalEntityLink (a link
 * only for http and https), deadline, the source revisions with their commit
 * messages (a revision URL a link only for http and https), votes so far, and the Approve / Reject
 * form with a comment box while the approval waits. 0 or SLUICE_ETOOBIG.
 */
int apv_core_page(sluice_buf *out, const json_t *record, const apv_core_view *view);

/*
 * Appends a page with only title and text (unknown, expired, withdrawn,
 * tampered — it names no approval). 0 or SLUICE_ETOOBIG.
 */
int apv_core_notice(sluice_buf *out, const char *title, const char *text);

/*
 * Appends the sign-in page: access key id and secret access key fields, the
 * approval id to return to and the CSRF token of the sign-in form. message
 * (or NULL) says why the last attempt failed. 0 or SLUICE_ETOOBIG.
 */
int apv_core_signin(sluice_buf *out, const char *id, const char *csrf, const char *message);

#endif
