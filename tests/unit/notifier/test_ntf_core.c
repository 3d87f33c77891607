/*
 * Unit tests of the notifier's pure core: the rules file (ntf_rules), facts
 * and Slack payloads (ntf_message), e-mail (ntf_mail) and webhook signatures.
 */
#include "ntf_approvers.h"
#include "ntf_mail.h"
#include "ntf_message.h"
#include "ntf_rules.h"

#include "sluice/error.h"
#include "sluice_test.h"

#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Secrets for the tests: files "slack" and "hook-key", variable SMTP_PASS. */
static char *fake_secret(const char *kind, const char *name, void *ctx, char *err, size_t errlen)
{
    (void)ctx;
    const char *value = NULL;
    if (strcmp(kind, "file") == 0 && strcmp(name, "/run/slack") == 0) {
        value = "https://hooks.slack.example/services/T0/B0/XYZ";
    } else if (strcmp(kind, "file") == 0 && strcmp(name, "/run/hook-key") == 0) {
        value = "s3cret-key";
    } else if (strcmp(kind, "env") == 0 && strcmp(name, "SMTP_PASS") == 0) {
        value = "mail-pass";
    } else if (strcmp(kind, "env") == 0 && strcmp(name, "HOOK_URL") == 0) {
        value = "http://127.0.0.1:9/hook";
    }
    if (value == NULL) {
        snprintf(err, errlen, "%s %s is not readable", kind, name);
        return NULL;
    }
    char *copy = malloc(strlen(value) + 1);
    memcpy(copy, value, strlen(value) + 1);
    return copy;
}

static const char good_rules[] =
    "{\"targets\": {"
    "  \"team\": {\"type\": \"slack\", \"url\": {\"file\": \"/run/slack\"}},"
    "  \"ops mail\": {\"type\": \"email\", \"smtpUrl\": \"smtp://127.0.0.1:2525\","
    "     \"from\": \"Sluice <ci@example.com>\", \"to\": [\"ann@example.com\", "
    "\"bob@example.com\"],"
    "     \"username\": \"ci\", \"password\": {\"env\": \"SMTP_PASS\"}, \"starttls\": \"off\"},"
    "  \"hook\": {\"type\": \"webhook\", \"url\": {\"env\": \"HOOK_URL\"},"
    "     \"secret\": {\"file\": \"/run/hook-key\"}, \"maxAttempts\": 3}},"
    " \"rules\": ["
    "  {\"name\": \"failures\", \"targets\": [\"team\", \"ops mail\"], \"detailType\": \"FULL\","
    "   \"eventTypeIds\": [\"codepipeline-pipeline-pipeline-execution-failed\","
    "                      \"codepipeline-pipeline-manual-approval-needed\"],"
    "   \"pipelines\": [\"web\"]},"
    "  {\"name\": \"deploys\", \"targets\": [\"hook\"],"
    "   \"eventPattern\": {\"detail-type\": [\"CodePipeline Action Execution State Change\"],"
    "                     \"detail\": {\"type\": {\"category\": [\"Deploy\"]}}}}]}";

static json_t *event_of(const char *detail_type, const char *detail)
{
    static char text[16384];
    snprintf(text, sizeof text,
             "{\"version\": \"0\", \"id\": \"0b1e4e2c-9d4f-4a51-8f1e-7d6c5b4a3921\","
             " \"detail-type\": \"%s\", \"source\": \"aws.codepipeline\","
             " \"account\": \"123456789012\", \"time\": \"2026-12-03T10:02:05Z\","
             " \"region\": \"us-east-1\", \"resources\": [\"arn:aws:codepipeline:us-east-1:"
             "123456789012:web\"], \"detail\": %s}",
             detail_type, detail);
    json_t *e = json_loads(text, 0, NULL);
    if (e == NULL) {
        fprintf(stderr, "bad test event %s\n", text);
        abort();
    }
    return e;
}

static bool rule_matches(const ntf_rule *r, const json_t *event)
{
    for (size_t i = 0; i < r->npatterns; i++) {
        if (pattern_match(r->patterns[i], event)) {
            return true;
        }
    }
    return false;
}

