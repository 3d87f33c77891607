/*
 * Unit tests of sluice/model_validate.h: rules the golden cases do not cover
 * one by one (configuration values, Commands fields, namespaces, regions,
 * output variable keys, stage conditions, triggers), external providers,
 * "every problem, once", and a pipeline at its size limits.
 */
#include "model_fixture.h"
#include "sluice/model_registry.h"
#include "sluice/model_serialize.h"
#include "sluice_test.h"

/* Applies one change to the base, validates, and checks that exactly one problem of
 * exception at errpath is reported. */
static void expect_one(const char *path, const char *value, const char *exception,
                       const char *errpath, const char *message_part)
{
    model_errors errs;
    char *text = fixture_with(fixture_base, path, value);
    int rc = fixture_validate(text, NULL, &errs);
    CHECK_INT_EQ(rc, SLUICE_EINVAL);
    CHECK_INT_EQ(model_errors_total(&errs), 1);
    CHECK(fixture_has(&errs, exception, errpath));
    if (message_part != NULL) {
        CHECK_STR_CONTAINS(fixture_message(&errs, errpath), message_part);
    }
    if (model_errors_total(&errs) != 1 || !fixture_has(&errs, exception, errpath)) {
        fprintf(stderr, "  change %s = %s, want %s %s; got:\n", path, value ? value : "(removed)",
                exception, errpath);
        fixture_dump(&errs);
    }
    model_errors_free(&errs);
    free(text);
}

static void expect_valid(const char *path, const char *value)
{
    model_errors errs;
    char *text = fixture_with(fixture_base, path, value);
    CHECK_INT_EQ(fixture_validate(text, NULL, &errs), SLUICE_OK);
    if (model_errors_total(&errs) != 0) {
        fprintf(stderr, "  change %s = %s should be valid; got:\n", path, value ? value : "-");
        fixture_dump(&errs);
    }
    model_errors_free(&errs);
    free(text);
}

#define BUILD  "pipeline.stages[1].actions[0]"
#define SOURCE "pipeline.stages[0].actions[0]"
#define GATE   "pipeline.stages[2].actions[0]"
#define UPLOAD "pipeline.stages[3].actions[0]"

static const char commands_action[] =
    "{\"name\": \"Run\", \"actionTypeId\": {\"category\": \"Compute\", \"owner\": \"AWS\","
    " \"provider\": \"Commands\", \"version\": \"1\"}, \"commands\": [\"make\"],"
    " \"outputVariables\": [\"TAG\"], \"namespace\": \"Run\","
    " \"inputArtifacts\": [{\"name\": \"Code\"}]}";

static void test_base_is_valid(void)
{
    model_errors errs;
    CHECK_INT_EQ(fixture_validate(fixture_base, NULL, &errs), SLUICE_OK);
    fixture_dump(&errs);
    model_errors_free(&errs);
}

static void test_configuration_rules(void)
{
    expect_one(SOURCE ".configuration.Branch", "\"main\"", MODEL_EXC_ACTION,
               SOURCE ".configuration.Branch", "has no configuration key \"Branch\"");
    expect_one(SOURCE ".configuration.DetectChanges", "\"sometimes\"", MODEL_EXC_ACTION,
               SOURCE ".configuration.DetectChanges", "not true or false");
    expect_valid(SOURCE ".configuration.DetectChanges", "\"False\"");
    expect_valid(SOURCE ".configuration.DetectChanges", "\"#{variables.Env}\"");
    expect_one(SOURCE ".configuration.OutputArtifactFormat", "\"ZIP\"", MODEL_EXC_ACTION,
               SOURCE ".configuration.OutputArtifactFormat", "CODEBUILD_CLONE_REF");
    expect_valid(BUILD ".configuration.EnvironmentVariables",
                 "\"[{\\\"name\\\":\\\"A\\\",\\\"value\\\":\\\"1\\\","
                 "\\\"type\\\":\\\"PLAINTEXT\\\"}]\"");
    expect_one(BUILD ".configuration.EnvironmentVariables", "\"[{\\\"name\\\":\\\"A\\\"}]\"",
               MODEL_EXC_ACTION, BUILD ".configuration.EnvironmentVariables", "JSON list");
    expect_one(UPLOAD ".configuration.Extract", "\"false\"", MODEL_EXC_ACTION,
               UPLOAD ".configuration.ObjectKey", "when Extract is false");
    expect_one(BUILD ".configuration", NULL, MODEL_EXC_ACTION, BUILD ".configuration.ProjectName",
               "requires configuration key ProjectName");
    /* Custom configuration is free-form. */
    expect_valid(BUILD ".actionTypeId",
                 "{\"category\": \"Build\", \"owner\": \"Custom\", \"provider\": \"Make\","
                 " \"version\": \"7\"}");
}

