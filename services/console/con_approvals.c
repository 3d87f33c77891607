/*
 * con_approvals.c — the approvals a person may answer (see con_approvals.h).
 *
 * The policy is read from the action's configuration with
 * model_approval_policy_read and each SluiceApprovers entry is tried with
 * model_approval_entry_matches: the engine's own reading and matching
 * (libs/engine engine_votes.c), so the console never lists an approval the
 * engine would refuse this person on, nor hides one it would accept.
 */
#include "con_approvals.h"

#include "sluice/model_approval.h"
#include "sluice/protocol_roles.h"

#include <stdlib.h>
#include <string.h>

static const char *con_approvals_lookup(const void *ctx, const char *key)
{
    return json_string_value(json_object_get(ctx, key));
}

bool con_approvals_may_answer(const json_t *configuration, const con_approvals_who *who)
{
    if (!protocol_role_allows(who->role, PROTOCOL_ROLE_APPROVE)) {
        return false;
    }
    const json_t *config = json_is_object(configuration) ? configuration : NULL;
    model_approval_policy policy;
    const char *bad_key = NULL;
    char err[256];
    if (model_approval_policy_read(con_approvals_lookup, config, &policy, &bad_key, err,
                                   sizeof err) != 0) {
        return false;
    }
    bool listed = policy.napprovers == 0; /* none named: anyone whose role may approve */
    for (size_t i = 0; i < policy.napprovers && !listed; i++) {
        listed =
            model_approval_entry_matches(&policy.approvers[i], who->arn, who->groups, who->ngroups);
    }
    return listed;
}

/* The latest execution of an action state when it waits (InProgress, a token), else NULL. */
static const json_t *con_approvals_waiting(const json_t *action_state)
{
    const json_t *latest = json_object_get(action_state, "latestExecution");
    const char *status = json_string_value(json_object_get(latest, "status"));
    const char *token = json_string_value(json_object_get(latest, "token"));
    return status != NULL && strcmp(status, "InProgress") == 0 && token != NULL && token[0] != '\0'
               ? latest
               : NULL;
}

bool con_approvals_pending(const json_t *state)
{
    size_t i;
    size_t j;
    const json_t *stage;
    const json_t *action;
    json_array_foreach(json_object_get(state, "stageStates"), i, stage)
    {
        json_array_foreach(json_object_get(stage, "actionStates"), j, action)
        {
            if (con_approvals_waiting(action) != NULL) {
                return true;
            }
        }
    }
    return false;
}

/* The element of array whose member key is the string name, or NULL. */
static const json_t *con_approvals_named(const json_t *array, const char *key, const char *name)
{
    size_t i;
    const json_t *v;
    json_array_foreach(array, i, v)
    {
        const char *n = json_string_value(json_object_get(v, key));
        if (n != NULL && strcmp(n, name) == 0) {
            return v;
        }
    }
    return NULL;
}

static bool con_approvals_is_manual(const json_t *action)
{
    const json_t *type = json_object_get(action, "actionTypeId");
    const char *category = json_string_value(json_object_get(type, "category"));
    const char *provider = json_string_value(json_object_get(type, "provider"));
    return category != NULL && provider != NULL && strcmp(category, "Approval") == 0 &&
           strcmp(provider, "Manual") == 0;
}

/* Copies from[name] into to as key when it is a string (or, with numbers, a number). */
static void con_approvals_copy(json_t *to, const char *key, const json_t *from, const char *name,
                               bool numbers)
{
    json_t *v = json_object_get(from, name);
    if (json_is_string(v) || (numbers && json_is_number(v))) {
        json_object_set(to, key, v);
    }
}

long con_approvals_collect(const char *pipeline, const json_t *decl, const json_t *state,
                           const con_approvals_who *who, bool all, json_t *out)
{
    long added = 0;
    size_t i;
    size_t j;
    const json_t *stage;
    const json_t *action;
    const json_t *stages = json_object_get(json_object_get(decl, "pipeline"), "stages");
    json_array_foreach(stages, i, stage)
    {
        const char *stage_name = json_string_value(json_object_get(stage, "name"));
        const json_t *st = stage_name != NULL
                               ? con_approvals_named(json_object_get(state, "stageStates"),
                                                     "stageName", stage_name)
                               : NULL;
        json_array_foreach(json_object_get(stage, "actions"), j, action)
        {
            const char *action_name = json_string_value(json_object_get(action, "name"));
            if (st == NULL || action_name == NULL || !con_approvals_is_manual(action)) {
                continue;
            }
            const json_t *latest = con_approvals_waiting(con_approvals_named(
                json_object_get(st, "actionStates"), "actionName", action_name));
            if (latest == NULL) {
                continue;
            }
            const json_t *config = json_object_get(action, "configuration");
            bool mine = con_approvals_may_answer(config, who);
            if (!mine && !all) {
                continue;
            }
            if (json_array_size(out) >= CON_APPROVALS_MAX) {
                return -1;
            }
            json_t *item = json_object();
            json_object_set_new(item, "pipeline", json_string(pipeline));
            json_object_set_new(item, "stage", json_string(stage_name));
            json_object_set_new(item, "action", json_string(action_name));
            con_approvals_copy(item, "executionId", json_object_get(st, "latestExecution"),
                               "pipelineExecutionId", false);
            con_approvals_copy(item, "token", latest, "token", false);
            con_approvals_copy(item, "status", latest, "status", false);
            con_approvals_copy(item, "lastStatusChange", latest, "lastStatusChange", true);
            con_approvals_copy(item, "summary", latest, "summary", false);
            con_approvals_copy(item, "customData", config, "CustomData", false);
            con_approvals_copy(item, "externalEntityLink", config, "ExternalEntityLink", false);
            con_approvals_copy(item, "approvers", config, MODEL_APPROVAL_KEY_APPROVERS, false);
            con_approvals_copy(item, "requiredApprovals", config, MODEL_APPROVAL_KEY_REQUIRED,
                               false);
            json_object_set_new(item, "mayAnswer", json_boolean(mine));
            if (json_array_append_new(out, item) != 0) {
                abort();
            }
            added++;
        }
    }
    return added;
}
