/*
 * test_engine_conditions.c — V2 stage conditions and automatic retry, one
 * table per rule and result: onFailure RETRY / FAIL, beforeEntry FAIL / SKIP,
 * onSuccess FAIL, rules decided by the engine (VariableCheck,
 * DeploymentWindow) and run as jobs (LambdaInvoke, Commands), and the
 * condition states of GetPipelineState (line format in engine_script.h).
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

/* Build produces what Deploy needs. */
#define HANDOFF                                                                                    \
    "Source: Src(Source/CodeCommit out=SrcOut) | Build: B(Build/CodeBuild in=SrcOut out=BinOut) "  \
    "| Deploy: D(Deploy/S3 in=BinOut)"

/* A rule declaration: name, provider, then the rest of the rule's members. */
#define RULE(name, provider, rest)                                                                 \
    "{'name':'" name "','ruleTypeId':{'category':'Rule','owner':'AWS','provider':'" provider       \
    "','version':'1'}" rest "}"

#define VARCHECK(name, variable, op, value)                                                        \
    RULE(name, "VariableCheck",                                                                    \
         ",'configuration':{'Variable':'" variable "','Operator':'" op "','Value':'" value "'}")

#define WINDOW(name, cron, zone)                                                                   \
    RULE(name, "DeploymentWindow", ",'configuration':{'Cron':'" cron "','TimeZone':'" zone "'}")

/* One condition with one rule. */
#define CONDITION(result, rule) "{'conditions':[{'result':'" result "','rules':[" rule "]}]}"

#define RETRY_ON_FAILURE(mode) "{'result':'RETRY','retryConfiguration':{'retryMode':'" mode "'}}"

#define RETRY_IF(mode, rule)                                                                       \
    "{'result':'RETRY','retryConfiguration':{'retryMode':'" mode                                   \
    "'},'conditions':[{'result':'FAIL','rules':[" rule "]}]}"

/* ---- onFailure RETRY: automatic retry --------------------------------------------- */

static const char *const auto_retry_failed_actions[] = {
    "start E1",
    "succeed E1 Source.Src",
    "fail E1 Build.B1 JobFailed compile~error",
    "events E1 A:Build.B1:FAILED",
    "status E1 InProgress",
    "succeed E1 Build.B2",
    "events E1 A:Build.B2:SUCCEEDED S:Build:FAILED P:FAILED P:RESUMED S:Build:RESUMED "
    "A:Build.B1:STARTED",
    "detail E1 P:FAILED pipeline-execution-attempt 1",
    "detail E1 P:RESUMED pipeline-execution-attempt 2",
    "detail E1 S:Build:RESUMED pipeline-execution-attempt 2",
    "jobs Build.B1",
    "job Build.B1 pipelineExecutionAttempt 2",
    "status E1 InProgress",
    "attempt E1 2",
    "action-attempt E1 Build.B1 2",
    "action-attempt E1 Build.B2 1",
    "lock Build E1",
    "view Build latestExecution.status InProgress",
    "view Build retryStageMetadata.autoStageRetryAttempt 1",
    "view Build retryStageMetadata.latestRetryTrigger AutomatedStageRetry",
    "view Build retryStageMetadata.manualStageRetryAttempt -",
    "view Build onFailureConditionState -",
    /* a second failure fails the execution */
    "fail E1 Build.B1",
    "events E1 A:Build.B1:FAILED S:Build:FAILED P:FAILED",
    "status E1 Failed",
    "attempt E1 2",
    "lock Build -",
    "exec-summary E1 Action~B1~in~stage~Build~failed",
    /* a manual retry is still possible; it does not retry automatically again */
    "retry E1 Build FAILED_ACTIONS",
    "reply ok",
    "events E1 P:RESUMED S:Build:RESUMED A:Build.B1:STARTED",
    "view Build retryStageMetadata.autoStageRetryAttempt 1",
    "view Build retryStageMetadata.manualStageRetryAttempt 1",
    "view Build retryStageMetadata.latestRetryTrigger ManualStageRetry",
    "fail E1 Build.B1",
    "events E1 A:Build.B1:FAILED S:Build:FAILED P:FAILED",
    "status E1 Failed",
    "attempt E1 3",
    NULL,
};

