/* Unit tests of sluice/bus_envelope.h: build, encode, decode, every rejection and its reason. */
#include "sluice/bus_envelope.h"
#include "sluice/error.h"
#include "sluice_test.h"

#include <stdbool.h>
#include <stdlib.h>

#define ID  "6a7e8feb-b491-4cf7-a9f1-bf3703467718"
#define MAX 100000

/* A valid envelope with one field replaced: the %s goes where the field would be. */
static const char *const valid_fields[] = {
    "\"version\":\"0\"",
    "\"id\":\"" ID "\"",
    "\"detail-type\":\"CodePipeline Pipeline Execution State Change\"",
    "\"source\":\"aws.codepipeline\"",
    "\"account\":\"123456789012\"",
    "\"time\":\"2020-01-24T22:03:07Z\"",
    "\"region\":\"us-east-1\"",
    "\"resources\":[\"arn:aws:codepipeline:us-east-1:123456789012:myPipeline\"]",
    "\"detail\":{\"pipeline\":\"myPipeline\",\"state\":\"STARTED\",\"version\":1}",
};
#define NFIELDS (sizeof valid_fields / sizeof valid_fields[0])

/* Builds the valid envelope with field `skip` replaced by `replacement` (NULL: left out). */
static void build(char *out, size_t outlen, size_t skip, const char *replacement)
{
    size_t pos = 0;
    pos += (size_t)snprintf(out + pos, outlen - pos, "{");
    bool first = true;
    for (size_t i = 0; i < NFIELDS; i++) {
        const char *field = i == skip ? replacement : valid_fields[i];
        if (field == NULL) {
            continue;
        }
        pos += (size_t)snprintf(out + pos, outlen - pos, "%s%s", first ? "" : ",", field);
        first = false;
    }
    snprintf(out + pos, outlen - pos, "}");
}

/* Decodes text expecting rc, and the reason to equal want. */
static void expect_reject(const char *text, int rc, const char *want)
{
    bus_envelope *env = (bus_envelope *)1;
    char reason[BUS_ENVELOPE_REASON_MAX];
    CHECK_INT_EQ(bus_envelope_decode(text, strlen(text), MAX, &env, reason, sizeof reason), rc);
    CHECK(env == NULL);
    CHECK_STR_EQ(reason, want);
}

static void test_decode_codepipeline_event(void)
{
    char text[2048];
    build(text, sizeof text, NFIELDS, NULL);
    bus_envelope *env = NULL;
    char reason[BUS_ENVELOPE_REASON_MAX] = "";
    REQUIRE(bus_envelope_decode(text, strlen(text), MAX, &env, reason, sizeof reason) == SLUICE_OK);
    CHECK_STR_EQ(env->id, ID);
    CHECK_STR_EQ(env->detail_type, "CodePipeline Pipeline Execution State Change");
    CHECK_STR_EQ(env->source, "aws.codepipeline");
    CHECK_STR_EQ(env->account, "123456789012");
    CHECK_STR_EQ(env->time, "2020-01-24T22:03:07Z");
    CHECK_INT_EQ(env->time_ms, 1579903387000);
    CHECK_STR_EQ(env->region, "us-east-1");
    CHECK_INT_EQ(json_array_size(env->resources), 1);
    CHECK_STR_EQ(json_string_value(json_array_get(env->resources, 0)),
                 "arn:aws:codepipeline:us-east-1:123456789012:myPipeline");
    CHECK_STR_EQ(json_string_value(json_object_get(env->detail, "state")), "STARTED");
    bus_envelope_free(env);
}

