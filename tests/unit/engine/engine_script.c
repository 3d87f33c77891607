/*
 * engine_script.c — runs the table-driven engine cases of engine_script.h.
 */
#include "engine_script.h"

#include "engine_builder.h"
#include "sluice/engine_step.h"
#include "sluice/engine_view.h"
#include "sluice/error.h"
#include "sluice/time.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ES_MAX_TOKENS 24
#define ES_MAX_LABELS 32
#define ES_START_MS   ((int64_t)1767225600000) /* 2026-01-01T00:00:00Z */

typedef struct es_runner {
    const es_case *c;
    engine_state *state;
    engine_effects last;
    int64_t now;
    int steps;
    char labels[ES_MAX_LABELS][16];
    char ids[ES_MAX_LABELS][ENGINE_ID_LEN + 1];
    int nlabels;
    char last_job[ENGINE_ID_LEN + 1]; /* job id of the last job result sent */
    int failures;
    int lineno;
    const char *line;
} es_runner;

static void es_fail(es_runner *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void es_fail(es_runner *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "case '%s' line %d '%s': ", r->c->name, r->lineno,
            r->line != NULL ? r->line : "");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    r->failures++;
}

/* Splits a copy of line (in buf) into space-separated tokens; '~' becomes a space. */
static int es_tokens(const char *line, char *buf, size_t buflen, char **tok)
{
    snprintf(buf, buflen, "%s", line);
    int n = 0;
    char *p = buf;
    while (*p != '\0' && n < ES_MAX_TOKENS) {
        while (*p == ' ') {
            *p++ = '\0';
        }
        if (*p == '\0') {
            break;
        }
        tok[n++] = p;
        while (*p != '\0' && *p != ' ') {
            if (*p == '~') {
                *p = ' ';
            }
            p++;
        }
    }
    return n;
}

/* Removes the "by=IDENTITY" tokens of an input line; returns the last identity, or NULL. */
static const char *es_take_by(char **tok, int *n)
{
    const char *by = NULL;
    int kept = 0;
    for (int i = 0; i < *n; i++) {
        if (i > 0 && strncmp(tok[i], "by=", 3) == 0) {
            by = tok[i] + 3;
        } else {
            tok[kept++] = tok[i];
        }
    }
    *n = kept;
    return by;
}

static const char *es_id(es_runner *r, const char *label)
{
    for (int i = 0; i < r->nlabels; i++) {
        if (strcmp(r->labels[i], label) == 0) {
            return r->ids[i];
        }
    }
    return NULL;
}

/*
 * A rollback target given from outside the state: text after "target=" is JSON
 * with ' for "; its pipelineExecutionId is id unless it names one.
 */
static json_t *es_target(es_runner *r, const char *text, const char *id)
{
    if (strncmp(text, "target=", 7) != 0) {
        es_fail(r, "expected target=JSON, not %s", text);
        return NULL;
    }
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", text + 7);
    for (char *p = buf; *p != '\0'; p++) {
        if (*p == '\'') {
            *p = '"';
        }
    }
    json_error_t error;
    json_t *target = json_loads(buf, 0, &error);
    if (!json_is_object(target)) {
        es_fail(r, "target: not a JSON object: %s", error.text);
        json_decref(target);
        return NULL;
    }
    if (json_object_get(target, "pipelineExecutionId") == NULL) {
        json_object_set_new(target, "pipelineExecutionId", json_string(id));
    }
    return target;
}

static const char *es_label_of(es_runner *r, const char *id)
{
    for (int i = 0; i < r->nlabels; i++) {
        if (strcmp(r->ids[i], id) == 0) {
            return r->labels[i];
        }
    }
    return "?";
}

static engine_execution *es_exec(es_runner *r, const char *label)
{
    const char *id = es_id(r, label);
    engine_execution *x = id != NULL ? engine_state_find(r->state, id) : NULL;
    if (x == NULL) {
        es_fail(r, "no execution %s in the state", label);
    }
    return x;
}

/* Finds "Stage.Action" in x's plan. */
static engine_action_run *es_run_of(es_runner *r, engine_execution *x, const char *path, size_t *ps,
                                    size_t *pa)
{
    const engine_plan *plan = engine_state_plan_version(r->state, x->pipeline_version);
    char stage[128];
    snprintf(stage, sizeof stage, "%s", path);
    char *dot = strchr(stage, '.');
    if (dot == NULL) {
        es_fail(r, "expected Stage.Action, got %s", path);
        return NULL;
    }
    *dot = '\0';
    size_t s = engine_plan_stage_index(plan, stage);
    size_t a = s != ENGINE_PLAN_NOT_FOUND ? engine_plan_action_index(&plan->stages[s], dot + 1)
                                          : ENGINE_PLAN_NOT_FOUND;
    if (a == ENGINE_PLAN_NOT_FOUND) {
        es_fail(r, "no action %s", path);
        return NULL;
    }
    if (ps != NULL) {
        *ps = s;
    }
    if (pa != NULL) {
        *pa = a;
    }
    return &x->stages[s].actions[a];
}

/* Finds "Stage.kind.Rule" in x: the rule run (NULL when that condition was not evaluated). */
static engine_rule_run *es_rule_of(es_runner *r, engine_execution *x, const char *path)
{
    const engine_plan *plan = engine_state_plan_version(r->state, x->pipeline_version);
    char buf[160];
    snprintf(buf, sizeof buf, "%s", path);
    char *kind = strchr(buf, '.');
    char *name = kind != NULL ? strchr(kind + 1, '.') : NULL;
    if (name == NULL) {
        es_fail(r, "expected Stage.kind.Rule, got %s", path);
        return NULL;
    }
    *kind++ = '\0';
    *name++ = '\0';
    size_t s = engine_plan_stage_index(plan, buf);
    int k = strcmp(kind, "beforeEntry") == 0 ? ENGINE_CONDITION_BEFORE_ENTRY
            : strcmp(kind, "onSuccess") == 0 ? ENGINE_CONDITION_ON_SUCCESS
            : strcmp(kind, "onFailure") == 0 ? ENGINE_CONDITION_ON_FAILURE
                                             : -1;
    if (s == ENGINE_PLAN_NOT_FOUND || k < 0) {
        es_fail(r, "no stage or condition kind in %s", path);
        return NULL;
    }
    const engine_plan_conditions *pc = &plan->stages[s].conditions[k];
    engine_stage_condition_run *run = &x->stages[s].conditions[k];
    for (size_t c = 0; c < pc->nconditions && c < run->nconditions; c++) {
        for (size_t i = 0; i < pc->conditions[c].nrules && i < run->conditions[c].nrules; i++) {
            if (strcmp(pc->conditions[c].rules[i].name, name) == 0) {
                return &run->conditions[c].rules[i];
            }
        }
    }
    es_fail(r, "no evaluated rule %s", path);
    return NULL;
}

static char *es_dump(const json_t *json)
{
    return json_dumps(json, JSON_COMPACT | JSON_SORT_KEYS);
}

static char *es_effects_dump(const engine_effects *effects)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < effects->count; i++) {
        json_array_append_new(arr, engine_effects_to_json(&effects->items[i]));
    }
    char *text = es_dump(arr);
    json_decref(arr);
    return text;
}

