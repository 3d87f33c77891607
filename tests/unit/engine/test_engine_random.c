/*
 * test_engine_random.c — random pipelines, random interleavings of starts,
 * job results, approvals, timeouts, stops, retries, transition changes,
 * pipeline updates and stale duplicates; after every step the engine's
 * invariants must hold:
 *   - at most one execution inside a locked stage (SUPERSEDED / QUEUED);
 *   - no action started twice for one attempt (one STARTED event and one
 *     fresh job per attempt, attempts counted without gaps);
 *   - the event sequence of every execution is legal (pipeline, stage and
 *     action state machines of CodePipeline's events; unique event ids);
 *   - a running action always has a deadline, a terminal execution runs nothing;
 *   - when the world calms down (transitions enabled, every job answered),
 *     every execution ends in a terminal status.
 * Pipelines carry random V2 stage conditions (beforeEntry FAIL / SKIP,
 * onSuccess FAIL / ROLLBACK, onFailure RETRY / ROLLBACK / FAIL; rules decided at
 * once or run as jobs), RollbackStage and OverrideStageCondition, and for them:
 *   - a rule runs (as a job with a deadline) only in a non-terminal
 *     execution, and while a stage condition is evaluated nothing else of
 *     the stage runs; at most one stage condition is evaluated at a time;
 *   - a stage that did not start (no STARTED event: its beforeEntry condition
 *     is pending, did not pass, or it was skipped) has run no action;
 *   - a skipped stage lies behind its execution; a stage retries itself
 *     automatically at most once.
 * The state's JSON round trip is checked along the way, and the split
 * records' dirty marks after every step of the first VERIFY_RUNS runs: an execution the step
 * changed without marking it (engine_state_records_verify) is a failure, as a save would not write
 * it; in the same runs the state and every effect's body render by engine_json_dumps to
 * json_dumps's bytes. Seeded PRNG; the seed of a failing run is printed.
 */
#include "engine_builder.h"
#include "engine_rng.h"
#include "sluice/engine_json.h"
#include "sluice/engine_step.h"
#include "sluice/error.h"
#include "sluice_test.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SANITIZE_ADDRESS__)
#define RUNS                                                                                       \
    800 /* the sanitizer build checks memory safety on fewer runs in the same time budget */
#else
#define RUNS 2000
#endif
#define STEPS            70
#define ROUND_TRIP_EVERY 128 /* steps between JSON round trips of the state */
#define VERIFY_RUNS      100 /* runs whose every step checks the records' dirty marks */
#define MAX_EXECS        64
#define MAX_STAGES       4
#define MAX_ACTIONS      4
#define SET_SLOTS        16384 /* per run: more than the events and jobs a run produces */

/* ---- a string set, emptied per run by bumping its generation ------------------------- */

typedef struct set_slot {
    uint32_t gen;
    char key[160];
} set_slot;

typedef struct strset {
    set_slot *slots;
    uint32_t gen;
} strset;

/* Adds key; false when it was already there (or the set is full). */
static bool set_add(strset *set, const char *key)
{
    uint64_t h = 1469598103934665603ULL;
    for (const char *p = key; *p != '\0'; p++) {
        h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    }
    for (size_t i = 0; i < SET_SLOTS; i++) {
        set_slot *slot = &set->slots[(h + i) % SET_SLOTS];
        if (slot->gen != set->gen) {
            slot->gen = set->gen;
            snprintf(slot->key, sizeof slot->key, "%s", key);
            return true;
        }
        if (strcmp(slot->key, key) == 0) {
            return false;
        }
    }
    return false;
}

/* ---- event legality tracking --------------------------------------------------------- */

enum { P_NONE, P_RUNNING, P_STOPPING, P_FAILED, P_STOPPED, P_DONE };
enum { S_NONE, S_ACTIVE, S_STOPPING, S_RETRYABLE, S_DONE };

typedef struct tracked {
    char id[ENGINE_ID_LEN + 1];
    int pipeline;
    int stage[MAX_STAGES];
    bool action_running[MAX_STAGES][MAX_ACTIONS];
    int starts[MAX_STAGES][MAX_ACTIONS]; /* STARTED events seen */
    int64_t version;
} tracked;

/* What the runs exercised, printed at the end so a silent generator shows. */
typedef struct stats {
    long final[ENGINE_EXEC_CANCELLED + 1]; /* executions by final status */
    long accepted[ENGINE_INPUT_ROLLBACK + 1];
    long rejected[ENGINE_INPUT_ROLLBACK + 1];
    long skipped;      /* stages skipped by a beforeEntry condition */
    long auto_retries; /* automatic retries */
    long rule_jobs;    /* jobs of rules */
    long condition_failed[ENGINE_CONDITION_KINDS];
} stats;

typedef struct world {
    tk_rng r;
    stats *stats;
    uint64_t seed;
    engine_state *state;
    engine_effects effects;
    int64_t now;
    int steps;
    int64_t version;
    model_execution_mode mode;
    char spec[2048];
    char conditions[4096]; /* tb_conditions JSON of the spec */
    tracked execs[MAX_EXECS];
    int nexecs;
    strset *seen; /* event ids and job attempt keys */
    char stale_job[ENGINE_ID_LEN + 1];
    int failures;
} world;

static void w_fail(world *w, const char *what, const char *detail)
{
    if (w->failures < 5) {
        fprintf(stderr, "seed %" PRIu64 " step %d: %s (%s)\n", w->seed, w->steps, what,
                detail != NULL ? detail : "");
    }
    w->failures++;
}