static void test_rules_parse(void)
{
    ntf_rules *rules = NULL;
    char err[2048] = "";
    int rc =
        ntf_rules_parse(good_rules, strlen(good_rules), fake_secret, NULL, &rules, err, sizeof err);
    if (rc != 0) {
        fprintf(stderr, "%s\n", err);
    }
    REQUIRE(rc == 0);
    CHECK_INT_EQ(rules->ntargets, 3);
    CHECK_INT_EQ(rules->nrules, 2);
    long mail = ntf_rules_find_target(rules, "ops mail");
    REQUIRE(mail >= 0);
    const ntf_target *t = &rules->targets[mail];
    CHECK_INT_EQ(t->type, NTF_TARGET_EMAIL);
    CHECK_STR_EQ(t->secret, "mail-pass");
    CHECK_INT_EQ(t->nto, 2);
    CHECK_INT_EQ(t->starttls, NTF_STARTTLS_OFF);
    const ntf_target *hook = &rules->targets[ntf_rules_find_target(rules, "hook")];
    CHECK_STR_EQ(hook->url, "http://127.0.0.1:9/hook");
    CHECK_STR_EQ(hook->secret, "s3cret-key");
    CHECK_INT_EQ(hook->max_attempts, 3);
    CHECK_INT_EQ(hook->timeout_ms, 10000);

    const ntf_rule *failures = &rules->rules[0];
    CHECK_INT_EQ(failures->detail, NTF_DETAIL_FULL);
    CHECK_INT_EQ(failures->npatterns, 2);
    CHECK_INT_EQ(failures->ntargets, 2);
    json_t *failed = event_of("CodePipeline Pipeline Execution State Change",
                              "{\"pipeline\": \"web\", \"execution-id\": \"e1\", \"state\": "
                              "\"FAILED\", \"version\": 1}");
    json_t *other = event_of("CodePipeline Pipeline Execution State Change",
                             "{\"pipeline\": \"api\", \"execution-id\": \"e2\", \"state\": "
                             "\"FAILED\", \"version\": 1}");
    json_t *approval = event_of("CodePipeline Action Execution State Change",
                                "{\"pipeline\": \"web\", \"execution-id\": \"e1\", \"stage\": "
                                "\"Gate\", \"action\": \"Ok\", \"state\": \"STARTED\", "
                                "\"type\": {\"owner\": \"AWS\", \"category\": \"Approval\", "
                                "\"provider\": \"Manual\", \"version\": \"1\"}, \"version\": 1}");
    json_t *deploy = event_of("CodePipeline Action Execution State Change",
                              "{\"pipeline\": \"web\", \"execution-id\": \"e1\", \"stage\": "
                              "\"Ship\", \"action\": \"S3\", \"state\": \"SUCCEEDED\", "
                              "\"type\": {\"owner\": \"AWS\", \"category\": \"Deploy\", "
                              "\"provider\": \"S3\", \"version\": \"1\"}, \"version\": 1}");
    CHECK(rule_matches(failures, failed));
    CHECK(!rule_matches(failures, other));
    CHECK(rule_matches(failures, approval));
    CHECK(!rule_matches(failures, deploy));
    CHECK(rule_matches(&rules->rules[1], deploy));
    CHECK(!rule_matches(&rules->rules[1], approval));
    json_decref(failed);
    json_decref(other);
    json_decref(approval);
    json_decref(deploy);
    ntf_rules_free(rules);
}

static void expect_problem(const char *text, const char *needle)
{
    ntf_rules *rules = NULL;
    char err[4096] = "";
    int rc = ntf_rules_parse(text, strlen(text), fake_secret, NULL, &rules, err, sizeof err);
    CHECK(rc == SLUICE_EINVAL || rc == SLUICE_EPARSE);
    CHECK(rules == NULL);
    CHECK_STR_CONTAINS(err, needle);
}

