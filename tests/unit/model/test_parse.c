/*
 * Unit tests of sluice/model_parse.h and sluice/model_serialize.h: defaults
 * and member order of the normalized form, document and bare forms, types,
 * required and unknown members with their paths, the size and depth bounds,
 * partial models, empty lists.
 */
#include "model_fixture.h"
#include "sluice/model_parse.h"
#include "sluice/model_serialize.h"
#include "sluice_test.h"

static const char minimal[] =
    "{\"pipeline\": {\"stages\": ["
    "{\"actions\": [{\"actionTypeId\": {\"version\": \"1\", \"provider\": \"CodeCommit\","
    " \"owner\": \"AWS\", \"category\": \"Source\"}, \"name\": \"S\","
    " \"outputArtifacts\": [{\"name\": \"A\"}],"
    " \"configuration\": {\"RepositoryName\": \"r\", \"BranchName\": \"b\"}}], \"name\": \"Src\"},"
    "{\"name\": \"Go\", \"actions\": [{\"name\": \"Ok\", \"actionTypeId\": {\"category\":"
    " \"Approval\", \"owner\": \"AWS\", \"provider\": \"Manual\", \"version\": \"1\"}}]}],"
    " \"roleArn\": \"arn:aws:iam::111122223333:role/r\", \"name\": \"p\","
    " \"artifactStore\": {\"type\": \"S3\", \"location\": \"bkt\"}}}";

static const char minimal_normalized[] =
    "{\"name\":\"p\",\"roleArn\":\"arn:aws:iam::111122223333:role/r\","
    "\"artifactStore\":{\"type\":\"S3\",\"location\":\"bkt\"},\"stages\":["
    "{\"name\":\"Src\",\"actions\":[{\"name\":\"S\",\"actionTypeId\":{\"category\":\"Source\","
    "\"owner\":\"AWS\",\"provider\":\"CodeCommit\",\"version\":\"1\"},\"runOrder\":1,"
    "\"configuration\":{\"RepositoryName\":\"r\",\"BranchName\":\"b\"},"
    "\"outputArtifacts\":[{\"name\":\"A\"}],\"inputArtifacts\":[]}]},"
    "{\"name\":\"Go\",\"actions\":[{\"name\":\"Ok\",\"actionTypeId\":{\"category\":\"Approval\","
    "\"owner\":\"AWS\",\"provider\":\"Manual\",\"version\":\"1\"},\"runOrder\":1,"
    "\"outputArtifacts\":[],\"inputArtifacts\":[]}]}],"
    "\"version\":1,\"executionMode\":\"SUPERSEDED\",\"pipelineType\":\"V1\"}";

static model_pipeline *parse_ok(const char *text)
{
    model_errors errs;
    model_pipeline *pipeline = NULL;
    model_errors_init(&errs, 0);
    int rc = model_pipeline_parse_text(text, strlen(text), &pipeline, &errs);
    CHECK_INT_EQ(rc, SLUICE_OK);
    fixture_dump(&errs);
    model_errors_free(&errs);
    return pipeline;
}

static void test_normalized_form(void)
{
    model_pipeline *pipeline = parse_ok(minimal);
    REQUIRE(pipeline != NULL);
    CHECK_INT_EQ(pipeline->version, 1);
    CHECK_INT_EQ(pipeline->pipeline_type, MODEL_PIPELINE_V1);
    CHECK_INT_EQ(pipeline->execution_mode, MODEL_MODE_SUPERSEDED);
    CHECK_INT_EQ(pipeline->stages[0].actions[0].run_order, 1);
    CHECK_INT_EQ(pipeline->stages[0].actions[0].category, MODEL_CATEGORY_SOURCE);
    CHECK(pipeline->stages[1].actions[0].input_artifacts == NULL);
    CHECK(!pipeline->stages[1].actions[0].has_configuration);
    char *text = model_pipeline_to_text(pipeline, JSON_COMPACT);
    CHECK_STR_EQ(text, minimal_normalized);

    /* The normalized form parses to the same form; so does the bare object. */
    model_pipeline *again = parse_ok(text);
    char *text2 = again != NULL ? model_pipeline_to_text(again, JSON_COMPACT) : NULL;
    CHECK_STR_EQ(text2, minimal_normalized);
    free(text);
    free(text2);
    model_pipeline_free(again);
    model_pipeline_free(pipeline);
}