static tracked *w_track(world *w, const char *id)
{
    for (int i = 0; i < w->nexecs; i++) {
        if (strcmp(w->execs[i].id, id) == 0) {
            return &w->execs[i];
        }
    }
    if (w->nexecs == MAX_EXECS) {
        return NULL;
    }
    tracked *t = &w->execs[w->nexecs++];
    memset(t, 0, sizeof *t);
    snprintf(t->id, sizeof t->id, "%s", id);
    return t;
}

static size_t w_stage_index(const engine_plan *plan, const char *name)
{
    size_t s = engine_plan_stage_index(plan, name);
    return s < MAX_STAGES ? s : ENGINE_PLAN_NOT_FOUND;
}

static void w_pipeline_event(world *w, tracked *t, const char *state)
{
    int p = t->pipeline;
    bool ok;
    if (strcmp(state, "STARTED") == 0) {
        ok = p == P_NONE;
        t->pipeline = P_RUNNING;
    } else if (strcmp(state, "RESUMED") == 0) {
        ok = p == P_FAILED || p == P_STOPPED;
        t->pipeline = P_RUNNING;
    } else if (strcmp(state, "STOPPING") == 0) {
        ok = p == P_RUNNING;
        t->pipeline = P_STOPPING;
    } else if (strcmp(state, "STOPPED") == 0) {
        ok = p == P_STOPPING;
        t->pipeline = P_STOPPED;
    } else if (strcmp(state, "FAILED") == 0) {
        ok = p == P_RUNNING;
        t->pipeline = P_FAILED;
    } else if (strcmp(state, "CANCELED") == 0) {
        ok = p == P_RUNNING || p == P_STOPPING;
        t->pipeline = P_DONE;
    } else if (strcmp(state, "SUCCEEDED") == 0 || strcmp(state, "SUPERSEDED") == 0) {
        ok = p == P_RUNNING;
        t->pipeline = P_DONE;
    } else {
        ok = false;
    }
    if (!ok) {
        w_fail(w, "illegal pipeline event", state);
    }
    if (t->pipeline != P_RUNNING && t->pipeline != P_STOPPING) {
        for (int s = 0; s < MAX_STAGES; s++) {
            for (int a = 0; a < MAX_ACTIONS; a++) {
                if (t->action_running[s][a]) {
                    w_fail(w, "execution ended with an action running", state);
                }
            }
            if (t->stage[s] == S_ACTIVE || t->stage[s] == S_STOPPING) {
                w_fail(w, "execution ended with a stage running", state);
            }
        }
    }
}

static void w_stage_event(world *w, tracked *t, size_t s, const char *state)
{
    int st = t->stage[s];
    bool alive = t->pipeline == P_RUNNING || t->pipeline == P_STOPPING;
    bool ok;
    if (strcmp(state, "STARTED") == 0) {
        ok = st == S_NONE && t->pipeline == P_RUNNING;
        t->stage[s] = S_ACTIVE;
    } else if (strcmp(state, "RESUMED") == 0) {
        ok = st == S_RETRYABLE && t->pipeline == P_RUNNING;
        t->stage[s] = S_ACTIVE;
    } else if (strcmp(state, "STOPPING") == 0) {
        ok = st == S_ACTIVE && alive;
        t->stage[s] = S_STOPPING;
    } else if (strcmp(state, "STOPPED") == 0) {
        ok = (st == S_STOPPING) && alive;
        t->stage[s] = S_RETRYABLE;
    } else if (strcmp(state, "FAILED") == 0) {
        ok = st == S_ACTIVE && alive;
        t->stage[s] = S_RETRYABLE;
    } else if (strcmp(state, "SUCCEEDED") == 0 || strcmp(state, "CANCELED") == 0) {
        ok = (st == S_ACTIVE || (state[0] == 'C' && st == S_STOPPING)) && alive;
        t->stage[s] = S_DONE;
    } else {
        ok = false;
    }
    if (!ok) {
        w_fail(w, "illegal stage event", state);
    }
    if (t->stage[s] != S_ACTIVE && t->stage[s] != S_STOPPING) {
        for (int a = 0; a < MAX_ACTIONS; a++) {
            if (t->action_running[s][a]) {
                w_fail(w, "stage ended with an action running", state);
            }
        }
    }
}

static void w_action_event(world *w, tracked *t, size_t s, size_t a, const char *state)
{
    bool stage_alive = t->stage[s] == S_ACTIVE || t->stage[s] == S_STOPPING;
    bool ok;
    if (strcmp(state, "STARTED") == 0) {
        ok = !t->action_running[s][a] && t->stage[s] == S_ACTIVE;
        t->action_running[s][a] = true;
        t->starts[s][a]++;
    } else if (strcmp(state, "SUCCEEDED") == 0 || strcmp(state, "FAILED") == 0 ||
               strcmp(state, "ABANDONED") == 0 || strcmp(state, "CANCELED") == 0) {
        ok = t->action_running[s][a] && stage_alive;
        t->action_running[s][a] = false;
    } else {
        ok = false;
    }
    if (!ok) {
        w_fail(w, "illegal action event", state);
    }
}

