/*
 * engine_votes.c — recording and counting votes on Manual approvals (see
 * engine_votes.h; policy keys in model_approval.h).
 */
#include "engine_votes.h"

#include "engine_events.h"
#include "engine_util.h"
#include "sluice/error.h"
#include "sluice/protocol_names.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ENGINE_VOTES_SUMMARY_MAX 2048 /* ExecutionSummary */

static const char *engine_votes_lookup(const void *ctx, const char *key)
{
    return engine_plan_action_config(ctx, key);
}

int engine_votes_policy(const engine_plan_action *pa, model_approval_policy *out, char *errbuf,
                        size_t errlen)
{
    const char *bad_key = NULL;
    return model_approval_policy_read(engine_votes_lookup, pa, out, &bad_key, errbuf, errlen) ==
                   SLUICE_OK
               ? 0
               : -1;
}

bool engine_votes_approve_on_timeout(const engine_plan_action *pa)
{
    model_approval_policy policy;
    char err[256];
    return engine_votes_policy(pa, &policy, err, sizeof err) == 0 && policy.approve_on_timeout;
}

/* The author e-mail of a source revision of x that equals one of the vote's addresses, or NULL. */
static const char *engine_votes_author(const engine_plan *plan, const engine_execution *x,
                                       const engine_input_vote *vote)
{
    for (size_t s = 0; s < x->nstages && s < plan->nstages; s++) {
        for (size_t a = 0; a < x->stages[s].nactions && a < plan->stages[s].nactions; a++) {
            if (!engine_plan_action_is_source(&plan->stages[s].actions[a])) {
                continue;
            }
            const engine_action_run *run = &x->stages[s].actions[a];
            for (size_t i = 0; i < run->noutput_vars; i++) {
                if (!engine_util_str_eq(run->output_vars[i].key, ENGINE_VOTES_AUTHOR_VAR)) {
                    continue;
                }
                for (size_t e = 0; e < vote->nemails; e++) {
                    if (vote->emails[e] != NULL && run->output_vars[i].value != NULL &&
                        strcasecmp(vote->emails[e], run->output_vars[i].value) == 0) {
                        return run->output_vars[i].value;
                    }
                }
            }
        }
    }
    return NULL;
}

static bool engine_votes_too_long(const char *s)
{
    return s != NULL && strlen(s) > ENGINE_VOTES_MAX_NAME;
}

const char *engine_votes_refusal(const engine_machine *m, const engine_execution *x, size_t s,
                                 size_t a, const model_approval_policy *policy,
                                 const engine_input_vote *vote, char *msg, size_t msglen)
{
    const engine_plan *plan = engine_machine_plan(m, x);
    const engine_action_run *run = &x->stages[s].actions[a];
    const char *where = plan->stages[s].actions[a].name;
    bool long_name = engine_votes_too_long(vote->identity);
    for (size_t i = 0; i < vote->ngroups && !long_name; i++) {
        long_name = engine_votes_too_long(vote->groups[i]);
    }
    for (size_t i = 0; i < vote->nemails && !long_name; i++) {
        long_name = engine_votes_too_long(vote->emails[i]);
    }
    if (vote->ngroups > ENGINE_VOTES_MAX_GROUPS || vote->nemails > ENGINE_VOTES_MAX_EMAILS ||
        long_name) {
        snprintf(msg, msglen,
                 "A vote carries at most %d groups and %d e-mail addresses of at most %d "
                 "characters each",
                 ENGINE_VOTES_MAX_GROUPS, ENGINE_VOTES_MAX_EMAILS, ENGINE_VOTES_MAX_NAME);
        return "ValidationException";
    }
    if (!policy->counted) {
        return NULL; /* CodePipeline's behaviour: the first answer decides */
    }
    if (vote->identity == NULL || vote->identity[0] == '\0') {
        snprintf(msg, msglen, "The approval %s counts votes by identity; this vote has none",
                 where);
        return "AccessDeniedException";
    }
    if (policy->napprovers > 0) {
        bool listed = false;
        for (size_t i = 0; i < policy->napprovers && !listed; i++) {
            listed = model_approval_entry_matches(&policy->approvers[i], vote->identity,
                                                  vote->groups, vote->ngroups);
        }
        if (!listed) {
            snprintf(msg, msglen, "%s is not an approver of %s/%s (SluiceApprovers)",
                     vote->identity, plan->stages[s].name, where);
            return "AccessDeniedException";
        }
    }
    for (size_t i = 0; i < run->nvotes; i++) {
        if (engine_util_str_eq(run->votes[i].identity, vote->identity)) {
            snprintf(msg, msglen, "%s has already voted on this approval (%s)", vote->identity,
                     run->votes[i].approved ? "Approved" : "Rejected");
            return "ApprovalAlreadyCompletedException";
        }
    }
    if (vote->approved && !policy->allow_self) {
        if (engine_util_str_eq(x->trigger_detail, vote->identity)) {
            snprintf(msg, msglen,
                     "%s started this execution and may not approve it "
                     "(SluiceAllowSelfApproval false)",
                     vote->identity);
            return "AccessDeniedException";
        }
        const char *author = engine_votes_author(plan, x, vote);
        if (author != NULL) {
            snprintf(msg, msglen,
                     "%s authored a source revision of this execution and may not approve it "
                     "(SluiceAllowSelfApproval false)",
                     author);
            return "AccessDeniedException";
        }
    }
    if (run->nvotes >= ENGINE_STATE_MAX_VOTES) {
        snprintf(msg, msglen, "The approval already has %d votes", ENGINE_STATE_MAX_VOTES);
        return "ValidationException"; /* PutApprovalResult's errors have no LimitExceeded */
    }
    return NULL;
}

