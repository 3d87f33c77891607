/*
 * V1 webhooks through the dispatcher over the in-process backend:
 * PutWebhook's checks (shapes, authentication, filters and their
 * placeholders, the target pipeline and action), the URL and ARN, a second
 * put keeping the URL, ListWebhooks with lastTriggered and pagination,
 * DeleteWebhook, Register/Deregister with third party, and roles.
 */
#include "api_fixture.h"

#include "sluice/error.h"
#include "sluice/state_webhook.h"
#include "sluice_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* PutWebhook's input for name on pipeline "alpha"'s Source action, with the given pieces. */
static json_t *put_input(const char *name, const char *auth, const char *auth_config,
                         const char *filters)
{
    char text[2048];
    snprintf(text, sizeof text,
             "{\"webhook\": {\"name\": \"%s\", \"targetPipeline\": \"alpha\", \"targetAction\": "
             "\"Source\", \"filters\": %s, \"authentication\": \"%s\", "
             "\"authenticationConfiguration\": %s}}",
             name, filters, auth, auth_config);
    json_error_t jerr;
    json_t *input = json_loads(text, 0, &jerr);
    if (input == NULL) {
        fprintf(stderr, "put_input: %s\n", jerr.text);
        abort();
    }
    return input;
}

/* Runs PutWebhook; returns the status, exception in call. */
static int put(api_fixture *f, json_t *input, api_call *call)
{
    int status = api_fixture_call_json(f, "admin", "PutWebhook", input, call);
    json_decref(input);
    return status;
}

static void expect_refused(api_fixture *f, json_t *input, const char *exception,
                           const char *message)
{
    api_call call;
    CHECK_INT_EQ(put(f, input, &call), 400);
    CHECK_STR_EQ(call.exception, exception);
    CHECK_STR_CONTAINS(call.message, message);
    api_call_clear(&call);
}

static void test_put_checks(void)
{
    api_fixture f;
    REQUIRE(api_fixture_init(&f, NULL) == 0);
    REQUIRE(api_fixture_create(&f, "alpha") == 0);
    const char *ref = "[{\"jsonPath\": \"$.ref\", \"matchEquals\": \"refs/heads/main\"}]";
    expect_refused(&f, put_input("w", "GITHUB_HMAC", "{}", ref),
                   "InvalidWebhookAuthenticationParametersException", "SecretToken");
    expect_refused(&f, put_input("w", "IP", "{}", ref),
                   "InvalidWebhookAuthenticationParametersException", "AllowedIPRange");
    expect_refused(&f, put_input("w", "IP", "{\"AllowedIPRange\": \"10.0.0.0/40\"}", ref),
                   "InvalidWebhookAuthenticationParametersException", "from 0 to 32");
    expect_refused(&f, put_input("w", "BASIC", "{}", ref), "ValidationException", "authentication");
    expect_refused(&f, put_input("w", "UNAUTHENTICATED", "{}", "[{\"jsonPath\": \"$..ref\"}]"),
                   "InvalidWebhookFilterPatternException", "at character 2: recursive descent");
    expect_refused(
        &f,
        put_input("w", "UNAUTHENTICATED", "{}",
                  "[{\"jsonPath\": \"$.ref\", \"matchEquals\": \"refs/heads/{Branch}\"}]"),
        "InvalidWebhookFilterPatternException", "{Branch} names no configuration property");
    expect_refused(&f, put_input("w", "UNAUTHENTICATED", "{}", "[{\"matchEquals\": \"x\"}]"),
                   "ValidationException", "webhook.filters.1.member.jsonPath");
    expect_refused(&f,
                   put_input("w", "UNAUTHENTICATED", "{}",
                             "[{\"jsonPath\": \"$.a\"}, {\"jsonPath\": \"$.a\"}, {\"jsonPath\": "
                             "\"$.a\"}, {\"jsonPath\": \"$.a\"}, {\"jsonPath\": \"$.a\"}, "
                             "{\"jsonPath\": \"$.a\"}]"),
                   "ValidationException", "webhook.filters");
    expect_refused(&f, put_input("bad name!", "UNAUTHENTICATED", "{}", "[]"), "ValidationException",
                   "webhook.name");
    json_t *input = put_input("w", "UNAUTHENTICATED", "{}", "[]");
    json_object_set_new(json_object_get(input, "webhook"), "targetPipeline", json_string("nope"));
    expect_refused(&f, input, "PipelineNotFoundException", "nope");
    input = put_input("w", "UNAUTHENTICATED", "{}", "[]");
    json_object_set_new(json_object_get(input, "webhook"), "targetAction", json_string("Missing"));
    expect_refused(&f, input, "ValidationException", "has no action named 'Missing'");
    input = put_input("w", "UNAUTHENTICATED", "{}", "[]");
    json_object_set_new(json_object_get(input, "webhook"), "targetAction", json_string("Build"));
    expect_refused(&f, input, "ValidationException", "is not a Source action");
    input = put_input("w", "UNAUTHENTICATED", "{}", "[]");
    json_object_set_new(input, "tags", json_pack("[{s:s, s:s}]", "key", "aws:x", "value", "v"));
    expect_refused(&f, input, "InvalidTagsException", "aws:");

    /* nothing was stored by any of them */
    api_call call;
    CHECK_INT_EQ(api_fixture_call(&f, "viewer", "ListWebhooks", NULL, &call), 200);
    CHECK_INT_EQ((long long)json_array_size(api_fixture_member(call.output, "webhooks")), 0);
    api_call_clear(&call);
    api_fixture_free(&f);
}

