/*
 * engine_state.h — everything the engine knows about one pipeline, in one object.
 *
 * One engine_state per pipeline holds: the plan of every pipeline version an
 * execution in the state still uses (the newest is the current one), per stage
 * of the current plan its transition states and which execution entered it
 * last, and every execution still relevant — all non-terminal ones, the last
 * keep_terminal terminal ones, and any terminal one that is still the latest
 * of a stage or of an action (GetPipelineState shows those; a failed latest
 * one may be retried) or the rollback target of a stage (the newest
 * execution of the current version that succeeded there and is not a
 * rollback). Older terminal executions are evicted after each step;
 * the orchestrator archives them from ENGINE_EFFECT_ARCHIVE effects.
 *
 * Stage locks and inbound queues are not stored separately: an execution is
 * either inside the stage at stage_index (in_stage) or waiting to enter it
 * (!in_stage); the lock holder of a stage is the non-terminal execution inside
 * it (none in PARALLEL mode); the inbound executions are the non-terminal ones
 * waiting for it, in wait_seq order (FIFO). Nothing can drift apart.
 *
 * The whole state is one JSON document (engine_state_to_json /
 * engine_state_from_json, lossless). The orchestrator stores it split in
 * records (engine_state_records_*, below): one small pipeline record (the
 * document without "executions", with "executionIds" naming them in start
 * order and "waitingIds" the non-terminal ones waiting to enter a stage, the
 * queues) and one record per execution (an <execution> as below), so that a
 * step writes only the records it changed. The whole document:
 *
 *   {"format": 1, "pipeline": "<name>", "created": <ms>, "updated": <ms>,
 *    "waitCounter": <n>, "keepTerminal": <n>,
 *    "plans": [<plan>...],        engine_plan_to_json, ascending version
 *    "stages": [<stage>...],      parallel to the current plan's stages
 *    "executions": [<execution>...]}                      in start order
 *   <stage> = {"name", "inbound": <transition>, "outbound": <transition>,
 *              "latestExecutionId", "actionLatest": [<execution id or null per action>]}
 *   <transition> = {"enabled", "disabledReason", "lastChangedBy", "lastChangedAt"}
 *   <execution> = {"id", "status" (API spelling), "statusSummary", "pipelineVersion",
 *     "executionMode", "trigger": {"triggerType", "triggerDetail"}, "clientRequestToken",
 *     "rollbackTarget", "rollbackStage" (a rollback execution only),
 *     "variables": [{"name", "resolvedValue"}],
 *     "sourceRevisionOverrides": [{"actionName", "revisionType", "revisionValue"}],
 *     "artifactRevisions": [{"actionName", "name", "revisionId",
 *                            "revisionChangeIdentifier", "revisionSummary", "created",
 *                            "revisionUrl"}],
 *     "startTime", "lastUpdateTime", "stopRequested", "abandon", "stopReason", "attempt",
 *     "eventSeq", "stageIndex", "inStage", "waitSeq",
 *     "stages": [<stage run>...]}
 *   <stage run> = {"status", "runOrder", "manualRetries", "autoRetries", "retryTrigger"
 *     ("AutomatedStageRetry" | "ManualStageRetry"), "started", "actions": [<action>...],
 *     "beforeEntry" | "onSuccess" | "onFailure": <conditions run>}
 *   <conditions run> = {"status", "summary", "lastStatusChange", "conditions":
 *     [{"status", "summary", "lastStatusChange", "rules": [<rule>...]}]}
 *     (present only once evaluated in the stage run; statuses: ConditionExecutionStatus)
 *   <rule> = {"status", "ruleExecutionId", "jobId", "startTime", "lastStatusChange",
 *     "deadline", "summary", "externalExecutionId", "externalExecutionUrl", "errorCode",
 *     "errorMessage", "continuationToken", "resolvedConfiguration": {...},
 *     "inputArtifacts": [<artifact>]}
 *   <action> = {"status", "attempt", "actionExecutionId", "jobId", "token", "startTime",
 *     "lastStatusChange", "deadline", "summary", "externalExecutionId",
 *     "externalExecutionUrl", "percentComplete", "errorCode", "errorMessage", "updatedBy",
 *     "continuationToken", "resolvedConfiguration": {...}, "inputArtifacts": [<artifact>],
 *     "outputArtifacts": [<artifact>], "outputVariables": {...}, "votes": [<vote>...]}
 *   <artifact> = {"name", "bucket", "key"}
 *   <vote> = {"identity", "time", "status" ("Approved" | "Rejected"), "comment"}
 * Times are integer epoch milliseconds.
 * Absent members take their defaults: null strings, 0 times and counters,
 * percentComplete -1, an action's status "NotStarted", empty lists.
 *
 * The read-model views of engine_view.h render the API shapes from it.
 *
 * Structs are public so callers can read them; only engine_step changes a
 * state. Out of memory aborts (the engine's policy). Pure; thread-compatible.
 */
