/*
 * engine_input.h — what can happen to a pipeline: the inputs of engine_step.
 *
 * One struct for every kind; only the member named after the kind is read.
 * Every pointer is borrowed (the caller keeps ownership; the engine copies
 * what it keeps), so inputs can be built on the stack or in static tables.
 * Optional strings are NULL when absent.
 *
 *   ENGINE_INPUT_START        StartPipelineExecution (and every other trigger)
 *   ENGINE_INPUT_JOB_RESULT   a job's outcome: PutJobSuccessResult /
 *                             PutJobFailureResult, or a worker's result
 *   ENGINE_INPUT_APPROVAL     PutApprovalResult
 *   ENGINE_INPUT_TIMER        a timer set by ENGINE_EFFECT_TIMER_SET fired
 *   ENGINE_INPUT_STOP         StopPipelineExecution
 *   ENGINE_INPUT_RETRY        RetryStageExecution
 *   ENGINE_INPUT_TRANSITION   DisableStageTransition / EnableStageTransition
 *   ENGINE_INPUT_PIPELINE_UPDATED  CreatePipeline / UpdatePipeline stored a new version
 *   ENGINE_INPUT_VOTE         a vote on an approval by an authenticated identity
 *                             (PutApprovalResult through the api; the approvals
 *                             service); APPROVAL is the same vote by requested_by
 *                             with no groups or e-mail addresses
 *   ENGINE_INPUT_OVERRIDE     OverrideStageCondition
 *   ENGINE_INPUT_ROLLBACK     RollbackStage
 *
 * engine_input_from_json reads the same inputs from the JSON documents the
 * API and workers put on the requests topic (format below); the pipeline of
 * PIPELINE_UPDATED is not in JSON — the orchestrator loads the declaration
 * and sets input.update.pipeline itself.
 *
 * Pure; thread-compatible.
 */
#ifndef SLUICE_ENGINE_INPUT_H
#define SLUICE_ENGINE_INPUT_H

#include "sluice/model.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum engine_input_kind {
    ENGINE_INPUT_START = 0,
    ENGINE_INPUT_JOB_RESULT,
    ENGINE_INPUT_APPROVAL,
    ENGINE_INPUT_TIMER,
    ENGINE_INPUT_STOP,
    ENGINE_INPUT_RETRY,
    ENGINE_INPUT_TRANSITION,
    ENGINE_INPUT_PIPELINE_UPDATED,
    ENGINE_INPUT_VOTE,
    ENGINE_INPUT_OVERRIDE,
    ENGINE_INPUT_ROLLBACK,
} engine_input_kind;

typedef enum engine_job_outcome {
    ENGINE_JOB_SUCCEEDED = 0,
    ENGINE_JOB_FAILED,
    ENGINE_JOB_IN_PROGRESS, /* success with a continuation token: the action goes on */
} engine_job_outcome;

typedef enum engine_retry_mode {
    ENGINE_RETRY_FAILED_ACTIONS = 0,
    ENGINE_RETRY_ALL_ACTIONS,
} engine_retry_mode;

typedef struct engine_input_kv {
    const char *key;
    const char *value;
} engine_input_kv;

typedef struct engine_input_artifact {
    const char *name;
    const char *bucket; /* where it was stored; NULL when unknown */
    const char *key;
} engine_input_artifact;

typedef struct engine_input_override {
    const char *action_name;
    const char *revision_type; /* COMMIT_ID | IMAGE_DIGEST | S3_OBJECT_VERSION_ID | S3_OBJECT_KEY */
    const char *revision_value;
} engine_input_override;

typedef struct engine_input_start {
    const char *trigger_type; /* ExecutionTrigger.triggerType; "StartPipelineExecution" when NULL */
    const char *trigger_detail;       /* who or what started it */
    const char *client_token;         /* clientRequestToken: a repeat returns the same execution */
    const engine_input_kv *variables; /* overrides of pipeline variables */
    size_t nvariables;
    const engine_input_override *overrides;
    size_t noverrides;
} engine_input_start;

typedef struct engine_input_job {
    const char *job_id;
    engine_job_outcome outcome;
    const char *summary; /* executionDetails.summary / revisionSummary */
    const char *external_id;
    const char *external_url;
    int percent_complete; /* -1 when absent */
    const engine_input_kv *output_variables;
    size_t noutput_variables;
    const engine_input_artifact *outputs; /* where the output artifacts were stored */
    size_t noutputs;
    const char *failure_type; /* FailureType: JobFailed | ConfigurationError | ... */
    const char *failure_message;
    const char *continuation_token; /* IN_PROGRESS */
    const char *revision_id;        /* currentRevision (source actions) */
    const char *revision_change_id;
    const char *revision_summary;
    const char *revision_url;
    int64_t revision_created_ms;
} engine_input_job;

typedef struct engine_input_approval {
    const char *stage;
    const char *action;
    const char *token;
    bool approved; /* "Approved" (true) or "Rejected" */
    const char *summary;
} engine_input_approval;

/* A vote (the time is the step's ctx.now_ms). Bounds are checked by engine_step. */
typedef struct engine_input_vote {
    const char *stage;
    const char *action;
    const char *token;
    const char *identity;      /* the voter's ARN; required */
    const char *const *groups; /* the identity's groups (Sluice's identity configuration) */
    size_t ngroups;
    const char *const *emails; /* the identity's e-mail addresses */
    size_t nemails;
    bool approved;       /* "Approved" (true) or "Rejected" */
    const char *comment; /* NULL when none */
} engine_input_vote;

typedef struct engine_input_timer {
    const char *key;
} engine_input_timer;

