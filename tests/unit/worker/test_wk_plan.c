/*
 * test_wk_plan.c — job documents of Commands actions and rules turned into run plans.
 */
#include "wk_plan.h"

#include "sluice/error.h"
#include "sluice/time.h"
#include "sluice_test.h"

#include <stdlib.h>

#define JOB_ACTION                                                                                 \
    "{\"jobId\":\"job-1\",\"pipeline\":\"my-pipeline\",\"pipelineVersion\":2,"                     \
    "\"pipelineExecutionId\":\"exec-1\",\"pipelineExecutionAttempt\":1,"                           \
    "\"stage\":\"Build\",\"action\":\"Check\",\"actionExecutionId\":\"ae-1\",\"attempt\":1,"       \
    "\"actionTypeId\":{\"category\":\"Compute\",\"owner\":\"AWS\",\"provider\":\"Commands\","      \
    "\"version\":\"1\"},\"configuration\":{},"                                                     \
    "\"inputArtifacts\":[{\"name\":\"SourceArtifact\",\"s3location\":{\"bucket\":\"b\","           \
    "\"key\":\"my-pipeline/SourceArti/x1\"}},{\"name\":\"lib-out\",\"s3location\":{"               \
    "\"bucket\":\"b\",\"key\":\"my-pipeline/lib-out/x2\"}}],"                                      \
    "\"outputArtifacts\":[{\"name\":\"CheckOut\",\"files\":[\"report.txt\",\"./dist/**\"]},"       \
    "{\"name\":\"All\"}],\"region\":\"eu-west-1\","                                                \
    "\"commands\":[\"make check TARGET=prod\",\"export CHECKED=yes\"],"                            \
    "\"environmentVariables\":[{\"name\":\"TARGET\",\"value\":\"prod\",\"type\":\"PLAINTEXT\"},"   \
    "{\"name\":\"PATH\",\"value\":\"/opt/bin:/usr/bin\"},"                                         \
    "{\"name\":\"TOKEN\",\"value\":\"deploy-token\",\"type\":\"SECRETS_MANAGER\"}],"               \
    "\"outputVariables\":[\"CHECKED\",\"COUNT\"],"                                                 \
    "\"sourceRevision\":{\"revisionType\":\"COMMIT_ID\",\"revisionValue\":\"abc123\"},"            \
    "\"created\":\"2026-03-02T10:16:30Z\",\"deadline\":\"2026-03-02T11:16:30Z\"}"

#define JOB_RULE                                                                                   \
    "{\"jobId\":\"job-r\",\"pipeline\":\"p\",\"pipelineVersion\":1,"                               \
    "\"pipelineExecutionId\":\"exec-2\",\"stage\":\"Deploy\",\"rule\":\"Gate\","                   \
    "\"ruleExecutionId\":\"re-1\",\"conditionType\":\"BEFORE_ENTRY\","                             \
    "\"ruleTypeId\":{\"category\":\"Rule\",\"owner\":\"AWS\",\"provider\":\"Commands\","           \
    "\"version\":\"1\"},\"configuration\":{},\"commands\":[\"test -f ready\"]}"

static char err[WK_PLAN_ERR_MAX];

static const char *secret_lookup(void *ctx, const char *ref)
{
    (void)ctx;
    return strcmp(ref, "deploy-token") == 0 ? "s3cr3t-value" : NULL;
}

static json_t *parse(const char *text)
{
    json_error_t jerr;
    json_t *doc = json_loads(text, 0, &jerr);
    if (doc == NULL) {
        fprintf(stderr, "test JSON: %s at %d\n", jerr.text, jerr.position);
    }
    return doc;
}

static int64_t at(const char *rfc3339)
{
    int64_t ms = 0;
    sluice_time_parse_rfc3339(rfc3339, &ms);
    return ms;
}

static const char *env_get(const wk_plan *plan, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < plan->nenv; i++) {
        if (strncmp(plan->env[i], name, n) == 0 && plan->env[i][n] == '=') {
            return plan->env[i] + n + 1;
        }
    }
    return NULL;
}