#ifndef SLUICE_ENGINE_STATE_H
#define SLUICE_ENGINE_STATE_H

#include "sluice/engine_plan.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ENGINE_STATE_FORMAT            1
#define ENGINE_STATE_KEEP_TERMINAL     20   /* default bound on unpinned terminal executions */
#define ENGINE_STATE_MAX_KEEP_TERMINAL 1000 /* upper bound of keep_terminal */
#define ENGINE_STATE_MAX_ACTIVE        100  /* non-terminal executions per pipeline */
#define ENGINE_STATE_MAX_VOTES         100  /* votes recorded per approval attempt */
/* Bound on the stored text of a state, for the code reading it from Redis to apply. */
#define ENGINE_STATE_MAX_JSON_BYTES (16 * 1024 * 1024)

/* PipelineExecutionStatus. */
typedef enum engine_exec_status {
    ENGINE_EXEC_IN_PROGRESS = 0,
    ENGINE_EXEC_STOPPING,
    ENGINE_EXEC_STOPPED,
    ENGINE_EXEC_SUCCEEDED,
    ENGINE_EXEC_SUPERSEDED,
    ENGINE_EXEC_FAILED,
    ENGINE_EXEC_CANCELLED,
} engine_exec_status;

/* StageExecutionStatus, plus "not entered yet". */
typedef enum engine_stage_status {
    ENGINE_STAGE_NOT_STARTED = 0,
    ENGINE_STAGE_IN_PROGRESS,
    ENGINE_STAGE_STOPPING,
    ENGINE_STAGE_STOPPED,
    ENGINE_STAGE_SUCCEEDED,
    ENGINE_STAGE_FAILED,
    ENGINE_STAGE_CANCELLED,
    ENGINE_STAGE_SKIPPED, /* a beforeEntry condition with result SKIP failed */
} engine_stage_status;

/* ActionExecutionStatus, plus "not started in this stage run". */
typedef enum engine_action_status {
    ENGINE_ACTION_NOT_STARTED = 0,
    ENGINE_ACTION_IN_PROGRESS,
    ENGINE_ACTION_SUCCEEDED,
    ENGINE_ACTION_FAILED,
    ENGINE_ACTION_ABANDONED,
} engine_action_status;

/* ConditionExecutionStatus, plus "not evaluated in this stage run". */
typedef enum engine_condition_status {
    ENGINE_COND_NONE = 0,
    ENGINE_COND_IN_PROGRESS,
    ENGINE_COND_FAILED,
    ENGINE_COND_ERRORED,
    ENGINE_COND_SUCCEEDED,
    ENGINE_COND_CANCELLED,
    ENGINE_COND_ABANDONED,
    ENGINE_COND_OVERRIDDEN,
} engine_condition_status;

/* RuleExecutionStatus, plus "not started". */
typedef enum engine_rule_status {
    ENGINE_RULE_NOT_STARTED = 0,
    ENGINE_RULE_IN_PROGRESS,
    ENGINE_RULE_SUCCEEDED,
    ENGINE_RULE_FAILED,
    ENGINE_RULE_ABANDONED,
} engine_rule_status;

/* RetryTrigger of the latest retry of a stage. */
typedef enum engine_retry_trigger {
    ENGINE_RETRY_TRIGGER_NONE = 0,
    ENGINE_RETRY_TRIGGER_AUTOMATED, /* AutomatedStageRetry: onFailure result RETRY */
    ENGINE_RETRY_TRIGGER_MANUAL,    /* ManualStageRetry: RetryStageExecution */
} engine_retry_trigger;

/* An artifact and where it is stored (bucket / key NULL when unknown). */
typedef struct engine_artifact {
    char *name;
    char *bucket;
    char *key;
} engine_artifact;

/* One entry of PipelineExecution.artifactRevisions (from a source action's result). */
typedef struct engine_revision {
    char *action_name;
    char *name;
    char *revision_id;
    char *change_id;
    char *summary;
    int64_t created_ms; /* 0 when unknown */
    char *url;
} engine_revision;

