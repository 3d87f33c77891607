/*
 * Unit tests of src_v1hook.h: GITHUB_HMAC (sha256 and the older sha1
 * header), IP ranges and UNAUTHENTICATED; filters with matchEquals and
 * placeholders, all of them needed; the delivery key and the start request
 * (trigger Webhook, the webhook's ARN, a token that repeats for a repeated
 * delivery only).
 */
#include "src_v1hook.h"

#include "sluice/error.h"
#include "sluice_test.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <string.h>

static json_t *definition(const char *auth, const char *config, const char *filters)
{
    char text[1024];
    snprintf(text, sizeof text,
             "{\"name\": \"w\", \"targetPipeline\": \"web\", \"targetAction\": \"Source\", "
             "\"authentication\": \"%s\", \"authenticationConfiguration\": %s, \"filters\": %s}",
             auth, config, filters);
    json_t *def = json_loads(text, 0, NULL);
    if (def == NULL) {
        fprintf(stderr, "bad definition text %s\n", text);
    }
    return def;
}

static void sign(const EVP_MD *md, const char *prefix, const char *secret, const char *body,
                 char *out, size_t outlen)
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(md, secret, (int)strlen(secret), (const unsigned char *)body, strlen(body), mac, &len);
    size_t used = (size_t)snprintf(out, outlen, "%s", prefix);
    for (unsigned int i = 0; i < len && used + 2 < outlen; i++) {
        used += (size_t)snprintf(out + used, outlen - used, "%02x", mac[i]);
    }
}

static void test_github_hmac(void)
{
    const char *body = "{\"ref\": \"refs/heads/main\"}";
    json_t *def = definition("GITHUB_HMAC", "{\"SecretToken\": \"s3cret\"}", "[]");
    REQUIRE(def != NULL);
    char sig256[128];
    char sig1[128];
    char err[256] = "";
    sign(EVP_sha256(), "sha256=", "s3cret", body, sig256, sizeof sig256);
    sign(EVP_sha1(), "sha1=", "s3cret", body, sig1, sizeof sig1);
    src_v1hook_delivery d = {body, strlen(body), "127.0.0.1", sig256, NULL};
    CHECK_INT_EQ(src_v1hook_verify(def, &d, err, sizeof err), 0);
    d.signature256 = NULL;
    d.signature1 = sig1;
    CHECK_INT_EQ(src_v1hook_verify(def, &d, err, sizeof err), 0);
    /* uppercase hex is the same signature */
    for (char *p = sig1; *p != '\0'; p++) {
        if (*p >= 'a' && *p <= 'f' && p > sig1 + 4) {
            *p = (char)(*p - 'a' + 'A');
        }
    }
    CHECK_INT_EQ(src_v1hook_verify(def, &d, err, sizeof err), 0);
    /* another secret, another body, a cut signature, none */
    char wrong[128];
    sign(EVP_sha256(), "sha256=", "other", body, wrong, sizeof wrong);
    src_v1hook_delivery bad = {body, strlen(body), "127.0.0.1", wrong, NULL};
    CHECK_INT_EQ(src_v1hook_verify(def, &bad, err, sizeof err), SLUICE_EDENIED);
    CHECK_STR_CONTAINS(err, "does not verify with the webhook's SecretToken");
    CHECK(strstr(err, "s3cret") == NULL);
    bad.signature256 = sig256;
    bad.len = strlen(body) - 1;
    CHECK_INT_EQ(src_v1hook_verify(def, &bad, err, sizeof err), SLUICE_EDENIED);
    bad.len = strlen(body);
    sig256[20] = '\0';
    CHECK_INT_EQ(src_v1hook_verify(def, &bad, err, sizeof err), SLUICE_EDENIED);
    bad.signature256 = NULL;
    CHECK_INT_EQ(src_v1hook_verify(def, &bad, err, sizeof err), SLUICE_EDENIED);
    CHECK_STR_CONTAINS(err, "carries no X-Hub-Signature-256");
    /* a sha1 signature given as sha256 does not pass */
    bad.signature256 = sig1;
    CHECK_INT_EQ(src_v1hook_verify(def, &bad, err, sizeof err), SLUICE_EDENIED);
    json_decref(def);
}

