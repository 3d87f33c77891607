/*
 * test_engine_rules.c — one table per execution rule of CodePipeline: each
 * case is a pipeline, a list of inputs and the statuses and effects expected
 * after each (the line format is in engine_script.h).
 */
#include "engine_script.h"
#include "sluice_test.h"

/* Three stages; the middle one has a parallel group (B1, B2) then T. */
#define PIPE3                                                                                      \
    "Source: Src(Source/CodeCommit out=SrcOut) | "                                                 \
    "Build: B1(Build/CodeBuild in=SrcOut order=1) B2(Test/CodeBuild order=1) T(Test/CodeBuild "    \
    "order=2) | "                                                                                  \
    "Deploy: D(Deploy/S3 in=SrcOut)"

/* Three stages, one action each. */
#define LINE3                                                                                      \
    "Source: Src(Source/CodeCommit out=SrcOut) | Build: B(Build/CodeBuild in=SrcOut) | Deploy: "   \
    "D(Deploy/S3)"

/* ---- stages in order, runOrder groups ------------------------------------------- */

static const char *const happy_path[] = {
    "start E1",
    "reply ok",
    "status E1 InProgress",
    "events E1 P:STARTED S:Source:STARTED A:Source.Src:STARTED",
    "jobs Source.Src",
    "timers set 1",
    "detail E1 P:STARTED execution-trigger "
    "{\"trigger-detail\":\"arn:aws:iam::111122223333:user/"
    "tester\",\"trigger-type\":\"StartPipelineExecution\"}",
    "detail E1 P:STARTED version 1",
    "detail E1 P:STARTED pipeline-execution-attempt 1",
    "detail E1 A:Source.Src:STARTED type "
    "{\"category\":\"Source\",\"owner\":\"AWS\",\"provider\":\"CodeCommit\",\"version\":\"1\"}",
    "detail E1 A:Source.Src:STARTED region eu-west-1",
    "succeed E1 Source.Src out=SrcOut@bucket/src.zip rev=abc123 summary=Added~LICENSE",
    "events E1 A:Source.Src:SUCCEEDED S:Source:SUCCEEDED S:Build:STARTED A:Build.B1:STARTED "
    "A:Build.B2:STARTED",
    "detail E1 A:Source.Src:SUCCEEDED output-artifacts "
    "[{\"name\":\"SrcOut\",\"s3location\":{\"bucket\":\"bucket\",\"key\":\"src.zip\"}}]",
    "detail E1 A:Source.Src:SUCCEEDED execution-result "
    "{\"external-execution-summary\":\"Added~LICENSE\"}",
    "detail E1 A:Build.B1:STARTED input-artifacts "
    "[{\"name\":\"SrcOut\",\"s3location\":{\"bucket\":\"bucket\",\"key\":\"src.zip\"}}]",
    "jobs Build.B1 Build.B2",
    "timers cancel 1",
    "timers set 2",
    "action E1 Build.T NotStarted",
    "succeed E1 Build.B1",
    "events E1 A:Build.B1:SUCCEEDED",
    "jobs -",
    "succeed E1 Build.B2",
    "events E1 A:Build.B2:SUCCEEDED A:Build.T:STARTED",
    "jobs Build.T",
    "succeed E1 Build.T",
    "events E1 A:Build.T:SUCCEEDED S:Build:SUCCEEDED S:Deploy:STARTED A:Deploy.D:STARTED",
    "job Deploy.D inputArtifacts "
    "[{\"name\":\"SrcOut\",\"s3location\":{\"bucket\":\"bucket\",\"key\":\"src.zip\"}}]",
    "job Deploy.D pipelineExecutionAttempt 1",
    "job Deploy.D attempt 1",
    "succeed E1 Deploy.D",
    "events E1 A:Deploy.D:SUCCEEDED S:Deploy:SUCCEEDED P:SUCCEEDED",
    "status E1 Succeeded",
    "lock Deploy -",
    "active 0",
    NULL,
};