static const char *const auto_retry_all_actions[] = {
    "start E1",
    "succeed E1 Source.Src",
    "succeed E1 Build.B1",
    "succeed E1 Build.B2",
    "fail E1 Build.T",
    "events E1 A:Build.T:FAILED S:Build:FAILED P:FAILED P:RESUMED S:Build:RESUMED "
    "A:Build.B1:STARTED A:Build.B2:STARTED",
    "action-attempt E1 Build.B1 2",
    "action-attempt E1 Build.T 1",
    "succeed E1 Build.B1",
    "succeed E1 Build.B2",
    "events E1 A:Build.B2:SUCCEEDED A:Build.T:STARTED",
    "succeed E1 Build.T",
    "events E1 A:Build.T:SUCCEEDED S:Build:SUCCEEDED S:Deploy:STARTED A:Deploy.D:STARTED",
    "view Build latestExecution.status Succeeded",
    "view Build retryStageMetadata.autoStageRetryAttempt 1",
    "succeed E1 Deploy.D",
    "status E1 Succeeded",
    NULL,
};

/* A timed-out action is a failure like any other. */
static const char *const auto_retry_after_timeout[] = {
    "start E1",
    "succeed E1 Source.Src",
    "timeout E1 Build.B",
    "events E1 A:Build.B:FAILED S:Build:FAILED P:FAILED P:RESUMED S:Build:RESUMED "
    "A:Build.B:STARTED",
    "action E1 Build.B InProgress",
    "succeed E1 Build.B",
    "stage E1 Build Succeeded",
    NULL,
};

static const char *const on_failure_fail[] = {
    "start E1",
    "succeed E1 Source.Src",
    "fail E1 Build.B",
    "events E1 A:Build.B:FAILED S:Build:FAILED P:FAILED",
    "status E1 Failed",
    "view Build retryStageMetadata -",
    "view Build onFailureConditionState -",
    NULL,
};

/* Stopped is not failed: no automatic retry. */
static const char *const auto_retry_not_after_stop[] = {
    "start E1",
    "succeed E1 Source.Src",
    "stop E1 abandon",
    "events E1 P:STOPPING S:Build:STOPPING A:Build.B:ABANDONED S:Build:STOPPED P:STOPPED",
    "status E1 Stopped",
    "view Build retryStageMetadata -",
    NULL,
};

static const char *const auto_retry_if_rules_pass[] = {
    "start E1",
    "succeed E1 Source.Src",
    "fail E1 Build.B",
    "events E1 A:Build.B:FAILED S:Build:FAILED P:FAILED P:RESUMED S:Build:RESUMED "
    "A:Build.B:STARTED",
    "condition E1 Build onFailure Succeeded",
    "view Build onFailureConditionState.latestExecution.status Succeeded",
    "view Build retryStageMetadata.autoStageRetryAttempt 1",
    "succeed E1 Build.B",
    "fail E1 Deploy.D",
    "events E1 A:Deploy.D:FAILED S:Deploy:FAILED P:FAILED",
    "status E1 Failed",
    "condition E1 Deploy onFailure Failed",
    "rule E1 Deploy.onFailure.IsProd Failed",
    "view Deploy onFailureConditionState.latestExecution.status Failed",
    "view Deploy onFailureConditionState.latestExecution.summary "
    "Rule~IsProd~failed:~\"dev\"~does~not~equal~\"prod\"",
    "view Deploy onFailureConditionState.conditionStates.0.latestExecution.status Failed",
    "view Deploy onFailureConditionState.conditionStates.0.ruleStates.0.ruleName IsProd",
    "view Deploy onFailureConditionState.conditionStates.0.ruleStates.0.latestExecution.status "
    "Failed",
    "view Deploy onFailureConditionState.conditionStates.0.ruleStates.0.latestExecution.summary "
    "\"dev\"~does~not~equal~\"prod\"",
    "view Deploy onFailureConditionState.conditionStates.0.ruleStates.0.latestExecution."
    "ruleExecutionId *",
    "view Deploy retryStageMetadata -",
    NULL,
};