static wk_plan *plan_of(const char *text, json_t *locations, int *rc)
{
    json_t *job = parse(text);
    wk_plan_params params = {.workspace = "/w/job-1",
                             .now_ms = at("2026-03-02T10:16:31Z"),
                             .output_locations = locations,
                             .secret = secret_lookup};
    wk_plan *plan = NULL;
    err[0] = '\0';
    *rc = wk_plan_new(job, &params, &plan, err, sizeof err);
    json_decref(job);
    return plan;
}

static void test_action_plan(void)
{
    json_t *locations = parse("[{\"name\":\"CheckOut\",\"bucket\":\"b\",\"key\":\"my-pipeline/"
                              "CheckOut/abc\"}]");
    int rc;
    wk_plan *plan = plan_of(JOB_ACTION, locations, &rc);
    json_decref(locations); /* the plan holds its own reference */
    CHECK_INT_EQ(rc, 0);
    REQUIRE(plan != NULL);
    CHECK_INT_EQ(plan->kind, WK_PLAN_ACTION);
    CHECK_STR_EQ(plan->job_id, "job-1");
    CHECK_STR_EQ(plan->run_id, "ae-1");
    CHECK_INT_EQ(plan->ninputs, 2);
    CHECK_STR_EQ(plan->inputs[0].dir, "/w/job-1/src/SourceArtifact");
    CHECK_STR_EQ(plan->inputs[1].key, "my-pipeline/lib-out/x2");
    CHECK_STR_EQ(plan->src_dir, "/w/job-1/src/SourceArtifact");
    CHECK_STR_EQ(plan->env_file, "/w/job-1/run/env");
    CHECK_INT_EQ(plan->ncommands, 2);
    CHECK_STR_EQ(plan->commands[0], "make check TARGET=prod");
    CHECK_INT_EQ(plan->timeout_ms, 3599 * 1000);

    CHECK_STR_EQ(env_get(plan, "CODEBUILD_SRC_DIR"), "/w/job-1/src/SourceArtifact");
    CHECK_STR_EQ(env_get(plan, "CODEBUILD_SRC_DIR_SourceArtifact"), "/w/job-1/src/SourceArtifact");
    CHECK_STR_EQ(env_get(plan, "CODEBUILD_SRC_DIR_lib_out"), "/w/job-1/src/lib-out");
    CHECK_STR_EQ(env_get(plan, "CODEPIPELINE_EXECUTION_ID"), "exec-1");
    CHECK_STR_EQ(env_get(plan, "CODEPIPELINE_PIPELINE_NAME"), "my-pipeline");
    CHECK_STR_EQ(env_get(plan, "CODEPIPELINE_ACTION_NAME"), "Check");
    CHECK_STR_EQ(env_get(plan, "CODEBUILD_BUILD_ID"), "sluice:ae-1");
    CHECK_STR_EQ(env_get(plan, "CODEBUILD_INITIATOR"), "codepipeline/my-pipeline");
    CHECK_STR_EQ(env_get(plan, "CODEBUILD_RESOLVED_SOURCE_VERSION"), "abc123");
    CHECK_STR_EQ(env_get(plan, "AWS_REGION"), "eu-west-1");
    CHECK_STR_EQ(env_get(plan, "HOME"), "/w/job-1/home");
    CHECK_STR_EQ(env_get(plan, "TMPDIR"), "/w/job-1/tmp");
    CHECK_STR_EQ(env_get(plan, "TARGET"), "prod");
    CHECK_STR_EQ(env_get(plan, "PATH"), "/opt/bin:/usr/bin"); /* declared replaces standard */
    CHECK_STR_EQ(env_get(plan, "TOKEN"), "s3cr3t-value");
    CHECK(env_get(plan, "CODEPIPELINE_RULE_NAME") == NULL);
    CHECK(plan->env[plan->nenv] == NULL);
    size_t paths = 0;
    for (size_t i = 0; i < plan->nenv; i++) {
        paths += strncmp(plan->env[i], "PATH=", 5) == 0;
    }
    CHECK_INT_EQ(paths, 1);
    CHECK_INT_EQ(plan->nsecrets, 1);
    CHECK_STR_EQ(plan->secrets[0], "s3cr3t-value");

    CHECK_INT_EQ(plan->noutputs, 2);
    CHECK_STR_EQ(plan->outputs[0].key, "my-pipeline/CheckOut/abc");
    CHECK(plan->outputs[1].bucket == NULL);
    CHECK(wk_plan_output_match(plan, 0, "report.txt"));
    CHECK(wk_plan_output_match(plan, 0, "dist/app/main.js"));
    CHECK(!wk_plan_output_match(plan, 0, "src/report.txt"));
    CHECK(!wk_plan_output_match(plan, 0, "distribution"));
    CHECK(wk_plan_output_match(plan, 1, "anything/at/all"));
    CHECK(!wk_plan_output_match(plan, 2, "report.txt"));

    const char *argv[8];
    wk_plan_argv(plan, 1, argv);
    CHECK_STR_EQ(argv[0], "/bin/sh");
    CHECK_STR_EQ(argv[1], "-c");
    CHECK_STR_EQ(argv[2], WK_PLAN_WRAPPER);
    CHECK_STR_EQ(argv[4], "/w/job-1/run/env");
    CHECK_STR_EQ(argv[6], "export CHECKED=yes");
    CHECK(argv[7] == NULL);

    char *script = wk_plan_capture_script(plan);
    REQUIRE(script != NULL);
    CHECK_STR_CONTAINS(script, "if [ \"${CHECKED+x}\" = x ]; then printf 'CHECKED=%s\\0' "
                               "\"$CHECKED\"; fi;");
    CHECK_STR_CONTAINS(script, "${COUNT+x}");
    free(script);
    wk_plan_free(plan);
}