static const char *const failure_in_group[] = {
    "start E1",
    "succeed E1 Source.Src",
    "fail E1 Build.B1 JobFailed compile~error",
    "events E1 A:Build.B1:FAILED",
    "detail E1 A:Build.B1:FAILED execution-result "
    "{\"error-code\":\"JobFailed\",\"external-execution-summary\":\"compile~error\"}",
    "status E1 InProgress",
    "stage E1 Build InProgress",
    "lock Build E1",
    "succeed E1 Build.B2",
    "events E1 A:Build.B2:SUCCEEDED S:Build:FAILED P:FAILED",
    "jobs -",
    "status E1 Failed",
    "stage E1 Build Failed",
    "action E1 Build.T NotStarted",
    "lock Build -",
    "exec-summary E1 compile~error",
    "error E1 Build.B1 JobFailed",
    NULL,
};

/* ---- stage locks and execution modes --------------------------------------------- */

static const char *const superseded_between_stages[] = {
    "start E1",
    "succeed E1 Source.Src",
    "lock Build E1",
    "start E2",
    "succeed E2 Source.Src",
    "events E2 A:Source.Src:SUCCEEDED S:Source:SUCCEEDED",
    "inbound Build E2",
    "start E3",
    "events E3 P:STARTED S:Source:STARTED A:Source.Src:STARTED",
    "succeed E3 Source.Src",
    "events E2 P:SUPERSEDED",
    "status E2 Superseded",
    "exec-summary E2 Superseded~by",
    "inbound Build E3",
    "stage E1 Build InProgress",
    "lock Build E1",
    "succeed E1 Build.B",
    "events E1 A:Build.B:SUCCEEDED S:Build:SUCCEEDED S:Deploy:STARTED A:Deploy.D:STARTED",
    "events E3 S:Build:STARTED A:Build.B:STARTED",
    "lock Build E3",
    "inbound Build -",
    "latest Build E3",
    NULL,
};

static const char *const superseded_at_first_stage[] = {
    "start E1",
    "start E2",
    "events E2 P:STARTED",
    "inbound Source E2",
    "start E3",
    "events E2 P:SUPERSEDED",
    "events E3 P:STARTED",
    "inbound Source E3",
    "succeed E1 Source.Src",
    "events E3 S:Source:STARTED A:Source.Src:STARTED",
    "lock Source E3",
    "lock Build E1",
    NULL,
};

static const char *const queued_fifo[] = {
    "start E1",
    "succeed E1 Source.Src",
    "start E2",
    "succeed E2 Source.Src",
    "start E3",
    "succeed E3 Source.Src",
    "status E2 InProgress",
    "inbound Build E2 E3",
    "lock Build E1",
    "succeed E1 Build.B",
    "events E2 S:Build:STARTED A:Build.B:STARTED",
    "inbound Build E3",
    "lock Build E2",
    "lock Deploy E1",
    "fail E2 Build.B",
    "status E2 Failed",
    "events E3 S:Build:STARTED A:Build.B:STARTED",
    "lock Build E3",
    "inbound Build -",
    NULL,
};

static const char *const parallel_no_lock[] = {
    "start E1",
    "start E2",
    "events E2 P:STARTED S:Source:STARTED A:Source.Src:STARTED",
    "lock Source -",
    "inbound Source -",
    "succeed E2 Source.Src",
    "succeed E1 Source.Src",
    "stage E1 Build InProgress",
    "stage E2 Build InProgress",
    "succeed E2 Build.B",
    "succeed E2 Deploy.D",
    "status E2 Succeeded",
    "status E1 InProgress",
    "active 1",
    NULL,
};

/* ---- stop ---------------------------------------------------------------------- */

static const char *const stop_and_wait[] = {
    "start E1",
    "succeed E1 Source.Src",
    "start E2",
    "succeed E2 Source.Src",
    "inbound Build E2",
    "stop E1 Stopping~for~a~fix",
    "reply ok",
    "events E1 P:STOPPING S:Build:STOPPING",
    "detail E1 P:STOPPING stop-execution-comments Stopping~for~a~fix",
    "status E1 Stopping",
    "stage E1 Build Stopping",
    "jobs -",
    "succeed E1 Build.B1",
    "events E1 A:Build.B1:SUCCEEDED",
    "status E1 Stopping",
    "succeed E1 Build.B2",
    "events E1 A:Build.B2:SUCCEEDED S:Build:STOPPED P:STOPPED",
    "action E1 Build.T NotStarted",
    "status E1 Stopped",
    "events E2 S:Build:STARTED A:Build.B1:STARTED A:Build.B2:STARTED",
    "lock Build E2",
    NULL,
};

