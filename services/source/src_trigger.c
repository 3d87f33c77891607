/*
 * src_trigger.c — V2 trigger matching (see src_trigger.h).
 */
#include "src_trigger.h"

#include "src_poll.h"

#include "sluice/error.h"
#include "sluice/model_glob.h"

#include <stdio.h>
#include <string.h>

const char *src_trigger_event_name(src_pr_event event)
{
    switch (event) {
    case SRC_PR_OPEN:
        return "OPEN";
    case SRC_PR_UPDATED:
        return "UPDATED";
    case SRC_PR_CLOSED:
        return "CLOSED";
    }
    return "OPEN";
}

/* True when one pattern of the list matches value. */
static bool src_trigger_any(const json_t *patterns, const char *value)
{
    size_t i;
    json_t *pattern;
    json_array_foreach(patterns, i, pattern)
    {
        const char *text = json_string_value(pattern);
        if (text != NULL && model_glob_match_once(text, value)) {
            return true;
        }
    }
    return false;
}

bool src_trigger_criteria_accept(const json_t *criteria, const char *value)
{
    if (src_trigger_any(json_object_get(criteria, "excludes"), value)) {
        return false;
    }
    const json_t *includes = json_object_get(criteria, "includes");
    if (includes == NULL || json_array_size(includes) == 0) {
        return true;
    }
    return src_trigger_any(includes, value);
}

bool src_trigger_files_accept(const json_t *criteria, const char *const *files, size_t nfiles)
{
    for (size_t i = 0; i < nfiles; i++) {
        if (src_trigger_criteria_accept(criteria, files[i])) {
            return true;
        }
    }
    return false;
}

/* The criteria object of filter's member, or NULL (absent or not an object). */
static const json_t *src_trigger_member(const json_t *filter, const char *member)
{
    const json_t *m = json_object_get(filter, member);
    return json_is_object(m) ? m : NULL;
}

static bool src_trigger_push_accepts(const json_t *filter, const src_change *change,
                                     const char *const *files, size_t nfiles)
{
    const json_t *tags = src_trigger_member(filter, "tags");
    if (tags != NULL) {
        return change->kind == SRC_CHANGE_TAG && src_trigger_criteria_accept(tags, change->ref);
    }
    if (change->kind != SRC_CHANGE_BRANCH) {
        return false;
    }
    const json_t *branches = src_trigger_member(filter, "branches");
    if (branches != NULL && !src_trigger_criteria_accept(branches, change->ref)) {
        return false;
    }
    const json_t *paths = src_trigger_member(filter, "filePaths");
    return paths == NULL || src_trigger_files_accept(paths, files, nfiles);
}

static bool src_trigger_pr_accepts(const json_t *filter, const src_change *change,
                                   const char *const *files, size_t nfiles)
{
    if (change->kind != SRC_CHANGE_PULL_REQUEST) {
        return false;
    }
    const json_t *events = json_object_get(filter, "events");
    if (json_is_array(events) && json_array_size(events) > 0) {
        bool listed = false;
        size_t i;
        json_t *event;
        json_array_foreach(events, i, event)
        {
            const char *name = json_string_value(event);
            listed = listed ||
                     (name != NULL && strcmp(name, src_trigger_event_name(change->event)) == 0);
        }
        if (!listed) {
            return false;
        }
    }
    const json_t *branches = src_trigger_member(filter, "branches");
    if (branches != NULL && !src_trigger_criteria_accept(branches, change->destination)) {
        return false;
    }
    const json_t *paths = src_trigger_member(filter, "filePaths");
    return paths == NULL || src_trigger_files_accept(paths, files, nfiles);
}

bool src_trigger_accepts(const json_t *git_configuration, const char *action_branch,
                         const src_change *change, const char *const *files, size_t nfiles)
{
    const json_t *push = json_object_get(git_configuration, "push");
    const json_t *pr = json_object_get(git_configuration, "pullRequest");
    if (json_array_size(push) == 0 && json_array_size(pr) == 0) {
        return change->kind == SRC_CHANGE_BRANCH && action_branch != NULL &&
               strcmp(change->ref, action_branch) == 0;
    }
    size_t i;
    json_t *filter;
    json_array_foreach(push, i, filter)
    {
        if (src_trigger_push_accepts(filter, change, files, nfiles)) {
            return true;
        }
    }
    json_array_foreach(pr, i, filter)
    {
        if (src_trigger_pr_accepts(filter, change, files, nfiles)) {
            return true;
        }
    }
    return false;
}

