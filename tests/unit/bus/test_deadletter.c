/* Unit tests of sluice/bus_deadletter.h: the dead-letter envelope and its encodings. */
#include "sluice/bus_deadletter.h"
#include "sluice/error.h"
#include "sluice_test.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

static const bus_deadletter_sender sender = {"sluice.orchestrator", "000000000000", "us-east-1"};

/* Builds, encodes and decodes back the dead letter of origin; returns the decoded envelope. */
static bus_envelope *round_trip(const bus_deadletter_origin *origin, const char *reason)
{
    bus_envelope *env = NULL;
    char err[256] = "";
    if (bus_deadletter_new(origin, reason, &sender, 1492832291000, &env, err, sizeof err) !=
        SLUICE_OK) {
        fprintf(stderr, "bus_deadletter_new: %s\n", err);
        return NULL;
    }
    sluice_buf buf;
    sluice_buf_init(&buf, BUS_DEADLETTER_ENCODED_MAX);
    bus_envelope *back = NULL;
    if (bus_envelope_encode(env, &buf) == SLUICE_OK) {
        /* What a dead-letter consumer sees: it decodes as an ordinary envelope. */
        bus_envelope_decode(buf.data, buf.len, BUS_DEADLETTER_ENCODED_MAX, &back, err, sizeof err);
    }
    sluice_buf_free(&buf);
    bus_envelope_free(env);
    return back;
}

static const char *detail_str(const bus_envelope *env, const char *name)
{
    return json_string_value(json_object_get(env->detail, name));
}

static json_int_t detail_int(const bus_envelope *env, const char *name)
{
    return json_integer_value(json_object_get(env->detail, name));
}

static void test_text_payload(void)
{
    const char payload[] = "{\"version\":\"0\",\"id\":\"x\"}";
    bus_deadletter_origin origin = {
        .topic = "sluice.requests",
        .partition = 3,
        .offset = 1234,
        .group = "sluice-orchestrator",
        .key = "my-pipeline",
        .keylen = 11,
        .payload = payload,
        .len = sizeof payload - 1,
    };
    bus_envelope *env = round_trip(&origin, "field \"id\" must be a lowercase UUID, got \"x\"");
    REQUIRE(env != NULL);
    CHECK_STR_EQ(env->detail_type, "Sluice Dead Letter");
    CHECK_STR_EQ(env->source, "sluice.orchestrator");
    CHECK_STR_EQ(env->time, "2017-04-22T03:38:11Z");
    CHECK_INT_EQ(json_array_size(env->resources), 0);
    CHECK_STR_EQ(detail_str(env, "reason"), "field \"id\" must be a lowercase UUID, got \"x\"");
    CHECK_STR_EQ(detail_str(env, "topic"), "sluice.requests");
    CHECK_INT_EQ(detail_int(env, "partition"), 3);
    CHECK_INT_EQ(detail_int(env, "offset"), 1234);
    CHECK_STR_EQ(detail_str(env, "consumerGroup"), "sluice-orchestrator");
    CHECK_STR_EQ(detail_str(env, "key"), "my-pipeline");
    CHECK_STR_EQ(detail_str(env, "keyEncoding"), "text");
    CHECK_STR_EQ(detail_str(env, "payload"), payload);
    CHECK_STR_EQ(detail_str(env, "payloadEncoding"), "text");
    CHECK_INT_EQ(detail_int(env, "payloadBytes"), sizeof payload - 1);
    CHECK(json_is_false(json_object_get(env->detail, "truncated")));
    CHECK(json_is_false(json_object_get(env->detail, "redacted")));
    bus_envelope_free(env);
}

/* A PutApprovalResult request whose approval token (and any other secret) is never copied. */
static void test_secrets_redacted(void)
{
    const char payload[] =
        "{\"version\":\"0\",\"detail\":{\"type\":\"PutApprovalResult\","
        "\"token\":\"1b2e3c4d-aaaa-4bbb-8ccc-0123456789ab\",\"tokens\":\"kept\","
        "\"creds\":[{\"secretAccessKey\":\"AKIAsecret\",\"sessionToken\":\"SLJ1.x\"}],"
        "\"password\":7}}";
    bus_deadletter_origin origin = {.topic = "sluice.requests",
                                    .partition = 0,
                                    .offset = 9,
                                    .payload = payload,
                                    .len = sizeof payload - 1};
    bus_envelope *env = round_trip(&origin, "rejected");
    REQUIRE(env != NULL);
    const char *copy = detail_str(env, "payload");
    REQUIRE(copy != NULL);
    CHECK(strstr(copy, "1b2e3c4d") == NULL);
    CHECK(strstr(copy, "AKIAsecret") == NULL);
    CHECK(strstr(copy, "SLJ1.x") == NULL);
    CHECK_STR_CONTAINS(copy, "\"token\":\"(redacted)\"");
    CHECK_STR_CONTAINS(copy, "\"tokens\":\"kept\"");
    CHECK_STR_CONTAINS(copy, "\"password\":7"); /* not a string: nothing to hide */
    CHECK(json_is_true(json_object_get(env->detail, "redacted")));
    CHECK_INT_EQ(detail_int(env, "payloadBytes"), sizeof payload - 1);
    bus_envelope_free(env);
}