/* Applies input; checks determinism and the JSON round trip. */
static void es_apply(es_runner *r, const engine_input *input)
{
    char seed[64];
    snprintf(seed, sizeof seed, "%s/%d", r->c->name, r->steps++);
    json_t *before = engine_state_to_json(r->state);

    engine_ids_seeded ids;
    engine_ids_seeded_init(&ids, seed);
    engine_ctx ctx = {.now_ms = r->now,
                      .ids = engine_ids_seeded_source(&ids),
                      .account = "111122223333",
                      .region = "eu-west-1"};
    engine_effects_free(&r->last);
    char err[256] = "";
    int rc = engine_step(r->state, &ctx, input, &r->last, err, sizeof err);
    if (rc != 0) {
        es_fail(r, "engine_step failed: %s (%s)", sluice_strerror(rc), err);
    }

    /* round trip */
    json_t *after = engine_state_to_json(r->state);
    engine_state *copy = NULL;
    rc = engine_state_from_json(after, &copy, err, sizeof err);
    if (rc != 0) {
        es_fail(r, "state does not read back: %s", err);
    } else {
        json_t *again = engine_state_to_json(copy);
        if (!json_equal(after, again)) {
            es_fail(r, "state JSON round trip is lossy");
        }
        json_decref(again);
        engine_state_free(copy);
    }

    /* determinism: replay on the state saved before */
    engine_state *replay = NULL;
    if (engine_state_from_json(before, &replay, err, sizeof err) != 0) {
        es_fail(r, "saved state does not read back: %s", err);
    } else {
        engine_ids_seeded ids2;
        engine_ids_seeded_init(&ids2, seed);
        engine_ctx ctx2 = ctx;
        ctx2.ids = engine_ids_seeded_source(&ids2);
        engine_effects effects2;
        engine_effects_init(&effects2);
        engine_step(replay, &ctx2, input, &effects2, err, sizeof err);
        json_t *replayed = engine_state_to_json(replay);
        char *a = es_effects_dump(&r->last);
        char *b = es_effects_dump(&effects2);
        if (!json_equal(after, replayed) || strcmp(a, b) != 0) {
            es_fail(r, "replaying the input gives a different result");
        }
        free(a);
        free(b);
        json_decref(replayed);
        engine_effects_free(&effects2);
        engine_state_free(replay);
    }
    json_decref(before);
    json_decref(after);
}

static void es_bind(es_runner *r, const char *label)
{
    const engine_effect *reply = engine_effects_reply(&r->last);
    if (reply == NULL || reply->exception != NULL || reply->body == NULL) {
        return;
    }
    const char *id = json_string_value(json_object_get(reply->body, "pipelineExecutionId"));
    if (id == NULL || es_id(r, label) != NULL || r->nlabels == ES_MAX_LABELS) {
        return;
    }
    snprintf(r->labels[r->nlabels], sizeof r->labels[0], "%s", label);
    snprintf(r->ids[r->nlabels], sizeof r->ids[0], "%s", id);
    r->nlabels++;
}

/* ---- inputs ------------------------------------------------------------------ */

static void es_input_start(es_runner *r, char **tok, int n)
{
    const char *by = es_take_by(tok, &n);
    engine_input in = {.kind = ENGINE_INPUT_START,
                       .request_id = "req",
                       .requested_by = by != NULL ? by : "arn:aws:iam::111122223333:user/tester"};
    engine_input_kv vars[8];
    engine_input_override revs[4];
    size_t nvars = 0;
    size_t nrevs = 0;
    char revbuf[4][3][64];
    for (int i = 2; i < n; i++) {
        if (strncmp(tok[i], "token=", 6) == 0) {
            in.start.client_token = tok[i] + 6;
        } else if (strncmp(tok[i], "trigger=", 8) == 0) {
            in.start.trigger_type = tok[i] + 8;
        } else if (strncmp(tok[i], "var=", 4) == 0 && nvars < 8) {
            char *eq = strchr(tok[i] + 4, '=');
            if (eq != NULL) {
                *eq = '\0';
                vars[nvars].key = tok[i] + 4;
                vars[nvars].value = eq + 1;
                nvars++;
            }
        } else if (strncmp(tok[i], "rev=", 4) == 0 && nrevs < 4) {
            char parts[3][64] = {"", "", ""};
            sscanf(tok[i] + 4, "%63[^:]:%63[^:]:%63s", parts[0], parts[1], parts[2]);
            memcpy(revbuf[nrevs], parts, sizeof parts);
            revs[nrevs].action_name = revbuf[nrevs][0];
            revs[nrevs].revision_type = revbuf[nrevs][1];
            revs[nrevs].revision_value = revbuf[nrevs][2];
            nrevs++;
        }
    }
    in.start.variables = vars;
    in.start.nvariables = nvars;
    in.start.overrides = revs;
    in.start.noverrides = nrevs;
    es_apply(r, &in);
    es_bind(r, tok[1]);
}

static void es_input_job(es_runner *r, char **tok, int n, engine_job_outcome outcome)
{
    const char *by = es_take_by(tok, &n);
    engine_execution *x = es_exec(r, tok[1]);
    engine_action_run *run = x != NULL && n > 2 ? es_run_of(r, x, tok[2], NULL, NULL) : NULL;
    if (run == NULL || run->job_id == NULL) {
        es_fail(r, "no job to answer");
        return;
    }
    char job_id[ENGINE_ID_LEN + 1];
    snprintf(job_id, sizeof job_id, "%s", run->job_id);
    snprintf(r->last_job, sizeof r->last_job, "%s", run->job_id);
    engine_input in = {.kind = ENGINE_INPUT_JOB_RESULT, .request_id = "req", .requested_by = by};
    in.job.job_id = job_id;
    in.job.outcome = outcome;
    in.job.percent_complete = -1;
    engine_input_kv vars[8];
    engine_input_artifact outs[4];
    char outbuf[4][3][64];
    size_t nvars = 0;
    size_t nouts = 0;
    if (outcome == ENGINE_JOB_FAILED) {
        in.job.failure_type = n > 3 ? tok[3] : "JobFailed";
        in.job.failure_message = n > 4 ? tok[4] : "it broke";
    } else if (outcome == ENGINE_JOB_IN_PROGRESS) {
        in.job.continuation_token = n > 3 ? tok[3] : "continue";
        in.job.percent_complete = 50;
    }
    for (int i = 3; outcome == ENGINE_JOB_SUCCEEDED && i < n; i++) {
        if (strncmp(tok[i], "var=", 4) == 0 && nvars < 8) {
            char *eq = strchr(tok[i] + 4, '=');
            if (eq != NULL) {
                *eq = '\0';
                vars[nvars].key = tok[i] + 4;
                vars[nvars].value = eq + 1;
                nvars++;
            }
        } else if (strncmp(tok[i], "out=", 4) == 0 && nouts < 4) {
            char parts[3][64] = {"", "", ""};
            sscanf(tok[i] + 4, "%63[^@]@%63[^/]/%63s", parts[0], parts[1], parts[2]);
            memcpy(outbuf[nouts], parts, sizeof parts);
            outs[nouts].name = outbuf[nouts][0];
            outs[nouts].bucket = outbuf[nouts][1];
            outs[nouts].key = outbuf[nouts][2];
            nouts++;
        } else if (strncmp(tok[i], "rev=", 4) == 0) {
            in.job.revision_id = tok[i] + 4;
            in.job.revision_change_id = "change-1";
            in.job.revision_summary = "a commit";
            in.job.revision_created_ms = ES_START_MS;
        } else if (strncmp(tok[i], "summary=", 8) == 0) {
            in.job.summary = tok[i] + 8;
        }
    }
    in.job.output_variables = vars;
    in.job.noutput_variables = nvars;
    in.job.outputs = outs;
    in.job.noutputs = nouts;
    es_apply(r, &in);
}