static void test_rule_plan(void)
{
    int rc;
    wk_plan *plan = plan_of(JOB_RULE, NULL, &rc);
    CHECK_INT_EQ(rc, 0);
    REQUIRE(plan != NULL);
    CHECK_INT_EQ(plan->kind, WK_PLAN_RULE);
    CHECK_STR_EQ(plan->name, "Gate");
    CHECK_STR_EQ(plan->run_id, "re-1");
    CHECK_INT_EQ(plan->ninputs, 0);
    CHECK_STR_EQ(plan->src_dir, "/w/job-1/src");
    CHECK_STR_EQ(env_get(plan, "CODEBUILD_SRC_DIR"), "/w/job-1/src");
    CHECK_STR_EQ(env_get(plan, "CODEPIPELINE_RULE_NAME"), "Gate");
    CHECK_STR_EQ(env_get(plan, "PATH"), WK_PLAN_DEFAULT_PATH);
    CHECK(env_get(plan, "AWS_REGION") == NULL);
    CHECK_INT_EQ(plan->timeout_ms, WK_PLAN_DEFAULT_TIMEOUT_MS); /* no deadline */
    CHECK_INT_EQ(plan->noutputs, 0);
    wk_plan_free(plan);
}

static void test_not_ours(void)
{
    const char *others[] = {
        "{\"jobId\":\"j\",\"actionTypeId\":{\"category\":\"Invoke\",\"owner\":\"AWS\","
        "\"provider\":\"Lambda\",\"version\":\"2\"}}",
        "{\"jobId\":\"j\",\"actionTypeId\":{\"category\":\"Compute\",\"owner\":\"Custom\","
        "\"provider\":\"Commands\",\"version\":\"1\"}}",
        "{\"jobId\":\"j\",\"ruleTypeId\":{\"category\":\"Rule\",\"owner\":\"AWS\","
        "\"provider\":\"VariableCheck\",\"version\":\"1\"}}",
        "{\"jobId\":\"j\",\"actionTypeId\":{\"category\":\"Build\",\"owner\":\"AWS\","
        "\"provider\":\"Lambda\",\"version\":\"1\"}}",
    };
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
        int rc;
        wk_plan *plan = plan_of(others[i], NULL, &rc);
        CHECK_INT_EQ(rc, SLUICE_ENOTFOUND);
        CHECK(plan == NULL);
    }
}

