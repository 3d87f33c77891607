/*
 * ntf_message.h — what a notification says, and how Slack and webhooks get it.
 *
 * ntf_message_facts reads one state-change event (and, when the notifier
 * found it, the execution's archived record: revisions, start time) into
 * the facts every message shows: what happened to which pipeline, stage or
 * action, when, the failure message, the source revision, the duration,
 * links. The renderers turn facts into a target's payload:
 *   - Slack (ntf_message_slack): an incoming-webhook payload of Block Kit
 *     blocks inside one attachment coloured by state, within Slack's limits
 *     (50 blocks, 150 characters of header, 3000 of section text, 2000 of a
 *     field, 10 fields, 75 of a button's text, 3000 of a URL), truncated
 *     visibly with "…";
 *   - webhook (ntf_message_webhook_signature): the event itself as the body,
 *     signed as "X-Sluice-Signature: v1=<hex HMAC-SHA256(key, timestamp "."
 *     body)>" beside "X-Sluice-Timestamp: <unix seconds>", so a receiver can
 *     verify the sender and refuse replays.
 * FULL detail adds the revision, the duration and the links; BASIC keeps to
 * what the event says. Approval-needed messages carry Approve / Reject
 * buttons when the approvals service gave links, otherwise the aws CLI
 * command that decides. sluice-approvals' `Sluice Approval Needed` event (a
 * rule's pattern may match it) is an approval-needed message too, with an
 * "Open approval page" button to its approval-url (the page's plain URL:
 * who opens it signs in or holds a link).
 *
 * Pure; thread-safe.
 */
#ifndef SLUICE_NTF_MESSAGE_H
#define SLUICE_NTF_MESSAGE_H

#include "ntf_rules.h"

#include "sluice/approval_link.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NTF_MESSAGE_TEXT_MAX 3000 /* Slack's section text limit; also bounds every fact */
#define NTF_DIGEST_MAX       50   /* lines of an execution's digest */
#define NTF_DIGEST_LINE_MAX  256  /* bytes of one digest line */

typedef enum ntf_level {
    NTF_LEVEL_INFO,    /* started, resumed */
    NTF_LEVEL_GOOD,    /* succeeded */
    NTF_LEVEL_WARNING, /* stopped, superseded, canceled, approval needed */
    NTF_LEVEL_DANGER,  /* failed */
} ntf_level;

typedef struct ntf_links {
    const char *console_base; /* e.g. "http://localhost:7070/console" or NULL */
    const char *api_endpoint; /* for the aws CLI command, or NULL */
    const char *approve_url;  /* signed links from the approvals service, or NULL */
    const char *reject_url;
    const char *review_url;
} ntf_links;

typedef struct ntf_facts {
    char title[256]; /* "Pipeline web-prod FAILED", "Approval needed: web-prod / Approve / Gate" */
    char subject[256]; /* e-mail subject */
    ntf_level level;
    char pipeline[128];
    char execution_id[64];
    char stage[128];
    char action[128];
    char state[32];
    char kind[16];                               /* "pipeline", "stage", "action" or "approval" */
    char time[40];                               /* the event's time */
    char failure[NTF_MESSAGE_TEXT_MAX];          /* the failure message, "" when none */
    char revision[256];                          /* revision id (FULL) */
    char revision_summary[NTF_MESSAGE_TEXT_MAX]; /* commit message (FULL) */
    char duration[64];                           /* "2m 5s" (FULL, when the start is known) */
    char execution_url[1024];                    /* the console link (FULL, when configured) */
    char cli[1024];                              /* the aws CLI command to look or decide */
    char approval_url[SLUICE_APPROVAL_URL_MAX];  /* the approval page (Sluice Approval Needed) or,
                                                    in an approver's own mail, their link; "" */
    char approval_id[64];    /* action-execution-id of Sluice Approval Needed, "" otherwise */
    int64_t deadline_ms;     /* its deadline, 0 when unknown */
    char approver[64];       /* an approver's own mail: whose link approval_url is; "" otherwise */
    int64_t link_expires_ms; /* ... and until when it works */
    bool approval_needed;
    char event_id[64];
    char digest[NTF_DIGEST_MAX][NTF_DIGEST_LINE_MAX]; /* an aggregate rule's lines, oldest first */
    size_t ndigest;
} ntf_facts;

/*
 * Reads event (an envelope, borrowed) and execution (the archived
 * PipelineExecution record, or NULL) into *facts. 0, or SLUICE_EINVAL when
 * the event is neither a CodePipeline state change nor `Sluice Approval
 * Needed` (facts then hold what could be read: a generic title from the
 * detail-type).
 */
int ntf_message_facts(const json_t *event, const json_t *execution, ntf_detail detail,
                      const ntf_links *links, ntf_facts *facts);

/*
 * The one-line summary of an event for an execution's digest, e.g.
 * "Action Build / Compile FAILED: JobFailed: make: Error 2", into out.
 */
void ntf_message_digest_line(const ntf_facts *facts, char *out, size_t outlen);

/*
 * Whether facts are of a pipeline execution's final event (SUCCEEDED,
 * FAILED, STOPPED, SUPERSEDED, CANCELED): the event a digest goes out with.
 */
bool ntf_message_is_outcome(const ntf_facts *facts);

/* The Slack incoming-webhook payload for facts. A new reference (never NULL but on OOM). */
json_t *ntf_message_slack(const ntf_facts *facts, const ntf_links *links);

/* The colour of a level, "#rrggbb". */
const char *ntf_message_colour(ntf_level level);

/*
 * Writes the signature header value "v1=<64 hex>" of body[0..len) at
 * timestamp (unix seconds) with key into out (at least 68 bytes).
 */
void ntf_message_webhook_signature(const char *key, int64_t timestamp, const char *body, size_t len,
                                   char *out, size_t outlen);

/*
 * Copies src into dst (dstlen bytes) cut at a UTF-8 character boundary so
 * that it holds at most max characters, "…" replacing what was cut.
 * Returns whether it cut.
 */
bool ntf_message_truncate(const char *src, size_t max, char *dst, size_t dstlen);

#endif