static void test_commands_fields(void)
{
    expect_one(BUILD ".commands", "[\"make\"]", MODEL_EXC_ACTION, BUILD ".commands",
               "only to AWS/Compute/Commands");
    expect_one(BUILD ".outputVariables", "[\"X\"]", MODEL_EXC_ACTION, BUILD ".outputVariables",
               NULL);
    expect_one(BUILD ".environmentVariables", "[{\"name\": \"A\", \"value\": \"b\"}]",
               MODEL_EXC_ACTION, BUILD ".environmentVariables", NULL);
    expect_one(BUILD ".outputArtifacts[0].files", "[\"dist/**\"]", MODEL_EXC_ACTION,
               BUILD ".outputArtifacts[0].files", NULL);

    char *with_run = fixture_with(fixture_base, "pipeline.stages[1].actions[1]", commands_action);
    model_errors errs;
    CHECK_INT_EQ(fixture_validate(with_run, NULL, &errs), SLUICE_OK);
    fixture_dump(&errs);
    model_errors_free(&errs);

    /* Commands needs `commands`, one line each, and V2. */
    char *no_commands = fixture_with(with_run, "pipeline.stages[1].actions[1].commands", NULL);
    fixture_validate(no_commands, NULL, &errs);
    CHECK(fixture_has(&errs, MODEL_EXC_ACTION, "pipeline.stages[1].actions[1].commands"));
    CHECK_INT_EQ(model_errors_total(&errs), 1);
    model_errors_free(&errs);
    char *multi = fixture_with(with_run, "pipeline.stages[1].actions[1].commands",
                               "[\"make\", \"echo a\\necho b\"]");
    fixture_validate(multi, NULL, &errs);
    CHECK(fixture_has(&errs, MODEL_EXC_ACTION, "pipeline.stages[1].actions[1].commands[1]"));
    CHECK_INT_EQ(model_errors_total(&errs), 1);
    model_errors_free(&errs);

    /* Its namespace offers exactly its outputVariables. */
    char *ref_ok = fixture_with(with_run, GATE ".configuration.CustomData", "\"#{Run.TAG}\"");
    CHECK_INT_EQ(fixture_validate(ref_ok, NULL, &errs), SLUICE_OK);
    model_errors_free(&errs);
    char *ref_bad = fixture_with(with_run, GATE ".configuration.CustomData", "\"#{Run.NOPE}\"");
    fixture_validate(ref_bad, NULL, &errs);
    CHECK(fixture_has(&errs, MODEL_EXC_ACTION, GATE ".configuration.CustomData"));
    CHECK_STR_CONTAINS(fixture_message(&errs, GATE ".configuration.CustomData"), "TAG");
    model_errors_free(&errs);

    free(with_run);
    free(no_commands);
    free(multi);
    free(ref_ok);
    free(ref_bad);
}

static void test_variable_references(void)
{
    /* Fixed outputs of a source provider: an unknown key is an error. */
    expect_one(GATE ".configuration.CustomData", "\"#{Src.Sha}\"", MODEL_EXC_ACTION,
               GATE ".configuration.CustomData", "does not produce \"Sha\"");
    /* CodeBuild exports any variable. */
    expect_valid(GATE ".configuration.CustomData", "\"#{Bld.ANYTHING} #{Src.BranchName}\"");
    expect_one(GATE ".configuration.CustomData", "\"#{Src.CommitId\"", MODEL_EXC_ACTION,
               GATE ".configuration.CustomData", "not closed");
    expect_one(GATE ".configuration.CustomData", "\"#{Src}\"", MODEL_EXC_ACTION,
               GATE ".configuration.CustomData", "malformed");
    expect_one(GATE ".configuration.CustomData", "\"#{codepipeline.StartTime}\"", MODEL_EXC_ACTION,
               GATE ".configuration.CustomData", "PipelineExecutionId");
    expect_valid(GATE ".configuration.CustomData", "\"#{codepipeline.PipelineExecutionId}\"");
    /* Referencing a namespace of the same stage needs a lower runOrder. */
    expect_one(SOURCE ".configuration.BranchName", "\"#{Src.BranchName}\"", MODEL_EXC_ACTION,
               SOURCE ".configuration.BranchName", "does not run before");
    /* Text without "#{" is never a reference. */
    expect_valid(GATE ".configuration.CustomData", "\"{not} #a {ref}\"");
}