/* rule-succeed / rule-fail / rule-progress / rule-timeout. */
static void es_input_rule(es_runner *r, char **tok, int n, const char *cmd)
{
    engine_execution *x = n > 2 ? es_exec(r, tok[1]) : NULL;
    engine_rule_run *rule = x != NULL ? es_rule_of(r, x, tok[2]) : NULL;
    if (rule == NULL || rule->rule_execution_id == NULL) {
        return;
    }
    char id[ENGINE_ID_LEN + 1];
    char key[128];
    engine_input in = {.kind = ENGINE_INPUT_JOB_RESULT, .request_id = "req"};
    if (strcmp(cmd, "rule-timeout") == 0) {
        snprintf(key, sizeof key, "rule-timeout:%s", rule->rule_execution_id);
        if (rule->deadline_ms > r->now) {
            r->now = rule->deadline_ms;
        }
        in.kind = ENGINE_INPUT_TIMER;
        in.timer.key = key;
        es_apply(r, &in);
        return;
    }
    if (rule->job_id == NULL) {
        es_fail(r, "rule %s has no job", tok[2]);
        return;
    }
    snprintf(id, sizeof id, "%s", rule->job_id);
    snprintf(r->last_job, sizeof r->last_job, "%s", rule->job_id);
    in.job.job_id = id;
    in.job.percent_complete = -1;
    if (strcmp(cmd, "rule-succeed") == 0) {
        in.job.outcome = ENGINE_JOB_SUCCEEDED;
        in.job.summary = n > 3 ? tok[3] : NULL;
    } else if (strcmp(cmd, "rule-fail") == 0) {
        in.job.outcome = ENGINE_JOB_FAILED;
        in.job.failure_type = n > 3 ? tok[3] : "JobFailed";
        in.job.failure_message = n > 4 ? tok[4] : "the check failed";
    } else {
        in.job.outcome = ENGINE_JOB_IN_PROGRESS;
        in.job.continuation_token = n > 3 ? tok[3] : "continue";
    }
    es_apply(r, &in);
}

static void es_input_approval(es_runner *r, char **tok, int n, bool approved, bool explicit_token)
{
    const char *by = es_take_by(tok, &n);
    char path[128];
    snprintf(path, sizeof path, "%s", n > 2 ? tok[2] : "");
    char *dot = strchr(path, '.');
    if (dot == NULL) {
        es_fail(r, "expected Stage.Action");
        return;
    }
    *dot = '\0';
    char token[ENGINE_ID_LEN + 1] = "";
    if (explicit_token) {
        snprintf(token, sizeof token, "%s", tok[1]);
    } else {
        engine_execution *x = es_exec(r, tok[1]);
        engine_action_run *run = x != NULL ? es_run_of(r, x, tok[2], NULL, NULL) : NULL;
        if (run == NULL || run->token == NULL) {
            es_fail(r, "no approval token");
            return;
        }
        snprintf(token, sizeof token, "%s", run->token);
    }
    engine_input in = {.kind = ENGINE_INPUT_APPROVAL,
                       .request_id = "req",
                       .requested_by = by != NULL ? by : "arn:aws:iam::111122223333:user/approver"};
    in.approval.stage = path;
    in.approval.action = dot + 1;
    in.approval.token = token;
    in.approval.approved = approved;
    in.approval.summary = n > 3 ? tok[3] : NULL;
    es_apply(r, &in);
}

/* vote L Stage.Action Approved|Rejected by=ID [group=G]... [email=E]... [comment] */
static void es_input_vote(es_runner *r, char **tok, int n)
{
    const char *by = es_take_by(tok, &n);
    const char *groups[8];
    const char *emails[8];
    size_t ngroups = 0;
    size_t nemails = 0;
    int kept = 0;
    for (int i = 0; i < n; i++) {
        if (i > 0 && strncmp(tok[i], "group=", 6) == 0 && ngroups < 8) {
            groups[ngroups++] = tok[i] + 6;
        } else if (i > 0 && strncmp(tok[i], "email=", 6) == 0 && nemails < 8) {
            emails[nemails++] = tok[i] + 6;
        } else {
            tok[kept++] = tok[i];
        }
    }
    n = kept;
    char path[128];
    snprintf(path, sizeof path, "%s", n > 2 ? tok[2] : "");
    char *dot = strchr(path, '.');
    engine_execution *x = es_exec(r, n > 1 ? tok[1] : "");
    engine_action_run *run = x != NULL && n > 2 ? es_run_of(r, x, tok[2], NULL, NULL) : NULL;
    if (dot == NULL || n < 4 || run == NULL || run->token == NULL) {
        es_fail(r, "vote: expected L Stage.Action Approved|Rejected of a pending approval");
        return;
    }
    *dot = '\0';
    char token[ENGINE_ID_LEN + 1];
    snprintf(token, sizeof token, "%s", run->token);
    engine_input in = {.kind = ENGINE_INPUT_VOTE, .request_id = "req"};
    in.vote.stage = path;
    in.vote.action = dot + 1;
    in.vote.token = token;
    in.vote.identity = by;
    in.vote.groups = groups;
    in.vote.ngroups = ngroups;
    in.vote.emails = emails;
    in.vote.nemails = nemails;
    in.vote.approved = strcmp(tok[3], "Approved") == 0;
    in.vote.comment = n > 4 ? tok[4] : NULL;
    es_apply(r, &in);
}

static void es_input_timer(es_runner *r, char **tok, int n, bool at_deadline)
{
    engine_execution *x = es_exec(r, tok[1]);
    engine_action_run *run = x != NULL && n > 2 ? es_run_of(r, x, tok[2], NULL, NULL) : NULL;
    if (run == NULL || run->action_execution_id == NULL) {
        es_fail(r, "no action execution for the timer");
        return;
    }
    char key[128];
    snprintf(key, sizeof key, "action-timeout:%s", run->action_execution_id);
    if (at_deadline && run->deadline_ms > r->now) {
        r->now = run->deadline_ms;
    }
    engine_input in = {.kind = ENGINE_INPUT_TIMER};
    in.timer.key = key;
    es_apply(r, &in);
}

