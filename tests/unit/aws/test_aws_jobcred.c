/*
 * Unit tests of sluice/aws_jobcred.h and sluice/aws_jobdata.h: key files,
 * the token's form and its derived secret and access key id (recomputed
 * here independently of the module's code paths where cheap), determinism,
 * rotation, expiry, tampering, scope checks, and the optional execution id
 * ("e") of hand-signed payloads.
 */
#include "sluice/aws_jobcred.h"
#include "sluice/aws_jobdata.h"
#include "sluice/error.h"
#include "sluice_test.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>

#define KEY_HEX "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

static aws_jobcred_scope *demo_scope(void)
{
    aws_jobcred_scope *s = calloc(1, sizeof *s);
    snprintf(s->job_id, sizeof s->job_id, "job-1");
    snprintf(s->pipeline, sizeof s->pipeline, "demo");
    s->expires_s = 2000000000;
    s->read_count = 1;
    snprintf(s->read[0], sizeof s->read[0], "b/in/key");
    s->write_count = 1;
    snprintf(s->write[0], sizeof s->write[0], "b/out/key");
    return s;
}

static void b64url(const unsigned char *data, size_t len, char *out)
{
    int n = EVP_EncodeBlock((unsigned char *)out, data, (int)len);
    while (n > 0 && out[n - 1] == '=') {
        n--;
    }
    out[n] = '\0';
    for (int i = 0; i < n; i++) {
        out[i] = out[i] == '+' ? '-' : out[i] == '/' ? '_' : out[i];
    }
}

/* A token over payload signed with KEY_HEX as k1 (as aws_jobcred.h describes it), and its
 * access key id, computed here without the module. */
static void sign_payload(const char *payload, char *token, size_t tokenlen, char akid[21])
{
    unsigned char key[32];
    for (int i = 0; i < 32; i++) {
        key[i] = (unsigned char)i;
    }
    char enc[4096];
    b64url((const unsigned char *)payload, strlen(payload), enc);
    int n = snprintf(token, tokenlen, "SLJ1.k1.%s", enc);
    unsigned char mac[32];
    unsigned int mac_len = 0;
    HMAC(EVP_sha256(), key, 32, (unsigned char *)token, (size_t)n, mac, &mac_len);
    b64url(mac, 32, enc);
    snprintf(token + n, tokenlen - (size_t)n, ".%s", enc);
    unsigned char digest[32];
    SHA256((const unsigned char *)token, strlen(token), digest);
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    memcpy(akid, "ASIA", 4);
    for (size_t i = 0; i < 16; i++) {
        size_t bit = i * 5;
        unsigned int v = ((unsigned int)digest[bit / 8] << 8) | digest[bit / 8 + 1];
        akid[4 + i] = alphabet[(v >> (11 - bit % 8)) & 0x1f];
    }
    akid[20] = '\0';
}

/* The decoded payload of a token (its middle part). */
static void token_payload(const char *token, char *out, size_t outlen)
{
    const char *start = strchr(token + 5, '.') + 1;
    const char *end = strchr(start, '.');
    char b64[4096];
    size_t n = (size_t)(end - start);
    memcpy(b64, start, n);
    for (size_t i = 0; i < n; i++) {
        b64[i] = b64[i] == '-' ? '+' : b64[i] == '_' ? '/' : b64[i];
    }
    while (n % 4 != 0) {
        b64[n++] = '=';
    }
    b64[n] = '\0';
    int got = EVP_DecodeBlock((unsigned char *)out, (unsigned char *)b64, (int)n);
    size_t len = got > 0 ? (size_t)got : 0;
    while (len > 0 && out[len - 1] == '\0') {
        len--;
    }
    out[len < outlen ? len : outlen - 1] = '\0';
}