static void test_rules_problems(void)
{
    expect_problem("{\"targets\": ", "not JSON");
    expect_problem("{\"targets\": {\"t\": {\"type\": \"pager\"}}, \"rules\": []}",
                   "targets.t: \"type\" must be");
    expect_problem("{\"targets\": {\"t\": {\"type\": \"slack\", \"url\": \"https://x\"}},"
                   " \"rules\": [{\"name\": \"r\", \"targets\": [\"t\"], \"eventTypeIds\":"
                   " [\"codepipeline-pipeline-pipeline-execution-failed\"]}]}",
                   "targets.t.url: a secret is");
    expect_problem("{\"targets\": {\"t\": {\"type\": \"slack\", \"url\": {\"file\": \"/nope\"}}},"
                   " \"rules\": [{\"name\": \"r\", \"targets\": [\"t\"], \"eventTypeIds\":"
                   " [\"codepipeline-pipeline-pipeline-execution-failed\"]}]}",
                   "targets.t.url: file /nope is not readable");
    expect_problem("{\"targets\": {\"t\": {\"type\": \"slack\", \"url\": {\"file\": "
                   "\"/run/slack\"}}}, \"rules\": [{\"name\": \"r\", \"targets\": [\"t\"],"
                   " \"eventTypeIds\": [\"codepipeline-pipeline-pipeline-execution-exploded\"]}]}",
                   "rules[0] (\"r\"): eventTypeIds[0] \"codepipeline-pipeline-pipeline-execution-"
                   "exploded\" is not an event type of CodePipeline");
    expect_problem("{\"targets\": {\"t\": {\"type\": \"slack\", \"url\": {\"file\": "
                   "\"/run/slack\"}}}, \"rules\": [{\"name\": \"r\", \"targets\": [\"t\"],"
                   " \"eventPattern\": {\"detail\": {\"state\": []}}}]}",
                   "rules[0] (\"r\"): eventPattern: Event pattern is not valid at "
                   "\"detail.state\"");
    expect_problem("{\"targets\": {\"t\": {\"type\": \"slack\", \"url\": {\"file\": "
                   "\"/run/slack\"}}}, \"rules\": [{\"name\": \"r\", \"targets\": [\"u\"],"
                   " \"eventPattern\": {\"source\": [\"x\"]}}]}",
                   "targets[0] \"u\" is not a target of this file");
    expect_problem("{\"targets\": {\"m\": {\"type\": \"email\", \"smtpUrl\": \"smtp://h\","
                   " \"from\": \"ci@example.com\", \"to\": [\"not-an-address\"]}},"
                   " \"rules\": [{\"name\": \"r\", \"targets\": [\"m\"],"
                   " \"eventPattern\": {\"source\": [\"x\"]}, \"colour\": 1}]}",
                   "to[0] is not an e-mail address");
    expect_problem("{\"targets\": {\"m\": {\"type\": \"email\", \"smtpUrl\": \"smtp://h\","
                   " \"from\": \"ci@example.com\", \"to\": [\"a@b.c\"]}},"
                   " \"rules\": [{\"name\": \"r\", \"targets\": [\"m\"],"
                   " \"eventPattern\": {\"source\": [\"x\"]}, \"colour\": 1}]}",
                   "rules[0] (\"r\"): unknown member \"colour\"");
    /* a secret value never appears in a message */
    ntf_rules *rules = NULL;
    char err[4096] = "";
    const char *bad = "{\"targets\": {\"t\": {\"type\": \"webhook\", \"url\": {\"file\": "
                      "\"/run/hook-key\"}}}, \"rules\": [{\"name\": \"r\", \"targets\": [\"t\"],"
                      " \"eventPattern\": {\"source\": [\"x\"]}}]}";
    CHECK_INT_EQ(ntf_rules_parse(bad, strlen(bad), fake_secret, NULL, &rules, err, sizeof err),
                 SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "\"url\" must be an http:// or https:// URL");
    CHECK(strstr(err, "s3cret-key") == NULL);
}