static void es_input_update(es_runner *r, char **tok, int n)
{
    model_execution_mode mode = r->c->mode;
    if (n > 2) {
        mode = strcmp(tok[2], "QUEUED") == 0     ? MODEL_MODE_QUEUED
               : strcmp(tok[2], "PARALLEL") == 0 ? MODEL_MODE_PARALLEL
                                                 : MODEL_MODE_SUPERSEDED;
    }
    model_pipeline *p =
        tb_pipeline("P", strtol(tok[1], NULL, 10), mode, r->c->pipeline, r->c->variables);
    if (p == NULL || tb_conditions(p, r->c->conditions) != 0) {
        es_fail(r, "bad pipeline or conditions");
        model_pipeline_free(p);
        return;
    }
    engine_input in = {.kind = ENGINE_INPUT_PIPELINE_UPDATED, .request_id = "req"};
    in.update.pipeline = p;
    es_apply(r, &in);
    model_pipeline_free(p);
}

/* Returns true when the line was an input. */
static bool es_input(es_runner *r, char **tok, int n)
{
    const char *cmd = tok[0];
    if (strcmp(cmd, "start") == 0 && n >= 2) {
        es_input_start(r, tok, n);
    } else if (strcmp(cmd, "succeed") == 0) {
        es_input_job(r, tok, n, ENGINE_JOB_SUCCEEDED);
    } else if (strcmp(cmd, "fail") == 0) {
        es_input_job(r, tok, n, ENGINE_JOB_FAILED);
    } else if (strcmp(cmd, "progress") == 0) {
        es_input_job(r, tok, n, ENGINE_JOB_IN_PROGRESS);
    } else if (strcmp(cmd, "approve") == 0 || strcmp(cmd, "reject") == 0) {
        es_input_approval(r, tok, n, cmd[0] == 'a', false);
    } else if (strcmp(cmd, "approve-token") == 0) {
        es_input_approval(r, tok, n, true, true);
    } else if (strcmp(cmd, "vote") == 0) {
        es_input_vote(r, tok, n);
    } else if (strcmp(cmd, "timeout") == 0) {
        es_input_timer(r, tok, n, true);
    } else if (strcmp(cmd, "timer-early") == 0) {
        es_input_timer(r, tok, n, false);
    } else if (strcmp(cmd, "stop") == 0 && n >= 2) {
        engine_input in = {.kind = ENGINE_INPUT_STOP, .request_id = "req"};
        const char *id = es_id(r, tok[1]);
        in.stop.execution_id = id != NULL ? id : tok[1];
        int i = 2;
        if (n > i && strcmp(tok[i], "abandon") == 0) {
            in.stop.abandon = true;
            i++;
        }
        in.stop.reason = n > i ? tok[i] : NULL;
        es_apply(r, &in);
    } else if (strcmp(cmd, "retry") == 0 && n >= 4) {
        engine_input in = {.kind = ENGINE_INPUT_RETRY, .request_id = "req"};
        const char *id = es_id(r, tok[1]);
        in.retry.execution_id = id != NULL ? id : tok[1];
        in.retry.stage = tok[2];
        in.retry.mode = strcmp(tok[3], "ALL_ACTIONS") == 0 ? ENGINE_RETRY_ALL_ACTIONS
                                                           : ENGINE_RETRY_FAILED_ACTIONS;
        es_apply(r, &in);
    } else if ((strcmp(cmd, "disable") == 0 || strcmp(cmd, "enable") == 0) && n >= 3) {
        engine_input in = {.kind = ENGINE_INPUT_TRANSITION,
                           .request_id = "req",
                           .requested_by = "arn:aws:iam::111122223333:user/ops"};
        in.transition.stage = tok[1];
        in.transition.outbound = strcmp(tok[2], "outbound") == 0;
        in.transition.enabled = cmd[0] == 'e';
        in.transition.reason = n > 3 ? tok[3] : NULL;
        es_apply(r, &in);
    } else if (strcmp(cmd, "rollback") == 0 && n >= 4) {
        const char *by = es_take_by(tok, &n);
        engine_input in = {.kind = ENGINE_INPUT_ROLLBACK,
                           .request_id = "req",
                           .requested_by = by != NULL ? by : "arn:aws:iam::111122223333:user/ops"};
        const char *id = es_id(r, tok[3]);
        in.rollback.stage = tok[2];
        in.rollback.target_execution_id = id != NULL ? id : tok[3];
        json_t *target = n > 4 ? es_target(r, tok[4], in.rollback.target_execution_id) : NULL;
        in.rollback.target = target;
        es_apply(r, &in);
        json_decref(target);
        es_bind(r, tok[1]);
    } else if (strcmp(cmd, "override") == 0 && n >= 4) {
        engine_input in = {.kind = ENGINE_INPUT_OVERRIDE, .request_id = "req"};
        const char *id = es_id(r, tok[1]);
        in.override_condition.execution_id = id != NULL ? id : tok[1];
        in.override_condition.stage = tok[2];
        in.override_condition.on_success = strcmp(tok[3], "ON_SUCCESS") == 0;
        es_apply(r, &in);
    } else if (strcmp(cmd, "keep") == 0 && n >= 2) {
        r->state->keep_terminal = (size_t)strtoul(tok[1], NULL, 10);
    } else if (strcmp(cmd, "newest") == 0 && n >= 2) {
        /* binds a label to the execution started last (an automatic rollback) */
        const engine_execution *x =
            r->state->nexecs > 0 ? r->state->execs[r->state->nexecs - 1] : NULL;
        if (x == NULL || es_id(r, tok[1]) != NULL || r->nlabels == ES_MAX_LABELS) {
            es_fail(r, "newest %s: nothing to bind", tok[1]);
        } else {
            snprintf(r->labels[r->nlabels], sizeof r->labels[0], "%s", tok[1]);
            snprintf(r->ids[r->nlabels], sizeof r->ids[0], "%s", x->id);
            r->nlabels++;
        }
    } else if (strcmp(cmd, "update") == 0 && n >= 2) {
        es_input_update(r, tok, n);
    } else if (strcmp(cmd, "resend") == 0) {
        engine_input in = {.kind = ENGINE_INPUT_JOB_RESULT, .request_id = "req"};
        in.job.job_id = r->last_job;
        in.job.outcome = ENGINE_JOB_SUCCEEDED;
        in.job.percent_complete = -1;
        es_apply(r, &in);
    } else if (strcmp(cmd, "tick") == 0 && n >= 2) {
        r->now += strtoll(tok[1], NULL, 10);
    } else if (strcmp(cmd, "at") == 0 && n >= 2) {
        if (sluice_time_parse_rfc3339(tok[1], &r->now) != 0) {
            es_fail(r, "bad time %s", tok[1]);
        }
    } else if (strncmp(cmd, "rule-", 5) == 0 && strcmp(cmd, "rule-summary") != 0) {
        es_input_rule(r, tok, n, cmd);
    } else {
        return false;
    }
    return true;
}

/* ---- expectations ------------------------------------------------------------ */

/* "P:STATE" / "S:Stage:STATE" / "A:Stage.Action:STATE" for an event effect. */
static void es_event_token(const engine_effect *e, char *out, size_t len)
{
    const char *type = json_string_value(json_object_get(e->body, "detail-type"));
    const json_t *detail = json_object_get(e->body, "detail");
    const char *state = json_string_value(json_object_get(detail, "state"));
    const char *stage = json_string_value(json_object_get(detail, "stage"));
    const char *action = json_string_value(json_object_get(detail, "action"));
    if (type != NULL && strcmp(type, "Sluice Approval Vote") == 0) {
        snprintf(out, len, "V:%s.%s:%s", stage, action,
                 json_string_value(json_object_get(detail, "decision")));
    } else if (type != NULL && strstr(type, "Pipeline Execution") != NULL) {
        snprintf(out, len, "P:%s", state);
    } else if (type != NULL && strstr(type, "Stage Execution") != NULL) {
        snprintf(out, len, "S:%s:%s", stage, state);
    } else {
        snprintf(out, len, "A:%s.%s:%s", stage, action, state);
    }
}