static void test_execution(void)
{
    aws_jobcred_keys *keys = NULL;
    char err[256];
    REQUIRE(aws_jobcred_keys_parse(&keys, "k1 " KEY_HEX "\n", err, sizeof err) == 0);
    aws_jobcred_scope *s = demo_scope();
    aws_jobcred_scope *got = calloc(1, sizeof *got);
    char secret[41];
    char code[64];
    char payload[4096];
    /* without an execution the payload has no "e": tokens are what they were before it */
    aws_jobcred plain;
    REQUIRE(aws_jobcred_mint(keys, s, &plain, err, sizeof err) == 0);
    token_payload(plain.session_token, payload, sizeof payload);
    CHECK_STR_EQ(payload, "{\"job\":\"job-1\",\"pipeline\":\"demo\",\"exp\":2000000000,"
                          "\"r\":[\"b/in/key\"],\"w\":[\"b/out/key\"]}");
    CHECK_INT_EQ(aws_jobcred_verify(keys, plain.access_key_id, plain.session_token, 0, got, secret,
                                    code, err, sizeof err),
                 0);
    CHECK_STR_EQ(got->execution_id, "");
    /* with one: "e" after the pipeline, filled by verify */
    snprintf(s->execution_id, sizeof s->execution_id, "0a1b2c3d-e5f6-4789-8abc-def012345678");
    aws_jobcred tagged;
    REQUIRE(aws_jobcred_mint(keys, s, &tagged, err, sizeof err) == 0);
    CHECK(strcmp(tagged.session_token, plain.session_token) != 0);
    token_payload(tagged.session_token, payload, sizeof payload);
    CHECK_STR_EQ(payload, "{\"job\":\"job-1\",\"pipeline\":\"demo\","
                          "\"e\":\"0a1b2c3d-e5f6-4789-8abc-def012345678\",\"exp\":2000000000,"
                          "\"r\":[\"b/in/key\"],\"w\":[\"b/out/key\"]}");
    CHECK_INT_EQ(aws_jobcred_verify(keys, tagged.access_key_id, tagged.session_token, 0, got,
                                    secret, code, err, sizeof err),
                 0);
    CHECK_STR_EQ(got->execution_id, "0a1b2c3d-e5f6-4789-8abc-def012345678");
    CHECK_STR_EQ(got->pipeline, "demo");
    CHECK_STR_EQ(secret, tagged.secret_access_key);
    /* a control character in the execution id is refused at minting */
    aws_jobcred bad;
    snprintf(s->execution_id, sizeof s->execution_id, "exec\n1");
    CHECK_INT_EQ(aws_jobcred_mint(keys, s, &bad, err, sizeof err), SLUICE_EINVAL);
    /* hand-signed payloads: "e" may be absent or a string; anything else is InvalidToken */
    static const struct {
        const char *payload;
        int rc;
        const char *execution;
    } cases[] = {
        {"{\"job\":\"j\",\"pipeline\":\"p\",\"exp\":2000000000,\"r\":[],\"w\":[]}", 0, ""},
        {"{\"job\":\"j\",\"pipeline\":\"p\",\"e\":\"x-1\",\"exp\":2000000000,\"r\":[],\"w\":[]}", 0,
         "x-1"},
        {"{\"job\":\"j\",\"pipeline\":\"p\",\"e\":7,\"exp\":2000000000,\"r\":[],\"w\":[]}",
         SLUICE_EDENIED, ""},
        {"{\"job\":\"j\",\"pipeline\":\"p\",\"e\":null,\"exp\":2000000000,\"r\":[],\"w\":[]}",
         SLUICE_EDENIED, ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char token[4096];
        char akid[21];
        sign_payload(cases[i].payload, token, sizeof token, akid);
        CHECK_INT_EQ(aws_jobcred_verify(keys, akid, token, 0, got, secret, code, err, sizeof err),
                     cases[i].rc);
        CHECK_STR_EQ(got->execution_id, cases[i].execution);
        if (cases[i].rc != 0) {
            CHECK_STR_EQ(code, "InvalidToken");
        }
    }
    /* an execution id of 127 bytes fits, 128 does not */
    char longest[300];
    memset(longest, 'x', 128);
    longest[128] = '\0';
    char doc[512];
    char token[4096];
    char akid[21];
    snprintf(doc, sizeof doc,
             "{\"job\":\"j\",\"pipeline\":\"p\",\"e\":\"%s\",\"exp\":2000000000,\"r\":[],\"w\":[]}",
             longest);
    sign_payload(doc, token, sizeof token, akid);
    CHECK_INT_EQ(aws_jobcred_verify(keys, akid, token, 0, got, secret, code, err, sizeof err),
                 SLUICE_EDENIED);
    longest[127] = '\0';
    snprintf(doc, sizeof doc,
             "{\"job\":\"j\",\"pipeline\":\"p\",\"e\":\"%s\",\"exp\":2000000000,\"r\":[],\"w\":[]}",
             longest);
    sign_payload(doc, token, sizeof token, akid);
    CHECK_INT_EQ(aws_jobcred_verify(keys, akid, token, 0, got, secret, code, err, sizeof err), 0);
    CHECK_INT_EQ(strlen(got->execution_id), 127);
    aws_jobcred_clear(&plain);
    aws_jobcred_clear(&tagged);
    free(got);
    free(s);
    aws_jobcred_keys_free(keys);
}

static void test_keys_parse(void)
{
    aws_jobcred_keys *keys = NULL;
    char err[256];
    CHECK_INT_EQ(aws_jobcred_keys_parse(&keys,
                                        "# c\n\n k1  " KEY_HEX " \nk2 "
                                        "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n",
                                        err, sizeof err),
                 0);
    CHECK_STR_EQ(aws_jobcred_keys_signing_id(keys), "k1");
    aws_jobcred_keys_free(keys);
    static const char *const bad[] = {"",
                                      "# only\n",
                                      "k1\n",
                                      "k1 0011\n",
                                      "k/1 " KEY_HEX "\n",
                                      "k1 " KEY_HEX "\nk1 " KEY_HEX "\n",
                                      "k1 !!notbase64!!\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK(aws_jobcred_keys_parse(&keys, bad[i], err, sizeof err) < 0);
        CHECK(keys == NULL);
        CHECK(strstr(err, KEY_HEX) == NULL);
    }
    CHECK(aws_jobcred_keys_load("/nonexistent/keys", err, sizeof err) == NULL);
}

static void test_mint_verify(void)
{
    aws_jobcred_keys *keys = NULL;
    char err[256];
    REQUIRE(aws_jobcred_keys_parse(&keys, "k1 " KEY_HEX "\n", err, sizeof err) == 0);
    aws_jobcred_scope *s = demo_scope();
    aws_jobcred a, b;
    REQUIRE(aws_jobcred_mint(keys, s, &a, err, sizeof err) == 0);
    REQUIRE(aws_jobcred_mint(keys, s, &b, err, sizeof err) == 0);
    CHECK_STR_EQ(a.session_token, b.session_token); /* deterministic */
    CHECK_STR_EQ(a.secret_access_key, b.secret_access_key);
    CHECK_INT_EQ(strlen(a.access_key_id), 20);
    CHECK(strncmp(a.access_key_id, "ASIA", 4) == 0);
    CHECK_INT_EQ(strlen(a.secret_access_key), 40);
    CHECK(strncmp(a.session_token, "SLJ1.k1.", 8) == 0);
    /* the secret is base64(HMAC(key, "sluice-job-secret\n" + token))[:40] */
    unsigned char key[32];
    for (int i = 0; i < 32; i++) {
        key[i] = (unsigned char)i;
    }
    char msg[5000];
    int n = snprintf(msg, sizeof msg, "sluice-job-secret\n%s", a.session_token);
    unsigned char mac[32];
    unsigned int mac_len = 0;
    HMAC(EVP_sha256(), key, 32, (unsigned char *)msg, (size_t)n, mac, &mac_len);
    unsigned char b64[64];
    EVP_EncodeBlock(b64, mac, 32);
    CHECK(memcmp(b64, a.secret_access_key, 40) == 0);

    aws_jobcred_scope *got = calloc(1, sizeof *got);
    char secret[41];
    char code[64];
    CHECK_INT_EQ(aws_jobcred_verify(keys, a.access_key_id, a.session_token, 1999999999000LL, got,
                                    secret, code, err, sizeof err),
                 0);
    CHECK_STR_EQ(secret, a.secret_access_key);
    CHECK_STR_EQ(got->job_id, "job-1");
    CHECK_STR_EQ(got->pipeline, "demo");
    CHECK_INT_EQ(got->expires_s, 2000000000);
    CHECK(aws_jobcred_allows(got, AWS_JOBCRED_READ, "b", "in/key"));
    CHECK(!aws_jobcred_allows(got, AWS_JOBCRED_WRITE, "b", "in/key"));
    CHECK(aws_jobcred_allows(got, AWS_JOBCRED_WRITE, "b", "out/key"));
    CHECK(!aws_jobcred_allows(got, AWS_JOBCRED_READ, "b", "out/key"));
    CHECK(!aws_jobcred_allows(got, AWS_JOBCRED_READ, "b", "in/key2"));
    CHECK(!aws_jobcred_allows(got, AWS_JOBCRED_READ, "b/in", "key"));
    CHECK(!aws_jobcred_allows(got, AWS_JOBCRED_READ, "c", "in/key"));
    /* expiry */
    CHECK_INT_EQ(aws_jobcred_verify(keys, a.access_key_id, a.session_token, 2000000000000LL, got,
                                    secret, code, err, sizeof err),
                 SLUICE_EDENIED);
    CHECK_STR_EQ(code, "ExpiredToken");
    /* another access key id */
    CHECK_INT_EQ(aws_jobcred_verify(keys, "ASIAAAAAAAAAAAAAAAAA", a.session_token, 0, got, secret,
                                    code, err, sizeof err),
                 SLUICE_EDENIED);
    CHECK_STR_EQ(code, "InvalidAccessKeyId");
    /* every single-character change of the token is refused */
    size_t len = strlen(a.session_token);
    char *t = strdup(a.session_token);
    for (size_t i = 0; i < len; i++) {
        char orig = t[i];
        t[i] = orig == 'A' ? 'B' : 'A';
        CHECK(aws_jobcred_verify(keys, a.access_key_id, t, 0, got, secret, code, err, sizeof err) ==
              SLUICE_EDENIED);
        t[i] = orig;
    }
    free(t);
    /* rotation: a new first key signs, the old one still verifies; an unknown key does not */
    aws_jobcred_keys *rotated = NULL;
    REQUIRE(aws_jobcred_keys_parse(&rotated,
                                   "k2 ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
                                   "ffff\nk1 " KEY_HEX "\n",
                                   err, sizeof err) == 0);
    CHECK_INT_EQ(aws_jobcred_verify(rotated, a.access_key_id, a.session_token, 0, got, secret, code,
                                    err, sizeof err),
                 0);
    aws_jobcred c;
    REQUIRE(aws_jobcred_mint(rotated, s, &c, err, sizeof err) == 0);
    CHECK(strncmp(c.session_token, "SLJ1.k2.", 8) == 0);
    CHECK_INT_EQ(aws_jobcred_verify(keys, c.access_key_id, c.session_token, 0, got, secret, code,
                                    err, sizeof err),
                 SLUICE_EDENIED);
    CHECK_STR_EQ(code, "InvalidToken");
    aws_jobcred_clear(&c);
    aws_jobcred_keys_free(rotated);
    /* bounds and bad scopes */
    s->write_count = AWS_JOBCRED_OBJECTS_MAX;
    for (size_t i = 0; i < AWS_JOBCRED_OBJECTS_MAX; i++) {
        memset(s->write[i], 'k', 1000);
        s->write[i][0] = 'b';
        s->write[i][1] = '/';
        s->write[i][1000] = '\0';
    }
    CHECK_INT_EQ(aws_jobcred_mint(keys, s, &c, err, sizeof err), SLUICE_ETOOBIG);
    s->write_count = 1;
    snprintf(s->write[0], sizeof s->write[0], "no-slash");
    CHECK_INT_EQ(aws_jobcred_mint(keys, s, &c, err, sizeof err), SLUICE_EINVAL);
    free(got);
    free(s);
    aws_jobcred_clear(&a);
    aws_jobcred_clear(&b);
    aws_jobcred_keys_free(keys);
}

static void test_jobdata(void)
{
    aws_jobcred_keys *keys = NULL;
    char err[256];
    REQUIRE(aws_jobcred_keys_parse(&keys, "k1 " KEY_HEX "\n", err, sizeof err) == 0);
    json_error_t jerr;
    json_t *data = json_loads(
        "{\"pipelineContext\": {\"pipelineName\": \"demo\", \"pipelineExecutionId\": \"exec-7\"},"
        " \"inputArtifacts\": [{\"name\": \"src\", \"location\": {\"type\": \"S3\", "
        "\"s3Location\": {\"bucketName\": \"sluice-artifacts\", \"objectKey\": \"demo/src/a\"}}},"
        " {\"name\": \"nolocation\"}],"
        " \"outputArtifacts\": [{\"name\": \"out\", \"location\": {\"type\": \"S3\", "
        "\"s3Location\": {\"bucketName\": \"sluice-artifacts\", \"objectKey\": \"demo/out/b\"}}}]}",
        0, &jerr);
    REQUIRE(data != NULL);
    aws_jobcred_scope *s = calloc(1, sizeof *s);
    CHECK_INT_EQ(aws_jobdata_scope("job-9", data, 1234, s, err, sizeof err), 0);
    CHECK_INT_EQ(s->read_count, 1);
    CHECK_STR_EQ(s->read[0], "sluice-artifacts/demo/src/a");
    CHECK_INT_EQ(s->write_count, 1);
    CHECK_STR_EQ(s->write[0], "sluice-artifacts/demo/out/b");
    CHECK_STR_EQ(s->pipeline, "demo");
    CHECK_STR_EQ(s->execution_id, "exec-7");
    json_t *cred = aws_jobdata_credentials(keys, "job-9", data, 2000000000, err, sizeof err);
    json_t *again = aws_jobdata_credentials(keys, "job-9", data, 2000000000, err, sizeof err);
    REQUIRE(cred != NULL && again != NULL);
    CHECK(json_equal(cred, again));
    const char *akid = json_string_value(json_object_get(cred, "accessKeyId"));
    const char *token = json_string_value(json_object_get(cred, "sessionToken"));
    char secret[41];
    char code[64];
    CHECK_INT_EQ(aws_jobcred_verify(keys, akid, token, 0, s, secret, code, err, sizeof err), 0);
    CHECK_STR_EQ(secret, json_string_value(json_object_get(cred, "secretAccessKey")));
    CHECK(aws_jobcred_allows(s, AWS_JOBCRED_WRITE, "sluice-artifacts", "demo/out/b"));
    CHECK_STR_EQ(s->job_id, "job-9");
    CHECK_STR_EQ(s->execution_id, "exec-7");
    json_decref(cred);
    json_decref(again);
    CHECK(aws_jobdata_credentials(keys, "", data, 1, err, sizeof err) == NULL);
    char longest[200];
    memset(longest, 'x', 128);
    longest[128] = '\0';
    json_object_set_new(json_object_get(data, "pipelineContext"), "pipelineExecutionId",
                        json_string(longest));
    CHECK_INT_EQ(aws_jobdata_scope("job-9", data, 1234, s, err, sizeof err), SLUICE_EINVAL);
    CHECK(strstr(err, "execution") != NULL);
    json_object_del(json_object_get(data, "pipelineContext"), "pipelineExecutionId");
    CHECK_INT_EQ(aws_jobdata_scope("job-9", data, 1234, s, err, sizeof err), 0);
    CHECK_STR_EQ(s->execution_id, "");
    json_decref(data);
    free(s);
    aws_jobcred_keys_free(keys);
}

int main(void)
{
    RUN_TEST(test_keys_parse);
    RUN_TEST(test_mint_verify);
    RUN_TEST(test_jobdata);
    RUN_TEST(test_execution);
    return sluice_test_report();
}
