/*
 * Unit tests of src_trigger.h: every filter case of CodePipeline's V2
 * triggers (reference §1.4) — branch includes and excludes (excludes
 * first), tags used alone, file paths with the reference's glob examples,
 * pull-request events and destination branches, several filters of a list,
 * a trigger without filters — the candidates of a definition (which actions
 * a trigger names, on which remote), the event keys and tokens (a change
 * starts a pipeline once), and the start request (WebhookV2).
 */
#include "src_repos.h"
#include "src_trigger.h"

#include "sluice/error.h"
#include "sluice_test.h"

#include <stdlib.h>
#include <string.h>

static json_t *conf(const char *text)
{
    json_error_t jerr;
    json_t *doc = json_loads(text, 0, &jerr);
    if (doc == NULL) {
        fprintf(stderr, "bad test JSON: %s: %s\n", jerr.text, text);
        abort();
    }
    return doc;
}

static src_change branch_push(const char *branch)
{
    src_change c;
    memset(&c, 0, sizeof c);
    c.kind = SRC_CHANGE_BRANCH;
    snprintf(c.full_name, sizeof c.full_name, "octo/app");
    snprintf(c.ref, sizeof c.ref, "%s", branch);
    snprintf(c.after, sizeof c.after, "%s", "3f786850e387550fdab836ed7e6dc881de23001b");
    return c;
}

static src_change tag_push(const char *tag)
{
    src_change c = branch_push(tag);
    c.kind = SRC_CHANGE_TAG;
    return c;
}

static src_change pull_request(src_pr_event event, const char *source, const char *destination)
{
    src_change c = branch_push(source);
    c.kind = SRC_CHANGE_PULL_REQUEST;
    c.event = event;
    c.number = 7;
    snprintf(c.destination, sizeof c.destination, "%s", destination);
    return c;
}

/* accepts(gitConfiguration text, change, files...) */
static bool accepts(const char *text, const src_change *change, const char *const *files,
                    size_t nfiles)
{
    json_t *git = conf(text);
    bool ok = src_trigger_accepts(git, "main", change, files, nfiles);
    json_decref(git);
    return ok;
}

static void test_criteria(void)
{
    json_t *c =
        conf("{\"includes\": [\"main\", \"release/**\"], \"excludes\": [\"release/old*\"]}");
    CHECK(src_trigger_criteria_accept(c, "main"));
    CHECK(src_trigger_criteria_accept(c, "release/1.0"));
    CHECK(src_trigger_criteria_accept(c, "release/a/b"));
    CHECK(!src_trigger_criteria_accept(c, "release/old-1")); /* excludes first */
    CHECK(!src_trigger_criteria_accept(c, "feature"));
    CHECK(!src_trigger_criteria_accept(c, "mainline"));
    json_decref(c);
    /* only excludes: everything else passes */
    c = conf("{\"excludes\": [\"feature-*\"]}");
    CHECK(src_trigger_criteria_accept(c, "main"));
    CHECK(!src_trigger_criteria_accept(c, "feature-x"));
    CHECK(src_trigger_criteria_accept(c, "feature/x")); /* * stays within a segment */
    json_decref(c);
    /* both match: the exclude wins */
    c = conf("{\"includes\": [\"**\"], \"excludes\": [\"**\"]}");
    CHECK(!src_trigger_criteria_accept(c, "main"));
    json_decref(c);
    /* a pattern that does not compile matches nothing; a non-string is skipped */
    c = conf("{\"includes\": [\"[abc\", 3, \"m?in\"]}");
    CHECK(src_trigger_criteria_accept(c, "main"));
    CHECK(!src_trigger_criteria_accept(c, "[abc"));
    json_decref(c);
    /* the glob rules of the reference */
    c = conf("{\"includes\": [\"release-v*\", \"{hotfix,bugfix}/*\", \"v[0-9].[!x]\", "
             "\"lit\\\\*\"]}");
    CHECK(src_trigger_criteria_accept(c, "release-v2"));
    CHECK(!src_trigger_criteria_accept(c, "release-v2/x"));
    CHECK(src_trigger_criteria_accept(c, "hotfix/1"));
    CHECK(src_trigger_criteria_accept(c, "bugfix/2"));
    CHECK(!src_trigger_criteria_accept(c, "feature/2"));
    CHECK(src_trigger_criteria_accept(c, "v1.0"));
    CHECK(!src_trigger_criteria_accept(c, "v1.x"));
    CHECK(src_trigger_criteria_accept(c, "lit*"));
    CHECK(!src_trigger_criteria_accept(c, "litx"));
    json_decref(c);
}