static void test_namespaces_and_regions(void)
{
    expect_one(BUILD ".namespace", "\"codepipeline\"", MODEL_EXC_ACTION, BUILD ".namespace",
               "reserved");
    expect_one(BUILD ".namespace", "\"Src\"", MODEL_EXC_STRUCTURE, BUILD ".namespace",
               "already declared");
    expect_one(BUILD ".namespace", "\"Bin\"", MODEL_EXC_ACTION, BUILD ".namespace",
               "output artifact");
    expect_valid(SOURCE ".region", "\"eu-west-1\"");
    expect_valid(BUILD ".region", "\"eu-west-1\"");
    char *stores = fixture_with(fixture_base, "pipeline.artifactStore", NULL);
    char *with_map = fixture_with(stores, "pipeline.artifactStores",
                                  "{\"us-east-1\": {\"type\": \"S3\", \"location\": \"a-b\"}}");
    char *region = fixture_with(with_map, BUILD ".region", "\"eu-west-1\"");
    model_errors errs;
    fixture_validate(region, NULL, &errs);
    CHECK(fixture_has(&errs, MODEL_EXC_ACTION, BUILD ".region"));
    CHECK_INT_EQ(model_errors_total(&errs), 1);
    model_errors_free(&errs);
    free(stores);
    free(with_map);
    free(region);
}

static void test_stage_conditions(void)
{
    const char *rule = "{\"name\": \"R\", \"ruleTypeId\": {\"category\": \"Rule\", "
                       "\"owner\": \"AWS\", \"provider\": \"VariableCheck\", \"version\": \"1\"},"
                       " \"configuration\": {\"Variable\": \"#{Bld.X}\", \"Operator\": \"EQ\","
                       " \"Value\": \"1\"}}";
    char cond[1024];

    /* beforeEntry sees only earlier stages; onSuccess also its own stage. */
    snprintf(cond, sizeof(cond), "{\"conditions\": [{\"result\": \"SKIP\", \"rules\": [%s]}]}",
             rule);
    expect_one("pipeline.stages[1].beforeEntry", cond, MODEL_EXC_STAGE,
               "pipeline.stages[1].beforeEntry.conditions[0].rules[0].configuration.Variable",
               "does not run before");
    expect_valid("pipeline.stages[2].beforeEntry", cond);
    snprintf(cond, sizeof(cond), "{\"conditions\": [{\"result\": \"ROLLBACK\", \"rules\": [%s]}]}",
             rule);
    expect_valid("pipeline.stages[1].onSuccess", cond);
    snprintf(cond, sizeof(cond),
             "{\"conditions\": [{\"result\": \"ROLLBACK\", \"rules\": [{\"name\": \"R\","
             " \"ruleTypeId\": {\"category\": \"Rule\", \"provider\": \"LambdaInvoke\"},"
             " \"configuration\": {\"FunctionName\": \"#{Src.BranchName}\"}}]}]}");
    expect_one("pipeline.stages[0].onSuccess", cond, MODEL_EXC_STAGE,
               "pipeline.stages[0].onSuccess.conditions[0].result", "first stage");
    snprintf(cond, sizeof(cond), "{\"conditions\": [{\"result\": \"SKIP\", \"rules\": [%s]}]}",
             rule);
    expect_one("pipeline.stages[2].onSuccess", cond, MODEL_EXC_STAGE,
               "pipeline.stages[2].onSuccess.conditions[0].result", "not allowed");
    expect_one("pipeline.stages[2].onFailure", "{\"result\": \"SKIP\"}", MODEL_EXC_STAGE,
               "pipeline.stages[2].onFailure.result", NULL);
    expect_one("pipeline.stages[2].onFailure",
               "{\"result\": \"FAIL\", \"retryConfiguration\": {\"retryMode\": \"ALL_ACTIONS\"}}",
               MODEL_EXC_STAGE, "pipeline.stages[2].onFailure.retryConfiguration", NULL);
    expect_valid("pipeline.stages[2].onFailure", "{\"result\": \"RETRY\", \"retryConfiguration\": "
                                                 "{\"retryMode\": \"ALL_ACTIONS\"}}");

    /* Rule types and their configuration. */
    expect_one("pipeline.stages[2].beforeEntry",
               "{\"conditions\": [{\"rules\": [{\"name\": \"A\", \"ruleTypeId\": {\"category\":"
               " \"Rule\", \"provider\": \"CloudWatchAlarm\"}, \"configuration\":"
               " {\"AlarmName\": \"x\"}}]}]}",
               MODEL_EXC_STAGE,
               "pipeline.stages[2].beforeEntry.conditions[0].rules[0].ruleTypeId.provider",
               "VariableCheck");
    expect_one("pipeline.stages[2].beforeEntry",
               "{\"conditions\": [{\"rules\": [{\"name\": \"A\", \"ruleTypeId\": {\"category\":"
               " \"Rule\", \"provider\": \"DeploymentWindow\"}, \"configuration\":"
               " {\"TimeZone\": \"UTC\"}}]}]}",
               MODEL_EXC_STAGE,
               "pipeline.stages[2].beforeEntry.conditions[0].rules[0].configuration.Cron", NULL);
    expect_one("pipeline.stages[2].beforeEntry",
               "{\"conditions\": [{\"rules\": [{\"name\": \"A\", \"ruleTypeId\": {\"category\":"
               " \"Rule\", \"provider\": \"VariableCheck\"}, \"configuration\":"
               " {\"Variable\": \"a\", \"Value\": \"b\", \"Operator\": \"LIKE\"}}]}]}",
               MODEL_EXC_STAGE,
               "pipeline.stages[2].beforeEntry.conditions[0].rules[0].configuration.Operator",
               NULL);
    /* ROLLBACK is not available in PARALLEL mode. */
    char *parallel = fixture_with(fixture_base, "pipeline.executionMode", "\"PARALLEL\"");
    char *rollback =
        fixture_with(parallel, "pipeline.stages[3].onFailure", "{\"result\": \"ROLLBACK\"}");
    model_errors errs;
    fixture_validate(rollback, NULL, &errs);
    CHECK(fixture_has(&errs, MODEL_EXC_STAGE, "pipeline.stages[3].onFailure.result"));
    CHECK_INT_EQ(model_errors_total(&errs), 1);
    model_errors_free(&errs);
    free(parallel);
    free(rollback);
}

