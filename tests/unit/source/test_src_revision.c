/*
 * Unit tests of the commit reader (src_commit.h), text made fit for JSON
 * (src_text.h), the output variables and current revision of a Source
 * action (src_revision.h) and its job results (src_result.h).
 */
#include "src_commit.h"
#include "src_result.h"
#include "src_revision.h"
#include "src_text.h"

#include "sluice/error.h"
#include "sluice/protocol_names.h"
#include "sluice_test.h"

#include <stdlib.h>
#include <string.h>

#define ID     "3f786850e387550fdab836ed7e6dc881de23001b"
#define ARN    "arn:aws:codestar-connections:us-east-1:123456789012:connection/aaaa-1111"
#define LOG_ID ID "\0"

/* git log -1 -z --format=SRC_COMMIT_FORMAT output, NUL bytes included. */
static const char log_text[] = ID "\0Ada Lovelace\0ada@example.com\0001764752400\0"
                                  "Grace Hopper\0grace@example.com\0001764756000\0"
                                  "Add the parser\n\nLonger body.\n\n";

static void test_commit_parse(void)
{
    src_commit c;
    char err[256] = "";
    CHECK_INT_EQ(src_commit_parse(log_text, sizeof log_text, &c, err, sizeof err), 0);
    CHECK_STR_EQ(c.id, ID);
    CHECK_STR_EQ(c.author_name, "Ada Lovelace");
    CHECK_STR_EQ(c.author_email, "ada@example.com");
    CHECK_INT_EQ(c.author_time_s, 1764752400);
    CHECK_STR_EQ(c.committer_name, "Grace Hopper");
    CHECK_INT_EQ(c.committer_time_s, 1764756000);
    CHECK_STR_EQ(c.message, "Add the parser\n\nLonger body.");
    CHECK(!c.message_cut);
    /* without git's record terminator */
    CHECK_INT_EQ(src_commit_parse(log_text, sizeof log_text - 1, &c, err, sizeof err), 0);
    CHECK_STR_EQ(c.message, "Add the parser\n\nLonger body.");
}

static void test_commit_refused(void)
{
    src_commit c;
    char err[256] = "";
    CHECK_INT_EQ(src_commit_parse("", 0, &c, err, sizeof err), SLUICE_EPARSE);
    CHECK_STR_CONTAINS(err, "before its commit id");
    static const char short_text[] = ID "\0Ada\0ada@x\0001";
    CHECK_INT_EQ(src_commit_parse(short_text, sizeof short_text - 1, &c, err, sizeof err),
                 SLUICE_EPARSE);
    CHECK_STR_CONTAINS(err, "ends before its committer name");
    static const char bad_id[] =
        "3F786850E387550FDAB836ED7E6DC881DE23001B\0a\0b\0001\0c\0d\0002\0m";
    CHECK_INT_EQ(src_commit_parse(bad_id, sizeof bad_id - 1, &c, err, sizeof err), SLUICE_EPARSE);
    CHECK_STR_CONTAINS(err, "commit id");
    CHECK_STR_EQ(c.id, "");
    static const char bad_time[] = ID "\0a\0b\0-1\0c\0d\0002\0m";
    CHECK_INT_EQ(src_commit_parse(bad_time, sizeof bad_time - 1, &c, err, sizeof err),
                 SLUICE_EPARSE);
    CHECK_STR_CONTAINS(err, "time");
    static const char trailing[] = ID "\0a\0b\0001\0c\0d\0002\0m\0extra";
    CHECK_INT_EQ(src_commit_parse(trailing, sizeof trailing - 1, &c, err, sizeof err),
                 SLUICE_EPARSE);
    CHECK_STR_CONTAINS(err, "after the message");
    CHECK_INT_EQ(src_commit_parse(log_text, SRC_COMMIT_OUTPUT_MAX + 1, &c, err, sizeof err),
                 SLUICE_ETOOBIG);
    CHECK(src_commit_id_ok("3f786850e387550fdab836ed7e6dc881de23001b"
                           "3f786850e387550fdab836ed"));
    CHECK(!src_commit_id_ok("3f78"));
    CHECK(!src_commit_id_ok(NULL));
}