static void test_file_paths(void)
{
    json_t *c = conf("{\"includes\": [\"projectA/**\", \"common/**/*.js\"], "
                     "\"excludes\": [\"**/README.md\"]}");
    const char *a[] = {"projectA/src/main.c"};
    const char *b[] = {"common/lib/x/y.js"};
    const char *b2[] = {"common/y.js"}; /* ** matches zero characters: common//y.js? no */
    const char *readme[] = {"projectA/README.md"};
    const char *mixed[] = {"projectA/README.md", "docs/x.md", "projectA/a.c"};
    const char *other[] = {"docs/x.md", "projectB/a.c"};
    CHECK(src_trigger_files_accept(c, a, 1));
    CHECK(src_trigger_files_accept(c, b, 1));
    CHECK(!src_trigger_files_accept(c, b2, 1));
    CHECK(!src_trigger_files_accept(c, readme, 1)); /* the only file is excluded */
    CHECK(src_trigger_files_accept(c, mixed, 3));   /* one file passes */
    CHECK(!src_trigger_files_accept(c, other, 2));
    CHECK(!src_trigger_files_accept(c, NULL, 0)); /* nothing changed: nothing passes */
    json_decref(c);
    c = conf("{\"includes\": [\"**/README.md\"]}");
    const char *top[] = {"README.md"};
    const char *deep[] = {"a/b/README.md"};
    CHECK(!src_trigger_files_accept(c, top, 1)); /* Java's glob: "**" + "/" needs the slash */
    CHECK(src_trigger_files_accept(c, deep, 1));
    json_decref(c);
}

static void test_push_branches(void)
{
    const char *cfg = "{\"sourceActionName\": \"Source\", \"push\": [{\"branches\": "
                      "{\"includes\": [\"main\", \"release/**\"], \"excludes\": "
                      "[\"release/skip\"]}}]}";
    src_change c = branch_push("main");
    CHECK(accepts(cfg, &c, NULL, 0));
    c = branch_push("release/2.0");
    CHECK(accepts(cfg, &c, NULL, 0));
    c = branch_push("release/skip");
    CHECK(!accepts(cfg, &c, NULL, 0));
    c = branch_push("feature");
    CHECK(!accepts(cfg, &c, NULL, 0));
    /* a tag of a matching name is not a branch push */
    c = tag_push("main");
    CHECK(!accepts(cfg, &c, NULL, 0));
    /* nor a pull request into main */
    c = pull_request(SRC_PR_OPEN, "feature", "main");
    CHECK(!accepts(cfg, &c, NULL, 0));
}

static void test_push_tags(void)
{
    /* tags are used alone: the filter's branches and filePaths do not count */
    const char *cfg = "{\"sourceActionName\": \"Source\", \"push\": [{\"tags\": {\"includes\": "
                      "[\"v*\"], \"excludes\": [\"v*-rc\"]}, \"branches\": {\"includes\": "
                      "[\"nothing\"]}, \"filePaths\": {\"includes\": [\"nothing/**\"]}}]}";
    src_change c = tag_push("v1.2");
    CHECK(accepts(cfg, &c, NULL, 0));
    c = tag_push("v1.3-rc");
    CHECK(!accepts(cfg, &c, NULL, 0));
    c = tag_push("release");
    CHECK(!accepts(cfg, &c, NULL, 0));
    c = branch_push("v1.2"); /* a branch named like a tag: not a tag push */
    CHECK(!accepts(cfg, &c, NULL, 0));
    json_t *git = conf(cfg);
    c = tag_push("v1.2");
    CHECK(!src_trigger_wants_files(git, &c));
    json_decref(git);
}