static void test_present_empty_lists(void)
{
    char *a = fixture_with(fixture_base, "pipeline.stages[1].actions[0].commands", "[]");
    char *b = fixture_with(a, "pipeline.stages[2].actions[0].inputArtifacts", "[]");
    char *c = fixture_with(b, "pipeline.stages[2].actions[0].configuration", "{}");
    model_errors errs;
    model_pipeline *pipeline = NULL;
    model_errors_init(&errs, 0);
    CHECK_INT_EQ(model_pipeline_parse_text(c, strlen(c), &pipeline, &errs), SLUICE_OK);
    REQUIRE(pipeline != NULL);
    CHECK(pipeline->stages[1].actions[0].commands != NULL);
    CHECK_INT_EQ(pipeline->stages[1].actions[0].ncommands, 0);
    CHECK(pipeline->stages[2].actions[0].has_configuration);
    json_t *doc = model_pipeline_to_json(pipeline);
    json_t *build = json_array_get(
        json_object_get(json_array_get(json_object_get(doc, "stages"), 1), "actions"), 0);
    CHECK(json_is_array(json_object_get(build, "commands")));
    CHECK_INT_EQ(json_array_size(json_object_get(build, "commands")), 0);
    json_decref(doc);
    /* ... and the validator holds the empty list against its minimum. */
    CHECK_INT_EQ(model_validate(pipeline, NULL, &errs), SLUICE_EINVAL);
    CHECK(fixture_has(&errs, MODEL_EXC_VALIDATION, "pipeline.stages[1].actions[0].commands"));
    model_pipeline_free(pipeline);
    model_errors_free(&errs);
    free(a);
    free(b);
    free(c);
}

typedef struct shape_case {
    const char *path;  /* member to change, relative to the document */
    const char *value; /* new JSON value; NULL removes it */
    const char *errpath;
    const char *message;
} shape_case;

static const shape_case shape_cases[] = {
    {"pipeline.name", NULL, "pipeline.name", "required field is missing"},
    {"pipeline.stages[1].actions[0].actionTypeId.owner", NULL,
     "pipeline.stages[1].actions[0].actionTypeId.owner", "required field is missing"},
    {"pipeline.stages[1].name", "7", "pipeline.stages[1].name", "must be a string, not an integer"},
    {"pipeline.stages[1].actions[0].runOrder", "1.5", "pipeline.stages[1].actions[0].runOrder",
     "must be an integer"},
    {"pipeline.stages[1].actions[0].runOrder", "null", "pipeline.stages[1].actions[0].runOrder",
     "not null"},
    {"pipeline.stages[1].actions[0].configuration.ProjectName", "true",
     "pipeline.stages[1].actions[0].configuration.ProjectName", "must be a string"},
    {"pipeline.stages[1].actions[0].inputArtifacts", "{\"name\": \"Code\"}",
     "pipeline.stages[1].actions[0].inputArtifacts", "must be a list"},
    {"pipeline.stages[1].actions[0].inputArtifacts[0]", "\"Code\"",
     "pipeline.stages[1].actions[0].inputArtifacts[0]", "must be an object"},
    {"pipeline.stages[1].actions[0].owner", "\"AWS\"", "pipeline.stages[1].actions[0].owner",
     "unknown field"},
    {"pipeline.stages[1].onFailure", "{\"result\": \"FAIL\", \"mode\": 1}",
     "pipeline.stages[1].onFailure.mode", "unknown field"},
    {"pipeline.stages[1].onFailure",
     "{\"result\": \"RETRY\", \"retryConfiguration\": "
     "{\"retryMode\": \"ALL_ACTIONS\"}}",
     "", NULL},
    {"pipeline.triggers",
     "[{\"providerType\": \"CodeStarSourceConnection\", \"gitConfiguration\": "
     "{\"sourceActionName\": \"Checkout\", \"push\": [{\"branch\": {}}]}}]",
     "pipeline.triggers[0].gitConfiguration.push[0].branch", "unknown field"},
    {"pipeline.pipelineType", "\"V3\"", "pipeline.pipelineType", "is not one of V1, V2"},
    {"pipeline.executionMode", "\"FIFO\"", "pipeline.executionMode",
     "is not one of SUPERSEDED, QUEUED, PARALLEL"},
    {"pipeline.stages[1].actions[0].runOrder", "10000000000",
     "pipeline.stages[1].actions[0].runOrder", "between 1 and 999"},
    {"pipeline.stages[2].actions[0].timeoutInMinutes", "0",
     "pipeline.stages[2].actions[0].timeoutInMinutes", "between 5 and 86400"},
};