static void test_binary_payload_and_no_key(void)
{
    const unsigned char payload[] = {0xff, 0x00, 0x41, 0xc3, 0x28, 0x0a};
    bus_deadletter_origin origin = {
        .topic = "sluice.jobs",
        .partition = 0,
        .offset = 7,
        .key = NULL,
        .keylen = 0,
        .payload = payload,
        .len = sizeof payload,
    };
    bus_envelope *env = round_trip(&origin, "not JSON");
    REQUIRE(env != NULL);
    CHECK(json_is_null(json_object_get(env->detail, "key")));
    CHECK(json_is_null(json_object_get(env->detail, "keyEncoding")));
    CHECK(json_is_null(json_object_get(env->detail, "consumerGroup")));
    CHECK_STR_EQ(detail_str(env, "payloadEncoding"), "base64");
    CHECK_STR_EQ(detail_str(env, "payload"), "/wBBwygK");
    unsigned char decoded[16];
    const char *text = detail_str(env, "payload");
    int n = EVP_DecodeBlock(decoded, (const unsigned char *)text, (int)strlen(text));
    CHECK_INT_EQ(n, 6); /* 8 base64 characters, no padding */
    CHECK(memcmp(decoded, payload, sizeof payload) == 0);
    CHECK_INT_EQ(detail_int(env, "payloadBytes"), 6);
    bus_envelope_free(env);
}

static void test_text_with_nul_is_base64(void)
{
    const char payload[] = {'a', '\0', 'b'};
    const char key[] = {'k', '\0'};
    bus_deadletter_origin origin = {
        .topic = "t",
        .key = key,
        .keylen = sizeof key,
        .payload = payload,
        .len = sizeof payload,
    };
    bus_envelope *env = round_trip(&origin, "x");
    REQUIRE(env != NULL);
    CHECK_STR_EQ(detail_str(env, "payloadEncoding"), "base64");
    CHECK_STR_EQ(detail_str(env, "payload"), "YQBi");
    CHECK_STR_EQ(detail_str(env, "keyEncoding"), "base64");
    CHECK_STR_EQ(detail_str(env, "key"), "awA=");
    bus_envelope_free(env);
}

static void test_empty_payload(void)
{
    bus_deadletter_origin origin = {.topic = "t", .payload = NULL, .len = 0};
    bus_envelope *env = round_trip(&origin, "empty message");
    REQUIRE(env != NULL);
    CHECK_STR_EQ(detail_str(env, "payload"), "");
    CHECK_STR_EQ(detail_str(env, "payloadEncoding"), "text");
    CHECK_INT_EQ(detail_int(env, "payloadBytes"), 0);
    bus_envelope_free(env);
}

static void test_truncation_keeps_characters_whole(void)
{
    /* 'a' then 3-byte characters: the cut at 64 KiB lands inside one. */
    size_t len = BUS_DEADLETTER_PAYLOAD_MAX + 100;
    char *payload = malloc(len);
    REQUIRE(payload != NULL);
    payload[0] = 'a';
    for (size_t i = 1; i + 3 <= len; i += 3) {
        memcpy(payload + i, "\xe2\x82\xac", 3); /* U+20AC */
    }
    len = 1 + ((len - 1) / 3) * 3;
    bus_deadletter_origin origin = {.topic = "t", .payload = payload, .len = len};
    bus_envelope *env = round_trip(&origin, "message of 65636 bytes exceeds the limit");
    REQUIRE(env != NULL);
    CHECK_STR_EQ(detail_str(env, "payloadEncoding"), "text");
    CHECK(json_is_true(json_object_get(env->detail, "truncated")));
    CHECK_INT_EQ(detail_int(env, "payloadBytes"), len);
    size_t kept = json_string_length(json_object_get(env->detail, "payload"));
    CHECK(kept <= BUS_DEADLETTER_PAYLOAD_MAX);
    CHECK(kept > BUS_DEADLETTER_PAYLOAD_MAX - 4);
    CHECK_INT_EQ((kept - 1) % 3, 0);
    CHECK(memcmp(detail_str(env, "payload"), payload, kept) == 0);
    bus_envelope_free(env);
    free(payload);
}