/* "events" lists CodePipeline's state changes, "vote-events" the Sluice Approval Vote events. */
static void es_expect_events(es_runner *r, char **tok, int n, bool votes)
{
    const char *id = es_id(r, tok[1]);
    char got[2048] = "";
    char want[2048] = "";
    size_t glen = 0;
    for (size_t i = 0; i < r->last.count; i++) {
        const engine_effect *e = &r->last.items[i];
        if (e->kind != ENGINE_EFFECT_EVENT || id == NULL || strcmp(e->execution_id, id) != 0) {
            continue;
        }
        char t[256];
        es_event_token(e, t, sizeof t);
        if ((strncmp(t, "V:", 2) == 0) != votes) {
            continue;
        }
        glen += (size_t)snprintf(got + glen, sizeof got - glen, "%s%s", glen > 0 ? " " : "", t);
        if (glen >= sizeof got) {
            glen = sizeof got - 1;
        }
    }
    size_t wlen = 0;
    for (int i = 2; i < n; i++) {
        if (strcmp(tok[i], "-") == 0) {
            continue;
        }
        wlen +=
            (size_t)snprintf(want + wlen, sizeof want - wlen, "%s%s", wlen > 0 ? " " : "", tok[i]);
        if (wlen >= sizeof want) {
            wlen = sizeof want - 1;
        }
    }
    if (strcmp(got, want) != 0) {
        es_fail(r, "events of %s: got [%s], want [%s]", tok[1], got, want);
    }
}

/* The action of a job, or the rule of a rule's job. */
static const char *es_job_target(const json_t *body)
{
    const char *action = json_string_value(json_object_get(body, "action"));
    const char *rule = json_string_value(json_object_get(body, "rule"));
    return action != NULL ? action : (rule != NULL ? rule : "?");
}

static void es_expect_jobs(es_runner *r, char **tok, int n)
{
    char got[1024] = "";
    char want[1024] = "";
    size_t glen = 0;
    for (size_t i = 0; i < r->last.count; i++) {
        const engine_effect *e = &r->last.items[i];
        if (e->kind != ENGINE_EFFECT_JOB) {
            continue;
        }
        glen += (size_t)snprintf(got + glen, sizeof got - glen, "%s%s.%s", glen > 0 ? " " : "",
                                 json_string_value(json_object_get(e->body, "stage")),
                                 es_job_target(e->body));
        if (glen >= sizeof got) {
            glen = sizeof got - 1;
        }
    }
    size_t wlen = 0;
    for (int i = 1; i < n; i++) {
        if (strcmp(tok[i], "-") != 0) {
            wlen += (size_t)snprintf(want + wlen, sizeof want - wlen, "%s%s", wlen > 0 ? " " : "",
                                     tok[i]);
            if (wlen >= sizeof want) {
                wlen = sizeof want - 1;
            }
        }
    }
    if (strcmp(got, want) != 0) {
        es_fail(r, "jobs: got [%s], want [%s]", got, want);
    }
}

static const engine_effect *es_find_event(es_runner *r, const char *id, const char *token)
{
    for (size_t i = 0; i < r->last.count; i++) {
        const engine_effect *e = &r->last.items[i];
        char t[256];
        if (e->kind != ENGINE_EFFECT_EVENT || strcmp(e->execution_id, id) != 0) {
            continue;
        }
        es_event_token(e, t, sizeof t);
        if (strcmp(t, token) == 0) {
            return e;
        }
    }
    return NULL;
}

/* want with every "$L" (L an execution label) replaced by L's id. */
static void es_expand(es_runner *r, const char *want, char *out, size_t outlen)
{
    size_t o = 0;
    for (const char *p = want; *p != '\0' && o + 1 < outlen;) {
        if (*p == '$') {
            char label[16];
            size_t n = 0;
            while (n + 1 < sizeof label &&
                   ((p[1 + n] >= 'A' && p[1 + n] <= 'Z') || (p[1 + n] >= '0' && p[1 + n] <= '9'))) {
                label[n] = p[1 + n];
                n++;
            }
            label[n] = '\0';
            const char *id = n > 0 ? es_id(r, label) : NULL;
            if (id != NULL) {
                o += (size_t)snprintf(out + o, outlen - o, "%s", id);
                p += 1 + n;
                continue;
            }
        }
        out[o++] = *p++;
    }
    out[o < outlen ? o : outlen - 1] = '\0';
}

static void es_expect_value(es_runner *r, const json_t *value, const char *want_text,
                            const char *what)
{
    char want[512];
    es_expand(r, want_text, want, sizeof want);
    if (strcmp(want, "-") == 0) {
        if (value != NULL) {
            es_fail(r, "%s: present, want absent", what);
        }
        return;
    }
    char text[512] = "";
    if (json_is_string(value)) {
        snprintf(text, sizeof text, "%s", json_string_value(value));
    } else if (json_is_integer(value)) {
        snprintf(text, sizeof text, "%" JSON_INTEGER_FORMAT, json_integer_value(value));
    } else if (value != NULL) {
        char *dump = es_dump(value);
        snprintf(text, sizeof text, "%s", dump);
        free(dump);
    }
    if (strcmp(want, "*") == 0 ? value == NULL : strcmp(text, want) != 0) {
        es_fail(r, "%s: got '%s', want '%s'", what, value != NULL ? text : "(absent)", want);
    }
}

static void es_expect_inbound(es_runner *r, char **tok, int n)
{
    const engine_plan *plan = engine_state_plan(r->state);
    size_t s = engine_plan_stage_index(plan, tok[1]);
    if (s == ENGINE_PLAN_NOT_FOUND) {
        es_fail(r, "no stage %s", tok[1]);
        return;
    }
    json_t *view = engine_view_pipeline_state(r->state);
    json_t *stage = json_array_get(json_object_get(view, "stageStates"), s);
    json_t *inbound = json_object_get(stage, "inboundExecutions");
    char got[512] = "";
    char want[512] = "";
    size_t glen = 0;
    for (size_t i = 0; i < json_array_size(inbound); i++) {
        const char *id =
            json_string_value(json_object_get(json_array_get(inbound, i), "pipelineExecutionId"));
        glen += (size_t)snprintf(got + glen, sizeof got - glen, "%s%s", glen > 0 ? " " : "",
                                 es_label_of(r, id));
        if (glen >= sizeof got) {
            glen = sizeof got - 1;
        }
    }
    size_t wlen = 0;
    for (int i = 2; i < n; i++) {
        if (strcmp(tok[i], "-") != 0) {
            wlen += (size_t)snprintf(want + wlen, sizeof want - wlen, "%s%s", wlen > 0 ? " " : "",
                                     tok[i]);
            if (wlen >= sizeof want) {
                wlen = sizeof want - 1;
            }
        }
    }
    if (strcmp(got, want) != 0) {
        es_fail(r, "inbound of %s: got [%s], want [%s]", tok[1], got, want);
    }
    json_decref(view);
}

