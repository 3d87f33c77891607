/*
 * Unit tests of sluice/model_vars.h: scanning references, resolving them
 * against a context, and pipeline variable values with overrides.
 */
#include "sluice/error.h"
#include "sluice/model_parse.h"
#include "sluice/model_vars.h"
#include "sluice_test.h"

#include <stdlib.h>
#include <string.h>

static void test_scan(void)
{
    const char *text = "deploy #{Src.CommitId} to #{variables.Env}!";
    size_t pos = 0;
    model_vars_ref ref;
    char err[128];

    CHECK_INT_EQ(model_vars_next(text, &pos, &ref, err, sizeof(err)), 1);
    CHECK_INT_EQ(ref.offset, 7);
    CHECK_INT_EQ(ref.length, 15);
    CHECK(ref.ns_len == 3 && memcmp(ref.ns, "Src", 3) == 0);
    CHECK(ref.key_len == 8 && memcmp(ref.key, "CommitId", 8) == 0);
    CHECK_INT_EQ(model_vars_next(text, &pos, &ref, err, sizeof(err)), 1);
    CHECK(ref.ns_len == 9 && memcmp(ref.ns, "variables", 9) == 0);
    CHECK_INT_EQ(model_vars_next(text, &pos, &ref, err, sizeof(err)), 0);
    CHECK_INT_EQ(pos, strlen(text));

    static const char *const malformed[] = {"#{}",      "#{Src}",   "#{.k}",  "#{ns.}",
                                            "#{a b.c}", "#{a.b.c}", "x #{a.b"};
    for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
        pos = 0;
        CHECK_INT_EQ(model_vars_next(malformed[i], &pos, &ref, err, sizeof(err)), SLUICE_EPARSE);
        CHECK(pos > ref.offset);
    }
    /* Scanning goes on after a malformed reference. */
    pos = 0;
    CHECK_INT_EQ(model_vars_next("#{x} #{a.b}", &pos, &ref, err, sizeof(err)), SLUICE_EPARSE);
    CHECK_INT_EQ(model_vars_next("#{x} #{a.b}", &pos, &ref, err, sizeof(err)), 1);
    CHECK_INT_EQ(ref.offset, 5);
    /* "#", "{" and "}" alone are text. */
    pos = 0;
    CHECK_INT_EQ(model_vars_next("# {a.b} #x {} }", &pos, &ref, err, sizeof(err)), 0);
}

static void test_resolve(void)
{
    model_vars_value src_values[] = {{"CommitId", "abc123"}, {"BranchName", "main"}};
    model_vars_value pipeline_values[] = {{"Env", "prod"}};
    model_vars_namespace spaces[] = {{"Src", src_values, 2}};
    model_vars_context ctx = {.execution_id = "11111111-2222-3333-4444-555555555555",
                              .pipeline_values = pipeline_values,
                              .npipeline_values = 1,
                              .namespaces = spaces,
                              .nnamespaces = 1};
    model_errors errs;
    char *out = NULL;

    model_errors_init(&errs, 0);
    CHECK_INT_EQ(model_vars_resolve("#{Src.BranchName}@#{Src.CommitId} in #{variables.Env} "
                                    "(#{codepipeline.PipelineExecutionId})",
                                    &ctx, "configuration.CustomData", &out, &errs),
                 SLUICE_OK);
    CHECK_STR_EQ(out, "main@abc123 in prod (11111111-2222-3333-4444-555555555555)");
    free(out);
    CHECK_INT_EQ(model_vars_resolve("plain", &ctx, "x", &out, &errs), SLUICE_OK);
    CHECK_STR_EQ(out, "plain");
    free(out);
    CHECK_INT_EQ(model_vars_resolve("", &ctx, "x", &out, &errs), SLUICE_OK);
    CHECK_STR_EQ(out, "");
    free(out);
    CHECK_INT_EQ(model_errors_total(&errs), 0);

    CHECK_INT_EQ(model_vars_resolve("#{Src.Nope} #{Other.x} #{variables.Env} #{bad", &ctx,
                                    "configuration.CustomData", &out, &errs),
                 SLUICE_EINVAL);
    CHECK(out == NULL);
    CHECK_INT_EQ(model_errors_total(&errs), 3);
    CHECK_STR_EQ(errs.items[0].path, "configuration.CustomData");
    CHECK_STR_CONTAINS(errs.items[0].message, "\"#{Src.Nope}\" cannot be resolved");
    CHECK_STR_CONTAINS(errs.items[1].message, "#{Other.x}");
    CHECK_STR_CONTAINS(errs.items[2].message, "not closed");
    model_errors_free(&errs);

    /* The execution id is unknown until there is an execution. */
    ctx.execution_id = NULL;
    model_errors_init(&errs, 0);
    CHECK_INT_EQ(model_vars_resolve("#{codepipeline.PipelineExecutionId}", &ctx, "x", &out, &errs),
                 SLUICE_EINVAL);
    model_errors_free(&errs);

    /* The result is bounded. */
    char *big = malloc(1001);
    REQUIRE(big != NULL);
    memset(big, 'v', 1000);
    big[1000] = '\0';
    model_vars_value huge[] = {{"Big", big}};
    ctx.pipeline_values = huge;
    char text[2200] = "";
    for (int i = 0; i < 110; i++) {
        strncat(text, "#{variables.Big}", sizeof(text) - strlen(text) - 1);
    }
    model_errors_init(&errs, 0);
    CHECK_INT_EQ(model_vars_resolve(text, &ctx, "x", &out, &errs), SLUICE_ETOOBIG);
    CHECK(out == NULL);
    CHECK_INT_EQ(model_errors_total(&errs), 1);
    model_errors_free(&errs);
    free(big);
}

