/*
 * con_core.h — the pure rules of sluice-console (docs/console.md).
 *
 * Which calls the console forwards to the api (con_core_operation: the
 * console's reads and the operations behind its buttons; the api's own
 * authorization decides each one), which buttons a role sees
 * (con_core_buttons_of: the role table of libs/protocol, the one the api
 * authorizes with), whether a request may go on (con_core_check: session,
 * origin and CSRF token), and the text of Server-Sent Events
 * (con_core_sse_frame, con_core_event_data, con_core_last_event_id).
 *
 * No I/O, no clock, no globals. Out of memory aborts (the service's policy).
 * Thread-safe.
 */
#ifndef SLUICE_CON_CORE_H
#define SLUICE_CON_CORE_H

#include "sluice/buf.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CON_CORE_PIPELINE_MAX 100   /* bytes of a pipeline name (CodePipeline's bound) */
#define CON_CORE_EVENT_MAX    16384 /* bytes of one event's data line */
#define CON_CSRF_TAG          "sluice-console-csrf"

/* The buttons a person sees, from their role. */
typedef struct con_core_buttons {
    bool start;      /* StartPipelineExecution (with variables) */
    bool stop;       /* StopPipelineExecution */
    bool retry;      /* RetryStageExecution */
    bool transition; /* DisableStageTransition / EnableStageTransition */
    bool approve;    /* PutApprovalResult */
} con_core_buttons;

/* The buttons of role (unknown or NULL: none). */
void con_core_buttons_of(const char *role, con_core_buttons *out);

/*
 * Whether the console forwards operation name to the api: true for its
 * reads (ListPipelines, GetPipeline, GetPipelineState, ListPipelineExecutions,
 * GetPipelineExecution, ListActionExecutions) and the operations of its
 * buttons, with *changes_state set for the latter. false for anything else
 * (the console is no general proxy of the api).
 */
bool con_core_operation(const char *name, bool *changes_state);

/* What a request to the console brings, for con_core_check. */
typedef struct con_core_request {
    bool needs_session;        /* everything but the sign-in call and the assets */
    bool has_session;          /* the cookie names a live session */
    bool changes_state;        /* a POST: sign-in, sign-out, an operation of a button */
    const char *origin;        /* the Origin header, or NULL */
    const char *public_origin; /* scheme://host[:port] of the public URL */
    const char *host;          /* the Host header, or NULL */
    bool secure;               /* served over TLS (the public URL is https://) */
    bool csrf_required;        /* a state-changing call of a session (not the sign-in) */
    bool csrf_ok;              /* the X-Sluice-CSRF header is the session's token */
} con_core_request;

typedef enum con_core_verdict {
    CON_CORE_OK = 0,
    CON_CORE_SIGNED_OUT, /* 401: no session (never signed in, expired, signed out) */
    CON_CORE_FOREIGN,    /* 403: a state-changing call from another origin */
    CON_CORE_NO_CSRF,    /* 403: a state-changing call without the session's CSRF token */
} con_core_verdict;

/* Whether req may go on, and if not why. */
con_core_verdict con_core_check(const con_core_request *req);

/* The HTTP status of a verdict (200, 401, 403). */
int con_core_verdict_status(con_core_verdict verdict);

/*
 * Appends one Server-Sent Event to out: "id: <id>\n" (id NULL: none),
 * "event: <event>\n", "data: <data>\n", "\n". data must be one line (compact
 * JSON is). 0, SLUICE_EINVAL (a newline in id, event or data) or
 * SLUICE_ETOOBIG.
 */
int con_core_sse_frame(sluice_buf *out, const char *id, const char *event, const char *data);

/*
 * What the browser gets of a state-change event (an envelope's detail-type,
 * time and detail): {"type", "time", "pipeline", "stage", "action", "state",
 * "executionId"} as compact JSON into out, and the pipeline's name into
 * pipeline (CON_CORE_PIPELINE_MAX + 1 bytes). 0; SLUICE_ENOTFOUND when the
 * event is not a CodePipeline state change (nothing to show); SLUICE_EPARSE
 * when its detail has no pipeline name of 1..100 characters or a member of
 * the wrong type; SLUICE_ETOOBIG over CON_CORE_EVENT_MAX.
 */
int con_core_event_data(const char *detail_type, const char *time, const json_t *detail,
                        sluice_buf *out, char *pipeline);

/*
 * Reads a Last-Event-ID header ("<epoch>-<seq>", both decimal): true with
 * *epoch and *seq set when it has that shape, false otherwise.
 */
bool con_core_last_event_id(const char *text, uint64_t *epoch, uint64_t *seq);

/* True when name is a pipeline name (1..100 of [A-Za-z0-9.@_-]). */
bool con_core_pipeline_valid(const char *name);

#endif