static const char *const stop_and_abandon[] = {
    "start E1",
    "succeed E1 Source.Src",
    "stop E1 abandon",
    "reply ok",
    "events E1 P:STOPPING S:Build:STOPPING A:Build.B1:ABANDONED A:Build.B2:ABANDONED "
    "S:Build:STOPPED P:STOPPED",
    "timers cancel 2",
    "status E1 Stopped",
    "action E1 Build.B1 Abandoned",
    "lock Build -",
    "succeed E1 Build.B1",
    "reply InvalidJobStateException",
    "no-events",
    "status E1 Stopped",
    NULL,
};

static const char *const stop_rejections[] = {
    "stop 00000000-0000-4000-8000-000000000000",
    "reply PipelineExecutionNotStoppableException",
    "start E1",
    "stop E1",
    "reply ok",
    "stop E1",
    "reply DuplicatedStopRequestException",
    "no-events",
    "stop E1 abandon now",
    "reply ok",
    "events E1 A:Source.Src:ABANDONED S:Source:STOPPED P:STOPPED",
    "stop E1 abandon",
    "reply PipelineExecutionNotStoppableException",
    "start E2",
    "succeed E2 Source.Src",
    "succeed E2 Build.B",
    "succeed E2 Deploy.D",
    "status E2 Succeeded",
    "stop E2",
    "reply PipelineExecutionNotStoppableException",
    NULL,
};

static const char *const stop_waiting_execution[] = {
    "start E1",
    "succeed E1 Source.Src",
    "start E2",
    "succeed E2 Source.Src",
    "inbound Build E2",
    "stop E2 not~needed",
    "reply ok",
    "events E2 P:STOPPING P:STOPPED",
    "status E2 Stopped",
    "inbound Build -",
    "stage E2 Build NotStarted",
    "retry E2 Build FAILED_ACTIONS",
    "reply StageNotRetryableException",
    NULL,
};

/* ---- retry --------------------------------------------------------------------- */

static const char *const retry_failed_actions[] = {
    "start E1",
    "succeed E1 Source.Src",
    "fail E1 Build.B1",
    "succeed E1 Build.B2",
    "status E1 Failed",
    "retry E1 Build FAILED_ACTIONS",
    "reply ok",
    "events E1 P:RESUMED S:Build:RESUMED A:Build.B1:STARTED",
    "detail E1 P:RESUMED pipeline-execution-attempt 2",
    "detail E1 A:Build.B1:STARTED pipeline-execution-attempt 2",
    "jobs Build.B1",
    "job Build.B1 attempt 2",
    "status E1 InProgress",
    "attempt E1 2",
    "action-attempt E1 Build.B1 2",
    "action-attempt E1 Build.B2 1",
    "lock Build E1",
    "succeed E1 Build.B1",
    "events E1 A:Build.B1:SUCCEEDED A:Build.T:STARTED",
    "succeed E1 Build.T",
    "succeed E1 Deploy.D",
    "status E1 Succeeded",
    NULL,
};

static const char *const retry_all_actions[] = {
    "start E1",
    "succeed E1 Source.Src",
    "succeed E1 Build.B1",
    "succeed E1 Build.B2",
    "fail E1 Build.T",
    "status E1 Failed",
    "retry E1 Build ALL_ACTIONS",
    "reply ok",
    "events E1 P:RESUMED S:Build:RESUMED A:Build.B1:STARTED A:Build.B2:STARTED",
    "jobs Build.B1 Build.B2",
    "action-attempt E1 Build.B2 2",
    "action-attempt E1 Build.T 1",
    "succeed E1 Build.B1",
    "succeed E1 Build.B2",
    "events E1 A:Build.B2:SUCCEEDED A:Build.T:STARTED",
    "action-attempt E1 Build.T 2",
    "succeed E1 Build.T",
    "stage E1 Build Succeeded",
    NULL,
};

static const char *const retry_rejections[] = {
    "start E1",
    "succeed E1 Source.Src",
    "retry E1 Build FAILED_ACTIONS",
    "reply StageNotRetryableException",
    "fail E1 Build.B",
    "retry E1 Nope FAILED_ACTIONS",
    "reply StageNotFoundException",
    "retry 00000000-0000-4000-8000-000000000000 Build FAILED_ACTIONS",
    "reply StageNotRetryableException",
    "retry E1 Source FAILED_ACTIONS",
    "reply StageNotRetryableException",
    "start E2",
    "succeed E2 Source.Src",
    "events E2 A:Source.Src:SUCCEEDED S:Source:SUCCEEDED S:Build:STARTED A:Build.B:STARTED",
    "latest Build E2",
    "retry E1 Build FAILED_ACTIONS",
    "reply NotLatestPipelineExecutionException",
    "status E1 Failed",
    NULL,
};