/* Checks the effects of the last step against the trackers. */
static void w_check_effects(world *w)
{
    for (size_t i = 0; i < w->effects.count; i++) {
        const engine_effect *e = &w->effects.items[i];
        if (e->kind == ENGINE_EFFECT_EVENT) {
            if (!set_add(w->seen, e->id)) {
                w_fail(w, "event id repeated", e->id);
            }
            tracked *t = w_track(w, e->execution_id);
            if (t == NULL) {
                continue;
            }
            const char *type = json_string_value(json_object_get(e->body, "detail-type"));
            const json_t *detail = json_object_get(e->body, "detail");
            const char *state = json_string_value(json_object_get(detail, "state"));
            if (type != NULL && strcmp(type, "Sluice Approval Vote") == 0) {
                /* an audit record, not a state change: it names a decision */
                if (json_string_value(json_object_get(detail, "decision")) == NULL) {
                    w_fail(w, "vote event without a decision", e->id);
                }
                continue;
            }
            if (type == NULL || state == NULL) {
                w_fail(w, "event without detail-type or state", e->id);
                continue;
            }
            const engine_plan *plan = engine_state_plan_version(
                w->state, json_integer_value(json_object_get(detail, "version")));
            if (strstr(type, "Pipeline Execution") != NULL) {
                w_pipeline_event(w, t, state);
                continue;
            }
            if (plan == NULL) {
                w_fail(w, "event of an unknown pipeline version", type);
                continue;
            }
            size_t s = w_stage_index(plan, json_string_value(json_object_get(detail, "stage")));
            if (s == ENGINE_PLAN_NOT_FOUND) {
                w_fail(w, "event of an unknown stage", type);
                continue;
            }
            if (strstr(type, "Stage Execution") != NULL) {
                w_stage_event(w, t, s, state);
            } else {
                size_t a = engine_plan_action_index(
                    &plan->stages[s], json_string_value(json_object_get(detail, "action")));
                if (a >= MAX_ACTIONS) {
                    w_fail(w, "event of an unknown action", type);
                } else {
                    w_action_event(w, t, s, a, state);
                }
            }
        } else if (e->kind == ENGINE_EFFECT_JOB && json_object_get(e->body, "rule") != NULL) {
            char key[160];
            snprintf(key, sizeof key, "rule-job:%s", e->id);
            if (!set_add(w->seen, key)) {
                w_fail(w, "a rule job was published twice", key);
            }
            if (json_object_get(e->body, "ruleExecutionId") == NULL ||
                json_object_get(e->body, "action") != NULL) {
                w_fail(w, "a rule job without its rule execution", e->id);
            }
            w->stats->rule_jobs++;
        } else if (e->kind == ENGINE_EFFECT_JOB &&
                   json_object_get(e->body, "continuationToken") == NULL) {
            char key[160];
            snprintf(key, sizeof key, "job:%s/%s/%s/%" JSON_INTEGER_FORMAT, e->execution_id,
                     json_string_value(json_object_get(e->body, "stage")),
                     json_string_value(json_object_get(e->body, "action")),
                     json_integer_value(json_object_get(e->body, "attempt")));
            if (!set_add(w->seen, key)) {
                w_fail(w, "an action attempt was started twice", key);
            }
        }
    }
}

/* The invariants of stage conditions in stage s of x. */
static void w_check_conditions(world *w, const engine_execution *x, size_t s, bool terminal)
{
    const engine_stage_run *sr = &x->stages[s];
    int evaluating = 0;
    for (int k = 0; k < ENGINE_CONDITION_KINDS; k++) {
        const engine_stage_condition_run *run = &sr->conditions[k];
        evaluating += run->status == ENGINE_COND_IN_PROGRESS;
        for (size_t c = 0; c < run->nconditions; c++) {
            for (size_t r = 0; r < run->conditions[c].nrules; r++) {
                const engine_rule_run *rule = &run->conditions[c].rules[r];
                if (rule->status != ENGINE_RULE_IN_PROGRESS) {
                    continue;
                }
                if (terminal || run->status != ENGINE_COND_IN_PROGRESS || rule->deadline_ms == 0 ||
                    rule->job_id == NULL) {
                    w_fail(w, "a running rule outside an evaluation, or without job or deadline",
                           x->id);
                }
            }
        }
    }
    bool running = false;
    bool ran = false;
    for (size_t a = 0; a < sr->nactions; a++) {
        running = running || sr->actions[a].status == ENGINE_ACTION_IN_PROGRESS;
        /* a rollback execution's earlier stages hold its target's results, never run (attempt 0) */
        ran = ran ||
              (sr->actions[a].status != ENGINE_ACTION_NOT_STARTED && sr->actions[a].attempt > 0);
    }
    if (evaluating > 1 || (evaluating == 1 && running)) {
        w_fail(w, "a stage condition evaluated while something else runs in the stage", x->id);
    }
    if (!sr->started && ran) {
        w_fail(w, "a stage that did not start ran an action", x->id);
    }
    if (sr->status == ENGINE_STAGE_SKIPPED && !terminal && (x->stage_index <= s)) {
        w_fail(w, "an execution is not past the stage it skipped", x->id);
    }
    if (sr->auto_retries > 1) {
        w_fail(w, "a stage retried itself more than once", x->id);
    }
}

/* Checks the state: locks, running actions, attempts against STARTED events. */
static void w_check_state(world *w)
{
    const engine_plan *plan = engine_state_plan(w->state);
    if (plan != NULL && plan->mode != MODEL_MODE_PARALLEL) {
        for (size_t s = 0; s < plan->nstages; s++) {
            int inside = 0;
            for (size_t i = 0; i < w->state->nexecs; i++) {
                const engine_execution *x = w->state->execs[i];
                inside +=
                    !engine_state_exec_terminal(x->status) && x->in_stage && x->stage_index == s;
            }
            if (inside > 1) {
                w_fail(w, "two executions inside a locked stage", plan->stages[s].name);
            }
        }
    }
    for (size_t i = 0; i < w->state->nexecs; i++) {
        const engine_execution *x = w->state->execs[i];
        tracked *t = w_track(w, x->id);
        bool terminal = engine_state_exec_terminal(x->status);
        for (size_t s = 0; s < x->nstages; s++) {
            w_check_conditions(w, x, s, terminal);
        }
        for (size_t s = 0; s < x->nstages; s++) {
            for (size_t a = 0; a < x->stages[s].nactions; a++) {
                const engine_action_run *run = &x->stages[s].actions[a];
                if (run->status == ENGINE_ACTION_IN_PROGRESS &&
                    (terminal || run->deadline_ms == 0)) {
                    w_fail(w, "a running action without a deadline or in a terminal execution",
                           x->id);
                }
                if (t != NULL && s < MAX_STAGES && a < MAX_ACTIONS &&
                    run->attempt != t->starts[s][a]) {
                    w_fail(w, "attempt counter differs from the STARTED events", x->id);
                }
            }
        }
    }
}