static void test_triggers(void)
{
    const char *prefix = "[{\"providerType\": \"CodeStarSourceConnection\", \"gitConfiguration\": ";
    char value[1024];

    snprintf(value, sizeof(value),
             "%s{\"sourceActionName\": \"Checkout\", \"push\": [{\"tags\": {\"includes\": "
             "[\"v*\"]}}, {\"branches\": {\"includes\": [\"main\", \"release/**\"]}, "
             "\"filePaths\": {\"excludes\": [\"**/*.md\", \"{a,b}/[0-9]?\"]}}]}}]",
             prefix);
    expect_valid("pipeline.triggers", value);
    snprintf(value, sizeof(value),
             "%s{\"sourceActionName\": \"Checkout\", \"push\": [{\"tags\": {\"includes\": "
             "[\"v*\"]}, \"branches\": {\"includes\": [\"main\"]}}]}}]",
             prefix);
    expect_one("pipeline.triggers", value, MODEL_EXC_VALIDATION,
               "pipeline.triggers[0].gitConfiguration.push[0].tags", "either tags");
    snprintf(value, sizeof(value),
             "%s{\"sourceActionName\": \"Checkout\", \"push\": [{\"branches\": {}}]}}]", prefix);
    expect_one("pipeline.triggers", value, MODEL_EXC_VALIDATION,
               "pipeline.triggers[0].gitConfiguration.push[0].branches", "includes or excludes");
    snprintf(value, sizeof(value),
             "%s{\"sourceActionName\": \"Checkout\", \"pullRequest\": [{\"branches\": "
             "{\"includes\": [\"a/[b-a]\"]}}]}}]",
             prefix);
    expect_one("pipeline.triggers", value, MODEL_EXC_VALIDATION,
               "pipeline.triggers[0].gitConfiguration.pullRequest[0].branches.includes[0]",
               "invalid range");
    snprintf(value, sizeof(value),
             "[{\"providerType\": \"CodeStarSourceConnection\", \"gitConfiguration\": "
             "{\"sourceActionName\": \"Checkout\"}}, {\"providerType\": "
             "\"CodeStarSourceConnection\", \"gitConfiguration\": {\"sourceActionName\": "
             "\"Checkout\"}}]");
    expect_one("pipeline.triggers", value, MODEL_EXC_VALIDATION,
               "pipeline.triggers[1].gitConfiguration.sourceActionName", "already has a trigger");
}