static void test_push_file_paths(void)
{
    const char *cfg = "{\"sourceActionName\": \"Source\", \"push\": [{\"branches\": "
                      "{\"includes\": [\"main\"]}, \"filePaths\": {\"includes\": [\"src/**\"], "
                      "\"excludes\": [\"**/README.md\"]}}]}";
    const char *src[] = {"src/a/b.c"};
    const char *readme[] = {"src/a/README.md"};
    const char *docs[] = {"docs/x.md"};
    src_change c = branch_push("main");
    CHECK(accepts(cfg, &c, src, 1));
    CHECK(!accepts(cfg, &c, readme, 1));
    CHECK(!accepts(cfg, &c, docs, 1));
    CHECK(!accepts(cfg, &c, NULL, 0));
    c = branch_push("dev"); /* right files, wrong branch */
    CHECK(!accepts(cfg, &c, src, 1));
    json_t *git = conf(cfg);
    c = branch_push("main");
    CHECK(src_trigger_wants_files(git, &c));
    c = pull_request(SRC_PR_OPEN, "x", "main");
    CHECK(!src_trigger_wants_files(git, &c));
    json_decref(git);
    /* filePaths without branches: any branch */
    const char *any = "{\"sourceActionName\": \"Source\", \"push\": [{\"filePaths\": "
                      "{\"includes\": [\"*.txt\"]}}]}";
    const char *txt[] = {"notes.txt"};
    const char *nested[] = {"d/notes.txt"};
    c = branch_push("whatever");
    CHECK(accepts(any, &c, txt, 1));
    CHECK(!accepts(any, &c, nested, 1));
}

static void test_pull_requests(void)
{
    const char *cfg = "{\"sourceActionName\": \"Source\", \"pullRequest\": [{\"events\": "
                      "[\"OPEN\", \"UPDATED\"], \"branches\": {\"includes\": [\"main\"]}}]}";
    src_change c = pull_request(SRC_PR_OPEN, "feature/x", "main");
    CHECK(accepts(cfg, &c, NULL, 0));
    c = pull_request(SRC_PR_UPDATED, "feature/x", "main");
    CHECK(accepts(cfg, &c, NULL, 0));
    c = pull_request(SRC_PR_CLOSED, "feature/x", "main");
    CHECK(!accepts(cfg, &c, NULL, 0));
    /* branches are the destination's: a PR from main into dev does not match */
    c = pull_request(SRC_PR_OPEN, "main", "dev");
    CHECK(!accepts(cfg, &c, NULL, 0));
    c = branch_push("main"); /* a push is not a pull request */
    CHECK(!accepts(cfg, &c, NULL, 0));
    /* events absent: every type; file paths of the pull request */
    const char *paths = "{\"sourceActionName\": \"Source\", \"pullRequest\": [{\"filePaths\": "
                        "{\"includes\": [\"api/**\"]}}]}";
    const char *api[] = {"api/v1/x.go"};
    const char *web[] = {"web/x.js"};
    c = pull_request(SRC_PR_CLOSED, "f", "anything");
    CHECK(accepts(paths, &c, api, 1));
    CHECK(!accepts(paths, &c, web, 1));
    json_t *git = conf(paths);
    CHECK(src_trigger_wants_files(git, &c));
    json_decref(git);
    /* CLOSED only */
    const char *closed = "{\"sourceActionName\": \"Source\", \"pullRequest\": [{\"events\": "
                         "[\"CLOSED\"]}]}";
    c = pull_request(SRC_PR_CLOSED, "f", "main");
    CHECK(accepts(closed, &c, NULL, 0));
    c = pull_request(SRC_PR_OPEN, "f", "main");
    CHECK(!accepts(closed, &c, NULL, 0));
}

static void test_several_filters(void)
{
    /* any filter of either list accepts */
    const char *cfg = "{\"sourceActionName\": \"Source\", \"push\": [{\"branches\": "
                      "{\"includes\": [\"main\"]}}, {\"tags\": {\"includes\": [\"v*\"]}}], "
                      "\"pullRequest\": [{\"events\": [\"OPEN\"]}]}";
    src_change c = branch_push("main");
    CHECK(accepts(cfg, &c, NULL, 0));
    c = tag_push("v9");
    CHECK(accepts(cfg, &c, NULL, 0));
    c = pull_request(SRC_PR_OPEN, "x", "y");
    CHECK(accepts(cfg, &c, NULL, 0));
    c = pull_request(SRC_PR_UPDATED, "x", "y");
    CHECK(!accepts(cfg, &c, NULL, 0));
    c = branch_push("dev");
    CHECK(!accepts(cfg, &c, NULL, 0));
    /* no filters: a push to the action's BranchName ("main" here) */
    const char *bare = "{\"sourceActionName\": \"Source\"}";
    c = branch_push("main");
    CHECK(accepts(bare, &c, NULL, 0));
    c = branch_push("dev");
    CHECK(!accepts(bare, &c, NULL, 0));
    c = tag_push("main");
    CHECK(!accepts(bare, &c, NULL, 0));
}