static void w_round_trip(world *w)
{
    json_t *json = engine_state_to_json(w->state);
    engine_state *back = NULL;
    char err[256];
    if (engine_state_from_json(json, &back, err, sizeof err) != 0) {
        w_fail(w, "state JSON does not read back", err);
    } else {
        json_t *again = engine_state_to_json(back);
        if (!json_equal(json, again)) {
            w_fail(w, "state JSON round trip is lossy", NULL);
        }
        json_decref(again);
        engine_state_free(back);
    }
    json_decref(json);
}

/* Renders the split records as a save would and commits them (the stored hashes, marks cleared). */
static void w_commit_records(world *w)
{
    engine_state_records rec;
    if (engine_state_records_render(w->state, false, &rec) != SLUICE_OK) {
        w_fail(w, "rendering the records failed", NULL);
        return;
    }
    engine_state_records_commit(w->state, &rec);
    engine_state_records_free(&rec);
}

/* The engine's one-walk render gives json_dumps's bytes (engine_json.h). */
static void w_check_dump(world *w, const json_t *doc)
{
    char *want = json_dumps(doc, JSON_COMPACT | JSON_ENCODE_ANY);
    size_t len = 0;
    char *got = engine_json_dumps(doc, &len);
    if (want == NULL || got == NULL || strlen(want) != len || memcmp(want, got, len) != 0) {
        w_fail(w, "engine_json_dumps differs from json_dumps", want);
    }
    free(want);
    free(got);
}

static void w_step(world *w, const engine_input *in)
{
    char seed[48];
    snprintf(seed, sizeof seed, "%" PRIu64 "/%d", w->seed, w->steps++);
    engine_ids_seeded ids;
    engine_ids_seeded_init(&ids, seed);
    engine_ctx ctx = {.now_ms = w->now, .ids = engine_ids_seeded_source(&ids)};
    engine_effects_free(&w->effects);
    char err[256];
    int rc = engine_step(w->state, &ctx, in, &w->effects, err, sizeof err);
    if (rc != 0) {
        w_fail(w, "engine_step failed", err);
    }
    /* Every execution the step changed was marked dirty: a save would write it. */
    if (w->seed <= VERIFY_RUNS) {
        const char *unmarked = engine_state_records_verify(w->state);
        if (unmarked != NULL) {
            w_fail(w, "an execution changed without its dirty mark", unmarked);
        }
        w_commit_records(w);
        json_t *doc = engine_state_to_json(w->state);
        w_check_dump(w, doc);
        json_decref(doc);
        for (size_t i = 0; i < w->effects.count; i++) {
            if (w->effects.items[i].body != NULL) {
                w_check_dump(w, w->effects.items[i].body);
            }
        }
    }
    const engine_effect *reply = engine_effects_reply(&w->effects);
    if (reply == NULL) {
        w_fail(w, "a step without a reply", NULL);
    } else if (reply->exception != NULL) {
        w->stats->rejected[in->kind]++;
    } else {
        w->stats->accepted[in->kind]++;
    }
    w_check_effects(w);
    w_check_state(w);
    if (w->steps % ROUND_TRIP_EVERY == 0) {
        w_round_trip(w);
    }
    if (w->seed <= VERIFY_RUNS) {
        w_commit_records(
            w); /* the checks' lookups marked executions: clear them for the next step */
    }
}

/* ---- random pipelines --------------------------------------------------------------- */

/* A random rule: decided at once (passing or not) or run as a job. */
static const char *w_random_rule(world *w, bool jobs_only_commands)
{
    static const char *const rules[] = {
        "{'name':'VarOk','ruleTypeId':{'category':'Rule','provider':'VariableCheck'},"
        "'configuration':{'Variable':'#{variables.V}','Operator':'EQ','Value':'v'}}",
        "{'name':'VarNo','ruleTypeId':{'category':'Rule','provider':'VariableCheck'},"
        "'configuration':{'Variable':'#{variables.V}','Operator':'MATCHES','Value':'w+'}}",
        "{'name':'Always','ruleTypeId':{'category':'Rule','provider':'DeploymentWindow'},"
        "'configuration':{'Cron':'* * * ? * *'}}",
        "{'name':'Never','ruleTypeId':{'category':'Rule','provider':'DeploymentWindow'},"
        "'configuration':{'Cron':'0 0 0 1 1 ? 1970'}}",
        "{'name':'Ref','ruleTypeId':{'category':'Rule','provider':'VariableCheck'},"
        "'configuration':{'Variable':'#{SV.CommitId}','Operator':'CONTAINS','Value':'c0'}}",
        "{'name':'Fn','ruleTypeId':{'category':'Rule','provider':'LambdaInvoke'},"
        "'configuration':{'FunctionName':'f'},'timeoutInMinutes':5}",
        "{'name':'Cmd','ruleTypeId':{'category':'Rule','provider':'Commands'},"
        "'commands':['check #{codepipeline.PipelineExecutionId}']}",
    };
    size_t n = sizeof rules / sizeof rules[0];
    return jobs_only_commands ? rules[n - 1] : rules[tk_rng_below(&w->r, n)];
}