static const char *const retry_after_update[] = {
    "start E1",
    "succeed E1 Source.Src",
    "fail E1 Build.B",
    "update 2",
    "reply ok",
    "retry E1 Build FAILED_ACTIONS",
    "reply StageNotRetryableException",
    NULL,
};

static const char *const retry_after_stop[] = {
    "start E1",
    "succeed E1 Source.Src",
    "stop E1 abandon",
    "status E1 Stopped",
    "retry E1 Build FAILED_ACTIONS",
    "reply ok",
    "events E1 P:RESUMED S:Build:RESUMED A:Build.B:STARTED",
    "action-attempt E1 Build.B 2",
    "succeed E1 Build.B",
    "stage E1 Build Succeeded",
    NULL,
};

/* ---- transitions --------------------------------------------------------------- */

static const char *const inbound_disabled[] = {
    "disable Build inbound",
    "reply ValidationException",
    "disable Nope inbound maintenance",
    "reply StageNotFoundException",
    "disable Build inbound maintenance",
    "reply ok",
    "transition Build inbound disabled",
    "start E1",
    "succeed E1 Source.Src",
    "events E1 A:Source.Src:SUCCEEDED S:Source:SUCCEEDED",
    "inbound Build E1",
    "lock Build -",
    "start E2",
    "succeed E2 Source.Src",
    "status E1 Superseded",
    "inbound Build E2",
    "enable Build inbound",
    "reply ok",
    "transition Build inbound enabled",
    "events E2 S:Build:STARTED A:Build.B:STARTED",
    "inbound Build -",
    "lock Build E2",
    NULL,
};

static const char *const outbound_disabled[] = {
    "disable Source outbound hold",
    "start E1",
    "succeed E1 Source.Src",
    "inbound Build E1",
    "stage E1 Source Succeeded",
    "lock Source -",
    "enable Source outbound",
    "events E1 S:Build:STARTED A:Build.B:STARTED",
    NULL,
};

static const char *const queued_transition[] = {
    "disable Build inbound freeze",
    "start E1",
    "succeed E1 Source.Src",
    "start E2",
    "succeed E2 Source.Src",
    "inbound Build E1 E2",
    "enable Build inbound",
    "events E1 S:Build:STARTED A:Build.B:STARTED",
    "events E2 -",
    "inbound Build E2",
    "succeed E1 Build.B",
    "events E2 S:Build:STARTED A:Build.B:STARTED",
    NULL,
};

/* ---- variables ------------------------------------------------------------------ */

#define VARPIPE                                                                                    \
    "Source: Src(Source/CodeCommit out=SrcOut ns=SV) | "                                           \
    "Build: B(Build/CodeBuild in=SrcOut cfg=Target:#{variables.Env} "                              \
    "cfg=Commit:commit-#{SV.CommitId} "                                                            \
    "cfg=Run:#{codepipeline.PipelineExecutionId} cfg=Plain:no~#{refs} ns=BV) "                     \
    "C(Compute/Commands order=2 cmd=make~#{BV.Tag} env=REGION:#{variables.Region})"

static const char *const variables_resolved[] = {
    "start E0 var=Nope=1",
    "reply ValidationException",
    "start E1 var=Env=prod",
    "reply ok",
    "succeed E1 Source.Src var=CommitId=abc123",
    "resolved E1 Build.B Target prod",
    "resolved E1 Build.B Commit commit-abc123",
    "resolved E1 Build.B Run $E1",
    "resolved E1 Build.B Plain no~#{refs}",
    "job Build.B configuration *",
    "succeed E1 Build.B var=Tag=v7",
    "job Build.C commands [\"make~v7\"]",
    "job Build.C environmentVariables "
    "[{\"name\":\"REGION\",\"type\":\"PLAINTEXT\",\"value\":\"\"}]",
    "succeed E1 Build.C",
    "status E1 Succeeded",
    "start E2",
    "succeed E2 Source.Src var=CommitId=def",
    "resolved E2 Build.B Target dev",
    "resolved E2 Build.B Commit commit-def",
    "start E3 token=t-1 var=Env=qa",
    "reply ok",
    "start E4 token=t-1 var=Env=prod",
    "reply ConflictException",
    "start E5 token=t-1 var=Env=qa",
    "reply ok",
    "same E3 E5",
    "start E6 token=not_valid!",
    "reply ValidationException",
    NULL,
};

