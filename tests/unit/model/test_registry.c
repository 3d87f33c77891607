/*
 * Unit tests of sluice/model_registry.h: built-in providers, the Custom
 * wildcard, external providers from configuration, descriptions, outputs,
 * timeouts and rule types.
 */
#include "sluice/error.h"
#include "sluice/model_registry.h"
#include "sluice_test.h"

#include <string.h>

static void test_builtins(void)
{
    const model_provider *p = model_registry_find(NULL, "Source", "AWS", "CodeCommit", "1");
    REQUIRE(p != NULL);
    CHECK_INT_EQ(p->runner, MODEL_RUNNER_SOURCE);
    CHECK(!p->external);
    CHECK_INT_EQ(p->min_outputs, 1);
    CHECK_INT_EQ(p->max_outputs, 1);
    CHECK(model_provider_config_key(p, "RepositoryName")->required);
    CHECK(!model_provider_config_key(p, "PollForSourceChanges")->required);
    CHECK(model_provider_config_key(p, "Nope") == NULL);
    CHECK(model_provider_has_output(p, NULL, "CommitId"));
    CHECK(!model_provider_has_output(p, NULL, "ImageTag"));

    CHECK(model_registry_find(NULL, "Build", "AWS", "CodeBuild", "1") != NULL);
    CHECK(model_registry_find(NULL, "Test", "AWS", "CodeBuild", "1") != NULL);
    CHECK(model_registry_find(NULL, "Deploy", "AWS", "CodeBuild", "1") == NULL);
    CHECK(model_registry_find(NULL, "Build", "AWS", "CodeBuild", "2") == NULL);
    CHECK(model_registry_find(NULL, "Deploy", "AWS", "CodeDeploy", "1") == NULL);
    CHECK(model_registry_find(NULL, "Source", "ThirdParty", "GitHub", "1") == NULL);
    CHECK(model_registry_find(NULL, "Source", "AWS", NULL, "1") == NULL);

    const model_provider *commands = model_registry_find(NULL, "Compute", "AWS", "Commands", "1");
    REQUIRE(commands != NULL);
    CHECK(commands->v2_only && commands->commands_fields);
    CHECK_INT_EQ(commands->max_inputs, 10);
    char tag[] = "IMAGE_TAG";
    char *vars[] = {tag};
    model_action action = {.output_variables = vars, .noutput_variables = 1};
    CHECK(model_provider_has_output(commands, &action, "IMAGE_TAG"));
    CHECK(!model_provider_has_output(commands, &action, "OTHER"));

    /* a connection's variable is FullRepositoryName (AWS's name), its configuration key
       FullRepositoryId */
    const model_provider *connection =
        model_registry_find(NULL, "Source", "AWS", "CodeStarSourceConnection", "1");
    REQUIRE(connection != NULL);
    CHECK(model_provider_has_output(connection, NULL, "FullRepositoryName"));
    CHECK(!model_provider_has_output(connection, NULL, "FullRepositoryId"));

    const model_provider *manual = model_registry_find(NULL, "Approval", "AWS", "Manual", "1");
    REQUIRE(manual != NULL);
    CHECK_INT_EQ(manual->runner, MODEL_RUNNER_APPROVAL);
    CHECK_INT_EQ(model_provider_timeout_minutes(manual, NULL), 7 * 24 * 60);
    model_action timed = {.timeout_in_minutes = 30};
    CHECK_INT_EQ(model_provider_timeout_minutes(manual, &timed), 30);
    const model_provider *s3 = model_registry_find(NULL, "Deploy", "AWS", "S3", "1");
    const model_provider *lambda = model_registry_find(NULL, "Invoke", "AWS", "Lambda", "1");
    const model_provider *build = model_registry_find(NULL, "Build", "AWS", "CodeBuild", "1");
    REQUIRE(s3 != NULL && lambda != NULL && build != NULL);
    CHECK_INT_EQ(s3->default_timeout_minutes, 90);
    CHECK_INT_EQ(lambda->default_timeout_minutes, 24 * 60);
    CHECK_INT_EQ(build->default_timeout_minutes, 8 * 60);
}

static void test_custom_wildcard(void)
{
    const model_provider *p = model_registry_find(NULL, "Deploy", "Custom", "Anything", "42");
    REQUIRE(p != NULL);
    CHECK(p->external);
    CHECK(p->config_free_form);
    CHECK(p->dynamic_outputs);
    CHECK_INT_EQ(p->runner, MODEL_RUNNER_EXTERNAL);
    CHECK_INT_EQ(p->max_inputs, 5);
    CHECK_STR_EQ(p->provider, MODEL_REGISTRY_ANY);
    CHECK(p == model_registry_find(NULL, "Source", "Custom", "Other", "1"));
}

