/*
 * Unit tests of src_webhook.h: GitHub's published signature example, a
 * wrong or malformed signature header, push bodies (branch, tag, deleted,
 * malformed), the delivery ring, and the webhookSecret of a connection;
 * Gitea's signature and GitLab's token; the changes of GitHub (every push
 * and pull_request example of @octokit/webhooks-examples when installed
 * under .deps/), GitLab and Gitea (tests/data/source) payloads, their
 * pull-request actions and what is refused.
 */
#include "src_repos.h"
#include "src_webhook.h"

#include "sluice/error.h"
#include "sluice_test.h"

#include <stdio.h>
#include <stdlib.h>
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

static void test_gitea_signature_and_gitlab_token(void)
{
    /* the same HMAC as GitHub's example, without the "sha256=" prefix */
    const char *secret = "It's a Secret to Everybody";
    const char *body = "Hello, World!";
    const char *hex = "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
    CHECK(src_webhook_gitea_signature_ok(secret, body, strlen(body), hex));
    CHECK(!src_webhook_gitea_signature_ok(secret, body, strlen(body) - 1, hex));
    CHECK(!src_webhook_gitea_signature_ok("other", body, strlen(body), hex));
    char prefixed[80];
    snprintf(prefixed, sizeof prefixed, "sha256=%s", hex);
    CHECK(!src_webhook_gitea_signature_ok(secret, body, strlen(body), prefixed));
    CHECK(!src_webhook_gitea_signature_ok(secret, body, strlen(body), NULL));
    CHECK(src_webhook_token_ok("t0ken-of-gitlab", "t0ken-of-gitlab"));
    CHECK(!src_webhook_token_ok("t0ken-of-gitlab", "t0ken-of-gitla"));
    CHECK(!src_webhook_token_ok("t0ken-of-gitlab", "t0ken-of-gitlab "));
    CHECK(!src_webhook_token_ok("t0ken-of-gitlab", ""));
    CHECK(!src_webhook_token_ok("t0ken-of-gitlab", NULL));
    CHECK(!src_webhook_token_ok(NULL, "x"));
}

/* The text of tests/data/source/<name> (malloc'd), or NULL. */
static char *fixture(const char *name, size_t *len)
{
    const char *root = getenv("SLUICE_SOURCE_DIR");
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", root != NULL ? root : ".", name);
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *text = malloc((size_t)size + 1);
    if (text != NULL && fread(text, 1, (size_t)size, f) != (size_t)size) {
        free(text);
        text = NULL;
    }
    fclose(f);
    if (text != NULL) {
        text[size] = '\0';
        *len = (size_t)size;
    }
    return text;
}

static int change_of(src_webhook_host host, const char *event, const char *file, src_change *c)
{
    size_t len = 0;
    char *text = fixture(file, &len);
    if (text == NULL) {
        fprintf(stderr, "   %s: cannot be read\n", file);
        return SLUICE_EIO;
    }
    char err[256] = "";
    int rc = src_webhook_change(host, event, text, len, c, err, sizeof err);
    if (rc != 0) {
        fprintf(stderr, "   %s: %s\n", file, err);
    }
    free(text);
    return rc;
}