static void test_worst_case_fits_the_encoding_bound(void)
{
    /* Control characters escape to six bytes each; the bound must hold them. */
    size_t len = BUS_DEADLETTER_PAYLOAD_MAX * 2;
    char *payload = malloc(len);
    REQUIRE(payload != NULL);
    memset(payload, 0x01, len);
    char key[BUS_DEADLETTER_KEY_MAX + 10];
    memset(key, 0x02, sizeof key);
    char reason[BUS_DEADLETTER_REASON_MAX * 2];
    memset(reason, 0x03, sizeof reason - 1);
    reason[sizeof reason - 1] = '\0';
    bus_deadletter_origin origin = {
        .topic = "t",
        .key = key,
        .keylen = sizeof key,
        .payload = payload,
        .len = len,
    };
    bus_envelope *env = round_trip(&origin, reason);
    REQUIRE(env != NULL);
    CHECK(json_is_true(json_object_get(env->detail, "truncated")));
    CHECK_INT_EQ(json_string_length(json_object_get(env->detail, "payload")),
                 BUS_DEADLETTER_PAYLOAD_MAX);
    CHECK_INT_EQ(json_string_length(json_object_get(env->detail, "key")), BUS_DEADLETTER_KEY_MAX);
    CHECK_INT_EQ(json_string_length(json_object_get(env->detail, "reason")),
                 BUS_DEADLETTER_REASON_MAX);
    bus_envelope_free(env);
    free(payload);
}

static void test_reason_with_invalid_utf8(void)
{
    bus_deadletter_origin origin = {.topic = "t", .payload = "x", .len = 1};
    bus_envelope *env = round_trip(&origin, "bad \xff\xfe byte");
    REQUIRE(env != NULL);
    CHECK_STR_EQ(detail_str(env, "reason"), "bad ?? byte");
    bus_envelope_free(env);
    env = round_trip(&origin, "");
    REQUIRE(env != NULL);
    CHECK_STR_EQ(detail_str(env, "reason"), "no reason given");
    bus_envelope_free(env);
}

static void test_deterministic_id(void)
{
    bus_deadletter_origin a = {.topic = "sluice.events",
                               .partition = 1,
                               .offset = 42,
                               .group = "g",
                               .payload = "x",
                               .len = 1};
    bus_deadletter_origin b = a;
    b.payload = "different payload, same place";
    b.len = strlen(b.payload);
    char ida[SLUICE_UUID_LEN + 1];
    char idb[SLUICE_UUID_LEN + 1];
    bus_deadletter_id(&a, ida);
    bus_deadletter_id(&b, idb);
    CHECK(sluice_uuid_is_valid(ida));
    CHECK_STR_EQ(ida, idb);

    bus_envelope *env = round_trip(&a, "r");
    REQUIRE(env != NULL);
    CHECK_STR_EQ(env->id, ida);
    bus_envelope_free(env);

    b = a;
    b.offset = 43;
    bus_deadletter_id(&b, idb);
    CHECK(strcmp(ida, idb) != 0);
    b = a;
    b.partition = 2;
    bus_deadletter_id(&b, idb);
    CHECK(strcmp(ida, idb) != 0);
    b = a;
    b.group = "h";
    bus_deadletter_id(&b, idb);
    CHECK(strcmp(ida, idb) != 0);
    b = a;
    b.topic = "sluice.jobs";
    bus_deadletter_id(&b, idb);
    CHECK(strcmp(ida, idb) != 0);
}

static void test_bad_sender(void)
{
    bus_deadletter_origin origin = {.topic = "t", .payload = "x", .len = 1};
    bus_deadletter_sender bad = {"sluice.orchestrator", "12", "us-east-1"};
    bus_envelope *env = NULL;
    char err[256] = "";
    CHECK_INT_EQ(bus_deadletter_new(&origin, "r", &bad, 0, &env, err, sizeof err), SLUICE_EINVAL);
    CHECK(env == NULL);
    CHECK_STR_EQ(err, "field \"account\" must be 12 digits, got \"12\"");
}

int main(void)
{
    RUN_TEST(test_text_payload);
    RUN_TEST(test_secrets_redacted);
    RUN_TEST(test_binary_payload_and_no_key);
    RUN_TEST(test_text_with_nul_is_base64);
    RUN_TEST(test_empty_payload);
    RUN_TEST(test_truncation_keeps_characters_whole);
    RUN_TEST(test_worst_case_fits_the_encoding_bound);
    RUN_TEST(test_reason_with_invalid_utf8);
    RUN_TEST(test_deterministic_id);
    RUN_TEST(test_bad_sender);
    return sluice_test_report();
}