bool src_trigger_wants_files(const json_t *git_configuration, const src_change *change)
{
    const char *list = change->kind == SRC_CHANGE_PULL_REQUEST ? "pullRequest" : "push";
    size_t i;
    json_t *filter;
    json_array_foreach(json_object_get(git_configuration, list), i, filter)
    {
        if (src_trigger_member(filter, "filePaths") != NULL &&
            (change->kind == SRC_CHANGE_PULL_REQUEST ||
             src_trigger_member(filter, "tags") == NULL)) {
            return true;
        }
    }
    return false;
}

/* The gitConfiguration of the pipeline's trigger naming action, or NULL. */
static const json_t *src_trigger_of(const json_t *pipeline, const char *action)
{
    size_t i;
    json_t *trigger;
    json_array_foreach(json_object_get(pipeline, "triggers"), i, trigger)
    {
        const json_t *git = json_object_get(trigger, "gitConfiguration");
        const char *name = json_string_value(json_object_get(git, "sourceActionName"));
        if (json_is_object(git) && name != NULL && strcmp(name, action) == 0) {
            return git;
        }
    }
    return NULL;
}

int src_trigger_candidates(const src_repos *repos, const json_t *definition, const char *url,
                           const char *region, const char *account, src_trigger_candidate *out,
                           size_t max, size_t *count)
{
    const json_t *pipeline = json_object_get(definition, "pipeline");
    const char *name = json_string_value(json_object_get(pipeline, "name"));
    if (!protocol_pipeline_name_ok(name) ||
        json_array_size(json_object_get(pipeline, "triggers")) == 0) {
        return 0;
    }
    size_t s, a;
    json_t *stage, *action;
    json_array_foreach(json_object_get(pipeline, "stages"), s, stage)
    {
        json_array_foreach(json_object_get(stage, "actions"), a, action)
        {
            const char *action_name = json_string_value(json_object_get(action, "name"));
            if (action_name == NULL || strlen(action_name) > SRC_POLL_ACTION_MAX) {
                continue;
            }
            const json_t *git = src_trigger_of(pipeline, action_name);
            if (git == NULL) {
                continue;
            }
            if (*count >= max) {
                return SLUICE_ETOOBIG;
            }
            src_trigger_candidate *c = &out[*count];
            char err[256];
            if (src_action_resolve(repos, json_object_get(action, "actionTypeId"),
                                   json_object_get(action, "configuration"), &c->target, err,
                                   sizeof err) != 0 ||
                c->target.provider == SRC_PROVIDER_S3 || strcmp(c->target.url, url) != 0) {
                continue;
            }
            snprintf(c->pipeline, sizeof c->pipeline, "%s", name);
            snprintf(c->action, sizeof c->action, "%s", action_name);
            if (c->target.provider == SRC_PROVIDER_CODECOMMIT) {
                snprintf(c->detail, sizeof c->detail, "arn:aws:codecommit:%s:%s:%s", region,
                         account, c->target.repository_name);
            } else {
                snprintf(c->detail, sizeof c->detail, "%s %s", c->target.connection_arn,
                         c->target.full_repository_id);
            }
            c->git_configuration = git;
            (*count)++;
        }
    }
    return 0;
}

void src_trigger_event_key(const src_change *change, char out[SRC_TRIGGER_EVENT_MAX + 1])
{
    switch (change->kind) {
    case SRC_CHANGE_TAG:
        snprintf(out, SRC_TRIGGER_EVENT_MAX + 1, "tag:%s", change->ref);
        break;
    case SRC_CHANGE_PULL_REQUEST:
        snprintf(out, SRC_TRIGGER_EVENT_MAX + 1, "pr:%ld:%s", change->number,
                 src_trigger_event_name(change->event));
        break;
    case SRC_CHANGE_BRANCH:
    default:
        snprintf(out, SRC_TRIGGER_EVENT_MAX + 1, "push");
        break;
    }
}

_Static_assert(SRC_TRIGGER_TOKEN_LEN == SRC_POLL_TOKEN_LEN, "one token shape for both");

void src_trigger_token(const char *pipeline, const char *action, const char *commit,
                       const char *event_key, char out[SRC_TRIGGER_TOKEN_LEN + 1])
{
    const char *parts[] = {pipeline, action, commit, event_key};
    src_poll_derive_token("trig-", parts, 4, out);
}

json_t *src_trigger_start_request(const src_trigger_candidate *candidate, const char *commit,
                                  const char *event_key)
{
    char token[SRC_TRIGGER_TOKEN_LEN + 1];
    src_trigger_token(candidate->pipeline, candidate->action, commit, event_key, token);
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:[{s:s, s:s, s:s}]}", "type",
                     PROTOCOL_REQUEST_START, "pipeline", candidate->pipeline, "triggerType",
                     "WebhookV2", "triggerDetail", candidate->detail, "clientRequestToken", token,
                     "sourceRevisions", "actionName", candidate->action, "revisionType",
                     "COMMIT_ID", "revisionValue", commit);
}