/* Lambda actions and LambdaInvoke rules: no commands, the function is invoked. */
static void test_invoke(void)
{
    const char *jobs[] = {
        "{\"jobId\":\"job-l\",\"pipeline\":\"p\",\"pipelineExecutionId\":\"e\","
        "\"stage\":\"Deploy\",\"action\":\"Notify\",\"actionExecutionId\":\"ae\","
        "\"actionTypeId\":{\"category\":\"Invoke\",\"owner\":\"AWS\",\"provider\":\"Lambda\","
        "\"version\":\"1\"},\"configuration\":{\"FunctionName\":\"notify\"},"
        "\"inputArtifacts\":[{\"name\":\"In\",\"s3location\":{\"bucket\":\"b\",\"key\":\"k\"}}],"
        "\"outputArtifacts\":[{\"name\":\"Out\"}]}",
        "{\"jobId\":\"job-g\",\"pipeline\":\"p\",\"pipelineExecutionId\":\"e\","
        "\"stage\":\"Deploy\",\"rule\":\"Gate\",\"ruleExecutionId\":\"re\","
        "\"ruleTypeId\":{\"category\":\"Rule\",\"owner\":\"AWS\",\"provider\":\"LambdaInvoke\","
        "\"version\":\"1\"},\"configuration\":{\"FunctionName\":\"gate\"}}",
    };
    for (size_t i = 0; i < sizeof jobs / sizeof jobs[0]; i++) {
        int rc;
        wk_plan *plan = plan_of(jobs[i], NULL, &rc);
        CHECK_INT_EQ(rc, 0);
        if (rc != 0) {
            fprintf(stderr, "job %zu: %s\n", i, err);
        }
        if (plan != NULL) {
            CHECK_INT_EQ(plan->kind, WK_PLAN_INVOKE);
            CHECK_INT_EQ(plan->ncommands, 0);
            CHECK(plan->timeout_ms > 0);
        }
        wk_plan_free(plan);
    }
}

/* Replaces the first occurrence of from in JOB_ACTION with to and plans it. */
static int plan_edit(const char *from, const char *to)
{
    const char *base = JOB_ACTION;
    const char *hit = strstr(base, from);
    if (hit == NULL) {
        fprintf(stderr, "test edit: %s not in the job\n", from);
        return 1;
    }
    char text[8192];
    snprintf(text, sizeof text, "%.*s%s%s", (int)(hit - base), base, to, hit + strlen(from));
    int rc;
    wk_plan *plan = plan_of(text, NULL, &rc);
    CHECK(plan == NULL || rc == 0);
    wk_plan_free(plan);
    return rc;
}