/* The onFailure rule runs as a job: the failed stage keeps its lock until the job answers. */
static const char *const auto_retry_after_rule_job[] = {
    "start E1",
    "succeed E1 Source.Src",
    "fail E1 Build.B",
    "events E1 A:Build.B:FAILED",
    "jobs Build.Gate",
    "job Build.Gate conditionType ON_FAILURE",
    "job Build.Gate ruleTypeId "
    "{\"category\":\"Rule\",\"owner\":\"AWS\",\"provider\":\"LambdaInvoke\",\"version\":\"1\"}",
    "job Build.Gate configuration {\"FunctionName\":\"gate\"}",
    "timers set 1",
    "status E1 InProgress",
    "stage E1 Build InProgress",
    "lock Build E1",
    "condition E1 Build onFailure InProgress",
    "view Build onFailureConditionState.latestExecution.status InProgress",
    "start E2",
    "succeed E2 Source.Src",
    "inbound Build E2",
    "rule-succeed E1 Build.onFailure.Gate retry~is~fine",
    "events E1 S:Build:FAILED P:FAILED P:RESUMED S:Build:RESUMED A:Build.B:STARTED",
    "timers cancel 1",
    "condition E1 Build onFailure Succeeded",
    "lock Build E1",
    "inbound Build E2",
    NULL,
};

/* ---- beforeEntry ------------------------------------------------------------------ */

static const char *const entry_skip[] = {
    "start E1",
    "succeed E1 Source.Src",
    "events E1 A:Source.Src:SUCCEEDED S:Source:SUCCEEDED S:Deploy:STARTED A:Deploy.D:STARTED",
    "jobs Deploy.D",
    "stage E1 Build Skipped",
    "condition E1 Build beforeEntry Failed",
    "rule E1 Build.beforeEntry.IsProd Failed",
    "rule-summary E1 Build.beforeEntry.IsProd \"dev\"~does~not~equal~\"prod\"",
    "lock Build -",
    "latest Build E1",
    "view Build latestExecution.status Skipped",
    "view Build latestExecution.pipelineExecutionId *",
    "view Build beforeEntryConditionState.latestExecution.status Failed",
    "view Build beforeEntryConditionState.conditionStates.0.ruleStates.0.ruleName IsProd",
    "view Build beforeEntryConditionState.conditionStates.0.ruleStates.0.latestExecution.status "
    "Failed",
    "view Build actionStates.0.latestExecution -",
    "succeed E1 Deploy.D",
    "events E1 A:Deploy.D:SUCCEEDED S:Deploy:SUCCEEDED P:SUCCEEDED",
    "status E1 Succeeded",
    /* with Env=prod the stage is entered */
    "start E2 var=Env=prod",
    "succeed E2 Source.Src",
    "events E2 A:Source.Src:SUCCEEDED S:Source:SUCCEEDED S:Build:STARTED A:Build.B:STARTED",
    "condition E2 Build beforeEntry Succeeded",
    "view Build beforeEntryConditionState.latestExecution.status Succeeded",
    "view Build beforeEntryConditionState.conditionStates.0.ruleStates.0.latestExecution.summary "
    "\"prod\"~equals~\"prod\"",
    "view Build latestExecution.status InProgress",
    NULL,
};