static void es_expect_run(es_runner *r, char **tok, int n)
{
    const char *cmd = tok[0];
    engine_execution *x = n > 2 ? es_exec(r, tok[1]) : NULL;
    engine_action_run *run = x != NULL ? es_run_of(r, x, tok[2], NULL, NULL) : NULL;
    if (run == NULL) {
        return;
    }
    if (strcmp(cmd, "action") == 0 && n > 3) {
        if (strcmp(engine_state_action_status_name(run->status), tok[3]) != 0) {
            es_fail(r, "action %s: got %s, want %s", tok[2],
                    engine_state_action_status_name(run->status), tok[3]);
        }
    } else if (strcmp(cmd, "action-attempt") == 0 && n > 3) {
        if (run->attempt != (int)strtol(tok[3], NULL, 10)) {
            es_fail(r, "attempt of %s: got %d, want %s", tok[2], run->attempt, tok[3]);
        }
    } else if (strcmp(cmd, "resolved") == 0 && n > 4) {
        const char *got = NULL;
        for (size_t i = 0; i < run->nresolved; i++) {
            if (strcmp(run->resolved[i].key, tok[3]) == 0) {
                got = run->resolved[i].value;
            }
        }
        const char *want =
            tok[4][0] == '$' && es_id(r, tok[4] + 1) != NULL ? es_id(r, tok[4] + 1) : tok[4];
        if (got == NULL || strcmp(got, want) != 0) {
            es_fail(r, "resolved %s: got '%s', want '%s'", tok[3], got != NULL ? got : "(absent)",
                    tok[4]);
        }
    } else if (strcmp(cmd, "deadline") == 0 && n > 3) {
        long minutes = (long)((run->deadline_ms - run->start_ms) / 60000);
        if (run->deadline_ms == 0 || minutes != strtol(tok[3], NULL, 10)) {
            es_fail(r, "timeout of %s: got %ld minutes, want %s", tok[2], minutes, tok[3]);
        }
    } else if (strcmp(cmd, "error") == 0 && n > 3) {
        if (run->error_code == NULL || strcmp(run->error_code, tok[3]) != 0) {
            es_fail(r, "error code: got %s, want %s",
                    run->error_code != NULL ? run->error_code : "(none)", tok[3]);
        }
    } else if (strcmp(cmd, "summary") == 0 && n > 3) {
        if (run->summary == NULL || strstr(run->summary, tok[3]) == NULL) {
            es_fail(r, "summary: got '%s', want it to contain '%s'",
                    run->summary != NULL ? run->summary : "(none)", tok[3]);
        }
    }
}

/* The member of root at a dot-separated path (numbers index arrays), or NULL. */
static const json_t *es_json_path(const json_t *root, const char *path_text)
{
    char path[256];
    snprintf(path, sizeof path, "%s", path_text);
    const json_t *node = root;
    for (char *part = path; part != NULL && node != NULL;) {
        char *dot = strchr(part, '.');
        if (dot != NULL) {
            *dot = '\0';
        }
        if (json_is_array(node)) {
            node = json_array_get(node, (size_t)strtoul(part, NULL, 10));
        } else {
            node = json_object_get(node, part);
        }
        part = dot != NULL ? dot + 1 : NULL;
    }
    return node;
}

/*
 * "action-view L Stage.Action path VALUE": a member of the ActionExecutionDetail
 * of that action of L, as ListActionExecutions shows it.
 */
static void es_expect_action_view(es_runner *r, char **tok, int n)
{
    engine_execution *x = n > 4 ? es_exec(r, tok[1]) : NULL;
    size_t s = 0;
    size_t a = 0;
    engine_action_run *run = x != NULL ? es_run_of(r, x, tok[2], &s, &a) : NULL;
    if (run == NULL) {
        if (n <= 4) {
            es_fail(r, "expected action-view L Stage.Action path VALUE");
        }
        return;
    }
    json_t *list = engine_view_list_action_executions(r->state, x->id);
    const json_t *details = json_object_get(list, "actionExecutionDetails");
    const json_t *detail = NULL;
    for (size_t i = 0; i < json_array_size(details) && run->action_execution_id != NULL; i++) {
        const json_t *d = json_array_get(details, i);
        const char *id = json_string_value(json_object_get(d, "actionExecutionId"));
        if (id != NULL && strcmp(id, run->action_execution_id) == 0) {
            detail = d;
        }
    }
    if (detail == NULL) {
        es_fail(r, "action-view: %s is not listed", tok[2]);
    } else {
        /* the listing and the archive record are the same shape */
        json_t *record = engine_view_action_execution(r->state, x, s, a);
        if (!json_equal(record, detail)) {
            es_fail(r, "action-view: the listing and the archive record of %s differ", tok[2]);
        }
        json_decref(record);
        es_expect_value(r, es_json_path(detail, tok[3]), tok[4], tok[3]);
    }
    json_decref(list);
}

/*
 * "exec-view L path VALUE": a member of L's archive record {pipelineExecution
 * (GetPipelineExecution), summary (its ListPipelineExecutions entry)}.
 */
static void es_expect_exec_view(es_runner *r, char **tok, int n)
{
    engine_execution *x = n > 3 ? es_exec(r, tok[1]) : NULL;
    if (x == NULL) {
        es_fail(r, "expected exec-view L path VALUE");
        return;
    }
    json_t *record = engine_view_execution_record(r->state, x);
    es_expect_value(r, es_json_path(record, tok[2]), tok[3], tok[2]);
    json_decref(record);
}

/* "view Stage path VALUE": a member of the stage's entry in GetPipelineState. */
static void es_expect_view(es_runner *r, char **tok, int n)
{
    const engine_plan *plan = engine_state_plan(r->state);
    size_t s = engine_plan_stage_index(plan, tok[1]);
    if (s == ENGINE_PLAN_NOT_FOUND || n < 4) {
        es_fail(r, "no stage %s", tok[1]);
        return;
    }
    json_t *view = engine_view_pipeline_state(r->state);
    const json_t *node =
        es_json_path(json_array_get(json_object_get(view, "stageStates"), s), tok[2]);
    if (strcmp(tok[3], "-") == 0) {
        if (node != NULL) {
            es_fail(r, "view %s %s: present, want absent", tok[1], tok[2]);
        }
    } else {
        es_expect_value(r, node, tok[3], tok[2]);
    }
    json_decref(view);
}

static void es_expect_rule(es_runner *r, char **tok, int n)
{
    engine_execution *x = n > 3 ? es_exec(r, tok[1]) : NULL;
    engine_rule_run *rule = x != NULL ? es_rule_of(r, x, tok[2]) : NULL;
    if (rule == NULL) {
        return;
    }
    if (strcmp(tok[0], "rule") == 0 &&
        strcmp(engine_state_rule_status_name(rule->status), tok[3]) != 0) {
        es_fail(r, "rule %s: got %s, want %s", tok[2], engine_state_rule_status_name(rule->status),
                tok[3]);
    } else if (strcmp(tok[0], "rule-summary") == 0 &&
               (rule->summary == NULL || strstr(rule->summary, tok[3]) == NULL)) {
        es_fail(r, "rule summary: got '%s', want it to contain '%s'",
                rule->summary != NULL ? rule->summary : "(none)", tok[3]);
    }
}