static void test_new_encode_decode_round_trip(void)
{
    json_t *detail =
        json_pack("{s:s, s:s, s:i}", "pipeline", "demo", "state", "SUCCEEDED", "version", 2);
    const char *resources[] = {"arn:aws:codepipeline:eu-west-1:000000000000:demo"};
    bus_envelope_spec spec = {
        .id = ID,
        .detail_type = "CodePipeline Pipeline Execution State Change",
        .source = "sluice.orchestrator",
        .account = "000000000000",
        .region = "eu-west-1",
        .time_ms = 1492832291000, /* 2017-04-22T03:38:11Z */
        .resources = resources,
        .nresources = 1,
        .detail = detail,
    };
    bus_envelope *env = NULL;
    char reason[BUS_ENVELOPE_REASON_MAX] = "";
    REQUIRE(bus_envelope_new(&spec, &env, reason, sizeof reason) == SLUICE_OK);
    CHECK_STR_EQ(env->time, "2017-04-22T03:38:11Z");

    sluice_buf buf;
    sluice_buf_init(&buf, 4096);
    REQUIRE(bus_envelope_encode(env, &buf) == SLUICE_OK);
    CHECK_STR_EQ(sluice_buf_cstr(&buf),
                 "{\"version\":\"0\",\"id\":\"" ID "\","
                 "\"detail-type\":\"CodePipeline Pipeline Execution State Change\","
                 "\"source\":\"sluice.orchestrator\",\"account\":\"000000000000\","
                 "\"time\":\"2017-04-22T03:38:11Z\",\"region\":\"eu-west-1\","
                 "\"resources\":[\"arn:aws:codepipeline:eu-west-1:000000000000:demo\"],"
                 "\"detail\":{\"pipeline\":\"demo\",\"state\":\"SUCCEEDED\",\"version\":2}}");

    bus_envelope *back = NULL;
    REQUIRE(bus_envelope_decode(buf.data, buf.len, MAX, &back, reason, sizeof reason) == SLUICE_OK);
    CHECK_STR_EQ(back->id, env->id);
    CHECK_STR_EQ(back->detail_type, env->detail_type);
    CHECK_STR_EQ(back->source, env->source);
    CHECK_STR_EQ(back->account, env->account);
    CHECK_STR_EQ(back->region, env->region);
    CHECK_INT_EQ(back->time_ms, 1492832291000);
    CHECK(json_equal(back->resources, env->resources));
    CHECK(json_equal(back->detail, detail));

    /* Appends: a second encode doubles the text. */
    size_t once = buf.len;
    REQUIRE(bus_envelope_encode(back, &buf) == SLUICE_OK);
    CHECK_INT_EQ(buf.len, 2 * once);

    /* The caller's detail reference is untouched by the envelope. */
    bus_envelope_free(env);
    bus_envelope_free(back);
    CHECK_INT_EQ(detail->refcount, 1);
    json_decref(detail);
    sluice_buf_free(&buf);
}

static void test_encode_bound_leaves_buffer_unchanged(void)
{
    char text[2048];
    build(text, sizeof text, NFIELDS, NULL);
    bus_envelope *env = NULL;
    char reason[BUS_ENVELOPE_REASON_MAX];
    REQUIRE(bus_envelope_decode(text, strlen(text), MAX, &env, reason, sizeof reason) == SLUICE_OK);
    sluice_buf buf;
    sluice_buf_init(&buf, 64);
    REQUIRE(sluice_buf_append_str(&buf, "prefix") == SLUICE_OK);
    CHECK_INT_EQ(bus_envelope_encode(env, &buf), SLUICE_ETOOBIG);
    CHECK_STR_EQ(sluice_buf_cstr(&buf), "prefix");
    CHECK_INT_EQ(buf.len, 6);
    sluice_buf_free(&buf);
    bus_envelope_free(env);
}

static void test_decode_time_forms(void)
{
    char text[2048];
    build(text, sizeof text, 5, "\"time\":\"2020-01-24T23:03:07.250+01:00\"");
    bus_envelope *env = NULL;
    char reason[BUS_ENVELOPE_REASON_MAX];
    REQUIRE(bus_envelope_decode(text, strlen(text), MAX, &env, reason, sizeof reason) == SLUICE_OK);
    CHECK_INT_EQ(env->time_ms, 1579903387250);
    bus_envelope_free(env);
}

static void test_unknown_fields_kept(void)
{
    char text[2048];
    build(text, sizeof text, NFIELDS, NULL);
    size_t len = strlen(text);
    snprintf(text + len - 1, sizeof text - len + 1, ",\"replay-name\":\"r1\"}");
    bus_envelope *env = NULL;
    char reason[BUS_ENVELOPE_REASON_MAX];
    REQUIRE(bus_envelope_decode(text, strlen(text), MAX, &env, reason, sizeof reason) == SLUICE_OK);
    CHECK_STR_EQ(json_string_value(json_object_get(env->root, "replay-name")), "r1");
    bus_envelope_free(env);
}

