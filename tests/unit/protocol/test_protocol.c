/*
 * Unit tests of libs/protocol: the names on the bus (their exact spelling is
 * the wire format, so it is spelled out here once more on purpose), request
 * types, pipeline names, and building and reading CodePipeline ARNs —
 * including ARNs cut short right after a separator, which a reader must never
 * read past.
 */
#include "sluice/error.h"
#include "sluice/protocol_arn.h"
#include "sluice/protocol_names.h"
#include "sluice_test.h"

#include <stdlib.h>
#include <string.h>

static void test_names_on_the_wire(void)
{
    CHECK_STR_EQ(PROTOCOL_DETAIL_PIPELINE_STATE, "CodePipeline Pipeline Execution State Change");
    CHECK_STR_EQ(PROTOCOL_DETAIL_STAGE_STATE, "CodePipeline Stage Execution State Change");
    CHECK_STR_EQ(PROTOCOL_DETAIL_ACTION_STATE, "CodePipeline Action Execution State Change");
    CHECK_STR_EQ(PROTOCOL_DETAIL_REQUEST, "Sluice Pipeline Request");
    CHECK_STR_EQ(PROTOCOL_DETAIL_JOB_RESULT, "Sluice Job Result");
    CHECK_STR_EQ(PROTOCOL_DETAIL_JOB, "Sluice Action Job");
    CHECK_STR_EQ(PROTOCOL_DETAIL_DEAD_LETTER, "Sluice Dead Letter");
    CHECK_STR_EQ(PROTOCOL_SOURCE_CODEPIPELINE, "aws.codepipeline");
    CHECK_STR_EQ(PROTOCOL_SOURCE_API, "sluice.api");
    CHECK_STR_EQ(PROTOCOL_SOURCE_ORCHESTRATOR, "sluice.orchestrator");
    CHECK_STR_EQ(PROTOCOL_SOURCE_WORKER, "sluice.worker");
}

static void test_request_types(void)
{
    const char *known[] = {"StartPipelineExecution", "JobResult",
                           "PutApprovalResult",      "TimerFired",
                           "StopPipelineExecution",  "RetryStageExecution",
                           "EnableStageTransition",  "DisableStageTransition",
                           "PipelineUpdated",        "PipelineDeleted",
                           "OverrideStageCondition", "RollbackStage"};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        CHECK(protocol_request_type_known(known[i]));
    }
    CHECK(!protocol_request_type_known(NULL));
    CHECK(!protocol_request_type_known(""));
    CHECK(!protocol_request_type_known("StageTransition"));
    CHECK(!protocol_request_type_known("startpipelineexecution"));
}

static void test_pipeline_names(void)
{
    CHECK(protocol_pipeline_name_ok("My.Pipeline@1_a-b"));
    CHECK(!protocol_pipeline_name_ok(NULL));
    CHECK(!protocol_pipeline_name_ok(""));
    CHECK(!protocol_pipeline_name_ok("with space"));
    CHECK(!protocol_pipeline_name_ok("brace{x}"));
    CHECK(!protocol_pipeline_name_ok("a:b"));
    CHECK(!protocol_pipeline_name_ok("a/b"));
    char name[102];
    memset(name, 'a', 100);
    name[100] = '\0';
    CHECK(protocol_pipeline_name_ok(name));
    name[100] = 'a';
    name[101] = '\0';
    CHECK(!protocol_pipeline_name_ok(name));
}

static void test_build(void)
{
    char arn[PROTOCOL_ARN_MAX];
    CHECK_INT_EQ(protocol_arn_pipeline(arn, sizeof arn, "us-east-1", "123456789012", "demo"),
                 SLUICE_OK);
    CHECK_STR_EQ(arn, "arn:aws:codepipeline:us-east-1:123456789012:demo");
    char small[20];
    CHECK_INT_EQ(protocol_arn_pipeline(small, sizeof small, "us-east-1", "123456789012", "demo"),
                 SLUICE_ETOOBIG);
    CHECK_STR_EQ(small, "");
    CHECK_INT_EQ(protocol_arn_pipeline(arn, sizeof arn, NULL, "123456789012", "demo"),
                 SLUICE_EINVAL);
}

