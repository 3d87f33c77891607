/*
 * bus_request.c — request detail documents shared by senders (see bus_request.h).
 */
#include "sluice/bus_request.h"

#include "sluice/protocol_names.h"

static json_t *bus_request_strings(const char *const *items, size_t n)
{
    json_t *array = json_array();
    for (size_t i = 0; array != NULL && i < n; i++) {
        if (items[i] == NULL || json_array_append_new(array, json_string(items[i])) != 0) {
            json_decref(array);
            return NULL;
        }
    }
    return array;
}

json_t *bus_request_vote_detail(const bus_request_vote *vote)
{
    if (vote == NULL || vote->stage == NULL || vote->action == NULL || vote->token == NULL ||
        vote->identity == NULL || vote->status == NULL) {
        return NULL;
    }
    json_t *groups = bus_request_strings(vote->groups, vote->ngroups);
    json_t *emails = bus_request_strings(vote->emails, vote->nemails);
    if (groups == NULL || emails == NULL) {
        json_decref(groups);
        json_decref(emails);
        return NULL;
    }
    /* "o" steals groups and emails, also when json_pack fails. */
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:{s:s, s:s}}", "type",
                     PROTOCOL_REQUEST_VOTE, "stageName", vote->stage, "actionName", vote->action,
                     "token", vote->token, "identity", vote->identity, "groups", groups, "emails",
                     emails, "result", "status", vote->status, "summary",
                     vote->summary != NULL ? vote->summary : "");
}
