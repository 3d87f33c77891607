/*
 * test_engine_rollback.c — stage rollback (RollbackStage, onFailure and
 * onSuccess results ROLLBACK) and OverrideStageCondition, one table per
 * behaviour (line format in engine_script.h).
 */
#include "engine_script.h"
#include "sluice_test.h"

/* Build produces what Deploy needs; Deploy exports a variable read by Verify. */
#define HANDOFF                                                                                    \
    "Source: Src(Source/CodeCommit out=SrcOut ns=SV) | "                                           \
    "Build: B(Build/CodeBuild in=SrcOut out=BinOut ns=BV) | "                                      \
    "Deploy: D(Deploy/S3 in=BinOut cfg=Tag:#{BV.Tag})"

/* Three stages, one action each. */
#define LINE3                                                                                      \
    "Source: Src(Source/CodeCommit out=SrcOut) | Build: B(Build/CodeBuild in=SrcOut) | Deploy: "   \
    "D(Deploy/S3)"

#define RULE(name, provider, rest)                                                                 \
    "{'name':'" name "','ruleTypeId':{'category':'Rule','owner':'AWS','provider':'" provider       \
    "','version':'1'}" rest "}"

#define VARCHECK(name, variable, op, value)                                                        \
    RULE(name, "VariableCheck",                                                                    \
         ",'configuration':{'Variable':'" variable "','Operator':'" op "','Value':'" value "'}")

#define CONDITION(result, rule) "{'conditions':[{'result':'" result "','rules':[" rule "]}]}"

#define FN_CHECK ",'configuration':{'FunctionName':'check'},'timeoutInMinutes':5"

/* E1 runs to success with revision r1 and build output bin1. */
#define FIRST_SUCCEEDS                                                                             \
    "start E1", "succeed E1 Source.Src rev=r1 out=SrcOut@store/src1",                              \
        "succeed E1 Build.B out=BinOut@store/bin1 var=Tag=v1", "succeed E1 Deploy.D",              \
        "status E1 Succeeded"

/* ---- onFailure ROLLBACK ----------------------------------------------------------------- */

/*
 * Deploy fails on the second execution: a rollback execution re-runs Deploy
 * with what the first ran it with (revision, artifacts, variables), and only
 * Deploy.
 */
static const char *const auto_rollback_on_failure[] = {
    FIRST_SUCCEEDS,
    "start E2",
    "succeed E2 Source.Src rev=r2 out=SrcOut@store/src2",
    "succeed E2 Build.B out=BinOut@store/bin2 var=Tag=v2",
    "resolved E2 Deploy.D Tag v2",
    "fail E2 Deploy.D JobFailed bad~deploy",
    "events E2 A:Deploy.D:FAILED S:Deploy:FAILED P:FAILED",
    "status E2 Failed",
    "newest R1",
    "events R1 P:STARTED S:Deploy:STARTED A:Deploy.D:STARTED",
    "detail R1 P:STARTED execution-trigger {\"trigger-detail\":\"$E2\","
    "\"trigger-type\":\"AutomatedRollback\"}",
    "jobs Deploy.D",
    "job Deploy.D pipelineExecutionId $R1",
    "job Deploy.D inputArtifacts.0.s3location.key bin1",
    "job Deploy.D configuration.Tag v1",
    "status R1 InProgress",
    "stage R1 Source NotStarted",
    "stage R1 Build NotStarted",
    "stage R1 Deploy InProgress",
    "lock Deploy R1",
    "active 1",
    "exec-view R1 pipelineExecution.executionType ROLLBACK",
    "exec-view R1 pipelineExecution.rollbackMetadata.rollbackTargetPipelineExecutionId $E1",
    "exec-view R1 pipelineExecution.trigger.triggerType AutomatedRollback",
    "exec-view R1 pipelineExecution.trigger.triggerDetail $E2",
    "exec-view R1 pipelineExecution.artifactRevisions.0.revisionId r1",
    "exec-view R1 summary.executionType ROLLBACK",
    "exec-view R1 summary.rollbackMetadata.rollbackTargetPipelineExecutionId $E1",
    "exec-view R1 summary.trigger.triggerType AutomatedRollback",
    "exec-view R1 summary.sourceRevisions.0.revisionId r1",
    "exec-view E2 pipelineExecution.executionType STANDARD",
    "exec-view E2 pipelineExecution.rollbackMetadata -",
    "view Deploy latestExecution.pipelineExecutionId $R1",
    "view Deploy latestExecution.type ROLLBACK",
    "view Build latestExecution.pipelineExecutionId $E2",
    "view Build latestExecution.type STANDARD",
    "succeed R1 Deploy.D",
    "events R1 A:Deploy.D:SUCCEEDED S:Deploy:SUCCEEDED P:SUCCEEDED",
    "status R1 Succeeded",
    "stage R1 Build NotStarted",
    "active 0",
    NULL,
};