static const char *const variables_unresolvable[] = {
    "start E1",
    "succeed E1 Source.Src",
    "events E1 A:Source.Src:SUCCEEDED S:Source:SUCCEEDED S:Build:STARTED A:Build.B:STARTED "
    "A:Build.B:FAILED S:Build:FAILED P:FAILED",
    "error E1 Build.B ConfigurationError",
    "summary E1 Build.B #{SV.CommitId}",
    "jobs -",
    "status E1 Failed",
    NULL,
};

/* ---- timeouts -------------------------------------------------------------------- */

#define TIMEPIPE                                                                                   \
    "Source: Src(Source/S3 out=SrcOut) | Build: B(Build/CodeBuild) L(Invoke/Lambda) "              \
    "X(Build/Jenkins owner=Custom) "                                                               \
    "O(Test/Other) | Deploy: S(Deploy/S3) CF(Deploy/CloudFormation) | Gate: A(Approval/Manual) "   \
    "M(Approval/Manual timeout=90)"

static const char *const timeouts[] = {
    "start E1",
    "deadline E1 Source.Src 60",
    "succeed E1 Source.Src",
    "deadline E1 Build.B 480",
    "deadline E1 Build.L 1440",
    "deadline E1 Build.X 1440",
    "deadline E1 Build.O 60",
    "timer-early E1 Build.B",
    "no-events",
    "timers set 1",
    "action E1 Build.B InProgress",
    "succeed E1 Build.L",
    "succeed E1 Build.X",
    "succeed E1 Build.O",
    "timeout E1 Build.B",
    "events E1 A:Build.B:FAILED S:Build:FAILED P:FAILED",
    "error E1 Build.B TimedOut",
    "summary E1 Build.B 8~hours",
    "status E1 Failed",
    "timeout E1 Build.B",
    "no-events",
    "retry E1 Build FAILED_ACTIONS",
    "succeed E1 Build.B",
    "deadline E1 Deploy.S 90",
    "deadline E1 Deploy.CF 4320",
    "succeed E1 Deploy.S",
    "succeed E1 Deploy.CF",
    "deadline E1 Gate.A 10080",
    "deadline E1 Gate.M 90",
    "timeout E1 Gate.M",
    "summary E1 Gate.M 90~minutes",
    "action E1 Gate.M Failed",
    "approve E1 Gate.A",
    "events E1 A:Gate.A:SUCCEEDED S:Gate:FAILED P:FAILED",
    NULL,
};

/* ---- approvals --------------------------------------------------------------------- */

#define GATEPIPE                                                                                   \
    "Source: Src(Source/CodeCommit out=SrcOut) | Gate: A(Approval/Manual "                         \
    "cfg=CustomData:Ship~it?) | Deploy: D(Deploy/S3)"

static const char *const approvals[] = {
    "start E1",
    "succeed E1 Source.Src",
    "events E1 A:Source.Src:SUCCEEDED S:Source:SUCCEEDED S:Gate:STARTED A:Gate.A:STARTED",
    "job Gate.A token *",
    "job Gate.A expires *",
    "job Gate.A configuration {\"CustomData\":\"Ship~it?\"}",
    "approve-token 00000000-0000-4000-8000-000000000000 Gate.A",
    "reply InvalidApprovalTokenException",
    "approve-token 00000000-0000-4000-8000-000000000000 Nope.A",
    "reply StageNotFoundException",
    "approve-token 00000000-0000-4000-8000-000000000000 Gate.Nope",
    "reply ActionNotFoundException",
    "succeed E1 Gate.A",
    "reply InvalidJobStateException",
    "approve E1 Gate.A Looks~good",
    "reply ok",
    "events E1 A:Gate.A:SUCCEEDED S:Gate:SUCCEEDED S:Deploy:STARTED A:Deploy.D:STARTED",
    "summary E1 Gate.A Looks~good",
    "approve E1 Gate.A",
    "reply ApprovalAlreadyCompletedException",
    "no-events",
    NULL,
};