static void test_refusals(void)
{
    CHECK_INT_EQ(plan_edit("\"deploy-token\"", "\"other-token\""), SLUICE_EINVAL);
    CHECK_STR_EQ(err, "environment variable TOKEN: the secret \"other-token\" is not configured "
                      "on this worker");
    CHECK_INT_EQ(plan_edit("\"name\":\"TARGET\"", "\"name\":\"TAR-GET\""), SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "environmentVariables[0]: the name is not");
    CHECK_INT_EQ(plan_edit("\"type\":\"PLAINTEXT\"", "\"type\":\"PARAMETER_STORE\""),
                 SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "type \"PARAMETER_STORE\" is not PLAINTEXT or SECRETS_MANAGER");
    CHECK_INT_EQ(plan_edit("\"./dist/**\"", "\"dist/[a\""), SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "output artifact CheckOut: files[1] \"dist/[a\" is not a glob");
    CHECK_INT_EQ(plan_edit("\"name\":\"SourceArtifact\"", "\"name\":\"../up\""), SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "inputArtifacts[0]: the name is not [A-Za-z0-9_-]+");
    CHECK_INT_EQ(plan_edit("\"name\":\"lib-out\"", "\"name\":\"SourceArtifact\""), SLUICE_EINVAL);
    CHECK_STR_EQ(err, "input artifact SourceArtifact is named twice");
    CHECK_INT_EQ(plan_edit("\"commands\":[\"make check TARGET=prod\",\"export CHECKED=yes\"]",
                           "\"commands\":[]"),
                 SLUICE_EINVAL);
    CHECK_STR_EQ(err, "the job carries no commands");
    CHECK_INT_EQ(plan_edit("\"export CHECKED=yes\"", "7"), SLUICE_EINVAL);
    CHECK_STR_EQ(err, "commands[1] is not a non-empty string");
    CHECK_INT_EQ(plan_edit("\"COUNT\"", "\"2COUNT\""), SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "outputVariables[1] is not a variable name");
    CHECK_INT_EQ(plan_edit("\"stage\":\"Build\",", ""), SLUICE_EINVAL);
    CHECK_STR_EQ(err, "stage is missing or not a non-empty string");
    CHECK_INT_EQ(plan_edit("\"deadline\":\"2026-03-02T11:16:30Z\"", "\"deadline\":\"soon\""),
                 SLUICE_EINVAL);
    CHECK_STR_EQ(err, "deadline is not an RFC 3339 time");
    CHECK_INT_EQ(plan_edit("\"key\":\"my-pipeline/SourceArti/x1\"", "\"key\":\"\""), SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "input artifact SourceArtifact has no location");
    /* A deadline already passed gives a zero timeout, not a refusal. */
    CHECK_INT_EQ(
        plan_edit("\"deadline\":\"2026-03-02T11:16:30Z\"", "\"deadline\":\"2026-03-02T10:00:00Z\""),
        0);
}

static void test_read_variables(void)
{
    int rc;
    wk_plan *plan = plan_of(JOB_ACTION, NULL, &rc);
    REQUIRE(plan != NULL);
    json_t *vars = NULL;
    static const char good[] = "CHECKED=yes\0COUNT=a=b\nc\0";
    CHECK_INT_EQ(wk_plan_read_variables(plan, good, sizeof good - 1, &vars, err, sizeof err), 0);
    CHECK_STR_EQ(json_string_value(json_object_get(vars, "CHECKED")), "yes");
    CHECK_STR_EQ(json_string_value(json_object_get(vars, "COUNT")), "a=b\nc");
    json_decref(vars);
    CHECK_INT_EQ(wk_plan_read_variables(plan, "", 0, &vars, err, sizeof err), 0);
    CHECK_INT_EQ(json_object_size(vars), 0);
    json_decref(vars);
    static const char unknown[] = "CHECKED=yes\0HOME=/root\0";
    CHECK_INT_EQ(wk_plan_read_variables(plan, unknown, sizeof unknown - 1, &vars, err, sizeof err),
                 SLUICE_EPARSE);
    CHECK_STR_EQ(err, "output variable record at byte 12 does not name one of the action's "
                      "outputVariables");
    CHECK(vars == NULL);
    static const char twice[] = "COUNT=1\0COUNT=2\0";
    CHECK_INT_EQ(wk_plan_read_variables(plan, twice, sizeof twice - 1, &vars, err, sizeof err),
                 SLUICE_EPARSE);
    CHECK_STR_EQ(err, "output variable COUNT is repeated");
    static const char open_end[] = "COUNT=1";
    CHECK_INT_EQ(
        wk_plan_read_variables(plan, open_end, sizeof open_end - 1, &vars, err, sizeof err),
        SLUICE_EPARSE);
    static const char latin1[] = "COUNT=\xe9t\xe9\0";
    CHECK_INT_EQ(wk_plan_read_variables(plan, latin1, sizeof latin1 - 1, &vars, err, sizeof err),
                 SLUICE_EPARSE);
    CHECK_STR_EQ(err, "output variable COUNT is not UTF-8 text");
    wk_plan_free(plan);
}

int main(void)
{
    RUN_TEST(test_action_plan);
    RUN_TEST(test_rule_plan);
    RUN_TEST(test_not_ours);
    RUN_TEST(test_invoke);
    RUN_TEST(test_refusals);
    RUN_TEST(test_read_variables);
    return sluice_test_report();
}