static void test_pattern(void)
{
    CHECK(protocol_arn_pattern_ok("arn:aws:codepipeline:us-east-1:123456789012:demo"));
    CHECK(protocol_arn_pattern_ok("arn:aws-cn:codepipeline:cn-north-1:123456789012:x"));
    CHECK(protocol_arn_pattern_ok("arn:aws-us-gov:codepipeline:a:b:123456789012:x/y"));
    CHECK(!protocol_arn_pattern_ok(NULL));
    CHECK(!protocol_arn_pattern_ok(""));
    CHECK(!protocol_arn_pattern_ok("arn:aws:s3:::bucket"));
    CHECK(!protocol_arn_pattern_ok("arn:aws-:codepipeline:r:123456789012:x"));
    CHECK(!protocol_arn_pattern_ok("arn:aws:codepipeline:r:12345678901:x"));
    CHECK(!protocol_arn_pattern_ok("arn:aws:codepipeline:r:1234567890123:x"));
    CHECK(!protocol_arn_pattern_ok("arn:aws:codepipeline::123456789012:x")); /* .+ before */
    CHECK(!protocol_arn_pattern_ok("arn:aws:codepipeline:r:123456789012:")); /* .+ after */
}

/* Every prefix of a valid ARN (valid itself once it holds a resource byte), each in a heap block of
 * exactly its size, so a read past the NUL is a heap overflow under AddressSanitizer (the api's
 * reader had one after ':codepipeline:').
 */
static void test_cut_short(void)
{
    const char *full = "arn:aws:codepipeline:us-east-1:123456789012:demo";
    size_t n = strlen(full);
    size_t head = strlen("arn:aws:codepipeline:us-east-1:123456789012:");
    for (size_t len = 0; len <= n; len++) {
        char *cut = malloc(len + 1);
        REQUIRE(cut != NULL);
        memcpy(cut, full, len);
        cut[len] = '\0';
        bool complete = len > head; /* a resource of at least one byte */
        CHECK(protocol_arn_pattern_ok(cut) == complete);
        protocol_arn parts;
        char err[128];
        CHECK_INT_EQ(protocol_arn_parse(cut, &parts, err, sizeof err) == SLUICE_OK, complete);
        char name[PROTOCOL_PIPELINE_NAME_MAX + 1];
        CHECK_INT_EQ(protocol_arn_pipeline_name(cut, "us-east-1", "123456789012", name, sizeof name,
                                                err, sizeof err) == SLUICE_OK,
                     complete);
        free(cut);
    }
    CHECK(!protocol_arn_pattern_ok("arn:aws:codepipeline:"));
}

static bool part_is(protocol_arn_part part, const char *s)
{
    return part.len == strlen(s) && memcmp(part.ptr, s, part.len) == 0;
}

