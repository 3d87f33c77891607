/*
 * engine_effects.h — what a step asks the outside world to do.
 *
 * engine_step appends effects in the order they happened; the orchestrator
 * stores them as the outbox of the state write, then carries them out:
 *
 *   ENGINE_EFFECT_EVENT        publish body (a complete EventBridge envelope:
 *                              version, id, detail-type, source
 *                              "aws.codepipeline", account, time, region,
 *                              resources [pipeline ARN], detail) to the events
 *                              topic; id = the envelope's id, derived from the
 *                              execution id and its event sequence number.
 *   ENGINE_EFFECT_JOB          publish body (the job document, see
 *                              engine_step.h) to the jobs topic; id = job id.
 *   ENGINE_EFFECT_TIMER_SET    make sure a TIMER input with key id arrives at
 *                              or after deadline_ms (setting a key again moves it).
 *   ENGINE_EFFECT_TIMER_CANCEL the timer with key id is no longer needed
 *                              (firing it anyway is harmless).
 *   ENGINE_EFFECT_REPLY        the answer to the request: exception NULL and
 *                              body the API result (e.g. {"pipelineExecutionId":…}),
 *                              or exception = CodePipeline's exception name
 *                              and message; id = the input's request_id (NULL
 *                              when it had none). A rejected request leaves the
 *                              state unchanged and produces no other effect.
 *   ENGINE_EFFECT_ARCHIVE      store body in the history, replacing an older
 *                              record with the same id: archive ==
 *                              ENGINE_ARCHIVE_PIPELINE_EXECUTION when an
 *                              execution reaches a terminal status (body
 *                              {"pipelineExecution": GetPipelineExecution shape,
 *                              "summary": PipelineExecutionSummary shape}; again
 *                              after a retry ends), ENGINE_ARCHIVE_ACTION_EXECUTION
 *                              when an action execution ends (body an
 *                              ActionExecutionDetail), ENGINE_ARCHIVE_RULE_EXECUTION
 *                              when a rule evaluation ends — succeeded, failed
 *                              or abandoned (body a RuleExecutionDetail; id its
 *                              ruleExecutionId). The state itself keeps only
 *                              recent executions, each action's latest attempt
 *                              and each rule's latest evaluation.
 *
 * execution_id names the pipeline execution concerned (the jobs topic key).
 * An effect list owns its effects and their JSON bodies.
 * Out of memory aborts (the engine's policy). Pure; thread-compatible.
 */
#ifndef SLUICE_ENGINE_EFFECTS_H
#define SLUICE_ENGINE_EFFECTS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

typedef enum engine_effect_kind {
    ENGINE_EFFECT_EVENT = 0,
    ENGINE_EFFECT_JOB,
    ENGINE_EFFECT_TIMER_SET,
    ENGINE_EFFECT_TIMER_CANCEL,
    ENGINE_EFFECT_REPLY,
    ENGINE_EFFECT_ARCHIVE,
} engine_effect_kind;

typedef enum engine_archive_kind {
    ENGINE_ARCHIVE_PIPELINE_EXECUTION = 0,
    ENGINE_ARCHIVE_ACTION_EXECUTION,
    ENGINE_ARCHIVE_RULE_EXECUTION,
} engine_archive_kind;

typedef struct engine_effect {
    engine_effect_kind kind;
    char *id;                    /* see above */
    char *execution_id;          /* NULL when none (some replies) */
    int64_t deadline_ms;         /* TIMER_SET */
    engine_archive_kind archive; /* ARCHIVE */
    char *exception;             /* REPLY: NULL on success */
    char *message;               /* REPLY: detail of a rejection */
    json_t *body;                /* EVENT, JOB, REPLY (may be NULL), ARCHIVE; owned */
} engine_effect;

typedef struct engine_effects {
    engine_effect *items;
    size_t count;
    size_t cap;
} engine_effects;

/* Starts an empty list. Allocates nothing. */
void engine_effects_init(engine_effects *effects);

/* Frees every effect and empties the list (it may be reused). Accepts NULL. */
void engine_effects_free(engine_effects *effects);

/*
 * Appends a zeroed effect of kind and returns it (valid until the next
 * append). Strings set on it must be heap copies; the list frees them.
 */
engine_effect *engine_effects_add(engine_effects *effects, engine_effect_kind kind);

/* The reply effect of the step, or NULL. */
const engine_effect *engine_effects_reply(const engine_effects *effects);

/* Kind name: "event" | "job" | "timer-set" | "timer-cancel" | "reply" | "archive". */
const char *engine_effects_kind_name(engine_effect_kind kind);

/*
 * One effect as JSON (a new reference), e.g. for the outbox:
 * {"kind", "id", "executionId", "deadline", "archive", "exception", "message", "body"}
 * with absent members left out.
 */
json_t *engine_effects_to_json(const engine_effect *effect);

#endif