static const char *const approval_rejected[] = {
    "start E1",
    "succeed E1 Source.Src",
    "reject E1 Gate.A Not~today",
    "reply ok",
    "events E1 A:Gate.A:FAILED S:Gate:FAILED P:FAILED",
    "summary E1 Gate.A Not~today",
    "status E1 Failed",
    "retry E1 Gate FAILED_ACTIONS",
    "reply ok",
    "job Gate.A token *",
    "action-attempt E1 Gate.A 2",
    "approve E1 Gate.A",
    "status E1 InProgress",
    "stage E1 Gate Succeeded",
    NULL,
};

/* ---- who and what the read views show: summary, lastUpdatedBy, updatedBy ------------------ */

#define WHOPIPE                                                                                    \
    "Source: Src(Source/CodeCommit out=SrcOut ns=SourceVariables) | Gate: A(Approval/Manual "      \
    "cfg=CustomData:Deploy~#{SourceVariables.CommitId}?) | Deploy: D(Deploy/S3)"

#define WORKER   "arn:aws:iam::111122223333:user/worker"
#define ALICE    "arn:aws:iam::111122223333:user/alice"
#define DEPLOYER "arn:aws:iam::111122223333:role/deployer"
#define LATEST   "actionStates.0.latestExecution."

static const char *const views_who[] = {
    "start E1",
    /* a job result without an identity records none */
    "view Source " LATEST "status InProgress",
    "view Source " LATEST "lastUpdatedBy -",
    "succeed E1 Source.Src var=CommitId=abc123 by=" WORKER,
    "reply ok",
    "view Source " LATEST "status Succeeded",
    "view Source " LATEST "lastUpdatedBy " WORKER,
    "action-view E1 Source.Src updatedBy " WORKER,
    "action-view E1 Source.Src status Succeeded",
    /* the pending approval shows its resolved CustomData next to the token */
    "view Gate " LATEST "status InProgress",
    "view Gate " LATEST "summary Deploy~abc123?",
    "view Gate " LATEST "token *",
    "view Gate " LATEST "lastUpdatedBy -",
    "action-view E1 Gate.A status InProgress",
    "action-view E1 Gate.A updatedBy -",
    "action-view E1 Gate.A input.configuration.CustomData Deploy~#{SourceVariables.CommitId}?",
    "action-view E1 Gate.A input.resolvedConfiguration.CustomData Deploy~abc123?",
    "job Gate.A configuration {\"CustomData\":\"Deploy~abc123?\"}",
    /* a refused answer changes nothing that is shown */
    "approve-token 00000000-0000-4000-8000-000000000000 Gate.A",
    "reply InvalidApprovalTokenException",
    "view Gate " LATEST "summary Deploy~abc123?",
    "view Gate " LATEST "lastUpdatedBy -",
    /* the answer: the approver's summary and identity */
    "approve E1 Gate.A Ship~it by=" ALICE,
    "reply ok",
    "view Gate " LATEST "status Succeeded",
    "view Gate " LATEST "summary Ship~it",
    "view Gate " LATEST "lastUpdatedBy " ALICE,
    "action-view E1 Gate.A status Succeeded",
    "action-view E1 Gate.A updatedBy " ALICE,
    "action-view E1 Gate.A output.executionResult.externalExecutionSummary Ship~it",
    "detail E1 A:Gate.A:SUCCEEDED execution-result {\"external-execution-summary\":\"Ship~it\"}",
    /* job results: the identity of the latest one that named one */
    "progress E1 Deploy.D step-1 by=" DEPLOYER,
    "reply ok",
    "view Deploy " LATEST "status InProgress",
    "view Deploy " LATEST "lastUpdatedBy " DEPLOYER,
    "view Deploy " LATEST "percentComplete 50",
    "action-view E1 Deploy.D updatedBy " DEPLOYER,
    "succeed E1 Deploy.D summary=deployed",
    "reply ok",
    "view Deploy " LATEST "status Succeeded",
    "view Deploy " LATEST "summary deployed",
    "view Deploy " LATEST "lastUpdatedBy " DEPLOYER,
    "action-view E1 Deploy.D updatedBy " DEPLOYER,
    "status E1 Succeeded",
    /* a failed job result by a named worker */
    "start E2",
    "fail E2 Source.Src by=" WORKER " JobFailed no~such~branch",
    "reply ok",
    "view Source " LATEST "status Failed",
    "view Source " LATEST "lastUpdatedBy " WORKER,
    "view Source " LATEST "errorDetails.message no~such~branch",
    "action-view E2 Source.Src updatedBy " WORKER,
    "action-view E2 Source.Src output.executionResult.errorDetails.code JobFailed",
    /* E1's approval is still the Gate's latest, unchanged */
    "view Gate " LATEST "lastUpdatedBy " ALICE,
    NULL,
};