static void test_gitlab(void)
{
    src_change c;
    CHECK_INT_EQ(
        change_of(SRC_WEBHOOK_GITLAB, "Push Hook", "tests/data/source/gitlab/push.json", &c), 0);
    CHECK_INT_EQ(c.kind, SRC_CHANGE_BRANCH);
    CHECK_STR_EQ(c.full_name, "mike/diaspora");
    CHECK_STR_EQ(c.ref, "master");
    CHECK_STR_EQ(c.before, "95790bf891e76fee5e1747ab589903a6a1f80f22");
    CHECK_STR_EQ(c.after, "da1560886d4f094c3e6c9ef40349f7d38b5d27d7");
    CHECK_INT_EQ(change_of(SRC_WEBHOOK_GITLAB, "Tag Push Hook",
                           "tests/data/source/gitlab/tag_push.json", &c),
                 0);
    CHECK_INT_EQ(c.kind, SRC_CHANGE_TAG);
    CHECK_STR_EQ(c.ref, "v1.0.0");
    CHECK_STR_EQ(c.before, ""); /* 40 zeros: a new tag */
    CHECK_STR_EQ(c.full_name, "jsmith/example");
    /* a tag body under the push event's name is refused */
    CHECK_INT_EQ(
        change_of(SRC_WEBHOOK_GITLAB, "Push Hook", "tests/data/source/gitlab/tag_push.json", &c),
        SLUICE_EPARSE);
    CHECK_INT_EQ(change_of(SRC_WEBHOOK_GITLAB, "Merge Request Hook",
                           "tests/data/source/gitlab/merge_request.json", &c),
                 0);
    CHECK_INT_EQ(c.kind, SRC_CHANGE_PULL_REQUEST);
    CHECK_INT_EQ(c.event, SRC_PR_OPEN);
    CHECK_INT_EQ((int)c.number, 1);
    CHECK_STR_EQ(c.full_name, "gitlabhq/gitlab-test");
    CHECK_STR_EQ(c.ref, "ms-viewport");
    CHECK_STR_EQ(c.destination, "master");
    CHECK_STR_EQ(c.after, "da1560886d4f094c3e6c9ef40349f7d38b5d27d7");
    CHECK_INT_EQ(
        change_of(SRC_WEBHOOK_GITLAB, "Note Hook", "tests/data/source/gitlab/push.json", &c),
        SLUICE_ENOTFOUND);

    /* merge-request actions */
#define MR_BODY                                                                                    \
    "{\"object_kind\": \"merge_request\", \"project\": {\"path_with_namespace\": "                 \
    "\"g/sub/app\"}, \"object_attributes\": {\"iid\": 4, \"action\": \"%s\"%s, "                   \
    "\"source_branch\": \"f\", \"target_branch\": \"main\", \"last_commit\": "                     \
    "{\"id\": \"3f786850e387550fdab836ed7e6dc881de23001b\"}}}"
    struct {
        const char *action, *extra;
        int rc;
        src_pr_event event;
    } cases[] = {
        {"open", "", 0, SRC_PR_OPEN},
        {"reopen", "", 0, SRC_PR_OPEN},
        {"update", ", \"oldrev\": \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"", 0, SRC_PR_UPDATED},
        {"update", "", SLUICE_ENOTFOUND, SRC_PR_OPEN}, /* a title or label change */
        {"close", "", 0, SRC_PR_CLOSED},
        {"merge", "", 0, SRC_PR_CLOSED},
        {"approved", "", SLUICE_ENOTFOUND, SRC_PR_OPEN},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char body[1024];
        snprintf(body, sizeof body, MR_BODY, cases[i].action, cases[i].extra);
        char err[256] = "";
        CHECK_INT_EQ(src_webhook_change(SRC_WEBHOOK_GITLAB, "Merge Request Hook", body,
                                        strlen(body), &c, err, sizeof err),
                     cases[i].rc);
        if (cases[i].rc == 0) {
            CHECK_INT_EQ(c.event, cases[i].event);
            CHECK_STR_EQ(c.full_name, "g/sub/app");
            CHECK_INT_EQ((int)c.number, 4);
        }
    }
    /* a deleted branch starts nothing */
    const char *gone = "{\"ref\": \"refs/heads/old\", \"before\": "
                       "\"3f786850e387550fdab836ed7e6dc881de23001b\", \"after\": "
                       "\"0000000000000000000000000000000000000000\", \"project\": "
                       "{\"path_with_namespace\": \"g/app\"}}";
    char err[256] = "";
    CHECK_INT_EQ(src_webhook_change(SRC_WEBHOOK_GITLAB, "Push Hook", gone, strlen(gone), &c, err,
                                    sizeof err),
                 SLUICE_ENOTFOUND);
    CHECK_STR_CONTAINS(err, "deleted");
}

static void test_gitea(void)
{
    src_change c;
    CHECK_INT_EQ(change_of(SRC_WEBHOOK_GITEA, "push", "tests/data/source/gitea/push.json", &c), 0);
    CHECK_INT_EQ(c.kind, SRC_CHANGE_BRANCH);
    CHECK_STR_EQ(c.full_name, "gitea/webhooks");
    CHECK_STR_EQ(c.ref, "develop");
    CHECK_STR_EQ(c.after, "bffeb74224043ba2feb48d137756c8a9331c449a");
    CHECK_STR_EQ(c.before, "28e1879d029cb852e4844d9c718537df08844e03");
    CHECK_INT_EQ(change_of(SRC_WEBHOOK_GITEA, "create", "tests/data/source/gitea/create.json", &c),
                 0);
    CHECK_INT_EQ(c.kind, SRC_CHANGE_TAG);
    CHECK_STR_EQ(c.ref, "v1.0");
    CHECK_STR_EQ(c.after, "bffeb74224043ba2feb48d137756c8a9331c449a");
    CHECK_INT_EQ(change_of(SRC_WEBHOOK_GITEA, "pull_request",
                           "tests/data/source/gitea/pull_request.json", &c),
                 0);
    CHECK_INT_EQ(c.kind, SRC_CHANGE_PULL_REQUEST);
    CHECK_INT_EQ(c.event, SRC_PR_OPEN);
    CHECK_STR_EQ(c.ref, "feature");
    CHECK_STR_EQ(c.destination, "master");
    CHECK_STR_EQ(c.base, "28e1879d029cb852e4844d9c718537df08844e03");
    CHECK_STR_EQ(c.after, "bffeb74224043ba2feb48d137756c8a9331c449a");
    CHECK_INT_EQ(change_of(SRC_WEBHOOK_GITEA, "issues", "tests/data/source/gitea/push.json", &c),
                 SLUICE_ENOTFOUND);
    /* Gitea says "synchronized"; GitHub's "synchronize" is not Gitea's */
#define PR_BODY                                                                                    \
    "{\"action\": \"%s\", \"number\": 2, \"pull_request\": {\"head\": {\"ref\": "                  \
    "\"f\", \"sha\": \"3f786850e387550fdab836ed7e6dc881de23001b\"}, \"base\": "                    \
    "{\"ref\": \"main\"}}, \"repository\": {\"full_name\": \"o/a\"}}"
    char body[512];
    char err[256];
    snprintf(body, sizeof body, PR_BODY, "synchronized");
    CHECK_INT_EQ(src_webhook_change(SRC_WEBHOOK_GITEA, "pull_request", body, strlen(body), &c, err,
                                    sizeof err),
                 0);
    CHECK_INT_EQ(c.event, SRC_PR_UPDATED);
    CHECK_STR_EQ(c.base, "");
    CHECK_INT_EQ(src_webhook_change(SRC_WEBHOOK_GITHUB, "pull_request", body, strlen(body), &c, err,
                                    sizeof err),
                 SLUICE_ENOTFOUND);
    snprintf(body, sizeof body, PR_BODY, "synchronize");
    CHECK_INT_EQ(src_webhook_change(SRC_WEBHOOK_GITHUB, "pull_request", body, strlen(body), &c, err,
                                    sizeof err),
                 0);
    CHECK_INT_EQ(c.event, SRC_PR_UPDATED);
}

static void test_malformed_changes(void)
{
    const char *bad[] = {
        "{\"ref\": 3}",
        "{\"ref\": \"refs/heads/main\", \"after\": \"3f786850e387550fdab836ed7e6dc881de23001b\"}",
        "{\"ref\": \"refs/heads/main\", \"after\": \"xyz\", \"repository\": {\"full_name\": "
        "\"o/a\"}}",
        "{\"ref\": \"refs/heads/ma..in\", \"after\": \"3f786850e387550fdab836ed7e6dc881de23001b\", "
        "\"repository\": {\"full_name\": \"o/a\"}}",
        "{\"ref\": \"refs/heads/main\", \"repository\": {\"full_name\": \"o/a\"}}",
        "{\"ref\": \"refs/heads/main\", \"after\": \"3f786850e387550fdab836ed7e6dc881de23001b\", "
        "\"repository\": {\"full_name\": \"../a\"}}",
        "[1]",
        "{\"ref\"",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        src_change c;
        char err[256] = "";
        CHECK_INT_EQ(src_webhook_change(SRC_WEBHOOK_GITHUB, "push", bad[i], strlen(bad[i]), &c, err,
                                        sizeof err),
                     SLUICE_EPARSE);
        CHECK(err[0] != '\0');
        CHECK_STR_EQ(c.full_name, "");
    }
    const char *prs[] = {
        "{\"action\": \"opened\"}",
        "{\"action\": \"opened\", \"number\": -1, \"repository\": {\"full_name\": \"o/a\"}}",
        "{\"action\": \"opened\", \"number\": 1, \"repository\": {\"full_name\": \"o/a\"}, "
        "\"pull_request\": {\"head\": {\"ref\": \"f\"}, \"base\": {\"ref\": \"main\"}}}",
        "{\"number\": 1}",
    };
    for (size_t i = 0; i < sizeof prs / sizeof prs[0]; i++) {
        src_change c;
        char err[256] = "";
        CHECK_INT_EQ(src_webhook_change(SRC_WEBHOOK_GITHUB, "pull_request", prs[i], strlen(prs[i]),
                                        &c, err, sizeof err),
                     SLUICE_EPARSE);
    }
    src_change c;
    char err[256];
    CHECK_INT_EQ(src_webhook_change(SRC_WEBHOOK_GITHUB, NULL, "{}", 2, &c, err, sizeof err),
                 SLUICE_EPARSE);
    CHECK_INT_EQ(src_webhook_change(SRC_WEBHOOK_GITEA, "push", "{}", SRC_WEBHOOK_BODY_MAX + 1, &c,
                                    err, sizeof err),
                 SLUICE_ETOOBIG);
}

/* Every push and pull_request example GitHub publishes (when installed). */
static void test_octokit_examples(void)
{
    size_t len = 0;
    char *text = fixture(".deps/octokit/node_modules/@octokit/webhooks-examples/api.github.com/"
                         "index.json",
                         &len);
    if (text == NULL) {
        printf("   (@octokit/webhooks-examples not installed under .deps/: skipped)\n");
        return;
    }
    json_t *index = json_loadb(text, len, 0, NULL);
    free(text);
    REQUIRE(index != NULL);
    size_t i, j;
    json_t *entry, *example;
    int branches = 0, tags = 0, prs = 0, ignored = 0;
    json_array_foreach(index, i, entry)
    {
        const char *name = json_string_value(json_object_get(entry, "name"));
        if (name == NULL || (strcmp(name, "push") != 0 && strcmp(name, "pull_request") != 0)) {
            continue;
        }
        json_array_foreach(json_object_get(entry, "examples"), j, example)
        {
            char *body = json_dumps(example, JSON_COMPACT);
            REQUIRE(body != NULL);
            src_change c;
            char err[256] = "";
            int rc = src_webhook_change(SRC_WEBHOOK_GITHUB, name, body, strlen(body), &c, err,
                                        sizeof err);
            const char *action = json_string_value(json_object_get(example, "action"));
            const char *full = json_string_value(
                json_object_get(json_object_get(example, "repository"), "full_name"));
            if (rc != 0) {
                CHECK_INT_EQ(rc, SLUICE_ENOTFOUND); /* never malformed */
                ignored++;
            } else {
                CHECK_STR_EQ(c.full_name, full);
                if (c.kind == SRC_CHANGE_PULL_REQUEST) {
                    prs++;
                    CHECK(action != NULL);
                    src_pr_event want = strcmp(action, "closed") == 0        ? SRC_PR_CLOSED
                                        : strcmp(action, "synchronize") == 0 ? SRC_PR_UPDATED
                                                                             : SRC_PR_OPEN;
                    CHECK_INT_EQ(c.event, want);
                    CHECK(strcmp(action, "opened") == 0 || strcmp(action, "reopened") == 0 ||
                          strcmp(action, "closed") == 0 || strcmp(action, "synchronize") == 0);
                    CHECK_INT_EQ((int)c.number,
                                 (int)json_integer_value(json_object_get(example, "number")));
                } else if (c.kind == SRC_CHANGE_TAG) {
                    tags++;
                } else {
                    branches++;
                }
            }
            free(body);
        }
    }
    json_decref(index);
    printf("   octokit examples: %d branch pushes, %d tag pushes, %d pull requests, %d ignored\n",
           branches, tags, prs, ignored);
    CHECK(branches >= 1 && tags >= 1 && prs >= 5 && ignored >= 10);
}

int main(void)
{
    RUN_TEST(test_signature);
    RUN_TEST(test_push);
    RUN_TEST(test_seen);
    RUN_TEST(test_connection_secret);
    RUN_TEST(test_gitea_signature_and_gitlab_token);
    RUN_TEST(test_gitlab);
    RUN_TEST(test_gitea);
    RUN_TEST(test_malformed_changes);
    RUN_TEST(test_octokit_examples);
    return sluice_test_report();
}