/* A later action needing an artifact of the skipped stage fails the execution. */
static const char *const entry_skip_missing_artifact[] = {
    "start E1",
    "succeed E1 Source.Src",
    "events E1 A:Source.Src:SUCCEEDED S:Source:SUCCEEDED S:Deploy:STARTED A:Deploy.D:STARTED "
    "A:Deploy.D:FAILED S:Deploy:FAILED P:FAILED",
    "jobs -",
    "error E1 Deploy.D ConfigurationError",
    "summary E1 Deploy.D Input~artifact~BinOut~was~not~produced:~stage~Build~was~skipped",
    "exec-summary E1 stage~Build~was~skipped",
    "status E1 Failed",
    NULL,
};

static const char *const entry_fail_then_retry[] = {
    "start E1",
    "succeed E1 Source.Src",
    "events E1 A:Source.Src:SUCCEEDED S:Source:SUCCEEDED S:Build:STARTED S:Build:FAILED P:FAILED",
    "jobs -",
    "status E1 Failed",
    "stage E1 Build Failed",
    "action E1 Build.B NotStarted",
    "lock Build -",
    "exec-summary E1 Stage~Build:~the~beforeEntry~condition~failed:~Rule~Window~failed",
    "rule-summary E1 Build.beforeEntry.Window "
    "2026-01-01~00:00~UTC~is~outside~the~deployment~window",
    "archived-rule E1 Build.beforeEntry.Window Failed",
    "view Build latestExecution.status Failed",
    "view Build beforeEntryConditionState.latestExecution.status Failed",
    /* a retry evaluates the entry condition again: still outside */
    "retry E1 Build FAILED_ACTIONS",
    "reply ok",
    "events E1 P:RESUMED S:Build:RESUMED S:Build:FAILED P:FAILED",
    "archived-rule E1 Build.beforeEntry.Window Failed",
    "attempt E1 2",
    /* inside the window (Monday 10:30) the retry enters the stage */
    "at 2026-01-05T10:30:00Z",
    "retry E1 Build ALL_ACTIONS",
    "events E1 P:RESUMED S:Build:RESUMED A:Build.B:STARTED",
    "rule-summary E1 Build.beforeEntry.Window 2026-01-05~10:30~UTC~is~inside",
    "archived-rule E1 Build.beforeEntry.Window Succeeded",
    "view Build retryStageMetadata.manualStageRetryAttempt 2",
    "succeed E1 Build.B",
    "events E1 A:Build.B:SUCCEEDED S:Build:SUCCEEDED S:Deploy:STARTED A:Deploy.D:STARTED",
    NULL,
};

static const char *const entry_window_time_zone[] = {
    "at 2026-01-05T07:30:00Z",
    "start E1",
    "succeed E1 Source.Src",
    "events E1 A:Source.Src:SUCCEEDED S:Source:SUCCEEDED S:Build:STARTED A:Build.B:STARTED",
    "rule-summary E1 Build.beforeEntry.Office 2026-01-05~09:30~UTC+02:00~is~inside",
    "succeed E1 Build.B",
    "at 2026-01-05T06:59:59Z",
    "start E2",
    "succeed E2 Source.Src",
    "stage E2 Build Skipped",
    "rule-summary E2 Build.beforeEntry.Office 2026-01-05~08:59~UTC+02:00~is~outside",
    NULL,
};