static const char *const views_rejected[] = {
    "start E1",
    "succeed E1 Source.Src var=CommitId=f00d",
    "view Gate " LATEST "summary Deploy~f00d?",
    "reject E1 Gate.A Not~today by=" ALICE,
    "reply ok",
    "view Gate " LATEST "status Failed",
    "view Gate " LATEST "summary Not~today",
    "view Gate " LATEST "lastUpdatedBy " ALICE,
    "action-view E1 Gate.A updatedBy " ALICE,
    /* a retried approval waits again with its CustomData, answered by no one yet */
    "retry E1 Gate FAILED_ACTIONS",
    "reply ok",
    "view Gate " LATEST "status InProgress",
    "view Gate " LATEST "summary Deploy~f00d?",
    "view Gate " LATEST "lastUpdatedBy -",
    "action-view E1 Gate.A updatedBy -",
    /* an answer without a summary leaves none (CustomData is not the approver's) */
    "approve E1 Gate.A by=" ALICE,
    "reply ok",
    "view Gate " LATEST "status Succeeded",
    "view Gate " LATEST "summary -",
    "view Gate " LATEST "lastUpdatedBy " ALICE,
    NULL,
};

/* Without CustomData a pending approval has no summary; a timeout names itself. */
static const char *const views_no_custom_data[] = {
    "start E1",
    "succeed E1 Source.Src",
    "view Gate " LATEST "status InProgress",
    "view Gate " LATEST "token *",
    "view Gate " LATEST "summary -",
    "action-view E1 Gate.A output.executionResult.externalExecutionSummary -",
    "timeout E1 Gate.A",
    "view Gate " LATEST "status Failed",
    "view Gate " LATEST "lastUpdatedBy -",
    "summary E1 Gate.A timed~out",
    NULL,
};

/* ---- pipeline updates, duplicates, continuations ---------------------------------------- */

static const char *const update_cancels[] = {
    "start E1",
    "succeed E1 Source.Src",
    "start E2",
    "succeed E2 Source.Src",
    "update 2",
    "reply ok",
    "events E1 A:Build.B:CANCELED S:Build:CANCELED P:CANCELED",
    "events E2 P:CANCELED",
    "status E1 Cancelled",
    "status E2 Cancelled",
    "stage E1 Build Cancelled",
    "action E1 Build.B Abandoned",
    "exec-summary E1 definition~was~updated",
    "lock Build -",
    "active 0",
    "start E3",
    "detail E3 P:STARTED version 2",
    "update 2",
    "reply ok",
    "no-events",
    "status E3 InProgress",
    "update 1",
    "no-events",
    NULL,
};

static const char *const duplicates[] = {
    "start E1 token=abc",
    "start E2 token=abc",
    "reply ok",
    "same E1 E2",
    "no-events",
    "active 1",
    "succeed E1 Source.Src",
    "resend",
    "reply InvalidJobStateException",
    "no-events",
    "jobs -",
    "timeout E1 Source.Src",
    "no-events",
    "stage E1 Source Succeeded",
    NULL,
};

static const char *const continuation[] = {
    "start E1",
    "progress E1 Source.Src cont-1",
    "reply ok",
    "no-events",
    "jobs Source.Src",
    "job Source.Src continuationToken cont-1",
    "action E1 Source.Src InProgress",
    "resend",
    "reply JobNotFoundException",
    "succeed E1 Source.Src",
    "events E1 A:Source.Src:SUCCEEDED S:Source:SUCCEEDED S:Build:STARTED A:Build.B:STARTED",
    NULL,
};

static const char *const source_revision_override[] = {
    "start E1 rev=Src:COMMIT_ID:abc123",
    "reply ok",
    "job Source.Src sourceRevision {\"revisionType\":\"COMMIT_ID\",\"revisionValue\":\"abc123\"}",
    "start E2 rev=B:COMMIT_ID:abc",
    "reply ValidationException",
    NULL,
};

