/*
 * Unit tests of src_webhook.h: GitHub's published signature example, a
 * wrong or malformed signature header, push bodies (branch, tag, deleted,
 * malformed), the delivery ring, and the webhookSecret of a connection.
 */
#include "src_repos.h"
#include "src_webhook.h"

#include "sluice/error.h"
#include "sluice_test.h"

#include <string.h>

static void test_signature(void)
{
    /* GitHub Docs, "Validating webhook deliveries": the test values */
    const char *secret = "It's a Secret to Everybody";
    const char *body = "Hello, World!";
    const char *good = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
    CHECK(src_webhook_signature_ok(secret, body, strlen(body), good));
    CHECK(src_webhook_signature_ok(
        secret, body, strlen(body),
        "sha256=757107EA0EB2509FC211221CCE984B8A37570B6D7586C22C46F4379C8B043E17"));
    CHECK(!src_webhook_signature_ok("another secret", body, strlen(body), good));
    CHECK(!src_webhook_signature_ok(secret, "Hello, World?", 13, good));
    CHECK(!src_webhook_signature_ok(secret, body, strlen(body), good + 7));
    CHECK(!src_webhook_signature_ok(secret, body, strlen(body),
                                    "sha1=757107ea0eb2509fc211221cce984b8a37570b6d"));
    CHECK(!src_webhook_signature_ok(secret, body, strlen(body), NULL));
    CHECK(!src_webhook_signature_ok(secret, body, strlen(body), "sha256=75"));
}

static void test_push(void)
{
    const char *body =
        "{\"ref\": \"refs/heads/feature/x\", \"before\": "
        "\"0000000000000000000000000000000000000000\", \"after\": "
        "\"3f786850e387550fdab836ed7e6dc881de23001b\", \"created\": true, \"deleted\": false, "
        "\"repository\": {\"id\": 1, \"name\": \"app\", \"full_name\": \"octo-org/app\"}, "
        "\"pusher\": {\"name\": \"octocat\"}}";
    src_webhook_push push;
    char err[256] = "";
    CHECK_INT_EQ(src_webhook_github_push(body, strlen(body), &push, err, sizeof err), 0);
    CHECK_STR_EQ(push.full_name, "octo-org/app");
    CHECK_STR_EQ(push.branch, "feature/x");
    CHECK(!push.deleted);
    const char *tag = "{\"ref\": \"refs/tags/v1\", \"repository\": {\"full_name\": \"o/a\"}}";
    CHECK_INT_EQ(src_webhook_github_push(tag, strlen(tag), &push, err, sizeof err),
                 SLUICE_ENOTFOUND);
    const char *gone = "{\"ref\": \"refs/heads/old\", \"deleted\": true, "
                       "\"repository\": {\"full_name\": \"o/a\"}}";
    CHECK_INT_EQ(src_webhook_github_push(gone, strlen(gone), &push, err, sizeof err), 0);
    CHECK(push.deleted);
    const char *bad[] = {
        "{\"ref\": \"refs/heads/main\"}",
        "{\"ref\": \"refs/heads/-x\", \"repository\": {\"full_name\": \"o/a\"}}",
        "{\"ref\": \"refs/heads/main\", \"repository\": {\"full_name\": \"../etc\"}}",
        "{\"ref\": \"refs/heads/main\", \"repository\": {\"full_name\": \"o/a\"}, \"deleted\": 1}",
        "{\"ref\": ",
        "[]",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        CHECK_INT_EQ(src_webhook_github_push(bad[i], strlen(bad[i]), &push, err, sizeof err),
                     SLUICE_EPARSE);
        CHECK(err[0] != '\0');
        CHECK_STR_EQ(push.branch, "");
    }
    CHECK_INT_EQ(src_webhook_github_push("{}", SRC_WEBHOOK_BODY_MAX + 1, &push, err, sizeof err),
                 SLUICE_ETOOBIG);
}

static void test_seen(void)
{
    static src_webhook_seen seen;
    CHECK(src_webhook_seen_add(&seen, "72d3162e-cc78-11e3-81ab-4c9367dc0958"));
    CHECK(!src_webhook_seen_add(&seen, "72d3162e-cc78-11e3-81ab-4c9367dc0958"));
    CHECK(!src_webhook_seen_add(&seen, ""));
    CHECK(!src_webhook_seen_add(&seen, NULL));
    char id[16];
    for (int i = 0; i < SRC_WEBHOOK_SEEN_MAX; i++) {
        snprintf(id, sizeof id, "d%d", i);
        CHECK(src_webhook_seen_add(&seen, id));
    }
    /* the oldest fell out of the ring */
    CHECK(src_webhook_seen_add(&seen, "72d3162e-cc78-11e3-81ab-4c9367dc0958"));
}

static void test_connection_secret(void)
{
    const char *text = "{\"connections\": [{\"arn\": "
                       "\"arn:aws:codestar-connections:us-east-1:123456789012:connection/a\", "
                       "\"baseUrl\": \"https://github.com\", \"webhookSecret\": \"s3cret\"}]}";
    src_repos *repos = NULL;
    char err[512] = "";
    CHECK_INT_EQ(src_repos_parse(text, strlen(text), &repos, err, sizeof err), 0);
    const src_connection *c = src_repos_connection_at(repos, 0);
    CHECK(c != NULL && c->webhook_secret != NULL && strcmp(c->webhook_secret, "s3cret") == 0);
    src_repos_free(repos);
    text = "{\"connections\": [{\"arn\": "
           "\"arn:aws:codestar-connections:us-east-1:123456789012:connection/a\", "
           "\"baseUrl\": \"https://github.com\", \"webhookSecret\": \"s3cret\", "
           "\"webhookSecretFile\": \"/x\"}]}";
    CHECK_INT_EQ(src_repos_parse(text, strlen(text), &repos, err, sizeof err), SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "not both");
    CHECK(strstr(err, "s3cret") == NULL);
}

int main(void)
{
    RUN_TEST(test_signature);
    RUN_TEST(test_push);
    RUN_TEST(test_seen);
    RUN_TEST(test_connection_secret);
    return sluice_test_report();
}