static void test_ip_and_unauthenticated(void)
{
    json_t *def = definition("IP", "{\"AllowedIPRange\": \"10.0.0.0/8\"}", "[]");
    char err[256] = "";
    src_v1hook_delivery d = {"{}", 2, "10.1.2.3", NULL, NULL};
    CHECK_INT_EQ(src_v1hook_verify(def, &d, err, sizeof err), 0);
    d.remote_addr = "::ffff:10.9.9.9";
    CHECK_INT_EQ(src_v1hook_verify(def, &d, err, sizeof err), 0);
    d.remote_addr = "192.0.2.1";
    CHECK_INT_EQ(src_v1hook_verify(def, &d, err, sizeof err), SLUICE_EDENIED);
    CHECK_STR_CONTAINS(err, "192.0.2.1 is outside the webhook's AllowedIPRange");
    d.remote_addr = "";
    CHECK_INT_EQ(src_v1hook_verify(def, &d, err, sizeof err), SLUICE_EDENIED);
    json_decref(def);
    def = definition("IP", "{\"AllowedIPRange\": \"nonsense\"}", "[]");
    CHECK_INT_EQ(src_v1hook_verify(def, &d, err, sizeof err), SLUICE_EPARSE);
    json_decref(def);
    def = definition("UNAUTHENTICATED", "{}", "[]");
    d.remote_addr = "203.0.113.5";
    CHECK_INT_EQ(src_v1hook_verify(def, &d, err, sizeof err), 0);
    json_decref(def);
    def = definition("BASIC", "{}", "[]");
    CHECK_INT_EQ(src_v1hook_verify(def, &d, err, sizeof err), SLUICE_EPARSE);
    json_decref(def);
}

static void test_filters(void)
{
    json_t *config = json_pack("{s:s, s:s}", "BranchName", "main", "RepositoryName", "web");
    json_t *body = json_loads("{\"ref\": \"refs/heads/main\", \"repository\": {\"name\": "
                              "\"web\"}, \"commits\": [{\"id\": \"a1\"}], \"forced\": false}",
                              0, NULL);
    json_t *other = json_loads("{\"ref\": \"refs/heads/dev\", \"repository\": {\"name\": "
                               "\"web\"}}",
                               0, NULL);
    char why[256] = "";
    json_t *def = definition("UNAUTHENTICATED", "{}",
                             "[{\"jsonPath\": \"$.ref\", \"matchEquals\": "
                             "\"refs/heads/{BranchName}\"}, {\"jsonPath\": "
                             "\"$.repository.name\", \"matchEquals\": \"{RepositoryName}\"}, "
                             "{\"jsonPath\": \"$.commits[0].id\"}, {\"jsonPath\": \"$.forced\", "
                             "\"matchEquals\": \"false\"}]");
    CHECK_INT_EQ(src_v1hook_filter(def, config, body, why, sizeof why), 0);
    CHECK_INT_EQ(src_v1hook_filter(def, config, other, why, sizeof why), SLUICE_ENOTFOUND);
    CHECK_STR_CONTAINS(why, "filter 1: $.ref is not 'refs/heads/main'");
    CHECK_INT_EQ(src_v1hook_filter(def, config, NULL, why, sizeof why), SLUICE_ENOTFOUND);
    CHECK_STR_CONTAINS(why, "selects nothing");
    /* the third filter needs a first commit */
    json_object_set_new(body, "commits", json_array());
    CHECK_INT_EQ(src_v1hook_filter(def, config, body, why, sizeof why), SLUICE_ENOTFOUND);
    CHECK_STR_CONTAINS(why, "filter 3: $.commits[0].id selects nothing");
    /* a placeholder the action no longer has */
    json_object_del(config, "BranchName");
    CHECK_INT_EQ(src_v1hook_filter(def, config, other, why, sizeof why), SLUICE_EPARSE);
    CHECK_STR_CONTAINS(why, "{BranchName} names no configuration property");
    json_decref(def);
    /* no filters: everything passes, JSON or not */
    def = definition("UNAUTHENTICATED", "{}", "[]");
    CHECK_INT_EQ(src_v1hook_filter(def, NULL, NULL, why, sizeof why), 0);
    json_decref(def);
    def = definition("UNAUTHENTICATED", "{}", "[{\"jsonPath\": \"$..x\"}]");
    CHECK_INT_EQ(src_v1hook_filter(def, NULL, body, why, sizeof why), SLUICE_EPARSE);
    json_decref(def);
    json_decref(body);
    json_decref(other);
    json_decref(config);
}

