/*
 * bus_request.h — the detail documents of requests more than one service
 * sends on the requests topic (docs/events.md), built in one place.
 *
 * Today: the ApprovalVote request (a vote by a known identity, engine_input.h),
 * sent by the api for PutApprovalResult and by sluice-approvals for a vote cast
 * on its page or JSON endpoint. The sender adds "pipeline", "requestedBy" and,
 * when it waits for the reply, "requestId". Pure; thread-safe.
 */
#ifndef SLUICE_BUS_REQUEST_H
#define SLUICE_BUS_REQUEST_H

#include <jansson.h>
#include <stddef.h>

/* What a vote says: every string borrowed; groups/emails may be NULL when their count is 0. */
typedef struct bus_request_vote {
    const char *stage;
    const char *action;
    const char *token;
    const char *identity; /* the voter's ARN */
    const char *const *groups;
    size_t ngroups;
    const char *const *emails;
    size_t nemails;
    const char *status;  /* "Approved" | "Rejected" */
    const char *summary; /* the comment, "" when none */
} bus_request_vote;

/*
 * The ApprovalVote detail for vote: {"type": "ApprovalVote", "stageName",
 * "actionName", "token", "identity", "groups", "emails", "result": {"status",
 * "summary"}} — a new reference, or NULL when out of memory or a required
 * string is NULL. Checks nothing else: the engine validates the vote.
 */
json_t *bus_request_vote_detail(const bus_request_vote *vote);

#endif