static void test_text(void)
{
    char out[16];
    /* invalid UTF-8 and NUL bytes become U+FFFD; one_line turns controls into spaces */
    CHECK(!src_text_copy(out, sizeof out,
                         "a\xff"
                         "b\n\tc",
                         6, true));
    CHECK_STR_EQ(out, "a\xef\xbf\xbd"
                      "b  c");
    CHECK(!src_text_copy(out, sizeof out, "a\n\tc", 4, false));
    CHECK_STR_EQ(out, "a\n\tc");
    CHECK(!src_text_copy(out, sizeof out, "x\0y", 3, false));
    CHECK_STR_EQ(out, "x\xef\xbf\xbdy");
    /* overlong and surrogate forms are invalid */
    CHECK(!src_text_copy(out, sizeof out, "\xc0\xaf\xed\xa0\x80", 5, false));
    CHECK_STR_EQ(out, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
    /* cut on a character boundary */
    char small[5];
    CHECK(src_text_copy(small, sizeof small, "ab\xc3\xa9\xc3\xa9", 6, false));
    CHECK_STR_EQ(small, "ab\xc3\xa9");
    CHECK(src_text_prefix(small, sizeof small, "a\xe2\x82\xac\xe2\x82\xac", 3));
    CHECK_STR_EQ(small, "a");
    char s[] = "\xc3\xa9\xc3\xa9";
    CHECK(src_text_cut(s, 3));
    CHECK_STR_EQ(s, "\xc3\xa9");
}

static src_commit sample_commit(void)
{
    src_commit c;
    char err[256];
    src_commit_parse(log_text, sizeof log_text, &c, err, sizeof err);
    return c;
}

static void test_codecommit_variables(void)
{
    src_target t;
    memset(&t, 0, sizeof t);
    t.provider = SRC_PROVIDER_CODECOMMIT;
    snprintf(t.branch, sizeof t.branch, "main");
    snprintf(t.repository_name, sizeof t.repository_name, "web");
    src_commit c = sample_commit();
    json_t *vars = src_revision_variables(&t, &c);
    REQUIRE(vars != NULL);
    CHECK_STR_EQ(json_string_value(json_object_get(vars, "CommitId")), ID);
    CHECK_STR_EQ(json_string_value(json_object_get(vars, "BranchName")), "main");
    CHECK_STR_EQ(json_string_value(json_object_get(vars, "RepositoryName")), "web");
    CHECK_STR_EQ(json_string_value(json_object_get(vars, "CommitMessage")),
                 "Add the parser\n\nLonger body.");
    CHECK_STR_EQ(json_string_value(json_object_get(vars, "AuthorDate")), "2025-12-03T09:00:00Z");
    CHECK_STR_EQ(json_string_value(json_object_get(vars, "CommitterDate")), "2025-12-03T10:00:00Z");
    CHECK_STR_EQ(json_string_value(json_object_get(vars, "AuthorEmail")), "ada@example.com");
    CHECK_STR_EQ(json_string_value(json_object_get(vars, "AuthorDisplayName")), "Ada Lovelace");
    CHECK(json_object_get(vars, "ConnectionArn") == NULL);
    json_decref(vars);

    json_t *rev = src_revision_document(&t, &c);
    REQUIRE(rev != NULL);
    CHECK_STR_EQ(json_string_value(json_object_get(rev, "revision")), ID);
    CHECK_STR_EQ(json_string_value(json_object_get(rev, "changeIdentifier")), ID);
    CHECK_INT_EQ(json_integer_value(json_object_get(rev, "created")), 1764756000);
    CHECK_STR_EQ(json_string_value(json_object_get(rev, "revisionSummary")),
                 "Add the parser\n\nLonger body.");
    CHECK(json_object_get(rev, "revisionUrl") == NULL);
    json_decref(rev);

    char summary[64];
    src_revision_summary(&c, summary, sizeof summary);
    CHECK_STR_EQ(summary, "Add the parser");
}

static void test_connection_variables(void)
{
    src_target t;
    memset(&t, 0, sizeof t);
    t.provider = SRC_PROVIDER_CONNECTION;
    t.kind = SRC_REMOTE_HTTPS;
    snprintf(t.branch, sizeof t.branch, "main");
    snprintf(t.connection_arn, sizeof t.connection_arn, ARN);
    snprintf(t.full_repository_id, sizeof t.full_repository_id, "octo/app");
    snprintf(t.base_url, sizeof t.base_url, "https://github.com/");
    src_commit c = sample_commit();
    json_t *vars = src_revision_variables(&t, &c);
    REQUIRE(vars != NULL);
    CHECK_STR_EQ(json_string_value(json_object_get(vars, "ConnectionArn")), ARN);
    CHECK_STR_EQ(json_string_value(json_object_get(vars, "FullRepositoryName")), "octo/app");
    CHECK_STR_EQ(json_string_value(json_object_get(vars, "ProviderType")), "GitHub");
    CHECK(json_object_get(vars, "RepositoryName") == NULL);
    json_decref(vars);
    json_t *rev = src_revision_document(&t, &c);
    REQUIRE(rev != NULL);
    CHECK_STR_EQ(json_string_value(json_object_get(rev, "revisionUrl")),
                 "https://github.com/octo/app/commit/" ID);
    json_t *summary =
        json_loads(json_string_value(json_object_get(rev, "revisionSummary")), 0, NULL);
    CHECK_STR_EQ(json_string_value(json_object_get(summary, "ProviderType")), "GitHub");
    CHECK_STR_EQ(json_string_value(json_object_get(summary, "CommitMessage")),
                 "Add the parser\n\nLonger body.");
    json_decref(summary);
    json_decref(rev);

    /* a long message: the summary's JSON text stays within 2048 bytes and parses */
    memset(c.message, 'x', SRC_COMMIT_MESSAGE_MAX);
    c.message[0] = '"';
    c.message[SRC_COMMIT_MESSAGE_MAX] = '\0';
    snprintf(t.provider_type, sizeof t.provider_type, "GitLab");
    rev = src_revision_document(&t, &c);
    REQUIRE(rev != NULL);
    const char *text = json_string_value(json_object_get(rev, "revisionSummary"));
    CHECK(text != NULL && strlen(text) <= SRC_REVISION_SUMMARY_MAX);
    summary = json_loads(text, 0, NULL);
    CHECK(summary != NULL);
    json_decref(summary);
    CHECK_STR_CONTAINS(json_string_value(json_object_get(rev, "revisionUrl")), "/-/commit/");
    json_decref(rev);
    vars = src_revision_variables(&t, &c);
    CHECK_INT_EQ(json_string_length(json_object_get(vars, "CommitMessage")),
                 SRC_REVISION_MESSAGE_MAX);
    json_decref(vars);

    /* a local connection implies no provider and no page */
    memset(&t.provider_type, 0, sizeof t.provider_type);
    snprintf(t.base_url, sizeof t.base_url, "/srv/git");
    t.kind = SRC_REMOTE_LOCAL;
    CHECK_STR_EQ(src_revision_provider_type(&t), "");
}

static void test_results(void)
{
    json_t *outputs = json_pack("[{s:s, s:s, s:s}]", "name", "SourceOut", "bucket",
                                "sluice-artifacts", "key", "p/SourceOut/abc1234");
    json_t *vars = json_pack("{s:s}", "CommitId", ID);
    json_t *rev = json_pack("{s:s}", "revision", ID);
    json_t *ok = src_result_success("job-1", "pipe", outputs, rev, vars, "Add\nthe parser");
    REQUIRE(ok != NULL);
    CHECK_STR_EQ(json_string_value(json_object_get(ok, "type")), PROTOCOL_REQUEST_JOB_RESULT);
    CHECK_STR_EQ(json_string_value(json_object_get(ok, "jobId")), "job-1");
    CHECK_STR_EQ(json_string_value(json_object_get(ok, "pipeline")), "pipe");
    CHECK_STR_EQ(json_string_value(json_object_get(ok, "outcome")), "Succeeded");
    CHECK(json_equal(json_object_get(ok, "outputArtifacts"), outputs));
    CHECK(json_equal(json_object_get(ok, "outputVariables"), vars));
    CHECK(json_equal(json_object_get(ok, "currentRevision"), rev));
    CHECK_STR_EQ(
        json_string_value(json_object_get(json_object_get(ok, "executionDetails"), "summary")),
        "Add the parser");
    json_decref(ok);
    CHECK(src_result_success("", "pipe", outputs, NULL, NULL, NULL) == NULL);
    json_decref(outputs);
    json_decref(vars);
    json_decref(rev);

    char *message = malloc(SRC_RESULT_MESSAGE_MAX + 100);
    REQUIRE(message != NULL);
    memset(message, 'm', SRC_RESULT_MESSAGE_MAX + 99);
    message[1] = '\xff';
    message[SRC_RESULT_MESSAGE_MAX + 99] = '\0';
    json_t *bad = src_result_failure("job-2", "pipe", SRC_FAILURE_REVISION_UNAVAILABLE, message);
    free(message);
    REQUIRE(bad != NULL);
    json_t *details = json_object_get(bad, "failureDetails");
    CHECK_STR_EQ(json_string_value(json_object_get(bad, "outcome")), "Failed");
    CHECK_STR_EQ(json_string_value(json_object_get(details, "type")), "RevisionUnavailable");
    CHECK(json_string_length(json_object_get(details, "message")) <= SRC_RESULT_MESSAGE_MAX);
    CHECK_STR_CONTAINS(json_string_value(json_object_get(details, "message")), "\xef\xbf\xbd");
    json_decref(bad);
    bad = src_result_failure("job-3", "pipe", SRC_FAILURE_CONFIGURATION, "");
    CHECK_STR_EQ(
        json_string_value(json_object_get(json_object_get(bad, "failureDetails"), "message")),
        "the source action failed");
    json_decref(bad);
    CHECK_STR_EQ(src_result_failure_name(SRC_FAILURE_JOB_FAILED), "JobFailed");
    CHECK_STR_EQ(src_result_failure_name(SRC_FAILURE_CONFIGURATION), "ConfigurationError");
    CHECK_STR_EQ(src_result_failure_name(SRC_FAILURE_PERMISSION), "PermissionError");
    CHECK_STR_EQ(src_result_failure_name(SRC_FAILURE_REVISION_OUT_OF_SYNC), "RevisionOutOfSync");
    CHECK_STR_EQ(src_result_failure_name(SRC_FAILURE_SYSTEM_UNAVAILABLE), "SystemUnavailable");
}

int main(void)
{
    RUN_TEST(test_commit_parse);
    RUN_TEST(test_commit_refused);
    RUN_TEST(test_text);
    RUN_TEST(test_codecommit_variables);
    RUN_TEST(test_connection_variables);
    RUN_TEST(test_results);
    return sluice_test_report();
}