static void test_event_types(void)
{
    CHECK_INT_EQ(ntf_rules_event_type_count(), 18);
    for (size_t i = 0; i < ntf_rules_event_type_count(); i++) {
        json_t *doc = ntf_rules_event_type_pattern(ntf_rules_event_type_id(i), NULL, 0);
        REQUIRE(doc != NULL);
        pattern *p = NULL;
        char err[256];
        CHECK_INT_EQ(pattern_compile_json(doc, &p, err, sizeof err), 0);
        pattern_free(p);
        json_decref(doc);
    }
    CHECK(ntf_rules_event_type_pattern("codepipeline-pipeline-nothing", NULL, 0) == NULL);
}

static void test_facts_and_slack(void)
{
    json_t *failed = event_of(
        "CodePipeline Action Execution State Change",
        "{\"pipeline\": \"web\", \"execution-id\": \"e1\", \"stage\": \"Build\", \"action\": "
        "\"Compile\", \"state\": \"FAILED\", \"type\": {\"owner\": \"AWS\", \"category\": "
        "\"Build\", \"provider\": \"CodeBuild\", \"version\": \"1\"}, \"version\": 1,"
        " \"execution-result\": {\"external-execution-summary\": \"make: *** [all] Error 2\","
        " \"error-code\": \"JobFailed\"}}");
    json_t *execution = json_loads("{\"pipelineExecutionId\": \"e1\", \"startTime\": "
                                   "\"2026-12-03T10:00:00Z\", \"artifactRevisions\": "
                                   "[{\"revisionId\": \"9f1c2e\", \"revisionSummary\": \"Fix the "
                                   "build\"}]}",
                                   0, NULL);
    ntf_links links = {.console_base = "http://localhost:7070/console",
                       .api_endpoint = "http://localhost:7070"};
    ntf_facts f;
    CHECK_INT_EQ(ntf_message_facts(failed, execution, NTF_DETAIL_FULL, &links, &f), 0);
    CHECK_STR_EQ(f.title, "Action Build / Compile of web FAILED");
    CHECK_STR_EQ(f.failure, "JobFailed: make: *** [all] Error 2");
    CHECK_STR_EQ(f.revision, "9f1c2e");
    CHECK_STR_EQ(f.duration, "2m 5s");
    CHECK_INT_EQ(f.level, NTF_LEVEL_DANGER);
    CHECK_STR_EQ(f.execution_url, "http://localhost:7070/console/#/pipelines/web/executions/e1");
    json_t *slack = ntf_message_slack(&f, &links);
    char *text = json_dumps(slack, JSON_COMPACT);
    CHECK_STR_CONTAINS(text, "\"color\":\"#d13212\"");
    CHECK_STR_CONTAINS(text, "Fix the build");
    CHECK_STR_CONTAINS(text, "get-pipeline-execution --pipeline-name web");
    free(text);
    json_decref(slack);

    /* BASIC leaves out what the event does not say */
    CHECK_INT_EQ(ntf_message_facts(failed, execution, NTF_DETAIL_BASIC, &links, &f), 0);
    CHECK_STR_EQ(f.revision, "");
    CHECK_STR_EQ(f.execution_url, "");

    /* a very long failure message is cut visibly within Slack's limits */
    char detail[12000];
    char longmsg[9000];
    memset(longmsg, 'x', sizeof longmsg - 1);
    longmsg[sizeof longmsg - 1] = '\0';
    snprintf(detail, sizeof detail,
             "{\"pipeline\": \"web\", \"execution-id\": \"e1\", \"stage\": \"Build\", \"action\": "
             "\"Compile\", \"state\": \"FAILED\", \"type\": {\"category\": \"Build\"},"
             " \"execution-result\": {\"external-execution-summary\": \"%s\"}}",
             longmsg);
    json_t *huge = event_of("CodePipeline Action Execution State Change", detail);
    CHECK_INT_EQ(ntf_message_facts(huge, NULL, NTF_DETAIL_BASIC, &links, &f), 0);
    slack = ntf_message_slack(&f, &links);
    json_t *blocks =
        json_object_get(json_array_get(json_object_get(slack, "attachments"), 0), "blocks");
    CHECK(json_array_size(blocks) <= 50);
    size_t i;
    json_t *block;
    bool cut = false;
    json_array_foreach(blocks, i, block)
    {
        const char *t = json_string_value(json_object_get(json_object_get(block, "text"), "text"));
        if (t != NULL && strstr(t, "*Failure*") != NULL) {
            CHECK(strlen(t) <= 3000 + 2);
            cut = strstr(t, "\xe2\x80\xa6") != NULL;
        }
    }
    CHECK(cut);
    json_decref(slack);
    json_decref(huge);

    /* sluice-approvals' Approval Needed: a button to the page, no secret */
    json_t *needed = event_of("Sluice Approval Needed",
                              "{\"pipeline\": \"web\", \"execution-id\": \"e1\", \"stage\": "
                              "\"Gate\", \"action\": \"Ok\", \"action-execution-id\": "
                              "\"5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d\", \"approvers\": [], "
                              "\"required-approvals\": 1, \"deadline\": \"2026-12-10T10:00:00Z\", "
                              "\"review-link\": \"\", \"custom-data\": \"\", \"approval-url\": "
                              "\"https://approve.example/approvals/x\", \"version\": 1}");
    ntf_links none = {0};
    CHECK_INT_EQ(ntf_message_facts(needed, NULL, NTF_DETAIL_BASIC, &none, &f), 0);
    CHECK(f.approval_needed);
    CHECK_STR_EQ(f.title, "Approval needed: web / Gate / Ok");
    CHECK_STR_EQ(f.approval_url, "https://approve.example/approvals/x");
    slack = ntf_message_slack(&f, &none);
    text = json_dumps(slack, JSON_COMPACT);
    CHECK_STR_CONTAINS(text, "\"url\":\"https://approve.example/approvals/x\"");
    CHECK_STR_CONTAINS(text, "Open approval page");
    free(text);
    json_decref(slack);
    json_object_set_new(json_object_get(needed, "detail"), "approval-url",
                        json_string("javascript:alert(1)"));
    CHECK_INT_EQ(ntf_message_facts(needed, NULL, NTF_DETAIL_BASIC, &none, &f), 0);
    CHECK_STR_EQ(f.approval_url, "");
    json_decref(needed);

    /* approval needed: buttons when links exist, the CLI command always */
    json_t *approval = event_of("CodePipeline Action Execution State Change",
                                "{\"pipeline\": \"web\", \"execution-id\": \"e1\", \"stage\": "
                                "\"Gate\", \"action\": \"Ok\", \"state\": \"STARTED\", "
                                "\"type\": {\"category\": \"Approval\"}, \"version\": 1}");
    links.approve_url = "http://approvals/a?sig=1";
    links.reject_url = "http://approvals/r?sig=2";
    CHECK_INT_EQ(ntf_message_facts(approval, NULL, NTF_DETAIL_BASIC, &links, &f), 0);
    CHECK(f.approval_needed);
    CHECK_STR_EQ(f.title, "Approval needed: web / Gate / Ok");
    slack = ntf_message_slack(&f, &links);
    text = json_dumps(slack, JSON_COMPACT);
    CHECK_STR_CONTAINS(text, "\"url\":\"http://approvals/a?sig=1\"");
    CHECK_STR_CONTAINS(text, "\"style\":\"danger\"");
    CHECK_STR_CONTAINS(text, "put-approval-result --pipeline-name web --stage-name Gate");
    free(text);
    json_decref(slack);
    json_decref(approval);
    json_decref(execution);
    json_decref(failed);
}