/* A rollback execution that fails is not rolled back again; with no success yet, none starts. */
static const char *const auto_rollback_once[] = {
    "start E0",
    "succeed E0 Source.Src",
    "succeed E0 Build.B var=Tag=v0",
    "fail E0 Deploy.D",
    "events E0 A:Deploy.D:FAILED S:Deploy:FAILED P:FAILED",
    "active 0",
    FIRST_SUCCEEDS,
    "start E2",
    "succeed E2 Source.Src",
    "succeed E2 Build.B var=Tag=v2",
    "fail E2 Deploy.D",
    "newest R1",
    "exec-view R1 pipelineExecution.rollbackMetadata.rollbackTargetPipelineExecutionId $E1",
    "fail R1 Deploy.D",
    "events R1 A:Deploy.D:FAILED S:Deploy:FAILED P:FAILED",
    "status R1 Failed",
    "active 0",
    NULL,
};

/* onFailure ROLLBACK with a condition: the rollback only when the condition is met. */
static const char *const auto_rollback_if_rules_pass[] = {
    FIRST_SUCCEEDS,
    "start E2 var=Env=dev",
    "succeed E2 Source.Src",
    "succeed E2 Build.B var=Tag=v2",
    "fail E2 Deploy.D",
    "condition E2 Deploy onFailure Failed",
    "status E2 Failed",
    "active 0",
    "start E3 var=Env=prod",
    "succeed E3 Source.Src",
    "succeed E3 Build.B var=Tag=v3",
    "fail E3 Deploy.D",
    "condition E3 Deploy onFailure Succeeded",
    "newest R1",
    "exec-view R1 pipelineExecution.rollbackMetadata.rollbackTargetPipelineExecutionId $E1",
    "exec-view R1 pipelineExecution.variables.0.resolvedValue prod",
    "active 1",
    NULL,
};

/* ---- onSuccess ROLLBACK ----------------------------------------------------------------- */

static const char *const auto_rollback_on_success[] = {
    FIRST_SUCCEEDS,
    "start E2 var=Env=dev",
    "succeed E2 Source.Src rev=r2",
    "succeed E2 Build.B var=Tag=v2",
    "succeed E2 Deploy.D",
    "events E2 A:Deploy.D:SUCCEEDED S:Deploy:FAILED P:FAILED",
    "condition E2 Deploy onSuccess Failed",
    "newest R1",
    "events R1 P:STARTED S:Deploy:STARTED A:Deploy.D:STARTED",
    "job Deploy.D configuration.Tag v1",
    "exec-view R1 pipelineExecution.variables.0.resolvedValue prod",
    "succeed R1 Deploy.D",
    "condition R1 Deploy onSuccess Succeeded",
    "status R1 Succeeded",
    NULL,
};

/* ---- RollbackStage ---------------------------------------------------------------------- */