/* Random stage conditions for stages 1.. into w->conditions. */
static void w_make_conditions(world *w, size_t nstages)
{
    size_t len = (size_t)snprintf(w->conditions, sizeof w->conditions, "{");
    for (size_t s = 1; s < nstages; s++) {
        char stage[1024];
        size_t sl = 0;
        if (tk_rng_chance(&w->r, 30)) {
            sl += (size_t)snprintf(stage + sl, sizeof stage - sl,
                                   "%s'beforeEntry':{'conditions':[{'result':'%s','rules':[%s]}]}",
                                   sl > 0 ? "," : "", tk_rng_chance(&w->r, 50) ? "SKIP" : "FAIL",
                                   w_random_rule(w, false));
        }
        if (tk_rng_chance(&w->r, 20)) {
            sl += (size_t)snprintf(
                stage + sl, sizeof stage - sl,
                "%s'onSuccess':{'conditions':[{'result':'%s','rules':[%s]}]}", sl > 0 ? "," : "",
                tk_rng_chance(&w->r, 50) ? "ROLLBACK" : "FAIL", w_random_rule(w, false));
        }
        if (tk_rng_chance(&w->r, 35)) {
            const char *mode = tk_rng_chance(&w->r, 50) ? "FAILED_ACTIONS" : "ALL_ACTIONS";
            int roll = (int)tk_rng_below(&w->r, 100);
            if (roll < 45) {
                sl += (size_t)snprintf(
                    stage + sl, sizeof stage - sl,
                    "%s'onFailure':{'result':'RETRY','retryConfiguration':{'retryMode':'%s'}}",
                    sl > 0 ? "," : "", mode);
            } else if (roll < 85) {
                sl += (size_t)snprintf(stage + sl, sizeof stage - sl,
                                       "%s'onFailure':{'result':'RETRY','retryConfiguration':{"
                                       "'retryMode':'%s'},'conditions':[{'result':'ROLLBACK',"
                                       "'rules':[%s]}]}",
                                       sl > 0 ? "," : "", mode, w_random_rule(w, false));
            } else if (roll < 93) {
                sl += (size_t)snprintf(stage + sl, sizeof stage - sl,
                                       "%s'onFailure':{'result':'ROLLBACK'}", sl > 0 ? "," : "");
            } else {
                sl += (size_t)snprintf(stage + sl, sizeof stage - sl,
                                       "%s'onFailure':{'result':'FAIL'}", sl > 0 ? "," : "");
            }
        }
        if (sl > 0 && sl < sizeof stage) {
            len += (size_t)snprintf(w->conditions + len, sizeof w->conditions - len,
                                    "%s'S%zu':{%s}", len > 1 ? "," : "", s, stage);
        }
    }
    snprintf(w->conditions + len, sizeof w->conditions - len, "}");
}

static void w_make_spec(world *w)
{
    static const char *const kinds[] = {"Build/CodeBuild", "Test/CodeBuild",  "Deploy/S3",
                                        "Invoke/Lambda",   "Approval/Manual", "Compute/Commands"};
    size_t nstages = 2 + tk_rng_below(&w->r, MAX_STAGES - 1);
    size_t len = 0;
    len += (size_t)snprintf(w->spec + len, sizeof w->spec - len,
                            "S0: Src(Source/CodeCommit out=Art ns=SV)");
    if (tk_rng_chance(&w->r, 30)) {
        len += (size_t)snprintf(w->spec + len, sizeof w->spec - len, " Src2(Source/S3)");
    }
    for (size_t s = 1; s < nstages; s++) {
        len += (size_t)snprintf(w->spec + len, sizeof w->spec - len, " | S%zu:", s);
        size_t nactions = 1 + tk_rng_below(&w->r, MAX_ACTIONS);
        for (size_t a = 0; a < nactions; a++) {
            const char *kind = kinds[tk_rng_below(&w->r, 6)];
            int order = 1 + (int)tk_rng_below(&w->r, 3);
            const char *cfg = tk_rng_chance(&w->r, 20)   ? " cfg=C:#{SV.CommitId}"
                              : tk_rng_chance(&w->r, 10) ? " cfg=C:#{Nope.X}"
                                                         : " cfg=C:#{variables.V}";
            /* stage 1 may hand an artifact to later stages (missing when it was skipped) */
            const char *io = s == 1 && a == 0 ? " out=Mid" : "";
            if (s > 1 && a == 0 && tk_rng_chance(&w->r, 25)) {
                io = " in=Mid";
            }
            len += (size_t)snprintf(w->spec + len, sizeof w->spec - len,
                                    " A%zu(%s order=%d in=Art%s%s)", a, kind, order, io, cfg);
        }
    }
    w_make_conditions(w, nstages);
}

static void w_update(world *w)
{
    model_pipeline *p = tb_pipeline("R", w->version, w->mode, w->spec, "V=v");
    if (p == NULL || tb_conditions(p, w->conditions) != 0) {
        w_fail(w, "bad random spec or conditions", w->conditions);
        model_pipeline_free(p);
        return;
    }
    engine_input in = {.kind = ENGINE_INPUT_PIPELINE_UPDATED};
    in.update.pipeline = p;
    w_step(w, &in);
    model_pipeline_free(p);
}

/* ---- random inputs -------------------------------------------------------------------- */

typedef struct pick {
    engine_execution *x;
    size_t s;
    size_t a;
} pick;