static void test_digest(void)
{
    const char *text =
        "{\"targets\": {\"t\": {\"type\": \"slack\", \"url\": {\"file\": "
        "\"/run/slack\"}}}, \"rules\": [{\"name\": \"r\", \"targets\": [\"t\"],"
        " \"aggregate\": true, \"eventPattern\": {\"source\": [\"aws.codepipeline\"]}}]}";
    ntf_rules *rules = NULL;
    char err[1024];
    REQUIRE(ntf_rules_parse(text, strlen(text), fake_secret, NULL, &rules, err, sizeof err) == 0);
    CHECK(rules->rules[0].aggregate);
    ntf_rules_free(rules);
    const char *bad = "{\"targets\": {\"t\": {\"type\": \"slack\", \"url\": {\"file\": "
                      "\"/run/slack\"}}}, \"rules\": [{\"name\": \"r\", \"targets\": [\"t\"],"
                      " \"aggregate\": 1, \"eventPattern\": {\"source\": [\"x\"]}}]}";
    CHECK_INT_EQ(ntf_rules_parse(bad, strlen(bad), fake_secret, NULL, &rules, err, sizeof err),
                 SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "\"aggregate\" must be true or false");

    json_t *action = event_of("CodePipeline Action Execution State Change",
                              "{\"pipeline\": \"web\", \"execution-id\": \"e1\", \"stage\": "
                              "\"Build\", \"action\": \"Compile\", \"state\": \"FAILED\", "
                              "\"type\": {\"category\": \"Build\"}, \"execution-result\": "
                              "{\"error-code\": \"JobFailed\", \"external-execution-summary\": "
                              "\"make: Error 2\"}}");
    ntf_facts f;
    CHECK_INT_EQ(ntf_message_facts(action, NULL, NTF_DETAIL_BASIC, NULL, &f), 0);
    CHECK(!ntf_message_is_outcome(&f));
    char line[NTF_DIGEST_LINE_MAX];
    ntf_message_digest_line(&f, line, sizeof line);
    CHECK_STR_EQ(line, "Action Build / Compile of web FAILED: JobFailed: make: Error 2");
    json_t *outcome = event_of("CodePipeline Pipeline Execution State Change",
                               "{\"pipeline\": \"web\", \"execution-id\": \"e1\", \"state\": "
                               "\"FAILED\", \"version\": 1}");
    CHECK_INT_EQ(ntf_message_facts(outcome, NULL, NTF_DETAIL_BASIC, NULL, &f), 0);
    CHECK(ntf_message_is_outcome(&f));
    snprintf(f.digest[0], sizeof f.digest[0], "%s", line);
    snprintf(f.digest[1], sizeof f.digest[1], "Stage Build of web FAILED");
    f.ndigest = 2;
    json_t *slack = ntf_message_slack(&f, NULL);
    char *textout = json_dumps(slack, JSON_COMPACT);
    CHECK_STR_CONTAINS(textout, "*What happened*\\n• Action Build / Compile of web FAILED");
    free(textout);
    json_decref(slack);
    json_decref(action);
    json_decref(outcome);
}

