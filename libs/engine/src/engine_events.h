/*
 * engine_events.h — CodePipeline's EventBridge state-change events, private to libs/engine.
 *
 * Builds the envelope and detail of "CodePipeline Pipeline / Stage / Action
 * Execution State Change" events exactly as CodePipeline publishes them
 * (reference §5): detail fields pipeline, execution-id, stage, action, state
 * (UPPERCASE), version, type, region, input-artifacts, output-artifacts,
 * execution-result, execution-trigger, stop-execution-comments,
 * pipeline-execution-attempt. The event id is derived from the execution id
 * and its event sequence number (engine_ids_derive), so a replayed step emits
 * the same ids. Each function appends one ENGINE_EFFECT_EVENT.
 *
 * Pure; used by one thread at a time.
 */
#ifndef SLUICE_ENGINE_EVENTS_H
#define SLUICE_ENGINE_EVENTS_H

#include "engine_machine.h"
#include "sluice/protocol_names.h"

#define ENGINE_EVENTS_SOURCE   PROTOCOL_SOURCE_CODEPIPELINE
#define ENGINE_EVENTS_PIPELINE PROTOCOL_DETAIL_PIPELINE_STATE
#define ENGINE_EVENTS_STAGE    PROTOCOL_DETAIL_STAGE_STATE
#define ENGINE_EVENTS_ACTION   PROTOCOL_DETAIL_ACTION_STATE

/* Pipeline event; state e.g. "STARTED". comments: stop-execution-comments (STOPPING), or NULL. */
void engine_events_pipeline(engine_machine *m, engine_execution *x, const char *state,
                            const char *comments);

/* Stage event for stage s of x. */
void engine_events_stage(engine_machine *m, engine_execution *x, size_t s, const char *state);

/* Action event for action (s, a) of x, with the artifacts and result its state calls for. */
void engine_events_action(engine_machine *m, engine_execution *x, size_t s, size_t a,
                          const char *state);

/*
 * One of Sluice's own events about x (e.g. "Sluice Approval Vote"): the same
 * envelope and derived id, source "sluice.orchestrator"; detail is stolen.
 */
void engine_events_sluice(engine_machine *m, engine_execution *x, const char *detail_type,
                          json_t *detail);

#endif