static void test_reject_not_json(void)
{
    expect_reject("{\"version\":\"0\",", SLUICE_EPARSE,
                  "not JSON: string or '}' expected near end of file (line 1, column 15)");
    expect_reject("hello", SLUICE_EPARSE,
                  "not JSON: invalid token near 'hello' (line 1, column 5)");
    expect_reject("{\"a\":1}\n{\"b\":2}", SLUICE_EPARSE,
                  "not JSON: end of file expected near '{' (line 2, column 1)");
    expect_reject("{\"a\":1,\"a\":2}", SLUICE_EPARSE,
                  "not JSON: duplicate object key near '\"a\"' (line 1, column 10)");
    expect_reject("", SLUICE_EPARSE, "empty message");
    /* A raw NUL byte is named with its position. */
    bus_envelope *env = NULL;
    char reason[BUS_ENVELOPE_REASON_MAX];
    CHECK_INT_EQ(bus_envelope_decode("{\"a\"\0}", 6, MAX, &env, reason, sizeof reason),
                 SLUICE_EPARSE);
    CHECK_STR_EQ(reason, "not JSON: NUL byte at offset 4");
    /* Invalid UTF-8 inside a string. */
    expect_reject("{\"version\":\"\xff\"}", SLUICE_EPARSE,
                  "not JSON: unable to decode byte 0xff near '\"' (line 1, column 12)");
}

static void test_reject_not_object(void)
{
    expect_reject("[1,2]", SLUICE_EPARSE, "envelope must be a JSON object, got an array");
    expect_reject("\"text\"", SLUICE_EPARSE, "envelope must be a JSON object, got a string");
    expect_reject("42", SLUICE_EPARSE, "envelope must be a JSON object, got a number");
    expect_reject("null", SLUICE_EPARSE, "envelope must be a JSON object, got null");
}

static void test_reject_each_missing_field(void)
{
    static const char *const names[NFIELDS] = {"version", "id",        "detail-type",
                                               "source",  "account",   "time",
                                               "region",  "resources", "detail"};
    for (size_t i = 0; i < NFIELDS; i++) {
        char text[2048];
        char want[128];
        build(text, sizeof text, i, NULL);
        snprintf(want, sizeof want, "missing field \"%s\"", names[i]);
        expect_reject(text, SLUICE_EPARSE, want);
    }
}