/* A random running action (approvals only when approvals is true, never otherwise). */
static bool w_pick_running(world *w, bool approvals, pick *out)
{
    pick found[MAX_EXECS * MAX_ACTIONS];
    size_t n = 0;
    for (size_t i = 0; i < w->state->nexecs && n < MAX_EXECS * MAX_ACTIONS; i++) {
        engine_execution *x = w->state->execs[i];
        const engine_plan *plan = engine_state_plan_version(w->state, x->pipeline_version);
        for (size_t s = 0; s < x->nstages; s++) {
            for (size_t a = 0; a < x->stages[s].nactions && n < MAX_EXECS * MAX_ACTIONS; a++) {
                if (x->stages[s].actions[a].status != ENGINE_ACTION_IN_PROGRESS) {
                    continue;
                }
                if (approvals == engine_plan_action_is_approval(&plan->stages[s].actions[a])) {
                    found[n++] = (pick){x, s, a};
                }
            }
        }
    }
    if (n == 0) {
        return false;
    }
    *out = found[tk_rng_below(&w->r, n)];
    return true;
}

static engine_execution *w_pick_exec(world *w)
{
    return w->state->nexecs > 0 ? w->state->execs[tk_rng_below(&w->r, w->state->nexecs)] : NULL;
}

static void w_job_result(world *w, int outcome_roll)
{
    pick p;
    if (!w_pick_running(w, false, &p)) {
        return;
    }
    engine_action_run *run = &p.x->stages[p.s].actions[p.a];
    char job[ENGINE_ID_LEN + 1];
    snprintf(job, sizeof job, "%s", run->job_id);
    snprintf(w->stale_job, sizeof w->stale_job, "%s", run->job_id);
    engine_input in = {.kind = ENGINE_INPUT_JOB_RESULT};
    in.job.job_id = job;
    in.job.percent_complete = -1;
    engine_input_kv vars[1] = {{"CommitId", "c0ffee"}};
    if (outcome_roll < 70) {
        in.job.outcome = ENGINE_JOB_SUCCEEDED;
        in.job.output_variables = vars;
        in.job.noutput_variables = 1;
    } else if (outcome_roll < 90) {
        in.job.outcome = ENGINE_JOB_FAILED;
        in.job.failure_message = "random failure";
    } else {
        in.job.outcome = ENGINE_JOB_IN_PROGRESS;
        in.job.continuation_token = "more";
    }
    w_step(w, &in);
}

typedef struct rule_pick {
    engine_execution *x;
    engine_rule_run *rule;
} rule_pick;

/* A random running rule (run as a job). */
static bool w_pick_rule(world *w, rule_pick *out)
{
    rule_pick found[MAX_EXECS * 4];
    size_t n = 0;
    for (size_t i = 0; i < w->state->nexecs; i++) {
        engine_execution *x = w->state->execs[i];
        for (size_t s = 0; s < x->nstages; s++) {
            for (int k = 0; k < ENGINE_CONDITION_KINDS; k++) {
                engine_stage_condition_run *run = &x->stages[s].conditions[k];
                for (size_t c = 0; c < run->nconditions; c++) {
                    for (size_t r = 0; r < run->conditions[c].nrules; r++) {
                        engine_rule_run *rule = &run->conditions[c].rules[r];
                        if (rule->status == ENGINE_RULE_IN_PROGRESS &&
                            n < sizeof found / sizeof found[0]) {
                            found[n++] = (rule_pick){x, rule};
                        }
                    }
                }
            }
        }
    }
    if (n == 0) {
        return false;
    }
    *out = found[tk_rng_below(&w->r, n)];
    return true;
}

static void w_rule_result(world *w, int outcome_roll)
{
    rule_pick p;
    if (!w_pick_rule(w, &p)) {
        return;
    }
    char job[ENGINE_ID_LEN + 1];
    snprintf(job, sizeof job, "%s", p.rule->job_id);
    snprintf(w->stale_job, sizeof w->stale_job, "%s", p.rule->job_id);
    engine_input in = {.kind = ENGINE_INPUT_JOB_RESULT};
    in.job.job_id = job;
    in.job.percent_complete = -1;
    if (outcome_roll < 60) {
        in.job.outcome = ENGINE_JOB_SUCCEEDED;
    } else if (outcome_roll < 90) {
        in.job.outcome = ENGINE_JOB_FAILED;
        in.job.failure_message = "random rule failure";
    } else {
        in.job.outcome = ENGINE_JOB_IN_PROGRESS;
        in.job.continuation_token = "more";
    }
    w_step(w, &in);
}

static void w_rule_timeout(world *w)
{
    rule_pick p;
    if (!w_pick_rule(w, &p)) {
        return;
    }
    char key[128];
    snprintf(key, sizeof key, "rule-timeout:%s", p.rule->rule_execution_id);
    if (p.rule->deadline_ms > w->now) {
        w->now = p.rule->deadline_ms;
    }
    engine_input in = {.kind = ENGINE_INPUT_TIMER};
    in.timer.key = key;
    w_step(w, &in);
}

static void w_approval(world *w, bool approve, bool wrong_token)
{
    pick p;
    if (!w_pick_running(w, true, &p)) {
        return;
    }
    const engine_plan *plan = engine_state_plan_version(w->state, p.x->pipeline_version);
    char token[ENGINE_ID_LEN + 1];
    snprintf(token, sizeof token, "%s",
             wrong_token ? "00000000-0000-4000-8000-000000000000"
                         : p.x->stages[p.s].actions[p.a].token);
    engine_input in = {.kind = ENGINE_INPUT_APPROVAL};
    in.approval.stage = plan->stages[p.s].name;
    in.approval.action = plan->stages[p.s].actions[p.a].name;
    in.approval.token = token;
    in.approval.approved = approve;
    w_step(w, &in);
    const engine_effect *reply = engine_effects_reply(&w->effects);
    if (wrong_token && (reply == NULL || reply->exception == NULL)) {
        w_fail(w, "a wrong approval token was accepted", token);
    }
}