static void test_shape_problems(void)
{
    for (size_t i = 0; i < sizeof(shape_cases) / sizeof(shape_cases[0]); i++) {
        const shape_case *c = &shape_cases[i];
        char *text = fixture_with(fixture_base, c->path, c->value);
        model_errors errs;
        REQUIRE(text != NULL);
        model_pipeline *pipeline = NULL;
        model_errors_init(&errs, 0);
        int rc = model_pipeline_parse_text(text, strlen(text), &pipeline, &errs);
        if (c->message == NULL) {
            /* A member the kept-as-JSON parts allow: no problem. */
            CHECK_INT_EQ(rc, SLUICE_OK);
        } else {
            CHECK_INT_EQ(rc, SLUICE_EINVAL);
            CHECK(pipeline != NULL); /* the rest was read */
            CHECK_INT_EQ(model_errors_total(&errs), 1);
            CHECK(fixture_has(&errs, MODEL_EXC_VALIDATION, c->errpath));
            CHECK_STR_CONTAINS(fixture_message(&errs, c->errpath), c->message);
            if (!fixture_has(&errs, MODEL_EXC_VALIDATION, c->errpath)) {
                fprintf(stderr, "  case %zu:\n", i);
                fixture_dump(&errs);
            }
        }
        if (pipeline != NULL) {
            CHECK_INT_EQ(pipeline->nstages, 4);
        }
        model_pipeline_free(pipeline);
        model_errors_free(&errs);
        free(text);
    }
}

static void expect_document_problem(const char *text, size_t len, const char *message)
{
    model_errors errs;
    model_pipeline *pipeline = (model_pipeline *)&errs;
    model_errors_init(&errs, 0);
    CHECK_INT_EQ(model_pipeline_parse_text(text, len, &pipeline, &errs), SLUICE_EINVAL);
    CHECK(pipeline == NULL);
    CHECK_INT_EQ(model_errors_total(&errs), 1);
    CHECK(fixture_has(&errs, MODEL_EXC_VALIDATION, "pipeline"));
    CHECK_STR_CONTAINS(fixture_message(&errs, "pipeline"), message);
    model_errors_free(&errs);
}