/*
 * "archived-rule L Stage.kind.Rule STATUS|-": the last input archived that
 * rule's evaluation of L once: a RuleExecution record of the rule's current
 * ruleExecutionId with status STATUS, equal to its ListRuleExecutions entry
 * ('-': no record of that rule of L).
 */
static void es_expect_rule_archived(es_runner *r, char **tok, int n)
{
    engine_execution *x = n > 3 ? es_exec(r, tok[1]) : NULL;
    const char *name = strrchr(tok[2], '.');
    char stage[128];
    snprintf(stage, sizeof stage, "%.*s", (int)strcspn(tok[2], "."), tok[2]);
    if (x == NULL || name == NULL) {
        es_fail(r, "expected archived-rule L Stage.kind.Rule STATUS|-");
        return;
    }
    name++;
    size_t found = 0;
    const engine_effect *record = NULL;
    for (size_t i = 0; i < r->last.count; i++) {
        const engine_effect *e = &r->last.items[i];
        if (e->kind != ENGINE_EFFECT_ARCHIVE || e->archive != ENGINE_ARCHIVE_RULE_EXECUTION) {
            continue;
        }
        const char *got_exec = json_string_value(json_object_get(e->body, "pipelineExecutionId"));
        const char *got_stage = json_string_value(json_object_get(e->body, "stageName"));
        const char *got_rule = json_string_value(json_object_get(e->body, "ruleName"));
        if (got_exec != NULL && got_stage != NULL && got_rule != NULL &&
            strcmp(got_exec, x->id) == 0 && strcmp(got_stage, stage) == 0 &&
            strcmp(got_rule, name) == 0) {
            found++;
            record = e;
        }
    }
    if (strcmp(tok[3], "-") == 0) {
        if (found > 0) {
            es_fail(r, "archived-rule %s: %zu record(s), want none", tok[2], found);
        }
        return;
    }
    engine_rule_run *rule = es_rule_of(r, x, tok[2]);
    if (found != 1 || rule == NULL) {
        es_fail(r, "archived-rule %s: %zu record(s), want one", tok[2], found);
        return;
    }
    const char *status = json_string_value(json_object_get(record->body, "status"));
    if (status == NULL || strcmp(status, tok[3]) != 0) {
        es_fail(r, "archived-rule %s: status %s, want %s", tok[2], status ? status : "(none)",
                tok[3]);
    }
    const char *listed_id = json_string_value(json_object_get(record->body, "ruleExecutionId"));
    if (record->id == NULL || rule->rule_execution_id == NULL || listed_id == NULL ||
        strcmp(record->id, rule->rule_execution_id) != 0 || strcmp(listed_id, record->id) != 0) {
        es_fail(r, "archived-rule %s: the record is not the rule's latest evaluation", tok[2]);
        return;
    }
    json_t *list = engine_view_list_rule_executions(r->state, x->id);
    const json_t *details = json_object_get(list, "ruleExecutionDetails");
    bool listed = false;
    for (size_t i = 0; i < json_array_size(details); i++) {
        listed = listed || json_equal(json_array_get(details, i), record->body);
    }
    if (!listed) {
        es_fail(r, "archived-rule %s: the record differs from its listing", tok[2]);
    }
    json_decref(list);
}

static void es_expect_condition(es_runner *r, char **tok, int n)
{
    engine_execution *x = n > 4 ? es_exec(r, tok[1]) : NULL;
    if (x == NULL) {
        return;
    }
    const engine_plan *plan = engine_state_plan_version(r->state, x->pipeline_version);
    size_t s = engine_plan_stage_index(plan, tok[2]);
    int k = strcmp(tok[3], "beforeEntry") == 0 ? ENGINE_CONDITION_BEFORE_ENTRY
            : strcmp(tok[3], "onSuccess") == 0 ? ENGINE_CONDITION_ON_SUCCESS
            : strcmp(tok[3], "onFailure") == 0 ? ENGINE_CONDITION_ON_FAILURE
                                               : -1;
    if (s == ENGINE_PLAN_NOT_FOUND || k < 0) {
        es_fail(r, "no stage %s or kind %s", tok[2], tok[3]);
        return;
    }
    const char *got = engine_state_condition_status_name(x->stages[s].conditions[k].status);
    if (strcmp(got, tok[4]) != 0) {
        es_fail(r, "condition %s %s: got %s, want %s", tok[2], tok[3], got, tok[4]);
    }
}