/* StartPipelineExecution sourceRevisions[]. */
typedef struct engine_override {
    char *action_name;
    char *revision_type;
    char *revision_value;
} engine_override;

/* One vote on an approval: who, when, what, and the comment given (NULL when none). */
typedef struct engine_vote {
    char *identity; /* NULL: an anonymous PutApprovalResult (no identity known) */
    int64_t at_ms;
    bool approved;
    char *comment;
} engine_vote;

/* The latest attempt of one action within one execution. */
typedef struct engine_action_run {
    engine_action_status status;
    int attempt; /* 1 for the first start, +1 for every re-run; 0 never started */
    char *action_execution_id;
    char *job_id; /* the job in flight (changes with each continuation) */
    char *token;  /* approval token; NULL for other actions */
    int64_t start_ms;
    int64_t last_change_ms;
    int64_t deadline_ms; /* timeout; 0 when not running */
    char *summary;
    char *external_id;
    char *external_url;
    int percent_complete; /* -1 when unknown */
    char *error_code;
    char *error_message;
    char *updated_by;
    char *continuation;
    engine_kv *resolved; /* configuration with variables resolved at start */
    size_t nresolved;
    engine_artifact *inputs;
    size_t ninputs;
    engine_artifact *outputs;
    size_t noutputs;
    engine_kv *output_vars;
    size_t noutput_vars;
    engine_vote
        *votes; /* approvals: every vote of this attempt, in order (ENGINE_STATE_MAX_VOTES) */
    size_t nvotes;
} engine_action_run;

/* The latest evaluation of one rule of a stage condition within one execution. */
typedef struct engine_rule_run {
    engine_rule_status status;
    char *rule_execution_id;
    char *job_id; /* LambdaInvoke / Commands rules: the job in flight; NULL otherwise */
    int64_t start_ms;
    int64_t last_change_ms;
    int64_t deadline_ms; /* timeout of a rule run as a job; 0 otherwise */
    char *summary;
    char *external_id;
    char *external_url;
    char *error_code;
    char *error_message;
    char *continuation;
    engine_kv *resolved; /* configuration with variables resolved */
    size_t nresolved;
    engine_artifact *inputs;
    size_t ninputs;
} engine_rule_run;

/* One Condition of a stage condition; rules parallel the plan condition's rules. */
typedef struct engine_condition_run {
    engine_condition_status status;
    char *summary;
    int64_t last_change_ms;
    engine_rule_run *rules;
    size_t nrules;
} engine_condition_run;

/* A stage condition (StageConditionState) in one stage run; conditions parallel the plan's. */
typedef struct engine_stage_condition_run {
    engine_condition_status status; /* ENGINE_COND_NONE: not evaluated in this stage run */
    char *summary;
    int64_t last_change_ms;
    engine_condition_run *conditions;
    size_t nconditions;
} engine_stage_condition_run;

/* One stage within one execution; actions parallel the plan stage's actions. */
typedef struct engine_stage_run {
    engine_stage_status status;
    int run_order;      /* the runOrder group being run; 0 before the first group began */
    int manual_retries; /* RetryStageExecution count (retryStageMetadata.manualStageRetryAttempt) */
    int auto_retries;   /* automatic retries (retryStageMetadata.autoStageRetryAttempt) */
    engine_retry_trigger retry_trigger; /* latestRetryTrigger */
    bool started; /* the stage's STARTED event was published since the execution entered it */
    engine_action_run *actions;
    size_t nactions;
    engine_stage_condition_run conditions[ENGINE_CONDITION_KINDS]; /* by engine_condition_kind */
} engine_stage_run;

