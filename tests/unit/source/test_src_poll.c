/*
 * Unit tests of src_poll.h: one watch per remote and branch however many
 * pipelines poll it, which actions poll (defaults, PollForSourceChanges
 * false, V2 triggers, undeclared repositories), timing carried across a
 * refresh, the jittered and backed-off schedule, and the start request a
 * change sends with its deterministic clientRequestToken.
 */
#include "src_poll.h"

#include "sluice/error.h"
#include "sluice_test.h"

#include <string.h>

#define ARN "arn:aws:codestar-connections:us-east-1:123456789012:connection/aaaa"

static src_repos *repos;

static json_t *definition(const char *name, const char *source_json, const char *triggers)
{
    char text[4096];
    snprintf(text, sizeof text,
             "{\"pipeline\": {\"name\": \"%s\", \"version\": 1, \"stages\": ["
             "{\"name\": \"Source\", \"actions\": [%s]},"
             "{\"name\": \"Build\", \"actions\": [{\"name\": \"B\", \"actionTypeId\": "
             "{\"category\": \"Build\", \"owner\": \"Custom\", \"provider\": \"X\", \"version\": "
             "\"1\"}}]}]%s%s}}",
             name, source_json, triggers != NULL ? ", \"triggers\": " : "",
             triggers != NULL ? triggers : "");
    json_error_t jerr;
    json_t *doc = json_loads(text, 0, &jerr);
    if (doc == NULL) {
        fprintf(stderr, "fixture: %s\n", jerr.text);
    }
    return doc;
}

#define CC(action, repo, branch, extra)                                                            \
    "{\"name\": \"" action "\", \"actionTypeId\": {\"category\": \"Source\", \"owner\": "          \
    "\"AWS\", \"provider\": \"CodeCommit\", \"version\": \"1\"}, \"configuration\": "              \
    "{\"RepositoryName\": \"" repo "\", \"BranchName\": \"" branch "\"" extra "}}"

static void collect(src_poll_set *set, const char *name, const char *source, const char *triggers)
{
    json_t *doc = definition(name, source, triggers);
    CHECK_INT_EQ(src_poll_collect(set, repos, doc, "us-east-1", "123456789012"), 0);
    json_decref(doc);
}

static void test_one_watch_per_branch(void)
{
    src_poll_set set = {0};
    collect(&set, "p1", CC("Src", "demo", "main", ""), NULL);
    collect(&set, "p2", CC("Src", "demo", "main", ", \"PollForSourceChanges\": \"true\""), NULL);
    collect(&set, "p3", CC("Fetch", "demo", "main", ""), NULL);
    collect(&set, "p4", CC("Src", "demo", "dev", ""), NULL);
    collect(&set, "off", CC("Src", "demo", "main", ", \"PollForSourceChanges\": \"false\""), NULL);
    collect(&set, "unknown", CC("Src", "nowhere", "main", ""), NULL);
    collect(&set, "v2", CC("Src", "demo", "main", ""),
            "[{\"providerType\": \"CodeStarSourceConnection\", \"gitConfiguration\": "
            "{\"sourceActionName\": \"Src\"}}]");
    collect(&set, "conn",
            "{\"name\": \"C\", \"actionTypeId\": {\"category\": \"Source\", \"owner\": \"AWS\", "
            "\"provider\": \"CodeStarSourceConnection\", \"version\": \"1\"}, \"configuration\": "
            "{\"ConnectionArn\": \"" ARN "\", \"FullRepositoryId\": \"octo/app\", "
            "\"BranchName\": \"main\"}}",
            NULL);
    REQUIRE(set.count == 3);
    long main_at = src_poll_find(&set, "/srv/git/demo", "main");
    REQUIRE(main_at >= 0);
    src_poll_watch *w = &set.watches[main_at];
    CHECK_INT_EQ(w->nusers, 3);
    CHECK_STR_EQ(w->users[0].pipeline, "p1");
    CHECK_STR_EQ(w->users[2].pipeline, "p3");
    CHECK_STR_EQ(w->users[2].action, "Fetch");
    CHECK_STR_EQ(w->users[0].detail, "arn:aws:codecommit:us-east-1:123456789012:demo");
    long dev_at = src_poll_find(&set, "/srv/git/demo", "dev");
    CHECK(dev_at >= 0 && set.watches[dev_at].nusers == 1);
    long conn_at = src_poll_find(&set, "https://github.com/octo/app.git", "main");
    REQUIRE(conn_at >= 0);
    CHECK_STR_EQ(set.watches[conn_at].users[0].detail, ARN " octo/app");
    CHECK(set.watches[conn_at].credentials != NULL);

    /* a refresh keeps the schedule of the watches that stay */
    set.watches[main_at].due_ms = 12345;
    set.watches[main_at].failures = 2;
    src_poll_set next = {0};
    collect(&next, "p1", CC("Src", "demo", "main", ""), NULL);
    src_poll_carry(&next, &set);
    CHECK_INT_EQ(next.watches[0].due_ms, 12345);
    CHECK_INT_EQ(next.watches[0].failures, 2);
    src_poll_set_clear(&next);
    src_poll_set_clear(&set);
    CHECK(set.count == 0 && set.watches == NULL);

    /* a malformed declaration adds nothing */
    json_t *bad = json_pack("{s:{s:i}}", "pipeline", "name", 3);
    CHECK_INT_EQ(src_poll_collect(&set, repos, bad, "us-east-1", "123456789012"), 0);
    CHECK_INT_EQ(set.count, 0);
    json_decref(bad);
}