static void test_truncate(void)
{
    char out[16];
    CHECK(!ntf_message_truncate("short", 10, out, sizeof out));
    CHECK_STR_EQ(out, "short");
    CHECK(ntf_message_truncate("abcdefghij", 5, out, sizeof out));
    CHECK_STR_EQ(out, "abcd\xe2\x80\xa6");
    /* never inside a character: "é" is 2 bytes */
    CHECK(ntf_message_truncate("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 100, out,
                               10));
    CHECK_STR_EQ(out, "\xc3\xa9\xc3\xa9\xc3\xa9\xe2\x80\xa6");
}

static void test_mail(void)
{
    ntf_rules *rules = NULL;
    char err[2048];
    REQUIRE(ntf_rules_parse(good_rules, strlen(good_rules), fake_secret, NULL, &rules, err,
                            sizeof err) == 0);
    const ntf_target *t = &rules->targets[ntf_rules_find_target(rules, "ops mail")];
    json_t *event = event_of("CodePipeline Pipeline Execution State Change",
                             "{\"pipeline\": \"web\", \"execution-id\": \"e1\", \"state\": "
                             "\"FAILED\", \"version\": 1}");
    ntf_facts f;
    CHECK_INT_EQ(ntf_message_facts(event, NULL, NTF_DETAIL_BASIC, NULL, &f), 0);
    sluice_buf mail;
    sluice_buf_init(&mail, 1 << 20);
    CHECK_INT_EQ(ntf_mail_render(&f, t, "sluice.local", 1796292125000LL, &mail), 0);
    const char *m = sluice_buf_cstr(&mail);
    CHECK_STR_CONTAINS(m, "From: Sluice <ci@example.com>\r\n");
    CHECK_STR_CONTAINS(m, "To: ann@example.com,\r\n bob@example.com\r\n");
    CHECK_STR_CONTAINS(m, "Subject: [Sluice] Pipeline web FAILED\r\n");
    CHECK_STR_CONTAINS(m,
                       "Message-ID: <0b1e4e2c-9d4f-4a51-8f1e-7d6c5b4a3921.ops-mail@sluice.local>");
    CHECK_STR_CONTAINS(m, "In-Reply-To: <e1@sluice.local>\r\nReferences: <e1@sluice.local>\r\n");
    CHECK_STR_CONTAINS(m, "Content-Type: multipart/alternative; boundary=");
    CHECK_STR_CONTAINS(m, "Content-Type: text/html; charset=UTF-8");
    CHECK_STR_CONTAINS(m, "Date: ");
    for (const char *line = m; (line = strstr(line, "\r\n")) != NULL; line += 2) {
        const char *next = strstr(line + 2, "\r\n");
        if (next != NULL) {
            CHECK(next - (line + 2) <= 998); /* RFC 5322's line limit */
        }
    }
    sluice_buf_free(&mail);

    sluice_buf h;
    sluice_buf_init(&h, 4096);
    CHECK_INT_EQ(ntf_mail_encode_header("Pipeline caf\xc3\xa9 FAILED", &h), 0);
    CHECK_STR_EQ(sluice_buf_cstr(&h), "=?UTF-8?B?UGlwZWxpbmUgY2Fmw6kgRkFJTEVE?=");
    sluice_buf_reset(&h);
    CHECK_INT_EQ(ntf_mail_encode_header("evil\r\nBcc: x@y", &h), 0);
    CHECK(strchr(sluice_buf_cstr(&h), '\n') == NULL || strstr(sluice_buf_cstr(&h), "=?UTF-8?B?"));
    sluice_buf_free(&h);
    json_decref(event);
    ntf_rules_free(rules);
}