/* A rule run as a job holds the stage (and its lock) until the job answers. */
static const char *const entry_rule_job[] = {
    "start E1",
    "succeed E1 Source.Src",
    "events E1 A:Source.Src:SUCCEEDED S:Source:SUCCEEDED",
    "jobs Build.Check",
    "job Build.Check conditionType BEFORE_ENTRY",
    "job Build.Check rule Check",
    "job Build.Check ruleExecutionId *",
    "job Build.Check pipelineExecutionAttempt 1",
    "job Build.Check configuration {\"FunctionName\":\"check\",\"UserParameters\":\"$E1\"}",
    "job Build.Check action -",
    "job Build.Check deadline 2026-01-01T00:05:00Z",
    "stage E1 Build InProgress",
    "lock Build E1",
    "rule E1 Build.beforeEntry.Check InProgress",
    "archived-rule E1 Build.beforeEntry.Check -",
    "view Build latestExecution.status InProgress",
    "view Build beforeEntryConditionState.latestExecution.status InProgress",
    "view Build beforeEntryConditionState.conditionStates.0.ruleStates.0.latestExecution.status "
    "InProgress",
    "start E2",
    "succeed E2 Source.Src",
    "inbound Build E2",
    "rule-progress E1 Build.beforeEntry.Check tok-1",
    "reply ok",
    "jobs Build.Check",
    "job Build.Check continuationToken tok-1",
    "no-events",
    "archived-rule E1 Build.beforeEntry.Check -",
    "rule-succeed E1 Build.beforeEntry.Check all~clear",
    "events E1 S:Build:STARTED A:Build.B:STARTED",
    "rule E1 Build.beforeEntry.Check Succeeded",
    "archived-rule E1 Build.beforeEntry.Check Succeeded",
    "rule-summary E1 Build.beforeEntry.Check all~clear",
    "resend",
    "reply InvalidJobStateException",
    "succeed E1 Build.B",
    "events E2 -",
    "jobs Build.Check Deploy.D",
    /* the rule times out: result FAIL */
    "rule-timeout E2 Build.beforeEntry.Check",
    "events E2 S:Build:STARTED S:Build:FAILED P:FAILED",
    "rule E2 Build.beforeEntry.Check Failed",
    "archived-rule E2 Build.beforeEntry.Check Failed",
    "rule-summary E2 Build.beforeEntry.Check did~not~complete~within~5~minutes",
    "view Build beforeEntryConditionState.conditionStates.0.ruleStates.0.latestExecution."
    "errorDetails.code TimedOut",
    "status E2 Failed",
    NULL,
};

static const char *const entry_rule_job_fails[] = {
    "start E1",
    "succeed E1 Source.Src",
    "rule-fail E1 Build.beforeEntry.Check JobFailed no~go",
    "events E1 S:Build:STARTED S:Build:FAILED P:FAILED",
    "exec-summary E1 Rule~Check~failed:~no~go",
    "view Build beforeEntryConditionState.conditionStates.0.ruleStates.0.latestExecution."
    "errorDetails.message no~go",
    NULL,
};

/* Stopping while the entry condition runs: nothing entered, nothing to retry. */
static const char *const entry_stop[] = {
    "start E1",
    "succeed E1 Source.Src",
    "jobs Build.Check",
    "stop E1 waiting~for~nothing",
    "reply ok",
    "events E1 P:STOPPING P:STOPPED",
    "timers cancel 1",
    "status E1 Stopped",
    "rule E1 Build.beforeEntry.Check Abandoned",
    "archived-rule E1 Build.beforeEntry.Check Abandoned",
    "condition E1 Build beforeEntry Abandoned",
    "view Build latestExecution.status Stopped",
    "view Build beforeEntryConditionState.latestExecution.status Abandoned",
    "lock Build -",
    "retry E1 Build FAILED_ACTIONS",
    "reply StageNotRetryableException",
    "rule-succeed E1 Build.beforeEntry.Check",
    "reply InvalidJobStateException",
    NULL,
};

/* A new pipeline version cancels an execution evaluating an entry condition. */
static const char *const entry_cancel[] = {
    "start E1",
    "succeed E1 Source.Src",
    "update 2",
    "events E1 P:CANCELED",
    "status E1 Cancelled",
    "condition E1 Build beforeEntry Cancelled",
    "rule E1 Build.beforeEntry.Check Abandoned",
    "archived-rule E1 Build.beforeEntry.Check Abandoned",
    NULL,
};

static const char *const entry_unknown_rule[] = {
    "start E1",
    "succeed E1 Source.Src",
    "events E1 A:Source.Src:SUCCEEDED S:Source:SUCCEEDED S:Build:STARTED S:Build:FAILED P:FAILED",
    "rule-summary E1 Build.beforeEntry.Alarm "
    "rule~type~CloudWatchAlarm/1~is~not~evaluated~by~this~installation",
    "view Build beforeEntryConditionState.conditionStates.0.ruleStates.0.latestExecution."
    "errorDetails.code ConfigurationError",
    NULL,
};