static void test_external(void)
{
    model_registry *reg = NULL;
    char err[256];
    CHECK_INT_EQ(model_registry_new_from_list(" AWS/Deploy/CodeDeploy/1,AWS/Deploy/ECS/1 "
                                              "ThirdParty/Source/GitHub/1,AWS/Build/CodeBuild/1,"
                                              "AWS/Deploy/CodeDeploy/1",
                                              &reg, err, sizeof(err)),
                 SLUICE_OK);
    REQUIRE(reg != NULL);
    const model_provider *deploy = model_registry_find(reg, "Deploy", "AWS", "CodeDeploy", "1");
    REQUIRE(deploy != NULL);
    CHECK(deploy->external);
    CHECK_INT_EQ(deploy->runner, MODEL_RUNNER_EXTERNAL);
    CHECK_INT_EQ(deploy->min_inputs, 1);
    CHECK_INT_EQ(deploy->max_outputs, 0);
    CHECK_INT_EQ(deploy->default_timeout_minutes, 5 * 24 * 60);
    const model_provider *github = model_registry_find(reg, "Source", "ThirdParty", "GitHub", "1");
    REQUIRE(github != NULL);
    CHECK(model_provider_config_key(github, "OAuthToken")->secret);
    /* A built-in handed to external workers keeps its shape. */
    const model_provider *build = model_registry_find(reg, "Build", "AWS", "CodeBuild", "1");
    REQUIRE(build != NULL);
    CHECK(build->external);
    CHECK(model_provider_config_key(build, "ProjectName")->required);
    CHECK(!model_registry_find(NULL, "Build", "AWS", "CodeBuild", "1")->external);
    /* Duplicates collapse: 9 built-ins + Custom + 4 external. */
    CHECK_INT_EQ(model_registry_count(reg), 14);
    CHECK(model_registry_get(reg, 13) != NULL);
    CHECK(model_registry_get(reg, 14) == NULL);

    sluice_buf out;
    sluice_buf_init(&out, 4096);
    CHECK_INT_EQ(model_registry_describe(reg, &out), SLUICE_OK);
    CHECK_STR_CONTAINS(sluice_buf_cstr(&out), "AWS/Source/CodeCommit/1, ");
    CHECK_STR_CONTAINS(sluice_buf_cstr(&out), "through external job workers: Custom/");
    CHECK_STR_CONTAINS(sluice_buf_cstr(&out), "AWS/Deploy/CodeDeploy/1");
    CHECK(strstr(sluice_buf_cstr(&out), "AWS/Build/CodeBuild/1, AWS/Test") == NULL);
    sluice_buf_free(&out);
    model_registry_free(reg);

    static const char *const bad[] = {"AWS/Deploy/CodeDeploy",
                                      "Custom/Build/X/1",
                                      "AWS/Building/X/1",
                                      "AWS/Deploy/Code Deploy/1",
                                      "AWS/Deploy/X/1234567890",
                                      "AWS/Deploy/X/1/extra",
                                      ""};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        reg = (model_registry *)&reg;
        CHECK_INT_EQ(model_registry_new(&bad[i], 1, &reg, err, sizeof(err)), SLUICE_EINVAL);
        CHECK(reg == NULL);
        CHECK_STR_CONTAINS(err, "external provider");
    }
    CHECK_INT_EQ(model_registry_new_from_list(NULL, &reg, err, sizeof(err)), SLUICE_OK);
    CHECK_INT_EQ(model_registry_count(reg), 10);
    model_registry_free(reg);
    model_registry_free(NULL);
}

static void test_rules(void)
{
    const model_rule_type *rule = model_registry_find_rule("VariableCheck", NULL);
    REQUIRE(rule != NULL);
    CHECK_INT_EQ(rule->nconfig_keys, 3);
    CHECK(model_registry_find_rule("Commands", "1")->commands);
    CHECK(model_registry_find_rule("CloudWatchAlarm", "1") == NULL);
    CHECK(model_registry_find_rule("VariableCheck", "2") == NULL);
    sluice_buf out;
    sluice_buf_init(&out, 1024);
    model_registry_describe_rules(&out);
    CHECK_STR_EQ(sluice_buf_cstr(&out), "VariableCheck/1, DeploymentWindow/1, LambdaInvoke/1, "
                                        "Commands/1");
    sluice_buf_free(&out);
}

int main(void)
{
    RUN_TEST(test_builtins);
    RUN_TEST(test_custom_wildcard);
    RUN_TEST(test_external);
    RUN_TEST(test_rules);
    return sluice_test_report();
}