/* "1 of 2 approvals; rejected by nobody", cut to ExecutionSummary's bound. */
static char *engine_votes_tally(const engine_action_run *run, int required)
{
    size_t approvals = 0;
    for (size_t i = 0; i < run->nvotes; i++) {
        approvals += run->votes[i].approved ? 1 : 0;
    }
    char text[ENGINE_VOTES_SUMMARY_MAX + 1];
    int n = snprintf(text, sizeof text, "%zu of %d approvals; rejected by ", approvals, required);
    size_t used = n > 0 ? (size_t)n : 0;
    bool any = false;
    for (size_t i = 0; i < run->nvotes && used < sizeof text - 1; i++) {
        if (run->votes[i].approved) {
            continue;
        }
        n = snprintf(text + used, sizeof text - used, "%s%s", any ? ", " : "",
                     run->votes[i].identity != NULL ? run->votes[i].identity : "(unknown)");
        used = n > 0 && (size_t)n < sizeof text - used ? used + (size_t)n : sizeof text - 1;
        any = true;
    }
    if (!any) {
        snprintf(text + used, sizeof text - used, "nobody");
    }
    size_t len = strlen(text);
    if (len == sizeof text - 1) {
        while (len > 0 && ((unsigned char)text[len] & 0xC0) == 0x80) {
            len--; /* text[len] continues a character cut by the bound: cut before it */
        }
        text[len] = '\0';
    }
    return engine_util_strdup(text);
}

static void engine_votes_event(engine_machine *m, engine_execution *x, size_t s, size_t a,
                               const model_approval_policy *policy, const engine_input_vote *vote,
                               const char *decision)
{
    const engine_plan *plan = engine_machine_plan(m, x);
    const engine_action_run *run = &x->stages[s].actions[a];
    int approvals = 0;
    for (size_t i = 0; i < run->nvotes; i++) {
        approvals += run->votes[i].approved ? 1 : 0;
    }
    json_t *detail = engine_util_obj();
    engine_util_put_str(detail, "pipeline", m->state->pipeline);
    engine_util_put_str(detail, "execution-id", x->id);
    engine_util_put_str(detail, "stage", plan->stages[s].name);
    engine_util_put_str(detail, "action", plan->stages[s].actions[a].name);
    engine_util_put_str(detail, "action-execution-id", run->action_execution_id);
    engine_util_put(detail, "identity", engine_util_jstr(vote->identity));
    engine_util_put_str(detail, "vote", vote->approved ? "Approved" : "Rejected");
    engine_util_put_str(detail, "comment", vote->comment != NULL ? vote->comment : "");
    engine_util_put_int(detail, "approvals", approvals);
    engine_util_put_int(detail, "rejections", (int64_t)run->nvotes - approvals);
    engine_util_put_int(detail, "required-approvals", policy->required);
    engine_util_put_str(detail, "decision", decision);
    engine_util_put_int(detail, "version", x->pipeline_version);
    engine_util_put_int(detail, "pipeline-execution-attempt", x->attempt);
    engine_events_sluice(m, x, PROTOCOL_DETAIL_APPROVAL_VOTE, detail);
}

void engine_votes_cast(engine_machine *m, engine_execution *x, size_t s, size_t a,
                       const model_approval_policy *policy, const engine_input_vote *vote)
{
    engine_action_run *run = &x->stages[s].actions[a];
    run->votes = engine_util_realloc(run->votes, run->nvotes + 1, sizeof *run->votes);
    engine_vote *v = &run->votes[run->nvotes++];
    memset(v, 0, sizeof *v);
    v->identity = engine_util_strdup(vote->identity);
    v->at_ms = m->ctx->now_ms;
    v->approved = vote->approved;
    v->comment = engine_util_strdup(vote->comment);
    run->last_change_ms = m->ctx->now_ms;
    x->update_ms = m->ctx->now_ms;

    if (!policy->counted) {
        engine_votes_event(m, x, s, a, policy, vote, vote->approved ? "APPROVED" : "REJECTED");
        engine_machine_approval(m, x, s, a, vote->approved, vote->identity, vote->comment,
                                vote->comment);
        return;
    }
    int approvals = 0;
    int rejections = 0;
    for (size_t i = 0; i < run->nvotes; i++) {
        approvals += run->votes[i].approved ? 1 : 0;
        rejections += run->votes[i].approved ? 0 : 1;
    }
    bool approved = approvals >= policy->required;
    bool rejected =
        !approved && (policy->reject_majority ? rejections >= policy->required : rejections > 0);
    char *tally = engine_votes_tally(run, policy->required);
    engine_votes_event(m, x, s, a, policy, vote,
                       approved ? "APPROVED" : (rejected ? "REJECTED" : "PENDING"));
    if (approved || rejected) {
        engine_machine_approval(m, x, s, a, approved, vote->identity, tally, tally);
    } else {
        engine_util_set(&run->summary, tally);
        engine_util_set(&run->updated_by, vote->identity);
    }
    free(tally);
}

json_t *engine_votes_json(const engine_action_run *run)
{
    json_t *arr = engine_util_arr();
    for (size_t i = 0; i < run->nvotes; i++) {
        json_t *obj = engine_util_obj();
        engine_util_put_str(obj, "identity", run->votes[i].identity);
        engine_util_put_time(obj, "time", run->votes[i].at_ms);
        engine_util_put_str(obj, "status", run->votes[i].approved ? "Approved" : "Rejected");
        engine_util_put_str(obj, "comment", run->votes[i].comment);
        engine_util_push(arr, obj);
    }
    return arr;
}