static void test_external_providers(void)
{
    static const char *const externals[] = {"AWS/Deploy/CodeDeploy/1"};
    model_registry *reg = NULL;
    model_errors errs;
    char *text = fixture_with(fixture_base, UPLOAD ".actionTypeId",
                              "{\"category\": \"Deploy\", \"owner\": \"AWS\", \"provider\":"
                              " \"CodeDeploy\", \"version\": \"1\"}");
    char *config = fixture_with(text, UPLOAD ".configuration",
                                "{\"ApplicationName\": \"a\", \"DeploymentGroupName\": \"g\"}");

    fixture_validate(config, NULL, &errs);
    CHECK_INT_EQ(model_errors_total(&errs), 1);
    CHECK(fixture_has(&errs, MODEL_EXC_ACTION, UPLOAD ".actionTypeId"));
    const char *message = fixture_message(&errs, UPLOAD ".actionTypeId");
    CHECK_STR_CONTAINS(message, "AWS/Deploy/CodeDeploy/1 is not run by this Sluice installation");
    CHECK_STR_CONTAINS(message, "AWS/Source/CodeCommit/1");
    CHECK_STR_CONTAINS(message, "SLUICE_EXTERNAL_PROVIDERS");
    model_errors_free(&errs);

    REQUIRE(model_registry_new(externals, 1, &reg, NULL, 0) == SLUICE_OK);
    CHECK_INT_EQ(fixture_validate(config, reg, &errs), SLUICE_OK);
    fixture_dump(&errs);
    model_errors_free(&errs);
    model_registry_free(reg);
    free(text);
    free(config);
}

/* Every problem is reported, each once; a field the parser rejected is not checked again. */
static void test_all_problems_once(void)
{
    model_errors errs;
    char *a = fixture_with(fixture_base, "pipeline.name", "\"bad name\"");
    char *b = fixture_with(a, BUILD ".runOrder", "\"2\"");
    char *c = fixture_with(b, UPLOAD ".inputArtifacts[0].name", "\"Nothing\"");
    char *d = fixture_with(c, "pipeline.stages[2].name", "\"Build\"");
    fixture_validate(d, NULL, &errs);
    CHECK_INT_EQ(model_errors_total(&errs), 4);
    CHECK(fixture_has(&errs, MODEL_EXC_VALIDATION, "pipeline.name"));
    CHECK(fixture_has(&errs, MODEL_EXC_VALIDATION, BUILD ".runOrder"));
    CHECK(fixture_has(&errs, MODEL_EXC_STRUCTURE, UPLOAD ".inputArtifacts[0].name"));
    CHECK(fixture_has(&errs, MODEL_EXC_STRUCTURE, "pipeline.stages[2].name"));
    fixture_dump(&errs);
    model_errors_free(&errs);

    /* stages of the wrong type: one problem, no "fewer than 2 stages". */
    char *e = fixture_with(fixture_base, "pipeline.stages", "{}");
    fixture_validate(e, NULL, &errs);
    CHECK_INT_EQ(model_errors_total(&errs), 1);
    CHECK(fixture_has(&errs, MODEL_EXC_VALIDATION, "pipeline.stages"));
    model_errors_free(&errs);

    /* An invalid category: no provider or placement problem on top. */
    char *f = fixture_with(fixture_base, BUILD ".actionTypeId.category", "\"Building\"");
    fixture_validate(f, NULL, &errs);
    CHECK_INT_EQ(model_errors_total(&errs), 1);
    model_errors_free(&errs);

    /* An invalid pipelineType: V2-only members are not reported on top. */
    char *g = fixture_with(fixture_base, "pipeline.pipelineType", "\"V3\"");
    fixture_validate(g, NULL, &errs);
    CHECK_INT_EQ(model_errors_total(&errs), 1);
    CHECK(fixture_has(&errs, MODEL_EXC_VALIDATION, "pipeline.pipelineType"));
    model_errors_free(&errs);

    free(a);
    free(b);
    free(c);
    free(d);
    free(e);
    free(f);
    free(g);
}