typedef struct engine_execution {
    char *id;
    uint64_t stored_hash; /* hash of the record text last stored; 0: not known to be stored */
    bool dirty; /* handed out mutable since the last engine_state_records_commit (see there) */
    engine_exec_status status;
    char *status_summary;
    int64_t pipeline_version;  /* plan version this execution runs */
    model_execution_mode mode; /* the pipeline's mode when it started */
    char *trigger_type;
    char *trigger_detail;
    char *client_token;
    char *rollback_target; /* executionType ROLLBACK: the execution rolled back to; else NULL */
    size_t rollback_stage; /* a rollback execution: the stage it re-runs (index into its plan) */
    engine_kv *variables;  /* resolved pipeline variables */
    size_t nvariables;
    engine_override *overrides;
    size_t noverrides;
    engine_revision *revisions;
    size_t nrevisions;
    int64_t start_ms;
    int64_t update_ms;
    bool stop_requested;
    bool abandon;
    char *stop_reason;
    int attempt;        /* pipeline-execution-attempt: 1, +1 per retry */
    uint64_t event_seq; /* events emitted so far (event ids derive from it) */
    size_t stage_index; /* the stage it is in or waiting for; == nstages when past the last */
    bool in_stage;      /* inside stage_index (true) or waiting to enter it (false) */
    uint64_t wait_seq;  /* arrival order at the stage it waits for */
    engine_stage_run *stages;
    size_t nstages;
} engine_execution;

/* TransitionState. */
typedef struct engine_transition {
    bool enabled;
    char *reason;
    char *changed_by;
    int64_t changed_at_ms;
} engine_transition;

/* Per stage of the current plan. */
typedef struct engine_stage_state {
    char *name;
    engine_transition inbound;
    engine_transition outbound;
    char *latest_execution_id; /* the execution that entered last; NULL if none */
    char **action_latest;      /* per action: execution id of its latest action execution */
    size_t nactions;
} engine_stage_state;

typedef struct engine_state {
    char *pipeline;
    int64_t created_ms;
    int64_t updated_ms;
    engine_plan **plans; /* ascending version; the last one is current; none before creation */
    size_t nplans;
    engine_stage_state *stages; /* parallel to the current plan's stages */
    size_t nstages;
    engine_execution **execs; /* in start order */
    size_t nexecs;
    size_t cap_execs;
    uint64_t wait_counter;
    size_t keep_terminal;
    char **stored_ids; /* executions that have a stored record (read or last committed) */
    size_t nstored_ids;
    /* The "plans" array's compact text, kept by engine_state_records_render
     * (NULL: not rendered yet); dropped whenever plans change. */
    char *plans_text;
    size_t plans_len;
} engine_state;

/* A new empty state for pipeline (no plan until a PIPELINE_UPDATED input). Never NULL. */
engine_state *engine_state_new(const char *pipeline);

/* Frees a state. Accepts NULL. */
void engine_state_free(engine_state *state);

/* The state as JSON (a new reference). */
json_t *engine_state_to_json(const engine_state *state);

/*
 * Reads a state written by engine_state_to_json. 0 with *out set (caller
 * frees), or SLUICE_EPARSE with detail in errbuf and *out untouched.
 */
int engine_state_from_json(const json_t *json, engine_state **out, char *errbuf, size_t errlen);

/* The current plan, or NULL before the pipeline exists. */
const engine_plan *engine_state_plan(const engine_state *state);

/* The plan of a version still held, or NULL. */
const engine_plan *engine_state_plan_version(const engine_state *state, int64_t version);

/*
 * The execution with that id in the state, or NULL. The execution found is
 * marked dirty (it may be changed through the pointer): its record is
 * rendered again at the next save.
 */
engine_execution *engine_state_find(const engine_state *state, const char *execution_id);

/* True for Stopped / Succeeded / Superseded / Failed / Cancelled. */
bool engine_state_exec_terminal(engine_exec_status status);

/* Names as the API spells them ("InProgress", "Cancelled", ...); never NULL. */
const char *engine_state_exec_status_name(engine_exec_status status);
const char *
engine_state_stage_status_name(engine_stage_status status); /* "NotStarted" for not entered */
const char *
engine_state_action_status_name(engine_action_status status); /* "NotStarted" for not started */
const char *engine_state_condition_status_name(engine_condition_status status); /* "None" */
const char *engine_state_rule_status_name(engine_rule_status status);           /* "NotStarted" */

/*
 * The execution holding stage index of the current plan's lock, or NULL (always NULL in PARALLEL
 * mode). The execution returned is marked dirty, as by engine_state_find.
 */
engine_execution *engine_state_lock_holder(const engine_state *state, size_t stage);

/* Number of non-terminal executions. */
size_t engine_state_active_count(const engine_state *state);

/* ---- changes, used by engine_step (callers outside libs/engine use engine_step) ---- */

/*
 * Appends a new execution (status InProgress, attempt 1, waiting for stage 0)
 * running plan, with one stage run per plan stage and one action run per
 * action. Returns it; the state owns it.
 */
