/*
 * Unit tests of sluice/model.h: enum spellings, look-ups, deep copies.
 */
#include "model_fixture.h"
#include "sluice/model_parse.h"
#include "sluice/model_serialize.h"
#include "sluice_test.h"

static void test_enums(void)
{
    model_execution_mode mode = MODEL_MODE_SUPERSEDED;
    CHECK_STR_EQ(model_pipeline_type_name(MODEL_PIPELINE_V1), "V1");
    CHECK_STR_EQ(model_pipeline_type_name(MODEL_PIPELINE_V2), "V2");
    CHECK_STR_EQ(model_execution_mode_name(MODEL_MODE_PARALLEL), "PARALLEL");
    CHECK_STR_EQ(model_execution_mode_name((model_execution_mode)42), "SUPERSEDED");
    CHECK_INT_EQ(model_execution_mode_parse("QUEUED", &mode), SLUICE_OK);
    CHECK_INT_EQ(mode, MODEL_MODE_QUEUED);
    CHECK_INT_EQ(model_execution_mode_parse("queued", &mode), SLUICE_EINVAL);
    CHECK_INT_EQ(model_execution_mode_parse(NULL, &mode), SLUICE_EINVAL);
    CHECK_INT_EQ(mode, MODEL_MODE_QUEUED);
    static const char *const categories[] = {"Source", "Build",    "Deploy", "Test",
                                             "Invoke", "Approval", "Compute"};
    for (int i = 0; i < 7; i++) {
        CHECK_INT_EQ(model_category_parse(categories[i]), i);
        CHECK_STR_EQ(model_category_name((model_category)i), categories[i]);
    }
    CHECK_INT_EQ(model_category_parse("Rule"), MODEL_CATEGORY_UNKNOWN);
    CHECK_INT_EQ(model_category_parse(NULL), MODEL_CATEGORY_UNKNOWN);
    CHECK_STR_EQ(model_category_name((model_category)99), "Unknown");
}

static void test_lookups_and_clone(void)
{
    model_errors errs;
    model_pipeline *pipeline = NULL;
    model_errors_init(&errs, 0);
    REQUIRE(model_pipeline_parse_text(fixture_base, strlen(fixture_base), &pipeline, &errs) ==
            SLUICE_OK);

    const model_stage *build = model_pipeline_find_stage(pipeline, "Build");
    REQUIRE(build != NULL);
    CHECK_STR_EQ(build->name, "Build");
    CHECK(model_pipeline_find_stage(pipeline, "build") == NULL);
    const model_action *compile = model_stage_find_action(build, "Compile");
    REQUIRE(compile != NULL);
    CHECK_STR_EQ(model_action_config(compile, "ProjectName"), "shop");
    CHECK(model_action_config(compile, "Missing") == NULL);
    CHECK(model_stage_find_action(build, "Nope") == NULL);
    CHECK(model_pipeline_find_stage(NULL, "Build") == NULL);
    CHECK(model_stage_find_action(NULL, "x") == NULL);
    CHECK(model_action_config(NULL, "x") == NULL);

    model_pipeline *copy = model_pipeline_clone(pipeline);
    REQUIRE(copy != NULL);
    CHECK(copy->stages != pipeline->stages);
    CHECK(copy->stages[1].actions[0].name != pipeline->stages[1].actions[0].name);
    char *a = model_pipeline_to_text(pipeline, JSON_COMPACT);
    char *b = model_pipeline_to_text(copy, JSON_COMPACT);
    CHECK(a != NULL && b != NULL && strcmp(a, b) == 0);
    free(a);
    free(b);
    /* The copy is independent. */
    model_pipeline_free(pipeline);
    CHECK_STR_EQ(model_stage_find_action(model_pipeline_find_stage(copy, "Build"), "Compile")
                     ->input_artifacts[0]
                     .name,
                 "Code");
    model_pipeline_free(copy);
    CHECK(model_pipeline_clone(NULL) == NULL);
    model_pipeline_free(NULL);
    model_errors_free(&errs);
}

int main(void)
{
    RUN_TEST(test_enums);
    RUN_TEST(test_lookups_and_clone);
    return sluice_test_report();
}