static const es_case cases[] = {
    {"happy path", MODEL_MODE_SUPERSEDED, PIPE3, NULL, happy_path, NULL},
    {"failure in a parallel group", MODEL_MODE_SUPERSEDED, PIPE3, NULL, failure_in_group, NULL},
    {"superseded between stages", MODEL_MODE_SUPERSEDED, LINE3, NULL, superseded_between_stages,
     NULL},
    {"superseded at the first stage", MODEL_MODE_SUPERSEDED, LINE3, NULL, superseded_at_first_stage,
     NULL},
    {"queued FIFO", MODEL_MODE_QUEUED, LINE3, NULL, queued_fifo, NULL},
    {"parallel without locks", MODEL_MODE_PARALLEL, LINE3, NULL, parallel_no_lock, NULL},
    {"stop and wait", MODEL_MODE_SUPERSEDED, PIPE3, NULL, stop_and_wait, NULL},
    {"stop and abandon", MODEL_MODE_SUPERSEDED, PIPE3, NULL, stop_and_abandon, NULL},
    {"stop rejections", MODEL_MODE_SUPERSEDED, LINE3, NULL, stop_rejections, NULL},
    {"stop a waiting execution", MODEL_MODE_SUPERSEDED, LINE3, NULL, stop_waiting_execution, NULL},
    {"retry failed actions", MODEL_MODE_SUPERSEDED, PIPE3, NULL, retry_failed_actions, NULL},
    {"retry all actions", MODEL_MODE_SUPERSEDED, PIPE3, NULL, retry_all_actions, NULL},
    {"retry rejections", MODEL_MODE_SUPERSEDED, LINE3, NULL, retry_rejections, NULL},
    {"retry after update", MODEL_MODE_SUPERSEDED, LINE3, NULL, retry_after_update, NULL},
    {"retry after stop", MODEL_MODE_SUPERSEDED, LINE3, NULL, retry_after_stop, NULL},
    {"inbound transition disabled", MODEL_MODE_SUPERSEDED, LINE3, NULL, inbound_disabled, NULL},
    {"outbound transition disabled", MODEL_MODE_SUPERSEDED, LINE3, NULL, outbound_disabled, NULL},
    {"queued behind a transition", MODEL_MODE_QUEUED, LINE3, NULL, queued_transition, NULL},
    {"variables resolved", MODEL_MODE_SUPERSEDED, VARPIPE, "Env=dev,Region", variables_resolved,
     NULL},
    {"variables unresolvable", MODEL_MODE_SUPERSEDED,
     "Source: Src(Source/CodeCommit ns=SV) | Build: B(Build/CodeBuild cfg=X:#{SV.CommitId})", NULL,
     variables_unresolvable, NULL},
    {"timeouts", MODEL_MODE_SUPERSEDED, TIMEPIPE, NULL, timeouts, NULL},
    {"approvals", MODEL_MODE_SUPERSEDED, GATEPIPE, NULL, approvals, NULL},
    {"approval rejected", MODEL_MODE_SUPERSEDED, GATEPIPE, NULL, approval_rejected, NULL},
    {"views: summary and identities", MODEL_MODE_SUPERSEDED, WHOPIPE, NULL, views_who, NULL},
    {"views: rejected and retried approval", MODEL_MODE_SUPERSEDED, WHOPIPE, NULL, views_rejected,
     NULL},
    {"views: approval without CustomData", MODEL_MODE_SUPERSEDED,
     "Source: Src(Source/CodeCommit) | Gate: A(Approval/Manual) | Deploy: D(Deploy/S3)", NULL,
     views_no_custom_data, NULL},
    {"update cancels", MODEL_MODE_SUPERSEDED, LINE3, NULL, update_cancels, NULL},
    {"duplicates", MODEL_MODE_SUPERSEDED, LINE3, NULL, duplicates, NULL},
    {"continuation", MODEL_MODE_SUPERSEDED, LINE3, NULL, continuation, NULL},
    {"source revision override", MODEL_MODE_SUPERSEDED, LINE3, NULL, source_revision_override,
     NULL},
};

static void test_cases(void)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int failures = es_run(&cases[i]);
        fprintf(stderr, "%s %s\n", failures == 0 ? "  ok  " : "  FAIL", cases[i].name);
        CHECK_INT_EQ(failures, 0);
    }
}

int main(void)
{
    RUN_TEST(test_cases);
    return sluice_test_report();
}