static void w_timeout(world *w)
{
    pick p;
    if (!w_pick_running(w, tk_rng_chance(&w->r, 50), &p)) {
        return;
    }
    engine_action_run *run = &p.x->stages[p.s].actions[p.a];
    char key[128];
    snprintf(key, sizeof key, "action-timeout:%s", run->action_execution_id);
    if (run->deadline_ms > w->now) {
        w->now = run->deadline_ms;
    }
    engine_input in = {.kind = ENGINE_INPUT_TIMER};
    in.timer.key = key;
    w_step(w, &in);
}

static void w_random_step(world *w)
{
    size_t roll = tk_rng_below(&w->r, 100);
    w->now += (int64_t)tk_rng_below(&w->r, 5000);
    if (roll < 18) {
        engine_input in = {.kind = ENGINE_INPUT_START};
        w_step(w, &in);
    } else if (roll < 47) {
        w_job_result(w, (int)tk_rng_below(&w->r, 100));
    } else if (roll < 53) {
        w_rule_result(w, (int)tk_rng_below(&w->r, 100));
    } else if (roll < 55) {
        w_rule_timeout(w);
    } else if (roll < 63) {
        w_approval(w, tk_rng_chance(&w->r, 75), tk_rng_chance(&w->r, 10));
    } else if (roll < 67) {
        w_timeout(w);
    } else if (roll < 74) {
        engine_execution *x = w_pick_exec(w);
        if (x != NULL) {
            char id[ENGINE_ID_LEN + 1];
            snprintf(id, sizeof id, "%s", x->id);
            engine_input in = {.kind = ENGINE_INPUT_STOP};
            in.stop.execution_id = id;
            in.stop.abandon = tk_rng_chance(&w->r, 40);
            in.stop.reason = "random stop";
            w_step(w, &in);
        }
    } else if (roll < 84) {
        engine_execution *x = w_pick_exec(w);
        const engine_plan *plan = engine_state_plan(w->state);
        if (x != NULL && plan != NULL && plan->nstages > 0) {
            char id[ENGINE_ID_LEN + 1];
            snprintf(id, sizeof id, "%s", x->id);
            engine_input in = {.kind = ENGINE_INPUT_RETRY};
            in.retry.execution_id = id;
            in.retry.stage = tk_rng_chance(&w->r, 80) && x->stage_index < plan->nstages
                                 ? plan->stages[x->stage_index].name
                                 : plan->stages[tk_rng_below(&w->r, plan->nstages)].name;
            in.retry.mode =
                tk_rng_chance(&w->r, 50) ? ENGINE_RETRY_ALL_ACTIONS : ENGINE_RETRY_FAILED_ACTIONS;
            w_step(w, &in);
        }
    } else if (roll < 92) {
        /* RollbackStage to a random execution, or OverrideStageCondition of a random one */
        engine_execution *x = w_pick_exec(w);
        const engine_plan *plan = engine_state_plan(w->state);
        if (x != NULL && plan != NULL && plan->nstages > 0) {
            char id[ENGINE_ID_LEN + 1];
            snprintf(id, sizeof id, "%s", x->id);
            const char *stage = tk_rng_chance(&w->r, 60) && x->stage_index < plan->nstages
                                    ? plan->stages[x->stage_index].name
                                    : plan->stages[tk_rng_below(&w->r, plan->nstages)].name;
            engine_input in = {.kind = ENGINE_INPUT_ROLLBACK};
            if (tk_rng_chance(&w->r, 50)) {
                in.rollback.stage = stage;
                in.rollback.target_execution_id = id;
            } else {
                in.kind = ENGINE_INPUT_OVERRIDE;
                in.override_condition.execution_id = id;
                in.override_condition.stage = stage;
                in.override_condition.on_success = tk_rng_chance(&w->r, 40);
            }
            w_step(w, &in);
        }
    } else if (roll < 94) {
        const engine_plan *plan = engine_state_plan(w->state);
        engine_input in = {.kind = ENGINE_INPUT_TRANSITION};
        in.transition.stage = plan->stages[tk_rng_below(&w->r, plan->nstages)].name;
        in.transition.outbound = tk_rng_chance(&w->r, 30);
        in.transition.enabled = tk_rng_chance(&w->r, 55);
        in.transition.reason = "random";
        w_step(w, &in);
    } else if (roll < 97) {
        engine_input in = {.kind = ENGINE_INPUT_JOB_RESULT};
        in.job.job_id = w->stale_job;
        in.job.outcome = ENGINE_JOB_SUCCEEDED;
        in.job.percent_complete = -1;
        if (w->stale_job[0] != '\0') {
            json_t *before = engine_state_to_json(w->state);
            w_step(w, &in);
            const engine_effect *reply = engine_effects_reply(&w->effects);
            if (reply != NULL && reply->exception != NULL) {
                json_t *after = engine_state_to_json(w->state);
                if (!json_equal(before, after)) {
                    w_fail(w, "a rejected job result changed the state", w->stale_job);
                }
                json_decref(after);
            }
            json_decref(before);
        }
    } else {
        if (tk_rng_chance(&w->r, 50)) {
            w_make_spec(w);
        }
        w->version++;
        w_update(w);
    }
}