static const char *const manual_rollback[] = {
    FIRST_SUCCEEDS,
    "start E2",
    "succeed E2 Source.Src rev=r2 out=SrcOut@store/src2",
    "succeed E2 Build.B out=BinOut@store/bin2 var=Tag=v2",
    "succeed E2 Deploy.D",
    "status E2 Succeeded",
    "rollback X Nope $E1",
    "reply StageNotFoundException",
    "rollback X Deploy 00000000-0000-4000-8000-000000000000",
    "reply PipelineExecutionNotFoundException",
    "rollback X Source E1",
    "reply UnableToRollbackStageException",
    "rollback R1 Deploy E1 by=arn:aws:iam::111122223333:user/oncall",
    "reply ok",
    "events R1 P:STARTED S:Deploy:STARTED A:Deploy.D:STARTED",
    "detail R1 P:STARTED execution-trigger {\"trigger-detail\":"
    "\"arn:aws:iam::111122223333:user/oncall\",\"trigger-type\":\"ManualRollback\"}",
    "job Deploy.D inputArtifacts.0.s3location.key bin1",
    "job Deploy.D configuration.Tag v1",
    "exec-view R1 pipelineExecution.executionType ROLLBACK",
    "exec-view R1 pipelineExecution.rollbackMetadata.rollbackTargetPipelineExecutionId $E1",
    "exec-view R1 summary.trigger.triggerType ManualRollback",
    /* one rollback of a stage at a time, and not while the stage is busy */
    "rollback X Deploy E2",
    "reply ConflictException",
    "succeed R1 Deploy.D",
    "status R1 Succeeded",
    /* a rollback execution is no target */
    "rollback X Deploy R1",
    "reply UnableToRollbackStageException",
    /* the target must have succeeded in the stage */
    "start E3",
    "succeed E3 Source.Src",
    "fail E3 Build.B",
    "rollback X Deploy E3",
    "reply UnableToRollbackStageException",
    "rollback X Build E3",
    "reply UnableToRollbackStageException",
    /* Build is not busy: E3 failed there */
    "rollback R2 Build E2",
    "reply ok",
    "job Build.B inputArtifacts.0.s3location.key src2",
    "succeed R2 Build.B out=BinOut@store/bin2 var=Tag=v2",
    "events R2 A:Build.B:SUCCEEDED S:Build:SUCCEEDED P:SUCCEEDED",
    "stage R2 Deploy NotStarted",
    /* a new pipeline version outdates every earlier execution */
    "update 2",
    "rollback X Deploy E1",
    "reply PipelineExecutionOutdatedException",
    NULL,
};

/* The newest success of each stage stays in the state, however few terminal ones it keeps. */
static const char *const rollback_target_kept[] = {
    "keep 0",
    FIRST_SUCCEEDS,
    "start E2",
    "succeed E2 Source.Src rev=r2",
    "succeed E2 Build.B out=BinOut@store/bin2 var=Tag=v2",
    "fail E2 Deploy.D",
    "rollback R1 Deploy E1",
    "reply ok",
    "job Deploy.D inputArtifacts.0.s3location.key bin1",
    "succeed R1 Deploy.D",
    "status R1 Succeeded",
    /* E3 succeeds everywhere: E1 is nobody's target any more and leaves the state */
    "start E3",
    "succeed E3 Source.Src",
    "succeed E3 Build.B var=Tag=v3",
    "succeed E3 Deploy.D",
    "rollback X Deploy E1",
    "reply PipelineExecutionNotFoundException",
    "rollback R2 Deploy E3",
    "reply ok",
    NULL,
};

/* What the archive says E1 (of FIRST_SUCCEEDS) ran Deploy with; DEPLOY is its Deploy stage. */
#define ARCHIVED_E1(version, rollback, deploy)                                                     \
    "target={'pipelineVersion':" version ",'rollback':" rollback ","                               \
    "'artifactRevisions':[{'actionName':'Src','name':'SrcOut','revisionId':'r1',"                  \
    "'created':1700000000}],'variables':[],'stages':["                                             \
    "{'stageName':'Source','status':'Succeeded','actions':[{'actionName':'Src',"                   \
    "'outputArtifacts':[{'name':'SrcOut','s3location':{'bucket':'store','key':'src1'}}]}]},"       \
    "{'stageName':'Build','status':'Succeeded','actions':[{'actionName':'B',"                      \
    "'outputArtifacts':[{'name':'BinOut','s3location':{'bucket':'store','key':'bin1'}}],"          \
    "'outputVariables':{'Tag':'v1'}}]},"                                                           \
    "{'stageName':'Deploy','status':'" deploy "','actions':[{'actionName':'D'}]}]}"