static void test_put_list_delete(void)
{
    api_fixture f;
    api_call call;
    REQUIRE(api_fixture_init(&f, NULL) == 0);
    REQUIRE(api_fixture_create(&f, "alpha") == 0);
    f.env.webhook_url = "https://hooks.example.com/";
    json_t *input = put_input("main-only", "GITHUB_HMAC", "{\"SecretToken\": \"s3cret\"}",
                              "[{\"jsonPath\": \"$.ref\", \"matchEquals\": "
                              "\"refs/heads/{S3ObjectKey}\"}]");
    json_object_set_new(input, "tags", json_pack("[{s:s, s:s}]", "key", "team", "value", "blue"));
    CHECK_INT_EQ(put(&f, input, &call), 200);
    CHECK_STR_EQ(api_fixture_str(call.output, "webhook.arn"),
                 "arn:aws:codepipeline:us-east-1:123456789012:webhook:main-only");
    CHECK_STR_EQ(api_fixture_str(call.output, "webhook.definition.authentication"), "GITHUB_HMAC");
    CHECK_STR_EQ(api_fixture_str(call.output, "webhook.definition.filters.0.matchEquals"),
                 "refs/heads/{S3ObjectKey}");
    CHECK_STR_EQ(api_fixture_str(call.output, "webhook.tags.0.value"), "blue");
    CHECK(api_fixture_member(call.output, "webhook.lastTriggered") == NULL);
    const char *url = api_fixture_str(call.output, "webhook.url");
    REQUIRE(url != NULL);
    const char *prefix = "https://hooks.example.com/webhooks/";
    CHECK(strncmp(url, prefix, strlen(prefix)) == 0);
    char id[64];
    snprintf(id, sizeof id, "%s", url + strlen(prefix));
    CHECK(state_webhook_id_ok(id));
    char first_url[256];
    snprintf(first_url, sizeof first_url, "%s", url);
    api_call_clear(&call);

    /* a second put of the same name changes the definition and keeps the URL and tags */
    CHECK_INT_EQ(
        put(&f, put_input("main-only", "IP", "{\"AllowedIPRange\": \"10.0.0.0/8\"}", "[]"), &call),
        200);
    CHECK_STR_EQ(api_fixture_str(call.output, "webhook.url"), first_url);
    CHECK_STR_EQ(api_fixture_str(call.output,
                                 "webhook.definition.authenticationConfiguration.AllowedIPRange"),
                 "10.0.0.0/8");
    CHECK(api_fixture_member(call.output,
                             "webhook.definition.authenticationConfiguration.SecretToken") == NULL);
    CHECK_STR_EQ(api_fixture_str(call.output, "webhook.tags.0.key"), "team");
    api_call_clear(&call);
    CHECK_INT_EQ(put(&f, put_input("another", "UNAUTHENTICATED", "{}", "[]"), &call), 200);
    CHECK(strcmp(api_fixture_str(call.output, "webhook.url"), first_url) != 0);
    api_call_clear(&call);

    /* sluice-source recorded a start: ListWebhooks shows it, in epoch seconds */
    REQUIRE(api_memory_webhook_triggered(f.mem, id, 1767225600500) == 0);
    CHECK_INT_EQ(api_fixture_call(&f, "viewer", "ListWebhooks", NULL, &call), 200);
    CHECK_INT_EQ((long long)json_array_size(api_fixture_member(call.output, "webhooks")), 2);
    CHECK_STR_EQ(api_fixture_str(call.output, "webhooks.0.definition.name"), "another");
    CHECK_STR_EQ(api_fixture_str(call.output, "webhooks.1.definition.name"), "main-only");
    CHECK(json_real_value(api_fixture_member(call.output, "webhooks.1.lastTriggered")) ==
          1767225600.5);
    CHECK(api_fixture_member(call.output, "webhooks.0.lastTriggered") == NULL);
    api_call_clear(&call);

    /* pages of one */
    CHECK_INT_EQ(api_fixture_call(&f, "viewer", "ListWebhooks", "{\"MaxResults\": 1}", &call), 200);
    CHECK_INT_EQ((long long)json_array_size(api_fixture_member(call.output, "webhooks")), 1);
    const char *next = api_fixture_str(call.output, "NextToken");
    REQUIRE(next != NULL);
    char text[2300];
    snprintf(text, sizeof text, "{\"MaxResults\": 1, \"NextToken\": \"%s\"}", next);
    api_call_clear(&call);
    CHECK_INT_EQ(api_fixture_call(&f, "viewer", "ListWebhooks", text, &call), 200);
    CHECK_STR_EQ(api_fixture_str(call.output, "webhooks.0.definition.name"), "main-only");
    CHECK(api_fixture_member(call.output, "NextToken") == NULL);
    api_call_clear(&call);
    CHECK_INT_EQ(
        api_fixture_call(&f, "viewer", "ListWebhooks", "{\"NextToken\": \"forged\"}", &call), 400);
    CHECK_STR_EQ(call.exception, "InvalidNextTokenException");
    api_call_clear(&call);

    /* register / deregister: a mark on an existing webhook */
    CHECK_INT_EQ(api_fixture_call(&f, "admin", "RegisterWebhookWithThirdParty",
                                  "{\"webhookName\": \"main-only\"}", &call),
                 200);
    api_call_clear(&call);
    CHECK_INT_EQ(api_fixture_call(&f, "admin", "DeregisterWebhookWithThirdParty",
                                  "{\"webhookName\": \"main-only\"}", &call),
                 200);
    api_call_clear(&call);
    CHECK_INT_EQ(api_fixture_call(&f, "admin", "RegisterWebhookWithThirdParty",
                                  "{\"webhookName\": \"nope\"}", &call),
                 400);
    CHECK_STR_EQ(call.exception, "WebhookNotFoundException");
    api_call_clear(&call);
    CHECK_INT_EQ(api_fixture_call(&f, "admin", "DeregisterWebhookWithThirdParty", NULL, &call),
                 400);
    CHECK_STR_EQ(call.exception, "WebhookNotFoundException");
    api_call_clear(&call);

    /* roles: a viewer lists but does not change */
    CHECK_INT_EQ(api_fixture_call(&f, "viewer", "DeleteWebhook", "{\"name\": \"another\"}", &call),
                 400);
    CHECK_STR_EQ(call.exception, "AccessDeniedException");
    api_call_clear(&call);

    /* delete: gone from the list; deleting again succeeds as AWS's does */
    CHECK_INT_EQ(api_fixture_call(&f, "admin", "DeleteWebhook", "{\"name\": \"main-only\"}", &call),
                 200);
    api_call_clear(&call);
    CHECK_INT_EQ(api_fixture_call(&f, "admin", "DeleteWebhook", "{\"name\": \"main-only\"}", &call),
                 200);
    api_call_clear(&call);
    CHECK_INT_EQ(api_fixture_call(&f, "admin", "DeleteWebhook", "{}", &call), 400);
    CHECK_STR_EQ(call.exception, "ValidationException");
    api_call_clear(&call);
    CHECK_INT_EQ(api_fixture_call(&f, "viewer", "ListWebhooks", NULL, &call), 200);
    CHECK_INT_EQ((long long)json_array_size(api_fixture_member(call.output, "webhooks")), 1);
    CHECK_STR_EQ(api_fixture_str(call.output, "webhooks.0.definition.name"), "another");
    api_call_clear(&call);

    /* the backend failing is a service failure, not a client one */
    api_memory_set_failure(f.mem, SLUICE_EREDIS);
    CHECK_INT_EQ(api_fixture_call(&f, "viewer", "ListWebhooks", NULL, &call), 503);
    api_call_clear(&call);
    api_memory_set_failure(f.mem, 0);
    api_fixture_free(&f);
}

int main(void)
{
    RUN_TEST(test_put_checks);
    RUN_TEST(test_put_list_delete);
    return sluice_test_report();
}