static const char *const REPOS =
    "{\"repositories\": [{\"name\": \"demo\", \"url\": \"/srv/git/demo.git\"}],"
    " \"connections\": [{\"arn\": \"arn:aws:codestar-connections:us-east-1:123456789012:"
    "connection/abc\", \"baseUrl\": \"/srv/hosted\"}]}";

static const char *const DEFINITION =
    "{\"pipeline\": {\"name\": \"app\", \"pipelineType\": \"V2\", \"stages\": ["
    " {\"name\": \"Source\", \"actions\": ["
    "  {\"name\": \"Src\", \"actionTypeId\": {\"category\": \"Source\", \"owner\": \"AWS\","
    "   \"provider\": \"CodeStarSourceConnection\", \"version\": \"1\"}, \"configuration\": "
    "   {\"ConnectionArn\": \"arn:aws:codestar-connections:us-east-1:123456789012:connection/abc\","
    "    \"FullRepositoryId\": \"octo/app\", \"BranchName\": \"main\"}},"
    "  {\"name\": \"Other\", \"actionTypeId\": {\"category\": \"Source\", \"owner\": \"AWS\","
    "   \"provider\": \"CodeStarSourceConnection\", \"version\": \"1\"}, \"configuration\": "
    "   {\"ConnectionArn\": \"arn:aws:codestar-connections:us-east-1:123456789012:connection/abc\","
    "    \"FullRepositoryId\": \"octo/lib\", \"BranchName\": \"main\"}},"
    "  {\"name\": \"Polled\", \"actionTypeId\": {\"category\": \"Source\", \"owner\": \"AWS\","
    "   \"provider\": \"CodeStarSourceConnection\", \"version\": \"1\"}, \"configuration\": "
    "   {\"ConnectionArn\": \"arn:aws:codestar-connections:us-east-1:123456789012:connection/abc\","
    "    \"FullRepositoryId\": \"octo/app\", \"BranchName\": \"dev\"}}]}],"
    " \"triggers\": ["
    "  {\"providerType\": \"CodeStarSourceConnection\", \"gitConfiguration\": "
    "   {\"sourceActionName\": \"Src\", \"push\": [{\"branches\": {\"includes\": [\"main\"]}}]}},"
    "  {\"providerType\": \"CodeStarSourceConnection\", \"gitConfiguration\": "
    "   {\"sourceActionName\": \"Other\", \"push\": [{\"tags\": {\"includes\": [\"v*\"]}}]}}]}}";

static void test_candidates(void)
{
    src_repos *repos = NULL;
    char err[512] = "";
    REQUIRE(src_repos_parse(REPOS, strlen(REPOS), &repos, err, sizeof err) == 0);
    json_t *def = conf(DEFINITION);
    src_trigger_candidate out[4];
    size_t count = 0;
    CHECK_INT_EQ(src_trigger_candidates(repos, def, "/srv/hosted/octo/app", "us-east-1",
                                        "123456789012", out, 4, &count),
                 0);
    /* Src only: Other is on another repository, Polled has no trigger */
    REQUIRE(count == 1);
    CHECK_STR_EQ(out[0].pipeline, "app");
    CHECK_STR_EQ(out[0].action, "Src");
    CHECK_STR_EQ(out[0].target.branch, "main");
    CHECK_STR_EQ(out[0].detail,
                 "arn:aws:codestar-connections:us-east-1:123456789012:connection/abc octo/app");
    CHECK_STR_EQ(json_string_value(json_object_get(out[0].git_configuration, "sourceActionName")),
                 "Src");
    count = 0;
    CHECK_INT_EQ(src_trigger_candidates(repos, def, "/srv/hosted/octo/lib", "us-east-1",
                                        "123456789012", out, 4, &count),
                 0);
    CHECK_INT_EQ((int)count, 1);
    CHECK_STR_EQ(out[0].action, "Other");
    count = 0;
    CHECK_INT_EQ(src_trigger_candidates(repos, def, "/srv/hosted/octo/none", "us-east-1",
                                        "123456789012", out, 4, &count),
                 0);
    CHECK_INT_EQ((int)count, 0);
    /* bounded: out full */
    count = 0;
    CHECK_INT_EQ(src_trigger_candidates(repos, def, "/srv/hosted/octo/app", "us-east-1",
                                        "123456789012", out, 0, &count),
                 SLUICE_ETOOBIG);
    /* a pipeline without triggers, or malformed, adds nothing */
    json_t *plain = conf("{\"pipeline\": {\"name\": \"p\", \"stages\": []}}");
    json_t *junk = conf("{\"pipeline\": {\"name\": 3, \"triggers\": [1]}}");
    count = 0;
    CHECK_INT_EQ(
        src_trigger_candidates(repos, plain, "/srv/hosted/octo/app", "r", "a", out, 4, &count), 0);
    CHECK_INT_EQ(
        src_trigger_candidates(repos, junk, "/srv/hosted/octo/app", "r", "a", out, 4, &count), 0);
    CHECK_INT_EQ((int)count, 0);
    json_decref(plain);
    json_decref(junk);
    json_decref(def);
    src_repos_free(repos);
}

