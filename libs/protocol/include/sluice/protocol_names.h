/*
 * protocol_names.h — the names services say to each other on the bus.
 *
 * Every envelope on Sluice's topics is an EventBridge envelope whose
 * "detail-type" and "source" say what it is: CodePipeline's own state-change
 * events (events topic), and Sluice's requests, job results, jobs and dead
 * letters. A request's detail carries a "type" naming what it asks of the
 * orchestrator. These strings are the protocol between the api, the
 * orchestrator, the workers and any future service: every one of them comes
 * from here, none is spelled out elsewhere. docs/protocol.md describes the
 * documents they name.
 *
 * Pure; thread-safe.
 */
#ifndef SLUICE_PROTOCOL_NAMES_H
#define SLUICE_PROTOCOL_NAMES_H

#include <stdbool.h>

/* CodePipeline's EventBridge detail-types (events topic). */
#define PROTOCOL_DETAIL_PIPELINE_STATE "CodePipeline Pipeline Execution State Change"
#define PROTOCOL_DETAIL_STAGE_STATE    "CodePipeline Stage Execution State Change"
#define PROTOCOL_DETAIL_ACTION_STATE   "CodePipeline Action Execution State Change"

/* Sluice's own detail-types. */
#define PROTOCOL_DETAIL_REQUEST          "Sluice Pipeline Request" /* sluice.requests */
#define PROTOCOL_DETAIL_JOB_RESULT       "Sluice Job Result"       /* sluice.requests */
#define PROTOCOL_DETAIL_JOB              "Sluice Action Job"       /* sluice.jobs */
#define PROTOCOL_DETAIL_DEAD_LETTER      "Sluice Dead Letter"      /* sluice.deadletter */
#define PROTOCOL_DETAIL_ARTIFACT_STORED  "Sluice Artifact Stored"  /* sluice.events */
#define PROTOCOL_DETAIL_APPROVAL_VOTE    "Sluice Approval Vote"    /* sluice.events */
#define PROTOCOL_DETAIL_APPROVAL_NEEDED  "Sluice Approval Needed"  /* sluice.events */
#define PROTOCOL_DETAIL_APPROVAL_DECIDED "Sluice Approval Decided" /* sluice.events */

/* Envelope sources. */
#define PROTOCOL_SOURCE_CODEPIPELINE "aws.codepipeline"
#define PROTOCOL_SOURCE_API          "sluice.api"
#define PROTOCOL_SOURCE_ORCHESTRATOR "sluice.orchestrator"
#define PROTOCOL_SOURCE_WORKER       "sluice.worker"
#define PROTOCOL_SOURCE_ARTIFACTS    "sluice.artifacts"
#define PROTOCOL_SOURCE_SOURCE       "sluice.source"
#define PROTOCOL_SOURCE_APPROVALS    "sluice.approvals"

/* The "type" of a request's detail (sluice.requests). */
#define PROTOCOL_REQUEST_START              "StartPipelineExecution"
#define PROTOCOL_REQUEST_JOB_RESULT         "JobResult"
#define PROTOCOL_REQUEST_APPROVAL           "PutApprovalResult"
#define PROTOCOL_REQUEST_TIMER              "TimerFired"
#define PROTOCOL_REQUEST_STOP               "StopPipelineExecution"
#define PROTOCOL_REQUEST_RETRY              "RetryStageExecution"
#define PROTOCOL_REQUEST_ENABLE_TRANSITION  "EnableStageTransition"
#define PROTOCOL_REQUEST_DISABLE_TRANSITION "DisableStageTransition"
#define PROTOCOL_REQUEST_PIPELINE_UPDATED   "PipelineUpdated"
#define PROTOCOL_REQUEST_PIPELINE_DELETED   "PipelineDeleted"
#define PROTOCOL_REQUEST_VOTE               "ApprovalVote" /* a vote by a known identity */
#define PROTOCOL_REQUEST_OVERRIDE_CONDITION "OverrideStageCondition"
#define PROTOCOL_REQUEST_ROLLBACK           "RollbackStage"

/* A pipeline name is [A-Za-z0-9.@_-]{1,100} (CodePipeline's PipelineName). */
#define PROTOCOL_PIPELINE_NAME_MAX 100

/* True when type is one of the PROTOCOL_REQUEST_* names (type may be NULL). */
bool protocol_request_type_known(const char *type);

/* True when name is a CodePipeline pipeline name: [A-Za-z0-9.@_-], 1..100 bytes (NULL: false). */
bool protocol_pipeline_name_ok(const char *name);

#endif