static void test_reject_wrong_types(void)
{
    static const struct {
        size_t field;
        const char *replacement;
        const char *reason;
    } cases[] = {
        {0, "\"version\":0", "field \"version\" must be a string, got a number"},
        {1, "\"id\":null", "field \"id\" must be a string, got null"},
        {2, "\"detail-type\":[\"x\"]", "field \"detail-type\" must be a string, got an array"},
        {3, "\"source\":{}", "field \"source\" must be a string, got an object"},
        {4, "\"account\":123456789012", "field \"account\" must be a string, got a number"},
        {5, "\"time\":1579903387", "field \"time\" must be a string, got a number"},
        {6, "\"region\":true", "field \"region\" must be a string, got a boolean"},
        {7, "\"resources\":\"arn\"",
         "field \"resources\" must be an array of strings, got a string"},
        {7, "\"resources\":[\"arn\",7]",
         "field \"resources\" must be an array of strings (element 1 is a number)"},
        {8, "\"detail\":[]", "field \"detail\" must be an object, got an array"},
        {8, "\"detail\":\"{}\"", "field \"detail\" must be an object, got a string"},
        {2, "\"detail-type\":\"\"", "field \"detail-type\" must not be empty"},
        {3, "\"source\":\"\"", "field \"source\" must not be empty"},
        {1, "\"id\":\"a\\u0000b\"",
         "not JSON: \\u0000 is not allowed without JSON_ALLOW_NUL "
         "near '\"a\\u0000b\"' (line 1, column 30)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[2048];
        build(text, sizeof text, cases[i].field, cases[i].replacement);
        expect_reject(text, SLUICE_EPARSE, cases[i].reason);
    }
}

static void test_reject_bad_values(void)
{
    static const struct {
        size_t field;
        const char *replacement;
        const char *reason;
    } cases[] = {
        {0, "\"version\":\"1\"", "field \"version\" must be \"0\", got \"1\""},
        {1, "\"id\":\"01234567-EXAMPLE\"",
         "field \"id\" must be a lowercase UUID, got "
         "\"01234567-EXAMPLE\""},
        {1, "\"id\":\"6A7E8FEB-B491-4CF7-A9F1-BF3703467718\"",
         "field \"id\" must be a lowercase UUID, got \"6A7E8FEB-B491-4CF7-A9F1-BF3703467718\""},
        {4, "\"account\":\"12345678901\"",
         "field \"account\" must be 12 digits, got "
         "\"12345678901\""},
        {4, "\"account\":\"12345678901x\"",
         "field \"account\" must be 12 digits, got "
         "\"12345678901x\""},
        {5, "\"time\":\"yesterday\"",
         "field \"time\" must be an RFC 3339 time like \"2017-04-22T03:31:47Z\", got "
         "\"yesterday\""},
        {5, "\"time\":\"2020-01-24 22:03:07\"",
         "field \"time\" must be an RFC 3339 time like \"2017-04-22T03:31:47Z\", got "
         "\"2020-01-24 22:03:07\""},
        {5, "\"time\":\"2020-02-30T00:00:00Z\"",
         "field \"time\" must be an RFC 3339 time like \"2017-04-22T03:31:47Z\", got "
         "\"2020-02-30T00:00:00Z\""},
        {6, "\"region\":\"US East\"",
         "field \"region\" must be a region name like \"us-east-1\", got \"US East\""},
        {6, "\"region\":\"\"",
         "field \"region\" must be a region name like \"us-east-1\", got \"\""},
        /* Received values are quoted as printable ASCII, cut at 40 characters. */
        {0, "\"version\":\"\\\"\\u00e9\\n0123456789012345678901234567890123456789\"",
         "field \"version\" must be \"0\", got \"\\\"???012345678901234567890123456789012345...\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[2048];
        build(text, sizeof text, cases[i].field, cases[i].replacement);
        expect_reject(text, SLUICE_EPARSE, cases[i].reason);
    }
}

static void test_reject_long_name(void)
{
    char field[BUS_ENVELOPE_NAME_MAX + 32];
    int n = snprintf(field, sizeof field, "\"source\":\"");
    memset(field + n, 's', BUS_ENVELOPE_NAME_MAX + 1);
    size_t end = (size_t)n + BUS_ENVELOPE_NAME_MAX + 1;
    snprintf(field + end, sizeof field - end, "\"");
    char text[2048];
    build(text, sizeof text, 3, field);
    expect_reject(text, SLUICE_EPARSE, "field \"source\" must be at most 256 bytes, got 257");
}

static void test_reject_oversized_before_parsing(void)
{
    /* Not JSON at all, yet the size is what is reported: it is checked first. */
    char text[64];
    memset(text, 'x', sizeof text);
    bus_envelope *env = NULL;
    char reason[BUS_ENVELOPE_REASON_MAX];
    CHECK_INT_EQ(bus_envelope_decode(text, sizeof text, 63, &env, reason, sizeof reason),
                 SLUICE_ETOOBIG);
    CHECK(env == NULL);
    CHECK_STR_EQ(reason, "message of 64 bytes exceeds the limit of 63 bytes");

    /* At the limit exactly it is parsed (and fails as not JSON). */
    CHECK_INT_EQ(bus_envelope_decode(text, sizeof text, 64, &env, reason, sizeof reason),
                 SLUICE_EPARSE);
    CHECK_STR_CONTAINS(reason, "not JSON");
}

/* The valid envelope with detail holding `levels` nested arrays. */
static char *nested(int levels, const char *inner)
{
    size_t size = 2048 + 2 * (size_t)levels + strlen(inner);
    char *detail = malloc(size);
    char *text = malloc(size + 64);
    size_t pos = (size_t)snprintf(detail, size, "\"detail\":{\"x\":");
    for (int i = 0; i < levels; i++) {
        detail[pos++] = '[';
    }
    pos += (size_t)snprintf(detail + pos, size - pos, "%s", inner);
    for (int i = 0; i < levels; i++) {
        detail[pos++] = ']';
    }
    snprintf(detail + pos, size - pos, "}");
    build(text, size + 64, 8, detail);
    free(detail);
    return text;
}

static void test_depth_limit(void)
{
    /* envelope (1) + detail (2) + 30 arrays = 32 levels: accepted. */
    char *ok = nested(BUS_ENVELOPE_MAX_DEPTH - 2, "1");
    bus_envelope *env = NULL;
    char reason[BUS_ENVELOPE_REASON_MAX];
    CHECK_INT_EQ(bus_envelope_decode(ok, strlen(ok), MAX, &env, reason, sizeof reason), SLUICE_OK);
    bus_envelope_free(env);
    free(ok);

    char *deep = nested(BUS_ENVELOPE_MAX_DEPTH - 1, "1");
    expect_reject(deep, SLUICE_ETOOBIG, "nesting depth exceeds 32 levels");
    free(deep);

    /* Brackets inside strings (with escaped quotes) do not count. */
    char *strings =
        nested(BUS_ENVELOPE_MAX_DEPTH - 2, "\"[[[[\\\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\"");
    CHECK_INT_EQ(bus_envelope_decode(strings, strlen(strings), MAX, &env, reason, sizeof reason),
                 SLUICE_OK);
    bus_envelope_free(env);
    free(strings);

    /* A hostile prefix is refused without reaching the parser. */
    char hostile[5000];
    memset(hostile, '[', sizeof hostile);
    env = NULL;
    CHECK_INT_EQ(bus_envelope_decode(hostile, sizeof hostile, MAX, &env, reason, sizeof reason),
                 SLUICE_ETOOBIG);
    CHECK_STR_EQ(reason, "nesting depth exceeds 32 levels");
}

static void test_new_rejects(void)
{
    json_t *detail = json_object();
    const char *resources[] = {"ok", NULL};
    bus_envelope_spec good = {
        .id = ID,
        .detail_type = "Sluice Job Result",
        .source = "sluice.worker",
        .account = "000000000000",
        .region = "us-east-1",
        .time_ms = 0,
        .resources = resources,
        .nresources = 1,
        .detail = detail,
    };
    bus_envelope *env = NULL;
    char reason[BUS_ENVELOPE_REASON_MAX];
    REQUIRE(bus_envelope_new(&good, &env, reason, sizeof reason) == SLUICE_OK);
    CHECK_STR_EQ(env->time, "1970-01-01T00:00:00Z");
    bus_envelope_free(env);

    bus_envelope_spec spec = good;
    spec.id = "not-a-uuid";
    CHECK_INT_EQ(bus_envelope_new(&spec, &env, reason, sizeof reason), SLUICE_EINVAL);
    CHECK(env == NULL);
    CHECK_STR_EQ(reason, "field \"id\" must be a lowercase UUID, got \"not-a-uuid\"");

    spec = good;
    spec.account = "1234";
    CHECK_INT_EQ(bus_envelope_new(&spec, &env, reason, sizeof reason), SLUICE_EINVAL);
    CHECK_STR_EQ(reason, "field \"account\" must be 12 digits, got \"1234\"");

    spec = good;
    spec.source = NULL;
    CHECK_INT_EQ(bus_envelope_new(&spec, &env, reason, sizeof reason), SLUICE_EINVAL);
    CHECK_STR_EQ(reason, "missing field \"source\"");

    spec = good;
    spec.detail_type = "bad \xff utf-8";
    CHECK_INT_EQ(bus_envelope_new(&spec, &env, reason, sizeof reason), SLUICE_EINVAL);
    CHECK_STR_EQ(reason, "missing field \"detail-type\"");

    spec = good;
    spec.nresources = 2;
    CHECK_INT_EQ(bus_envelope_new(&spec, &env, reason, sizeof reason), SLUICE_EINVAL);
    CHECK_STR_EQ(reason, "field \"resources\" must be an array of strings (element 1 is null)");

    spec = good;
    json_t *array = json_array();
    spec.detail = array;
    CHECK_INT_EQ(bus_envelope_new(&spec, &env, reason, sizeof reason), SLUICE_EINVAL);
    CHECK_STR_EQ(reason, "field \"detail\" must be an object, got an array");
    json_decref(array);

    spec = good;
    spec.time_ms = INT64_C(253402300800000); /* year 10000 */
    CHECK_INT_EQ(bus_envelope_new(&spec, &env, reason, sizeof reason), SLUICE_EINVAL);
    CHECK_STR_CONTAINS(reason, "field \"time\" is out of range");

    /* Too deep a detail is refused when building, too. */
    json_t *deep = json_object();
    json_t *cursor = deep;
    for (int i = 0; i < BUS_ENVELOPE_MAX_DEPTH; i++) {
        json_t *child = json_object();
        json_object_set_new(cursor, "x", child);
        cursor = child;
    }
    spec = good;
    spec.detail = deep;
    CHECK_INT_EQ(bus_envelope_new(&spec, &env, reason, sizeof reason), SLUICE_ETOOBIG);
    CHECK_STR_EQ(reason, "nesting depth exceeds 32 levels");
    json_decref(deep);

    /* from_json applies the same rules. */
    json_t *root = json_pack("{s:s}", "version", "0");
    CHECK_INT_EQ(bus_envelope_from_json(root, &env, reason, sizeof reason), SLUICE_EPARSE);
    CHECK_STR_EQ(reason, "missing field \"id\"");
    json_decref(root);
    json_decref(detail);
}

/* A message about one pipeline: its ARN the one resource, the fields given, now as its time. */
static void test_encode_pipeline_message(void)
{
    json_t *detail = json_pack("{s:s}", "type", "StartPipelineExecution");
    bus_pipeline_message m = {"1b4e28ba-2fa1-4d3b-8e2c-0a1b2c3d4e5f",
                              "Sluice Pipeline Request",
                              "sluice.api",
                              "123456789012",
                              "eu-west-1",
                              "web-app",
                              detail};
    sluice_buf out;
    sluice_buf_init(&out, BUS_ENVELOPE_MAX_BYTES);
    char err[256] = "";
    CHECK_INT_EQ(bus_envelope_encode_pipeline(&m, &out, err, sizeof err), SLUICE_OK);
    bus_envelope *env = NULL;
    char reason[BUS_ENVELOPE_REASON_MAX];
    REQUIRE(bus_envelope_decode(out.data, out.len, BUS_ENVELOPE_MAX_BYTES, &env, reason,
                                sizeof reason) == SLUICE_OK);
    CHECK_STR_EQ(env->id, m.id);
    CHECK_STR_EQ(env->detail_type, "Sluice Pipeline Request");
    CHECK_STR_EQ(env->source, "sluice.api");
    CHECK_STR_EQ(env->region, "eu-west-1");
    CHECK_INT_EQ((long)json_array_size(env->resources), 1);
    CHECK_STR_EQ(json_string_value(json_array_get(env->resources, 0)),
                 "arn:aws:codepipeline:eu-west-1:123456789012:web-app");
    CHECK_STR_EQ(json_string_value(json_object_get(env->detail, "type")), "StartPipelineExecution");
    bus_envelope_free(env);

    /* a bad field is the envelope's error; a message over the bound leaves out unchanged */
    bus_pipeline_message bad = m;
    bad.account = "12";
    size_t before = out.len;
    CHECK(bus_envelope_encode_pipeline(&bad, &out, err, sizeof err) != SLUICE_OK);
    CHECK_STR_CONTAINS(err, "envelope: ");
    CHECK_INT_EQ((long)out.len, (long)before);
    sluice_buf small;
    sluice_buf_init(&small, 64);
    CHECK_INT_EQ(bus_envelope_encode_pipeline(&m, &small, err, sizeof err), SLUICE_ETOOBIG);
    CHECK_STR_CONTAINS(err, "the message exceeds 64 bytes");
    CHECK_INT_EQ((long)small.len, 0);
    sluice_buf_free(&small);
    sluice_buf_free(&out);
    json_decref(detail);
}

int main(void)
{
    RUN_TEST(test_decode_codepipeline_event);
    RUN_TEST(test_new_encode_decode_round_trip);
    RUN_TEST(test_encode_bound_leaves_buffer_unchanged);
    RUN_TEST(test_decode_time_forms);
    RUN_TEST(test_unknown_fields_kept);
    RUN_TEST(test_reject_not_json);
    RUN_TEST(test_reject_not_object);
    RUN_TEST(test_reject_each_missing_field);
    RUN_TEST(test_reject_wrong_types);
    RUN_TEST(test_reject_bad_values);
    RUN_TEST(test_reject_long_name);
    RUN_TEST(test_reject_oversized_before_parsing);
    RUN_TEST(test_depth_limit);
    RUN_TEST(test_new_rejects);
    RUN_TEST(test_encode_pipeline_message);
    return sluice_test_report();
}