static void test_parse(void)
{
    protocol_arn a;
    char err[128] = "";
    REQUIRE(protocol_arn_parse("arn:aws-cn:codepipeline:cn-north-1:123456789012:p/q:r", &a, err,
                               sizeof err) == SLUICE_OK);
    CHECK(part_is(a.partition, "aws-cn"));
    CHECK(part_is(a.service, "codepipeline"));
    CHECK(part_is(a.region, "cn-north-1"));
    CHECK(part_is(a.account, "123456789012"));
    CHECK(part_is(a.resource, "p/q:r"));
    CHECK_INT_EQ(protocol_arn_parse("arn:azure:codepipeline:r:123456789012:p", &a, err, sizeof err),
                 SLUICE_EPARSE);
    CHECK_STR_CONTAINS(err, "partition");
    CHECK_INT_EQ(protocol_arn_parse("arn:aws:Code:r:123456789012:p", &a, err, sizeof err),
                 SLUICE_EPARSE);
    CHECK_STR_CONTAINS(err, "service");
    CHECK_INT_EQ(protocol_arn_parse("arn:aws:codepipeline::123456789012:p", &a, err, sizeof err),
                 SLUICE_EPARSE);
    CHECK_STR_CONTAINS(err, "region");
    CHECK_INT_EQ(protocol_arn_parse("arn:aws:codepipeline:r:12345:p", &a, err, sizeof err),
                 SLUICE_EPARSE);
    CHECK_STR_CONTAINS(err, "account");
    CHECK(a.resource.ptr == NULL); /* zeroed on failure */
    char *longer = malloc(PROTOCOL_ARN_MAX + 1);
    REQUIRE(longer != NULL);
    int head = snprintf(longer, PROTOCOL_ARN_MAX + 1, "arn:aws:codepipeline:r:123456789012:");
    memset(longer + head, 'x', (size_t)(PROTOCOL_ARN_MAX - head));
    longer[PROTOCOL_ARN_MAX] = '\0';
    CHECK_INT_EQ(protocol_arn_parse(longer, &a, err, sizeof err), SLUICE_EPARSE);
    longer[PROTOCOL_ARN_MAX - 1] = '\0'; /* exactly the longest allowed */
    CHECK_INT_EQ(protocol_arn_parse(longer, &a, err, sizeof err), SLUICE_OK);
    free(longer);
}

static void test_pipeline_name(void)
{
    char name[PROTOCOL_PIPELINE_NAME_MAX + 1];
    char err[128];
    const char *region = "us-east-1";
    const char *account = "123456789012";
    CHECK_INT_EQ(protocol_arn_pipeline_name("arn:aws:codepipeline:us-east-1:123456789012:demo",
                                            region, account, name, sizeof name, err, sizeof err),
                 SLUICE_OK);
    CHECK_STR_EQ(name, "demo");
    const char *others[] = {
        "arn:aws:codepipeline:us-west-2:123456789012:demo",    /* another region */
        "arn:aws:codepipeline:us-east-1:999999999999:demo",    /* another account */
        "arn:aws-cn:codepipeline:us-east-1:123456789012:demo", /* another partition */
        "arn:aws:codebuild:us-east-1:123456789012:demo",       /* another service */
        "arn:aws:codepipeline:us-east-1:123456789012:demo/x",  /* not a pipeline */
        "arn:aws:codepipeline:us-east-1:123456789012:a:b",
        "arn:aws:codepipeline:us-east-1:123456789012:with space",
        "arn:aws:codepipeline:us-east-1:",
    };
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
        CHECK_INT_EQ(protocol_arn_pipeline_name(others[i], region, account, name, sizeof name, err,
                                                sizeof err),
                     SLUICE_EINVAL);
        CHECK_STR_EQ(name, "");
    }
    char built[PROTOCOL_ARN_MAX];
    char longest[PROTOCOL_PIPELINE_NAME_MAX + 1];
    memset(longest, 'p', PROTOCOL_PIPELINE_NAME_MAX);
    longest[PROTOCOL_PIPELINE_NAME_MAX] = '\0';
    REQUIRE(protocol_arn_pipeline(built, sizeof built, region, account, longest) == SLUICE_OK);
    CHECK_INT_EQ(
        protocol_arn_pipeline_name(built, region, account, name, sizeof name, err, sizeof err),
        SLUICE_OK);
    CHECK_STR_EQ(name, longest);
    char tiny[4];
    CHECK_INT_EQ(
        protocol_arn_pipeline_name(built, region, account, tiny, sizeof tiny, err, sizeof err),
        SLUICE_ETOOBIG);
}

int main(void)
{
    RUN_TEST(test_names_on_the_wire);
    RUN_TEST(test_request_types);
    RUN_TEST(test_pipeline_names);
    RUN_TEST(test_build);
    RUN_TEST(test_pattern);
    RUN_TEST(test_cut_short);
    RUN_TEST(test_parse);
    RUN_TEST(test_pipeline_name);
    return sluice_test_report();
}