static void es_expect(es_runner *r, char **tok, int n)
{
    const char *cmd = tok[0];
    if (strcmp(cmd, "view") == 0) {
        es_expect_view(r, tok, n);
        return;
    }
    if (strcmp(cmd, "action-view") == 0) {
        es_expect_action_view(r, tok, n);
        return;
    }
    if (strcmp(cmd, "exec-view") == 0) {
        es_expect_exec_view(r, tok, n);
        return;
    }
    if (strcmp(cmd, "rule") == 0 || strcmp(cmd, "rule-summary") == 0) {
        es_expect_rule(r, tok, n);
        return;
    }
    if (strcmp(cmd, "condition") == 0) {
        es_expect_condition(r, tok, n);
        return;
    }
    if (strcmp(cmd, "archived-rule") == 0) {
        es_expect_rule_archived(r, tok, n);
        return;
    }
    if (strcmp(cmd, "reply") == 0 && n > 1) {
        const engine_effect *reply = engine_effects_reply(&r->last);
        const char *got =
            reply == NULL ? "(no reply)" : (reply->exception != NULL ? reply->exception : "ok");
        if (strcmp(got, tok[1]) != 0) {
            es_fail(r, "reply: got %s (%s), want %s", got,
                    reply != NULL && reply->message ? reply->message : "", tok[1]);
        }
    } else if (strcmp(cmd, "status") == 0 && n > 2) {
        engine_execution *x = es_exec(r, tok[1]);
        if (x != NULL && strcmp(engine_state_exec_status_name(x->status), tok[2]) != 0) {
            es_fail(r, "status of %s: got %s, want %s", tok[1],
                    engine_state_exec_status_name(x->status), tok[2]);
        }
    } else if (strcmp(cmd, "stage") == 0 && n > 3) {
        engine_execution *x = es_exec(r, tok[1]);
        const engine_plan *plan =
            x != NULL ? engine_state_plan_version(r->state, x->pipeline_version) : NULL;
        size_t s = engine_plan_stage_index(plan, tok[2]);
        if (x != NULL && s == ENGINE_PLAN_NOT_FOUND) {
            es_fail(r, "no stage %s", tok[2]);
        } else if (x != NULL &&
                   strcmp(engine_state_stage_status_name(x->stages[s].status), tok[3]) != 0) {
            es_fail(r, "stage %s of %s: got %s, want %s", tok[2], tok[1],
                    engine_state_stage_status_name(x->stages[s].status), tok[3]);
        }
    } else if (strcmp(cmd, "attempt") == 0 && n > 2) {
        engine_execution *x = es_exec(r, tok[1]);
        if (x != NULL && x->attempt != (int)strtol(tok[2], NULL, 10)) {
            es_fail(r, "attempt of %s: got %d, want %s", tok[1], x->attempt, tok[2]);
        }
    } else if (strcmp(cmd, "lock") == 0 && n > 2) {
        size_t s = engine_plan_stage_index(engine_state_plan(r->state), tok[1]);
        const engine_execution *holder =
            s != ENGINE_PLAN_NOT_FOUND ? engine_state_lock_holder(r->state, s) : NULL;
        const char *got = holder != NULL ? es_label_of(r, holder->id) : "-";
        if (strcmp(got, tok[2]) != 0) {
            es_fail(r, "lock of %s: got %s, want %s", tok[1], got, tok[2]);
        }
    } else if (strcmp(cmd, "latest") == 0 && n > 2) {
        size_t s = engine_plan_stage_index(engine_state_plan(r->state), tok[1]);
        const char *id =
            s != ENGINE_PLAN_NOT_FOUND ? r->state->stages[s].latest_execution_id : NULL;
        const char *got = id != NULL ? es_label_of(r, id) : "-";
        if (strcmp(got, tok[2]) != 0) {
            es_fail(r, "latest of %s: got %s, want %s", tok[1], got, tok[2]);
        }
    } else if (strcmp(cmd, "same") == 0 && n > 2) {
        const char *a = es_id(r, tok[1]);
        const char *b = es_id(r, tok[2]);
        if (a == NULL || b == NULL || strcmp(a, b) != 0) {
            es_fail(r, "%s and %s are not the same execution", tok[1], tok[2]);
        }
    } else if (strcmp(cmd, "inbound") == 0 && n > 1) {
        es_expect_inbound(r, tok, n);
    } else if (strcmp(cmd, "events") == 0 && n > 1) {
        es_expect_events(r, tok, n, false);
    } else if (strcmp(cmd, "vote-events") == 0 && n > 1) {
        es_expect_events(r, tok, n, true);
    } else if (strcmp(cmd, "no-events") == 0) {
        for (size_t i = 0; i < r->last.count; i++) {
            if (r->last.items[i].kind == ENGINE_EFFECT_EVENT) {
                es_fail(r, "unexpected event %s", r->last.items[i].id);
                break;
            }
        }
    } else if (strcmp(cmd, "jobs") == 0) {
        es_expect_jobs(r, tok, n);
    } else if (strcmp(cmd, "timers") == 0 && n > 2) {
        engine_effect_kind kind =
            strcmp(tok[1], "set") == 0 ? ENGINE_EFFECT_TIMER_SET : ENGINE_EFFECT_TIMER_CANCEL;
        long count = 0;
        for (size_t i = 0; i < r->last.count; i++) {
            count += r->last.items[i].kind == kind;
        }
        if (count != strtol(tok[2], NULL, 10)) {
            es_fail(r, "timers %s: got %ld, want %s", tok[1], count, tok[2]);
        }
    } else if (strcmp(cmd, "active") == 0 && n > 1) {
        if ((long)engine_state_active_count(r->state) != strtol(tok[1], NULL, 10)) {
            es_fail(r, "active executions: got %zu, want %s", engine_state_active_count(r->state),
                    tok[1]);
        }
    } else if (strcmp(cmd, "exec-summary") == 0 && n > 2) {
        engine_execution *x = es_exec(r, tok[1]);
        if (x != NULL && (x->status_summary == NULL || strstr(x->status_summary, tok[2]) == NULL)) {
            es_fail(r, "execution summary: got '%s', want it to contain '%s'",
                    x->status_summary != NULL ? x->status_summary : "(none)", tok[2]);
        }
    } else if (strcmp(cmd, "detail") == 0 && n > 4) {
        const char *id = es_id(r, tok[1]);
        const engine_effect *e = id != NULL ? es_find_event(r, id, tok[2]) : NULL;
        if (e == NULL) {
            es_fail(r, "no event %s for %s", tok[2], tok[1]);
        } else {
            es_expect_value(r, json_object_get(json_object_get(e->body, "detail"), tok[3]), tok[4],
                            tok[3]);
        }
    } else if (strcmp(cmd, "job") == 0 && n > 3) {
        const engine_effect *found = NULL;
        for (size_t i = 0; i < r->last.count && found == NULL; i++) {
            const engine_effect *e = &r->last.items[i];
            char path[256];
            if (e->kind != ENGINE_EFFECT_JOB) {
                continue;
            }
            snprintf(path, sizeof path, "%s.%s",
                     json_string_value(json_object_get(e->body, "stage")), es_job_target(e->body));
            found = strcmp(path, tok[1]) == 0 ? e : NULL;
        }
        if (found == NULL) {
            es_fail(r, "no job for %s", tok[1]);
        } else {
            es_expect_value(r, es_json_path(found->body, tok[2]), tok[3], tok[2]);
        }
    } else if (strcmp(cmd, "transition") == 0 && n > 3) {
        size_t s = engine_plan_stage_index(engine_state_plan(r->state), tok[1]);
        if (s == ENGINE_PLAN_NOT_FOUND) {
            es_fail(r, "no stage %s", tok[1]);
            return;
        }
        const engine_transition *t = strcmp(tok[2], "outbound") == 0 ? &r->state->stages[s].outbound
                                                                     : &r->state->stages[s].inbound;
        if (t->enabled != (strcmp(tok[3], "enabled") == 0)) {
            es_fail(r, "transition %s %s is %s", tok[1], tok[2],
                    t->enabled ? "enabled" : "disabled");
        }
    } else if (strcmp(cmd, "action") == 0 || strcmp(cmd, "action-attempt") == 0 ||
               strcmp(cmd, "resolved") == 0 || strcmp(cmd, "deadline") == 0 ||
               strcmp(cmd, "error") == 0 || strcmp(cmd, "summary") == 0) {
        es_expect_run(r, tok, n);
    } else {
        es_fail(r, "unknown line");
    }
}

int es_run(const es_case *c)
{
    es_runner r;
    memset(&r, 0, sizeof r);
    r.c = c;
    r.now = ES_START_MS;
    r.state = engine_state_new("P");
    engine_effects_init(&r.last);

    model_pipeline *p = tb_pipeline("P", 1, c->mode, c->pipeline, c->variables);
    if (p == NULL || tb_conditions(p, c->conditions) != 0) {
        fprintf(stderr, "case '%s': bad pipeline spec or conditions\n", c->name);
        model_pipeline_free(p);
        engine_state_free(r.state);
        return 1;
    }
    engine_input create = {.kind = ENGINE_INPUT_PIPELINE_UPDATED};
    create.update.pipeline = p;
    es_apply(&r, &create);
    model_pipeline_free(p);

    for (int i = 0; c->script[i] != NULL; i++) {
        char buf[2048];
        char *tok[ES_MAX_TOKENS];
        r.lineno = i + 1;
        r.line = c->script[i];
        int n = es_tokens(c->script[i], buf, sizeof buf, tok);
        if (n == 0) {
            continue;
        }
        if (!es_input(&r, tok, n)) {
            es_expect(&r, tok, n);
        }
    }
    engine_effects_free(&r.last);
    engine_state_free(r.state);
    return r.failures;
}