/*
 * A target no longer in the state, given from outside it (what the api reads
 * from the archive): validated as a hot one, rolled back to the same way.
 */
static const char *const rollback_to_archived[] = {
    "keep 0",
    FIRST_SUCCEEDS,
    "start E2",
    "succeed E2 Source.Src rev=r2 out=SrcOut@store/src2",
    "succeed E2 Build.B out=BinOut@store/bin2 var=Tag=v2",
    "succeed E2 Deploy.D",
    "status E2 Succeeded",
    /* E1 left the state */
    "rollback X Deploy E1",
    "reply PipelineExecutionNotFoundException",
    "rollback X Deploy E1 " ARCHIVED_E1("2", "false", "Succeeded"),
    "reply PipelineExecutionOutdatedException",
    "rollback X Deploy E1 " ARCHIVED_E1("1", "false", "Failed"),
    "reply UnableToRollbackStageException",
    "rollback X Deploy E1 " ARCHIVED_E1("1", "true", "Succeeded"),
    "reply UnableToRollbackStageException",
    "rollback X Deploy E1 target={'pipelineVersion':1,'stages':{}}",
    "reply ValidationException",
    "rollback X Deploy E1 target={'pipelineExecutionId':'00000000-0000-4000-8000-000000000000',"
    "'pipelineVersion':1}",
    "reply ValidationException",
    "rollback X Source E1 " ARCHIVED_E1("1", "false", "Succeeded"),
    "reply UnableToRollbackStageException",
    "rollback R1 Deploy E1 " ARCHIVED_E1("1", "false", "Succeeded"),
    "reply ok",
    "events R1 P:STARTED S:Deploy:STARTED A:Deploy.D:STARTED",
    "jobs Deploy.D",
    "job Deploy.D inputArtifacts.0.s3location.key bin1",
    "job Deploy.D configuration.Tag v1",
    "stage R1 Build NotStarted",
    "exec-view R1 pipelineExecution.executionType ROLLBACK",
    "exec-view R1 pipelineExecution.rollbackMetadata.rollbackTargetPipelineExecutionId $E1",
    "exec-view R1 pipelineExecution.artifactRevisions.0.revisionId r1",
    "exec-view R1 summary.sourceRevisions.0.revisionId r1",
    "exec-view R1 summary.trigger.triggerType ManualRollback",
    "succeed R1 Deploy.D",
    "status R1 Succeeded",
    /* a target still in the state is the state's, whatever is given */
    "rollback R2 Deploy E2 " ARCHIVED_E1("1", "false", "Succeeded"),
    "reply ok",
    "job Deploy.D inputArtifacts.0.s3location.key bin2",
    NULL,
};

static const char *const manual_rollback_parallel[] = {
    FIRST_SUCCEEDS,
    "rollback X Deploy E1",
    "reply UnableToRollbackStageException",
    NULL,
};

/* ---- OverrideStageCondition ------------------------------------------------------------- */