static void test_summary_and_exception(void)
{
    model_errors errs;
    sluice_buf out;
    char *text = fixture_with(fixture_base, "pipeline.stages[2].name", "\"Build\"");
    fixture_validate(text, NULL, &errs);
    CHECK_STR_EQ(model_errors_exception(&errs), MODEL_EXC_STRUCTURE);
    sluice_buf_init(&out, 4096);
    CHECK_INT_EQ(model_errors_summary(&errs, &out), SLUICE_OK);
    CHECK_STR_CONTAINS(sluice_buf_cstr(&out), "pipeline.stages[2].name: stage name \"Build\"");
    sluice_buf_free(&out);
    model_errors_free(&errs);
    free(text);

    /* The list is bounded; the rest is counted. */
    model_errors_init(&errs, 2);
    for (int i = 0; i < 5; i++) {
        model_errors_add(&errs, MODEL_EXC_VALIDATION, "pipeline", "problem %d", i);
    }
    CHECK_INT_EQ(errs.count, 2);
    CHECK_INT_EQ(model_errors_total(&errs), 5);
    sluice_buf_init(&out, 4096);
    model_errors_summary(&errs, &out);
    CHECK_STR_EQ(sluice_buf_cstr(&out), "pipeline: problem 0; pipeline: problem 1 (and 3 more)");
    sluice_buf_free(&out);
    model_errors_free(&errs);
}

/* 50 stages of 50 actions, each consuming the previous stage's artifacts: valid and fast. */
static void test_limits(void)
{
    json_t *doc = json_loads(fixture_base, 0, NULL);
    json_t *pipeline = json_object_get(doc, "pipeline");
    json_t *stages = json_object_get(pipeline, "stages");
    model_errors errs;

    json_object_del(pipeline, "variables");
    while (json_array_size(stages) > 1) {
        json_array_remove(stages, 1);
    }
    for (int s = 1; s < MODEL_MAX_STAGES; s++) {
        json_t *actions = json_array();
        for (int a = 0; a < MODEL_MAX_ACTIONS_PER_STAGE; a++) {
            char text[512];
            snprintf(text, sizeof(text),
                     "{\"name\": \"a%d\", \"runOrder\": %d, \"actionTypeId\": {\"category\":"
                     " \"Build\", \"owner\": \"AWS\", \"provider\": \"CodeBuild\", \"version\":"
                     " \"1\"}, \"configuration\": {\"ProjectName\": \"p\"}, \"inputArtifacts\":"
                     " [{\"name\": \"%s\"}], \"outputArtifacts\": [{\"name\": \"s%da%d\"}]}",
                     a, a + 1, s == 1 ? "Code" : "x", s, a);
            json_t *action = json_loads(text, 0, NULL);
            if (s > 1) {
                char input[32];
                snprintf(input, sizeof(input), "s%da%d", s - 1, a);
                json_object_set_new(json_array_get(json_object_get(action, "inputArtifacts"), 0),
                                    "name", json_string(input));
            }
            json_array_append_new(actions, action);
        }
        json_t *stage = json_object();
        char name[16];
        snprintf(name, sizeof(name), "S%d", s);
        json_object_set_new(stage, "name", json_string(name));
        json_object_set_new(stage, "actions", actions);
        json_array_append_new(stages, stage);
    }
    char *text = json_dumps(doc, JSON_COMPACT);
    CHECK_INT_EQ(fixture_validate(text, NULL, &errs), SLUICE_OK);
    fixture_dump(&errs);
    model_errors_free(&errs);
    free(text);

    /* One more stage is one LimitExceededException. */
    json_array_append(stages, json_array_get(stages, 1));
    text = json_dumps(doc, JSON_COMPACT);
    fixture_validate(text, NULL, &errs);
    CHECK(fixture_has(&errs, MODEL_EXC_LIMIT, "pipeline.stages"));
    model_errors_free(&errs);
    free(text);
    json_decref(doc);
}

/* Replaces the first "\"@@\"" of base with `count` comma-separated copies of item, each
 * "#" in item replaced by the copy's number. */