static void test_document_bounds(void)
{
    expect_document_problem("{\"pipeline\": ", 13, "malformed JSON at line 1");
    expect_document_problem("[1, 2]", 6, "must be a JSON object");
    expect_document_problem("{\"pipeline\": 5}", 15, "must be an object");
    expect_document_problem("{\"pipeline\": {\"name\": \"a\", \"name\": \"b\"}}", 39, "duplicate");

    char deep[200];
    size_t n = 0;
    for (int i = 0; i < MODEL_MAX_DEPTH; i++) {
        deep[n++] = '[';
    }
    deep[n++] = '{';
    for (int i = 0; i < MODEL_MAX_DEPTH; i++) {
        deep[n++] = ']';
    }
    expect_document_problem(deep, n, "deeper than 32");
    /* Brackets inside strings do not count. */
    char *strings =
        fixture_with(fixture_base, "pipeline.stages[2].actions[0].configuration.CustomData",
                     "\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\\\""
                     "{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{\"");
    model_pipeline *pipeline = parse_ok(strings);
    model_pipeline_free(pipeline);
    free(strings);

    size_t big = (size_t)MODEL_MAX_INPUT_BYTES + 1;
    char *huge = malloc(big);
    REQUIRE(huge != NULL);
    memset(huge, ' ', big);
    expect_document_problem(huge, big, "the limit is 1048576 bytes");
    free(huge);

    /* Members beside "pipeline": tags and metadata are fine, others are not. */
    char *with_meta = fixture_with(fixture_base, "metadata", "{\"pipelineArn\": \"x\"}");
    char *with_tags = fixture_with(with_meta, "tags", "[{\"key\": \"a\", \"value\": \"b\"}]");
    pipeline = parse_ok(with_tags);
    model_pipeline_free(pipeline);
    char *with_other = fixture_with(with_tags, "clientToken", "\"x\"");
    model_errors errs;
    model_errors_init(&errs, 0);
    CHECK_INT_EQ(model_pipeline_parse_text(with_other, strlen(with_other), &pipeline, &errs),
                 SLUICE_EINVAL);
    CHECK(fixture_has(&errs, MODEL_EXC_VALIDATION, "clientToken"));
    model_pipeline_free(pipeline);
    model_errors_free(&errs);
    free(with_meta);
    free(with_tags);
    free(with_other);
}

static void test_bare_object(void)
{
    json_t *doc = json_loads(fixture_base, 0, NULL);
    char *bare = json_dumps(json_object_get(doc, "pipeline"), JSON_COMPACT);
    model_pipeline *a = parse_ok(fixture_base);
    model_pipeline *b = parse_ok(bare);
    char *ta = a != NULL ? model_pipeline_to_text(a, JSON_COMPACT) : NULL;
    char *tb = b != NULL ? model_pipeline_to_text(b, JSON_COMPACT) : NULL;
    CHECK(ta != NULL && tb != NULL && strcmp(ta, tb) == 0);

    /* model_pipeline_parse takes the pipeline object itself. */
    model_errors errs;
    model_pipeline *c = NULL;
    model_errors_init(&errs, 0);
    CHECK_INT_EQ(model_pipeline_parse(json_object_get(doc, "pipeline"), &c, &errs), SLUICE_OK);
    char *tc = c != NULL ? model_pipeline_to_text(c, JSON_COMPACT) : NULL;
    CHECK(ta != NULL && tc != NULL && strcmp(ta, tc) == 0);
    model_pipeline *none = (model_pipeline *)&errs;
    CHECK_INT_EQ(model_pipeline_parse(json_object_get(doc, "nothing"), &none, &errs),
                 SLUICE_EINVAL);
    CHECK(none == NULL);
    model_errors_free(&errs);

    free(ta);
    free(tb);
    free(tc);
    free(bare);
    model_pipeline_free(a);
    model_pipeline_free(b);
    model_pipeline_free(c);
    json_decref(doc);
}

/* Many problems: the list keeps its bound and counts the rest. */
static void test_many_problems(void)
{
    json_t *doc = json_loads(fixture_base, 0, NULL);
    json_t *pipeline = json_object_get(doc, "pipeline");
    for (int i = 0; i < 500; i++) {
        char key[16];
        snprintf(key, sizeof(key), "extra%d", i);
        json_object_set_new(pipeline, key, json_true());
    }
    char *text = json_dumps(doc, JSON_COMPACT);
    model_errors errs;
    model_pipeline *p = NULL;
    model_errors_init(&errs, 0);
    CHECK_INT_EQ(model_validate_text(text, strlen(text), NULL, &p, &errs), SLUICE_EINVAL);
    CHECK_INT_EQ(errs.count, MODEL_ERRORS_DEFAULT_MAX);
    CHECK_INT_EQ(model_errors_total(&errs), 500);
    model_pipeline_free(p);
    model_errors_free(&errs);
    free(text);
    json_decref(doc);
}

int main(void)
{
    RUN_TEST(test_normalized_form);
    RUN_TEST(test_present_empty_lists);
    RUN_TEST(test_shape_problems);
    RUN_TEST(test_document_bounds);
    RUN_TEST(test_bare_object);
    RUN_TEST(test_many_problems);
    return sluice_test_report();
}