engine_execution *engine_state_add_execution(engine_state *state, const char *id,
                                             const engine_plan *plan);

/*
 * The same execution, detached: in no state, owned by the caller, freed with
 * engine_state_execution_free (a rollback target read from outside the state).
 */
engine_execution *engine_state_new_execution(const char *id, const engine_plan *plan);
void engine_state_execution_free(engine_execution *x);

/* Frees what an action run owns and zeroes it, except attempt (kept). */
void engine_state_action_run_clear(engine_action_run *run);

/* Frees what a stage condition run owns and zeroes it (status ENGINE_COND_NONE). */
void engine_state_condition_run_clear(engine_stage_condition_run *run);

/*
 * Installs plan as the current one (the state takes ownership). Stage states
 * are rebuilt for its stages; a stage keeping its name keeps its transitions
 * and latest execution, an action keeping its name its latest execution.
 */
void engine_state_install_plan(engine_state *state, engine_plan *plan);

/*
 * Bounds the state: drops the oldest terminal executions beyond keep_terminal
 * that are not the latest of a stage or action nor the rollback target of a
 * stage, then the plans no execution uses except the current one.
 */
void engine_state_evict(engine_state *state);

/* ---- split records (the orchestrator's storage layout) ---- */

/*
 * What changed since the records were last stored. How changes are found:
 * an execution is rendered only when it may have changed — it is new or read
 * (no stored_hash yet), or it was handed out mutable since the last commit
 * (its dirty mark: every way the engine reaches an execution it may change —
 * engine_state_find, engine_state_lock_holder, the engine's lookups by job,
 * token or rule and its loops that change executions — sets it); a rendered
 * execution's compact text is hashed (FNV-1a 64) and it is changed when the
 * hash differs from the one kept with it (stored_hash, set by
 * engine_state_records_commit, which clears the marks). So a step renders
 * the executions it touched, not all of them, and sends Redis no bytes for
 * what did not change. A mark the engine forgot would lose a change:
 * engine_state_records_verify finds one (unit_engine_random runs it after
 * every step of its random interleavings). A state read by
 * engine_state_from_json knows no hashes, so its first save writes every
 * execution once; later saves write only what changed. Removed executions
 * are the stored_ids no longer in the state.
 */
typedef struct engine_state_records engine_state_records;

/*
 * Checks the dirty marks: renders every execution that is not marked and
 * has a stored_hash, and compares. NULL when each renders to its stored
 * hash; else the id of the first that changed unmarked (borrowed from the
 * state). Changes nothing. For tests; costs one render of the state.
 */
const char *engine_state_records_verify(const engine_state *state);

struct engine_state_records {
    char *pipeline; /* the pipeline record's compact JSON text (malloc'd) */
    size_t pipeline_len;
    size_t nexecs;    /* == state->nexecs at render time */
    uint64_t *hashes; /* per execution of the state, in order */
    size_t nchanged;
    const char **changed_ids; /* borrowed from the state */
    char **changed;           /* record texts (malloc'd) */
    size_t *changed_lens;
    size_t nremoved;
    const char **removed_ids; /* borrowed from the state's stored_ids */
};

/*
 * Renders the records of state that differ from the stored ones into *out
 * (zeroed first; free with engine_state_records_free). all: render every
 * execution as changed (a write to a layout that has none yet). 0.
 * The state must not change before engine_state_records_commit.
 *
 * The pipeline record is always rendered, but its plans (most of its bytes,
 * changed only by a new declaration or an eviction) are rendered once and
 * kept in the state (plans_text) and their text spliced into the record's:
 * the bytes are those of json_dumps(…, JSON_COMPACT) of the whole record,
 * members in the order of the layout above.
 */
int engine_state_records_render(engine_state *state, bool all, engine_state_records *out);

/* Frees what records own and zeroes them. Accepts zeroed records. */
void engine_state_records_free(engine_state_records *records);

/* Marks what records rendered as stored (after they were written). */
void engine_state_records_commit(engine_state *state, const engine_state_records *records);

/*
 * Joins a pipeline record and the records of its executions (in the order of
 * its "executionIds", each matched by "id") into the whole state document.
 * Returns a new reference, or NULL with detail in errbuf (an execution
 * missing, a record that is not an object). Borrowed arguments.
 */
json_t *engine_state_records_merge(const json_t *pipeline, json_t *const *execs, size_t nexecs,
                                   char *errbuf, size_t errlen);

#endif