static const char *const override_entry[] = {
    "start E1",
    "succeed E1 Source.Src",
    "jobs Build.Check",
    "rule E1 Build.beforeEntry.Check InProgress",
    "override E1 Nope BEFORE_ENTRY",
    "reply StageNotFoundException",
    "override E1 Deploy BEFORE_ENTRY",
    "reply NotLatestPipelineExecutionException",
    "override E1 Build ON_SUCCESS",
    "reply ConditionNotOverridableException",
    "override 00000000-0000-4000-8000-000000000000 Build BEFORE_ENTRY",
    "reply NotLatestPipelineExecutionException",
    "override E1 Build BEFORE_ENTRY",
    "reply ok",
    "events E1 S:Build:STARTED A:Build.B:STARTED",
    "timers cancel 1",
    "condition E1 Build beforeEntry Overridden",
    "rule E1 Build.beforeEntry.Check Abandoned",
    "view Build beforeEntryConditionState.latestExecution.status Overridden",
    "view Build beforeEntryConditionState.conditionStates.0.latestExecution.status Overridden",
    "stage E1 Build InProgress",
    "override E1 Build BEFORE_ENTRY",
    "reply ConditionNotOverridableException",
    /* the rule's late answer changes nothing */
    "rule-succeed E1 Build.beforeEntry.Check",
    "condition E1 Build beforeEntry Overridden",
    "succeed E1 Build.B",
    "succeed E1 Deploy.D",
    "status E1 Succeeded",
    NULL,
};

static const char *const override_success[] = {
    "start E1",
    "succeed E1 Source.Src",
    "succeed E1 Build.B",
    "succeed E1 Deploy.D",
    "rule E1 Deploy.onSuccess.Smoke InProgress",
    "override E1 Deploy BEFORE_ENTRY",
    "reply ConditionNotOverridableException",
    "override E1 Deploy ON_SUCCESS",
    "reply ok",
    "events E1 S:Deploy:SUCCEEDED P:SUCCEEDED",
    "condition E1 Deploy onSuccess Overridden",
    "status E1 Succeeded",
    "override E1 Deploy ON_SUCCESS",
    "reply NotLatestPipelineExecutionException",
    NULL,
};

static const es_case cases[] = {
    {"onFailure ROLLBACK", MODEL_MODE_SUPERSEDED, HANDOFF, NULL, auto_rollback_on_failure,
     "{'Deploy':{'onFailure':{'result':'ROLLBACK'}}}"},
    {"onFailure ROLLBACK once", MODEL_MODE_QUEUED, HANDOFF, NULL, auto_rollback_once,
     "{'Deploy':{'onFailure':{'result':'ROLLBACK'}}}"},
    {"onFailure ROLLBACK when its rules pass", MODEL_MODE_SUPERSEDED, HANDOFF, "Env=prod",
     auto_rollback_if_rules_pass,
     "{'Deploy':{'onFailure':{'result':'ROLLBACK','conditions':[{'result':'ROLLBACK','rules':"
     "[" VARCHECK("IsProd", "#{variables.Env}", "EQ", "prod") "]}]}}}"},
    {"onSuccess ROLLBACK", MODEL_MODE_SUPERSEDED, HANDOFF, "Env=prod", auto_rollback_on_success,
     "{'Deploy':{'onSuccess':" CONDITION(
         "ROLLBACK", VARCHECK("IsProd", "#{variables.Env}", "EQ", "prod")) "}}"},
    {"RollbackStage", MODEL_MODE_SUPERSEDED, HANDOFF, NULL, manual_rollback, NULL},
    {"the rollback target stays in the state", MODEL_MODE_SUPERSEDED, HANDOFF, NULL,
     rollback_target_kept, NULL},
    {"RollbackStage to an archived target", MODEL_MODE_SUPERSEDED, HANDOFF, NULL,
     rollback_to_archived, NULL},
    {"RollbackStage in PARALLEL mode", MODEL_MODE_PARALLEL, HANDOFF, NULL, manual_rollback_parallel,
     NULL},
    {"OverrideStageCondition BEFORE_ENTRY", MODEL_MODE_SUPERSEDED, LINE3, NULL, override_entry,
     "{'Build':{'beforeEntry':" CONDITION("FAIL", RULE("Check", "LambdaInvoke", FN_CHECK)) "}}"},
    {"OverrideStageCondition ON_SUCCESS", MODEL_MODE_SUPERSEDED, LINE3, NULL, override_success,
     "{'Deploy':{'onSuccess':" CONDITION(
         "FAIL", RULE("Smoke", "Commands", ",'commands':['make smoke']")) "}}"},
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