/* Enables every transition and answers every job until nothing runs any more. */
static void w_settle(world *w)
{
    const engine_plan *plan = engine_state_plan(w->state);
    for (size_t s = 0; s < plan->nstages; s++) {
        for (int outbound = 0; outbound < 2; outbound++) {
            engine_input in = {.kind = ENGINE_INPUT_TRANSITION};
            in.transition.stage = plan->stages[s].name;
            in.transition.outbound = outbound == 1;
            in.transition.enabled = true;
            w_step(w, &in);
        }
    }
    for (int guard = 0; guard < 400 && engine_state_active_count(w->state) > 0; guard++) {
        pick p;
        rule_pick rp;
        if (w_pick_running(w, true, &p)) {
            w_approval(w, true, false);
        } else if (w_pick_running(w, false, &p)) {
            w_job_result(w, 0);
        } else if (w_pick_rule(w, &rp)) {
            w_rule_result(w, 0);
        } else {
            break;
        }
    }
    for (size_t i = 0; i < w->state->nexecs; i++) {
        if (!engine_state_exec_terminal(w->state->execs[i]->status)) {
            w_fail(w, "an execution never reached a terminal status", w->state->execs[i]->id);
        }
    }
    for (int i = 0; i < w->nexecs; i++) {
        const engine_execution *x = engine_state_find(w->state, w->execs[i].id);
        if (x == NULL) {
            continue;
        }
        w->stats->final[x->status]++;
        for (size_t s = 0; s < x->nstages; s++) {
            w->stats->skipped += x->stages[s].status == ENGINE_STAGE_SKIPPED;
            w->stats->auto_retries += x->stages[s].auto_retries;
            for (int k = 0; k < ENGINE_CONDITION_KINDS; k++) {
                w->stats->condition_failed[k] +=
                    x->stages[s].conditions[k].status == ENGINE_COND_FAILED;
            }
        }
    }
    w_round_trip(w);
}

static int w_run(uint64_t seed, strset *seen, stats *st)
{
    world *w = calloc(1, sizeof *w);
    if (w == NULL) {
        return 1;
    }
    w->seed = seed;
    w->r.s = seed * 0x9E3779B97F4A7C15ULL + 1;
    seen->gen++;
    w->seen = seen;
    w->stats = st;
    w->now = (int64_t)1767225600000;
    w->state = engine_state_new("R");
    w->state->keep_terminal = 4 + tk_rng_below(&w->r, 8);
    engine_effects_init(&w->effects);
    w->mode = (model_execution_mode)tk_rng_below(&w->r, 3);
    w->version = 1;
    w_make_spec(w);
    w_update(w);
    for (int i = 0; i < STEPS; i++) {
        w_random_step(w);
    }
    w_settle(w);
    int failures = w->failures;
    engine_effects_free(&w->effects);
    engine_state_free(w->state);
    free(w);
    return failures;
}

static void test_random_interleavings(void)
{
    strset seen = {.slots = calloc(SET_SLOTS, sizeof(set_slot)), .gen = 0};
    REQUIRE(seen.slots != NULL);
    stats st;
    memset(&st, 0, sizeof st);
    int failed_runs = 0;
    for (uint64_t seed = 1; seed <= RUNS; seed++) {
        if (w_run(seed, &seen, &st) != 0) {
            failed_runs++;
        }
    }
    CHECK_INT_EQ(failed_runs, 0);
    fprintf(stderr, "final statuses (kept in state):");
    for (int i = 0; i <= ENGINE_EXEC_CANCELLED; i++) {
        fprintf(stderr, " %s=%ld", engine_state_exec_status_name((engine_exec_status)i),
                st.final[i]);
    }
    fprintf(stderr, "\ninputs accepted/rejected:");
    for (int i = 0; i <= ENGINE_INPUT_ROLLBACK; i++) {
        fprintf(stderr, " %s=%ld/%ld", engine_input_kind_name((engine_input_kind)i), st.accepted[i],
                st.rejected[i]);
    }
    fprintf(stderr,
            "\nconditions: skipped stages=%ld automatic retries=%ld rule jobs=%ld failed "
            "beforeEntry=%ld onSuccess=%ld onFailure=%ld",
            st.skipped, st.auto_retries, st.rule_jobs,
            st.condition_failed[ENGINE_CONDITION_BEFORE_ENTRY],
            st.condition_failed[ENGINE_CONDITION_ON_SUCCESS],
            st.condition_failed[ENGINE_CONDITION_ON_FAILURE]);
    fputc('\n', stderr);
    /* the generator reaches every outcome */
    CHECK(st.skipped > 0);
    CHECK(st.auto_retries > 0);
    CHECK(st.rule_jobs > 0);
    for (int k = 0; k < ENGINE_CONDITION_KINDS; k++) {
        CHECK(st.condition_failed[k] > 0);
    }
    CHECK(st.final[ENGINE_EXEC_SUCCEEDED] > 0);
    CHECK(st.final[ENGINE_EXEC_FAILED] > 0);
    CHECK(st.final[ENGINE_EXEC_STOPPED] > 0);
    CHECK(st.final[ENGINE_EXEC_SUPERSEDED] > 0);
    CHECK(st.final[ENGINE_EXEC_CANCELLED] > 0);
    CHECK(st.accepted[ENGINE_INPUT_RETRY] > 0);
    CHECK(st.rejected[ENGINE_INPUT_RETRY] > 0);
    CHECK(st.accepted[ENGINE_INPUT_STOP] > 0);
    CHECK(st.rejected[ENGINE_INPUT_STOP] > 0);
    CHECK(st.accepted[ENGINE_INPUT_ROLLBACK] > 0);
    CHECK(st.rejected[ENGINE_INPUT_ROLLBACK] > 0);
    CHECK(st.accepted[ENGINE_INPUT_OVERRIDE] > 0);
    CHECK(st.rejected[ENGINE_INPUT_OVERRIDE] > 0);
    free(seen.slots);
}

int main(void)
{
    RUN_TEST(test_random_interleavings);
    return sluice_test_report();
}