static void test_tokens_and_request(void)
{
    char key[SRC_TRIGGER_EVENT_MAX + 1];
    src_change c = branch_push("main");
    src_trigger_event_key(&c, key);
    CHECK_STR_EQ(key, "push");
    c = tag_push("v1");
    src_trigger_event_key(&c, key);
    CHECK_STR_EQ(key, "tag:v1");
    c = pull_request(SRC_PR_UPDATED, "f", "main");
    src_trigger_event_key(&c, key);
    CHECK_STR_EQ(key, "pr:7:UPDATED");

    const char *commit = "3f786850e387550fdab836ed7e6dc881de23001b";
    char a[SRC_TRIGGER_TOKEN_LEN + 1], b[SRC_TRIGGER_TOKEN_LEN + 1];
    src_trigger_token("app", "Src", commit, "push", a);
    src_trigger_token("app", "Src", commit, "push", b);
    CHECK_STR_EQ(a, b); /* the same change: the same token, however often */
    /* SHA-256 of "app\0Src\0<commit>\0push", pinned: it must survive upgrades */
    CHECK_STR_EQ(a, "trig-4f4919953340a4100a9842e1417c992eb4b402a7");
    CHECK_INT_EQ((int)strlen(a), SRC_TRIGGER_TOKEN_LEN);
    CHECK(strncmp(a, "trig-", 5) == 0);
    src_trigger_token("app", "Src", commit, "pr:7:OPEN", b);
    CHECK(strcmp(a, b) != 0); /* another event of the same commit starts again */
    src_trigger_token("app2", "Src", commit, "push", b);
    CHECK(strcmp(a, b) != 0);
    src_trigger_token("ap", "pSrc", commit, "push", b); /* fields are delimited */
    CHECK(strcmp(a, b) != 0);

    src_trigger_candidate cand;
    memset(&cand, 0, sizeof cand);
    snprintf(cand.pipeline, sizeof cand.pipeline, "app");
    snprintf(cand.action, sizeof cand.action, "Src");
    snprintf(cand.detail, sizeof cand.detail, "arn:conn octo/app");
    json_t *req = src_trigger_start_request(&cand, commit, "push");
    REQUIRE(req != NULL);
    CHECK_STR_EQ(json_string_value(json_object_get(req, "type")), "StartPipelineExecution");
    CHECK_STR_EQ(json_string_value(json_object_get(req, "triggerType")), "WebhookV2");
    CHECK_STR_EQ(json_string_value(json_object_get(req, "triggerDetail")), "arn:conn octo/app");
    CHECK_STR_EQ(json_string_value(json_object_get(req, "clientRequestToken")), a);
    json_t *rev = json_array_get(json_object_get(req, "sourceRevisions"), 0);
    CHECK_STR_EQ(json_string_value(json_object_get(rev, "actionName")), "Src");
    CHECK_STR_EQ(json_string_value(json_object_get(rev, "revisionType")), "COMMIT_ID");
    CHECK_STR_EQ(json_string_value(json_object_get(rev, "revisionValue")), commit);
    json_decref(req);
}

int main(void)
{
    RUN_TEST(test_criteria);
    RUN_TEST(test_file_paths);
    RUN_TEST(test_push_branches);
    RUN_TEST(test_push_tags);
    RUN_TEST(test_push_file_paths);
    RUN_TEST(test_pull_requests);
    RUN_TEST(test_several_filters);
    RUN_TEST(test_candidates);
    RUN_TEST(test_tokens_and_request);
    return sluice_test_report();
}