static const char *const entry_unresolvable[] = {
    "start E1",
    "succeed E1 Source.Src",
    "stage E1 Build Failed",
    "rule-summary E1 Build.beforeEntry.Ref Unable~to~resolve~variable~reference~#{Nope.X}",
    NULL,
};

/* QUEUED: the execution evaluating the entry condition holds the stage; the next one waits. */
static const char *const entry_queued[] = {
    "start E1",
    "succeed E1 Source.Src",
    "start E2",
    "succeed E2 Source.Src",
    "lock Build E1",
    "inbound Build E2",
    "rule-fail E1 Build.beforeEntry.Check",
    "events E1 S:Build:STARTED S:Build:FAILED P:FAILED",
    "lock Build E2",
    "jobs Build.Check",
    "rule-succeed E2 Build.beforeEntry.Check",
    "events E2 S:Build:STARTED A:Build.B:STARTED",
    NULL,
};

/* ---- onSuccess ---------------------------------------------------------------------- */

static const char *const success_rule_job[] = {
    "start E1",
    "succeed E1 Source.Src",
    "succeed E1 Build.B",
    "succeed E1 Deploy.D",
    "events E1 A:Deploy.D:SUCCEEDED",
    "jobs Deploy.Smoke",
    "job Deploy.Smoke conditionType ON_SUCCESS",
    "job Deploy.Smoke commands [\"make~smoke~RUN=$E1\"]",
    "job Deploy.Smoke ruleTypeId "
    "{\"category\":\"Rule\",\"owner\":\"AWS\",\"provider\":\"Commands\",\"version\":\"1\"}",
    "timers set 1",
    "stage E1 Deploy InProgress",
    "status E1 InProgress",
    "lock Deploy E1",
    "condition E1 Deploy onSuccess InProgress",
    "rule-fail E1 Deploy.onSuccess.Smoke JobFailed smoke~broke",
    "events E1 S:Deploy:FAILED P:FAILED",
    "status E1 Failed",
    "exec-summary E1 Stage~Deploy:~the~onSuccess~condition~failed:~Rule~Smoke~failed:~smoke~broke",
    "view Deploy onSuccessConditionState.latestExecution.status Failed",
    "view Deploy onSuccessConditionState.conditionStates.0.ruleStates.0.latestExecution."
    "errorDetails.code JobFailed",
    "view Deploy latestExecution.status Failed",
    /* retrying evaluates the condition again (no failed action to re-run) */
    "retry E1 Deploy FAILED_ACTIONS",
    "reply ok",
    "events E1 P:RESUMED S:Deploy:RESUMED",
    "jobs Deploy.Smoke",
    "action-attempt E1 Deploy.D 1",
    "rule-succeed E1 Deploy.onSuccess.Smoke",
    "events E1 S:Deploy:SUCCEEDED P:SUCCEEDED",
    "status E1 Succeeded",
    "view Deploy onSuccessConditionState.latestExecution.status Succeeded",
    NULL,
};

static const char *const success_checked_at_once[] = {
    "start E1",
    "succeed E1 Source.Src var=BranchName=main",
    "succeed E1 Build.B",
    "events E1 A:Build.B:SUCCEEDED S:Build:SUCCEEDED S:Deploy:STARTED A:Deploy.D:STARTED",
    "condition E1 Build onSuccess Succeeded",
    "succeed E1 Deploy.D",
    "events E1 A:Deploy.D:SUCCEEDED S:Deploy:FAILED P:FAILED",
    "condition E1 Deploy onSuccess Failed",
    "rule-summary E1 Deploy.onSuccess.Branch \"main\"~does~not~match~\"release/.*\"",
    "view Deploy onSuccessConditionState.latestExecution.status Failed",
    /* ROLLBACK is carried out as FAIL */
    "exec-summary E1 the~onSuccess~condition~failed",
    NULL,
};