static void test_pipeline_values(void)
{
    const char *text =
        "{\"name\": \"p\", \"roleArn\": \"arn:aws:iam::111122223333:role/r\", \"stages\": [],"
        " \"pipelineType\": \"V2\", \"variables\": [{\"name\": \"Env\", \"defaultValue\": \"dev\"},"
        " {\"name\": \"Region\"}, {\"name\": \"Tier\", \"defaultValue\": \"web\"}]}";
    model_pipeline *pipeline = NULL;
    model_errors errs;
    model_vars_value *values = NULL;
    size_t n = 0;

    model_errors_init(&errs, 0);
    CHECK_INT_EQ(model_pipeline_parse_text(text, strlen(text), &pipeline, &errs), SLUICE_OK);
    REQUIRE(pipeline != NULL);

    model_vars_value overrides[] = {{"Region", "eu"}, {"Env", "prod"}};
    CHECK_INT_EQ(model_vars_pipeline_values(pipeline, overrides, 2, &values, &n, &errs), SLUICE_OK);
    CHECK_INT_EQ(n, 3);
    if (n == 3) {
        CHECK_STR_EQ(values[0].name, "Env");
        CHECK_STR_EQ(values[0].value, "prod");
        CHECK_STR_EQ(values[1].value, "eu");
        CHECK_STR_EQ(values[2].value, "web");
    }
    free(values);

    /* Region has no default: it must be given. */
    CHECK_INT_EQ(model_vars_pipeline_values(pipeline, NULL, 0, &values, &n, &errs), SLUICE_EINVAL);
    CHECK(values == NULL && n == 0);
    CHECK_INT_EQ(model_errors_total(&errs), 1);
    CHECK_STR_CONTAINS(errs.items[0].message, "\"Region\" has no default value");
    model_errors_free(&errs);

    model_errors_init(&errs, 0);
    model_vars_value bad[] = {{"Region", "eu"}, {"Nope", "x"}, {"Region", "us"}};
    CHECK_INT_EQ(model_vars_pipeline_values(pipeline, bad, 3, &values, &n, &errs), SLUICE_EINVAL);
    CHECK_INT_EQ(model_errors_total(&errs), 2);
    CHECK_STR_EQ(errs.items[0].exception, MODEL_EXC_VALIDATION);
    model_errors_free(&errs);
    model_pipeline_free(pipeline);
}

int main(void)
{
    RUN_TEST(test_scan);
    RUN_TEST(test_resolve);
    RUN_TEST(test_pipeline_values);
    return sluice_test_report();
}