static char *repeat_into(const char *base, const char *item, size_t count)
{
    sluice_buf buf;
    const char *at = strstr(base, "\"@@\"");
    sluice_buf_init(&buf, (size_t)MODEL_MAX_INPUT_BYTES);
    sluice_buf_append(&buf, base, (size_t)(at - base));
    for (size_t i = 0; i < count; i++) {
        if (i > 0) {
            sluice_buf_append_str(&buf, ",");
        }
        for (const char *p = item; *p != '\0'; p++) {
            if (*p == '#') {
                sluice_buf_appendf(&buf, "%zu", i);
            } else {
                sluice_buf_append(&buf, p, 1);
            }
        }
    }
    sluice_buf_append_str(&buf, at + 4);
    return sluice_buf_steal(&buf);
}

/* Declarations near the size bound with one huge list each: every check stays linear,
 * so each validates in a fraction of a second (a quadratic check would take minutes
 * and hit ctest's timeout). */
static void test_large_declarations(void)
{
    static const char *const shapes[][3] = {
        {"pipeline.stages[1].actions[0].inputArtifacts", "[\"@@\"]", "{\"name\": \"C#\"}"},
        {"pipeline.stages[1].actions[0].outputArtifacts", "[\"@@\"]", "{\"name\": \"Same\"}"},
        /* distinct names, far more than the pipeline has actions: the artifacts index is
         * sized by the outputs named, not by the actions (it once filled up and its probe
         * never ended) */
        {"pipeline.stages[1].actions[0].outputArtifacts", "[\"@@\"]", "{\"name\": \"O#\"}"},
        {"pipeline.variables", "[\"@@\"]", "{\"name\": \"V#\"}"},
        {"pipeline.stages[1].blockers", "[\"@@\"]", "{\"name\": \"b\", \"type\": \"Schedule\"}"},
        {"pipeline.triggers", "[\"@@\"]",
         "{\"providerType\": \"CodeStarSourceConnection\", \"gitConfiguration\": "
         "{\"sourceActionName\": \"Checkout\"}}"},
        {"pipeline.stages[2].beforeEntry", "{\"conditions\": [{\"rules\": [\"@@\"]}]}",
         "{\"name\": \"r\", \"ruleTypeId\": {\"category\": \"Rule\", \"provider\": "
         "\"VariableCheck\"}}"},
        {"pipeline.stages", "[\"@@\"]",
         "{\"name\": \"S#\", \"actions\": [{\"name\": \"a\", \"actionTypeId\": "
         "{\"category\": \"Approval\", \"owner\": \"AWS\", \"provider\": \"Manual\", "
         "\"version\": \"1\"}}]}"},
        {"pipeline.stages[1].actions", "[\"@@\"]",
         "{\"name\": \"a\", \"namespace\": \"n\", \"actionTypeId\": {\"category\": "
         "\"Build\", \"owner\": \"Custom\", \"provider\": \"x\", \"version\": \"1\"}, "
         "\"inputArtifacts\": [{\"name\": \"Nope\"}]}"},
    };
    for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
        char *base = fixture_with(fixture_base, shapes[i][0], shapes[i][1]);
        REQUIRE(base != NULL);
        /* As many copies as fit in ~900 KiB, under the 1 MiB bound. */
        size_t count = (900 * 1024 - strlen(base)) / (strlen(shapes[i][2]) + 8);
        char *text = repeat_into(base, shapes[i][2], count);
        REQUIRE(text != NULL);
        CHECK(strlen(text) > 600 * 1024 && strlen(text) < (size_t)MODEL_MAX_INPUT_BYTES);
        model_errors errs;
        CHECK_INT_EQ(fixture_validate(text, NULL, &errs), SLUICE_EINVAL);
        CHECK(model_errors_total(&errs) > 0);
        model_errors_free(&errs);
        free(base);
        free(text);
    }
}

int main(void)
{
    RUN_TEST(test_base_is_valid);
    RUN_TEST(test_configuration_rules);
    RUN_TEST(test_commands_fields);
    RUN_TEST(test_variable_references);
    RUN_TEST(test_namespaces_and_regions);
    RUN_TEST(test_stage_conditions);
    RUN_TEST(test_triggers);
    RUN_TEST(test_external_providers);
    RUN_TEST(test_all_problems_once);
    RUN_TEST(test_summary_and_exception);
    RUN_TEST(test_limits);
    RUN_TEST(test_large_declarations);
    return sluice_test_report();
}