/* Approvers' own links: who is mailed, the link, and what the mail says. */
static void test_approvers(void)
{
    ntf_directory dir;
    char err[256];
    REQUIRE(
        ntf_directory_load(&dir,
                           "AKIDA:c2VjcmV0QQ:alice:approver:groups=release|ops:email=alice@"
                           "example.com,AKIDA2:c2VjcmV0Qg:alice:viewer,"
                           "AKIDB:c2VjcmV0Qw:bob:approver:groups=release,"
                           "AKIDC:c2VjcmV0RA:carol:approver:email=carol@example.com,"
                           "AKIDD:c2VjcmV0RQ:dave:approver:groups=release:email=dave@example.com",
                           err, sizeof err) == 0);
    CHECK_INT_EQ(dir.count, 4); /* one per identity */
    CHECK_STR_EQ(dir.people[0].email, "alice@example.com");
    ntf_recipient out[NTF_APPROVERS_MAX];
    /* a name, an ARN, a group; bob has no address, erin is unknown */
    json_t *approvers =
        json_pack("[s, s, s]", "arn:aws:iam::123456789012:user/carol", "group:release", "erin");
    size_t n = ntf_approvers_resolve(&dir, approvers, "123456789012", out, NTF_APPROVERS_MAX);
    CHECK_INT_EQ(n, 3);
    CHECK_STR_EQ(out[0].identity, "alice");
    CHECK_STR_EQ(out[1].identity, "carol");
    CHECK_STR_EQ(out[2].identity, "dave");
    CHECK_STR_EQ(out[2].email, "dave@example.com");
    CHECK_INT_EQ(ntf_approvers_resolve(&dir, approvers, "999999999999", out, 1), 1); /* bounded */
    json_decref(approvers);
    approvers = json_pack("[s]", "bob");
    CHECK_INT_EQ(ntf_approvers_resolve(&dir, approvers, "123456789012", out, NTF_APPROVERS_MAX), 0);
    json_decref(approvers);
    CHECK_INT_EQ(ntf_approvers_resolve(&dir, NULL, "123456789012", out, NTF_APPROVERS_MAX), 0);
    ntf_directory_free(&dir);
    CHECK(ntf_directory_load(&dir, "AKIDA:secret-in-error:alice", err, sizeof err) != 0);
    CHECK(strstr(err, "secret-in-error") == NULL);
    CHECK_INT_EQ(dir.count, 0);

    static const unsigned char key[32] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    const char *id = "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d";
    char url[SLUICE_APPROVAL_URL_MAX];
    REQUIRE(ntf_approvers_link(key, sizeof key, "https://approve.example", id, "alice", 1000, 600,
                               1300, url, sizeof url) == 0);
    const char *token = strstr(url, "?link=");
    REQUIRE(token != NULL);
    CHECK(strncmp(url, "https://approve.example/approvals/", 34) == 0);
    char who[SLUICE_APPROVAL_APPROVER_MAX + 1];
    /* valid until the deadline (1300), before now + ttl (1600) */
    CHECK_INT_EQ(sluice_approval_link_verify(key, sizeof key, id, token + 6, 1299, who), 0);
    CHECK_STR_EQ(who, "alice");
    CHECK_INT_EQ(sluice_approval_link_verify(key, sizeof key, id, token + 6, 1300, who),
                 SLUICE_ETIMEDOUT);
    CHECK_INT_EQ(ntf_approvers_link(key, sizeof key, "https://approve.example", id, "alice", 1300,
                                    600, 1300, url, sizeof url),
                 SLUICE_ETIMEDOUT);

    /* the mail of an approver's own link says whose it is */
    ntf_facts *f = calloc(1, sizeof *f);
    REQUIRE(f != NULL);
    snprintf(f->title, sizeof f->title, "Approval needed: web / Release / Gate");
    snprintf(f->subject, sizeof f->subject, "[Sluice] %s", f->title);
    snprintf(f->event_id, sizeof f->event_id, "ev-1");
    snprintf(f->approval_url, sizeof f->approval_url, "https://approve.example/x?link=1.a.alice");
    snprintf(f->approver, sizeof f->approver, "alice");
    f->link_expires_ms = 1772449200000LL;
    char address[] = "alice@example.com";
    char name[] = "approvers.alice";
    char from[] = "ci@example.com";
    char *to[1] = {address};
    ntf_target t = {.name = name, .type = NTF_TARGET_EMAIL, .from = from, .to = to, .nto = 1};
    sluice_buf mail;
    sluice_buf_init(&mail, 1 << 20);
    REQUIRE(ntf_mail_render(f, &t, "sluice.local", 0, &mail) == 0);
    CHECK_STR_CONTAINS(sluice_buf_cstr(&mail), "To: alice@example.com\r\n");
    sluice_buf_free(&mail);
    free(f);
}

static void test_webhook_signature(void)
{
    char sig[80];
    const char *body = "{\"id\":\"1\"}";
    ntf_message_webhook_signature("key", 1700000000, body, strlen(body), sig, sizeof sig);
    unsigned char mac[32];
    unsigned int len = 0;
    const char *signed_text = "1700000000.{\"id\":\"1\"}";
    HMAC(EVP_sha256(), "key", 3, (const unsigned char *)signed_text, strlen(signed_text), mac,
         &len);
    char want[80] = "v1=";
    for (unsigned int i = 0; i < len; i++) {
        snprintf(want + 3 + 2 * i, sizeof want - 3 - 2 * i, "%02x", mac[i]);
    }
    CHECK_STR_EQ(sig, want);
    CHECK_INT_EQ(strlen(sig), 67);
}

int main(void)
{
    RUN_TEST(test_rules_parse);
    RUN_TEST(test_rules_problems);
    RUN_TEST(test_event_types);
    RUN_TEST(test_facts_and_slack);
    RUN_TEST(test_digest);
    RUN_TEST(test_truncate);
    RUN_TEST(test_mail);
    RUN_TEST(test_webhook_signature);
    RUN_TEST(test_approvers);
    return sluice_test_report();
}