static void test_schedule(void)
{
    for (uint32_t r = 0; r < 2000; r += 7) {
        int64_t due = src_poll_next_due(1000, 60000, 0, r * 2654435761u);
        CHECK(due >= 1000 + 54000 && due <= 1000 + 66000);
    }
    CHECK(src_poll_next_due(0, 60000, 0, 0) != src_poll_next_due(0, 60000, 0, 999));
    int64_t one = src_poll_next_due(0, 1000, 1, 6000);
    CHECK(one >= 1800 && one <= 2200);
    int64_t many = src_poll_next_due(0, 1000, 40, 0);
    CHECK(many >= 14400 && many <= 17600); /* capped at 16 intervals */
}

static void test_start_request(void)
{
    char a[SRC_POLL_TOKEN_LEN + 1], b[SRC_POLL_TOKEN_LEN + 1], c[SRC_POLL_TOKEN_LEN + 1];
    const char *commit = "3f786850e387550fdab836ed7e6dc881de23001b";
    src_poll_token("p1", "Src", commit, a);
    src_poll_token("p1", "Src", commit, b);
    src_poll_token("p1", "Src2", commit, c);
    CHECK_STR_EQ(a, b);
    CHECK(strcmp(a, c) != 0);
    /* the documented derivation: SHA-256 of "p1\0Src\0<commit>", pinned so it never changes
       (a changed token would start a change twice across an upgrade) */
    CHECK_STR_EQ(a, "poll-0be913d4a0ddeddaf4e98329bd74ed6ea251b2ff");
    CHECK_INT_EQ(strlen(a), SRC_POLL_TOKEN_LEN);
    CHECK(strncmp(a, "poll-", 5) == 0 && strspn(a + 5, "0123456789abcdef") == 40);
    src_poll_user user;
    memset(&user, 0, sizeof user);
    snprintf(user.pipeline, sizeof user.pipeline, "p1");
    snprintf(user.action, sizeof user.action, "Src");
    snprintf(user.detail, sizeof user.detail, "arn:aws:codecommit:us-east-1:123456789012:demo");
    json_t *req = src_poll_start_request(&user, commit, "PollForSourceChanges");
    REQUIRE(req != NULL);
    CHECK_STR_EQ(json_string_value(json_object_get(req, "type")), "StartPipelineExecution");
    CHECK_STR_EQ(json_string_value(json_object_get(req, "pipeline")), "p1");
    CHECK_STR_EQ(json_string_value(json_object_get(req, "triggerType")), "PollForSourceChanges");
    CHECK_STR_EQ(json_string_value(json_object_get(req, "triggerDetail")), user.detail);
    CHECK_STR_EQ(json_string_value(json_object_get(req, "clientRequestToken")), a);
    json_t *rev = json_array_get(json_object_get(req, "sourceRevisions"), 0);
    CHECK_STR_EQ(json_string_value(json_object_get(rev, "actionName")), "Src");
    CHECK_STR_EQ(json_string_value(json_object_get(rev, "revisionType")), "COMMIT_ID");
    CHECK_STR_EQ(json_string_value(json_object_get(rev, "revisionValue")), commit);
    json_decref(req);
    req = src_poll_start_request(&user, commit, "Webhook");
    CHECK_STR_EQ(json_string_value(json_object_get(req, "triggerType")), "Webhook");
    CHECK_STR_EQ(json_string_value(json_object_get(req, "clientRequestToken")), a);
    json_decref(req);
}

int main(void)
{
    const char *text = "{\"repositories\": [{\"name\": \"demo\", \"url\": \"/srv/git/demo\"}],"
                       " \"connections\": [{\"arn\": \"" ARN "\", \"baseUrl\": "
                       "\"https://github.com\", \"suffix\": \".git\", \"credentials\": "
                       "{\"username\": \"x\", \"password\": \"t\"}}]}";
    char err[256];
    if (src_repos_parse(text, strlen(text), &repos, err, sizeof err) != 0) {
        fprintf(stderr, "fixture: %s\n", err);
        return 1;
    }
    RUN_TEST(test_one_watch_per_branch);
    RUN_TEST(test_schedule);
    RUN_TEST(test_start_request);
    src_repos_free(repos);
    return sluice_test_report();
}