static void test_start_request(void)
{
    char key[SRC_V1HOOK_KEY_MAX];
    src_v1hook_delivery_key("72d3162e-cc78-11e3-81ab-4c9367dc0958", NULL, NULL, "{}", 2, key);
    CHECK_STR_EQ(key, "72d3162e-cc78-11e3-81ab-4c9367dc0958");
    src_v1hook_delivery_key(NULL, "", "gl-1", "{}", 2, key);
    CHECK_STR_EQ(key, "gl-1");
    src_v1hook_delivery_key(NULL, NULL, NULL, "{}", 2, key);
    CHECK_STR_EQ(key, "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");

    json_t *record = json_pack("{s:s, s:s, s:{s:s, s:s}}", "id", "0123456789abcdef0123456789abcdef",
                               "arn", "arn:aws:codepipeline:us-east-1:123456789012:webhook:w",
                               "definition", "name", "w", "targetPipeline", "web");
    json_t *detail = src_v1hook_start_request(record, "delivery-1");
    REQUIRE(detail != NULL);
    CHECK_STR_EQ(json_string_value(json_object_get(detail, "type")), "StartPipelineExecution");
    CHECK_STR_EQ(json_string_value(json_object_get(detail, "pipeline")), "web");
    CHECK_STR_EQ(json_string_value(json_object_get(detail, "triggerType")), "Webhook");
    CHECK_STR_EQ(json_string_value(json_object_get(detail, "triggerDetail")),
                 "arn:aws:codepipeline:us-east-1:123456789012:webhook:w");
    const char *token = json_string_value(json_object_get(detail, "clientRequestToken"));
    REQUIRE(token != NULL);
    CHECK_INT_EQ((long long)strlen(token), SRC_V1HOOK_TOKEN_LEN);
    CHECK(strncmp(token, "webhook-", 8) == 0);
    char again[SRC_V1HOOK_TOKEN_LEN + 1];
    char other[SRC_V1HOOK_TOKEN_LEN + 1];
    src_v1hook_token("0123456789abcdef0123456789abcdef", "delivery-1", again);
    src_v1hook_token("0123456789abcdef0123456789abcdef", "delivery-2", other);
    CHECK_STR_EQ(again, token);
    CHECK(strcmp(other, token) != 0);
    json_decref(detail);
    json_object_del(json_object_get(record, "definition"), "targetPipeline");
    CHECK(src_v1hook_start_request(record, "delivery-1") == NULL);
    json_decref(record);

    json_t *doc = json_loads("{\"pipeline\": {\"stages\": [{\"name\": \"S\", \"actions\": "
                             "[{\"name\": \"Source\", \"configuration\": {\"BranchName\": "
                             "\"main\"}}]}]}}",
                             0, NULL);
    const json_t *config = src_v1hook_action_config(doc, "Source");
    CHECK_STR_EQ(json_string_value(json_object_get(config, "BranchName")), "main");
    CHECK(src_v1hook_action_config(doc, "Other") == NULL);
    json_decref(doc);
}

int main(void)
{
    RUN_TEST(test_github_hmac);
    RUN_TEST(test_ip_and_unauthenticated);
    RUN_TEST(test_filters);
    RUN_TEST(test_start_request);
    return sluice_test_report();
}