/* Stop while an onSuccess rule runs: the rule is abandoned, the stage stops. */
static const char *const success_stop[] = {
    "start E1",
    "succeed E1 Source.Src",
    "succeed E1 Build.B",
    "succeed E1 Deploy.D",
    "stop E1",
    "events E1 P:STOPPING S:Deploy:STOPPING S:Deploy:STOPPED P:STOPPED",
    "rule E1 Deploy.onSuccess.Smoke Abandoned",
    "condition E1 Deploy onSuccess Abandoned",
    "retry E1 Deploy FAILED_ACTIONS",
    "reply ok",
    "jobs Deploy.Smoke",
    "rule-succeed E1 Deploy.onSuccess.Smoke",
    "status E1 Succeeded",
    NULL,
};

#define FN_CHECK                                                                                   \
    ",'configuration':{'FunctionName':'check',"                                                    \
    "'UserParameters':'#{codepipeline.PipelineExecutionId}'},'timeoutInMinutes':5"

static const es_case cases[] = {
    {"automatic retry of failed actions", MODEL_MODE_SUPERSEDED, PIPE3, NULL,
     auto_retry_failed_actions, "{'Build':{'onFailure':" RETRY_ON_FAILURE("FAILED_ACTIONS") "}}"},
    {"automatic retry of all actions", MODEL_MODE_SUPERSEDED, PIPE3, NULL, auto_retry_all_actions,
     "{'Build':{'onFailure':" RETRY_ON_FAILURE("ALL_ACTIONS") "}}"},
    {"automatic retry after a timeout", MODEL_MODE_SUPERSEDED, LINE3, NULL,
     auto_retry_after_timeout, "{'Build':{'onFailure':" RETRY_ON_FAILURE("FAILED_ACTIONS") "}}"},
    {"onFailure FAIL", MODEL_MODE_SUPERSEDED, LINE3, NULL, on_failure_fail,
     "{'Build':{'onFailure':{'result':'FAIL'}}}"},
    {"no automatic retry after a stop", MODEL_MODE_SUPERSEDED, LINE3, NULL,
     auto_retry_not_after_stop, "{'Build':{'onFailure':" RETRY_ON_FAILURE("FAILED_ACTIONS") "}}"},
    {"automatic retry when its rules pass", MODEL_MODE_SUPERSEDED, LINE3, "Env=dev",
     auto_retry_if_rules_pass,
     "{'Build':{'onFailure':" RETRY_IF(
         "FAILED_ACTIONS",
         VARCHECK("IsDev", "#{variables.Env}", "EQ",
                  "dev")) "},"
                          "'Deploy':{'onFailure':" RETRY_IF(
                              "FAILED_ACTIONS",
                              VARCHECK("IsProd", "#{variables.Env}", "EQ", "prod")) "}}"},
    {"automatic retry decided by a rule job", MODEL_MODE_SUPERSEDED, LINE3, NULL,
     auto_retry_after_rule_job,
     "{'Build':{'onFailure':" RETRY_IF(
         "FAILED_ACTIONS",
         RULE("Gate", "LambdaInvoke", ",'configuration':{'FunctionName':'gate'}")) "}}"},
    {"beforeEntry SKIP", MODEL_MODE_SUPERSEDED, LINE3, "Env=dev", entry_skip,
     "{'Build':{'beforeEntry':" CONDITION(
         "SKIP", VARCHECK("IsProd", "#{variables.Env}", "EQ", "prod")) "}}"},
    {"beforeEntry SKIP and a missing artifact", MODEL_MODE_SUPERSEDED, HANDOFF, "Env=dev",
     entry_skip_missing_artifact,
     "{'Build':{'beforeEntry':" CONDITION(
         "SKIP", VARCHECK("IsProd", "#{variables.Env}", "EQ", "prod")) "}}"},
    {"beforeEntry FAIL and retry", MODEL_MODE_SUPERSEDED, LINE3, NULL, entry_fail_then_retry,
     "{'Build':{'beforeEntry':" CONDITION("FAIL",
                                          WINDOW("Window", "0 * 9-16 ? * MON-FRI *", "UTC")) "}}"},
    {"beforeEntry window in a time zone", MODEL_MODE_SUPERSEDED, LINE3, NULL,
     entry_window_time_zone,
     "{'Build':{'beforeEntry':" CONDITION(
         "SKIP", WINDOW("Office", "* * 9-16 ? * MON-FRI", "UTC+02:00")) "}}"},
    {"beforeEntry rule job", MODEL_MODE_SUPERSEDED, LINE3, NULL, entry_rule_job,
     "{'Build':{'beforeEntry':" CONDITION("FAIL", RULE("Check", "LambdaInvoke", FN_CHECK)) "}}"},
    {"beforeEntry rule job fails", MODEL_MODE_SUPERSEDED, LINE3, NULL, entry_rule_job_fails,
     "{'Build':{'beforeEntry':" CONDITION("FAIL", RULE("Check", "LambdaInvoke", FN_CHECK)) "}}"},
    {"stop during beforeEntry", MODEL_MODE_SUPERSEDED, LINE3, NULL, entry_stop,
     "{'Build':{'beforeEntry':" CONDITION("FAIL", RULE("Check", "LambdaInvoke", FN_CHECK)) "}}"},
    {"update during beforeEntry", MODEL_MODE_SUPERSEDED, LINE3, NULL, entry_cancel,
     "{'Build':{'beforeEntry':" CONDITION("FAIL", RULE("Check", "LambdaInvoke", FN_CHECK)) "}}"},
    {"beforeEntry with a rule type not evaluated", MODEL_MODE_SUPERSEDED, LINE3, NULL,
     entry_unknown_rule,
     "{'Build':{'beforeEntry':" CONDITION(
         "FAIL", RULE("Alarm", "CloudWatchAlarm", ",'configuration':{'AlarmName':'a'}")) "}}"},
    {"beforeEntry with an unresolvable variable", MODEL_MODE_SUPERSEDED, LINE3, NULL,
     entry_unresolvable,
     "{'Build':{'beforeEntry':" CONDITION("FAIL", VARCHECK("Ref", "#{Nope.X}", "EQ", "x")) "}}"},
    {"beforeEntry in QUEUED mode", MODEL_MODE_QUEUED, LINE3, NULL, entry_queued,
     "{'Build':{'beforeEntry':" CONDITION("FAIL", RULE("Check", "LambdaInvoke", FN_CHECK)) "}}"},
    {"onSuccess rule job", MODEL_MODE_SUPERSEDED, LINE3, NULL, success_rule_job,
     "{'Deploy':{'onSuccess':" CONDITION(
         "FAIL", RULE("Smoke", "Commands",
                      ",'commands':['make smoke RUN=#{codepipeline.PipelineExecutionId}']")) "}}"},
    {"onSuccess checked at once", MODEL_MODE_SUPERSEDED,
     "Source: Src(Source/CodeCommit out=SrcOut ns=SV) | Build: B(Build/CodeBuild in=SrcOut) | "
     "Deploy: D(Deploy/S3)",
     NULL, success_checked_at_once,
     "{'Build':{'onSuccess':" CONDITION(
         "FAIL", VARCHECK("Main", "#{SV.BranchName}", "CONTAINS",
                          "ai")) "},"
                                 "'Deploy':{'onSuccess':" CONDITION(
                                     "ROLLBACK", VARCHECK("Branch", "#{SV.BranchName}", "MATCHES",
                                                          "release/.*")) "}}"},
    {"stop during onSuccess", MODEL_MODE_SUPERSEDED, LINE3, NULL, success_stop,
     "{'Deploy':{'onSuccess':" CONDITION("FAIL",
                                         RULE("Smoke", "Commands", ",'commands':['true']")) "}}"},
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