typedef struct engine_input_stop {
    const char *execution_id;
    bool abandon;
    const char *reason;
} engine_input_stop;

typedef struct engine_input_retry {
    const char *execution_id;
    const char *stage;
    engine_retry_mode mode;
} engine_input_retry;

typedef struct engine_input_transition {
    const char *stage;
    bool outbound;      /* Outbound (true) or Inbound */
    bool enabled;       /* EnableStageTransition (true) or Disable */
    const char *reason; /* required when disabling */
} engine_input_transition;

/* OverrideStageCondition: the condition being evaluated for execution_id in stage. */
typedef struct engine_input_override_condition {
    const char *execution_id;
    const char *stage;
    bool on_success; /* conditionType ON_SUCCESS (true) or BEFORE_ENTRY */
} engine_input_override_condition;

/*
 * RollbackStage: stage re-run with what target_execution_id ran it with.
 * target (borrowed, may be NULL): what the target ran with when it is no longer
 * in the state (read from the archive by the sender); used only then.
 */
typedef struct engine_input_rollback {
    const char *stage;
    const char *target_execution_id;
    const json_t *target;
} engine_input_rollback;

typedef struct engine_input_update {
    const model_pipeline *pipeline; /* the stored declaration, its version set */
} engine_input_update;

typedef struct engine_input {
    engine_input_kind kind;
    const char *request_id;   /* echoed as the reply's id; NULL when no one waits */
    const char *requested_by; /* caller identity: lastChangedBy, lastUpdatedBy, trigger detail */
    engine_input_start start;
    engine_input_job job;
    engine_input_approval approval;
    engine_input_timer timer;
    engine_input_stop stop;
    engine_input_retry retry;
    engine_input_transition transition;
    engine_input_update update;
    engine_input_vote vote;
    engine_input_override_condition override_condition;
    engine_input_rollback rollback;
} engine_input;

/*
 * An input read from JSON, owning the memory its borrowed pointers point to.
 * JSON documents (member names follow the API; * marks the required ones):
 *   {"type": "StartPipelineExecution", "triggerType", "triggerDetail",
 *    "clientRequestToken", "variables": [{"name", "value"}],
 *    "sourceRevisions": [{"actionName", "revisionType", "revisionValue"}]}
 *   {"type": "JobResult", "jobId"*, "outcome"*: "Succeeded" | "Failed" | "InProgress",
 *    "continuationToken",
 *    "executionDetails": {"summary", "externalExecutionId", "externalExecutionUrl",
 *                         "percentComplete"},
 *    "currentRevision": {"revision"*, "changeIdentifier", "created" (epoch seconds),
 *                        "revisionSummary", "revisionUrl"},
 *    "outputVariables": {...}, "outputArtifacts": [{"name", "bucket", "key"}],
 *    "failureDetails": {"type", "message", "externalExecutionId"}}
 *   {"type": "PutApprovalResult", "stageName"*, "actionName"*, "token"*,
 *    "result"*: {"status"*, "summary"}}
 *   {"type": "TimerFired", "key"*}
 *   {"type": "StopPipelineExecution", "pipelineExecutionId"*, "abandon", "reason"}
 *   {"type": "RetryStageExecution", "pipelineExecutionId"*, "stageName"*, "retryMode"*}
 *   {"type": "DisableStageTransition" | "EnableStageTransition", "stageName"*,
 *    "transitionType"*, "reason"}
 *   {"type": "PipelineUpdated"}
 *   {"type": "ApprovalVote", "stageName"*, "actionName"*, "token"*, "identity"*,
 *    "groups": [string], "emails": [string], "result"*: {"status"*, "summary"}}
 *   {"type": "OverrideStageCondition", "pipelineExecutionId"*, "stageName"*,
 *    "conditionType"*: "BEFORE_ENTRY" | "ON_SUCCESS"}
 *   {"type": "RollbackStage", "stageName"*, "targetPipelineExecutionId"*, "target"}
 *     "target": an archived target, what the rollback needs of it (the stages up
 *     to the rolled-back one; the actions listed are those that succeeded):
 *     {"pipelineExecutionId"*, "pipelineVersion"*, "rollback" (it is a rollback itself),
 *      "artifactRevisions": [{"actionName", "name", "revisionId",
 *                             "revisionChangeIdentifier", "revisionSummary",
 *                             "created" (epoch seconds), "revisionUrl"}],
 *      "variables": [{"name"*, "resolvedValue"*}],
 *      "stages": [{"stageName"*, "status"*: "Succeeded" | "Skipped" | "Failed",
 *                  "actions": [{"actionName"*,
 *                               "outputArtifacts": [{"name"*, "s3location": {"bucket", "key"}}],
 *                               "outputVariables": {name: value}}]}]}
 * Every document may carry "requestId" and "requestedBy".
 */
typedef struct engine_input_doc {
    engine_input input;
    json_t *json;         /* the document the strings point into */
    engine_input_kv *kvs; /* variables / output variables */
    engine_input_override *overrides;
    engine_input_artifact *artifacts;
    const char **strs; /* a vote's groups, then its e-mail addresses */
} engine_input_doc;

/*
 * Reads an input from json (a reference is taken; json must stay unchanged).
 * 0 with *doc filled (release with engine_input_doc_free), or SLUICE_EPARSE /
 * SLUICE_EINVAL with detail in errbuf and nothing to free.
 */
int engine_input_from_json(json_t *json, engine_input_doc *doc, char *errbuf, size_t errlen);

/* Releases what engine_input_from_json allocated. Accepts NULL. */
void engine_input_doc_free(engine_input_doc *doc);

/* The "type" spelling of a kind (see above); never NULL. */
const char *engine_input_kind_name(engine_input_kind kind);

#endif
