/*
 * Unit tests of src_s3.h (AWS/S3 sources: revisions from version ids and
 * ETags, the failure of each store answer, variables and revision) and of
 * src_poll's S3 watches (one per bucket and key, the trigger detail, the
 * S3_OBJECT_VERSION_ID start request).
 */
#include "src_poll.h"
#include "src_s3.h"

#include "sluice/error.h"
#include "sluice_test.h"

#include <string.h>

#define VID "0190a1b2c3d4e5f60718293a4b5c6d7e"

static void test_revision(void)
{
    char rev[SRC_S3_REVISION_MAX + 1];
    CHECK_INT_EQ(src_s3_revision(VID, "\"d41d8cd98f00b204e9800998ecf8427e\"", rev), 0);
    CHECK_STR_EQ(rev, VID);
    CHECK(src_s3_revision_is_version(rev));
    /* an unversioned bucket: the ETag stands for the revision */
    CHECK_INT_EQ(src_s3_revision("null", "\"d41d8cd98f00b204e9800998ecf8427e\"", rev), 0);
    CHECK_STR_EQ(rev, "etag:d41d8cd98f00b204e9800998ecf8427e");
    CHECK(!src_s3_revision_is_version(rev));
    CHECK_INT_EQ(src_s3_revision(NULL, "\"abc-3\"", rev), 0);
    CHECK_STR_EQ(rev, "etag:abc-3");
    CHECK_INT_EQ(src_s3_revision(NULL, NULL, rev), SLUICE_EINVAL);
    CHECK_STR_EQ(rev, "");
    CHECK_INT_EQ(src_s3_revision("bad id\n", "\"x\"", rev), SLUICE_EINVAL);
    CHECK_INT_EQ(src_s3_revision(NULL, "\"a b\"", rev), SLUICE_EINVAL);
    char ok[SRC_S3_ETAG_MAX + 1];
    src_s3_etag("\"abc\"", ok);
    CHECK_STR_EQ(ok, "abc");
    src_s3_etag("abc", ok);
    CHECK_STR_EQ(ok, "abc");
    CHECK(src_s3_version_id_ok(VID));
    CHECK(src_s3_version_id_ok("null"));
    CHECK(!src_s3_version_id_ok(""));
    CHECK(!src_s3_version_id_ok("etag:abc"));
    CHECK(!src_s3_version_id_ok("a/b"));
}

static void failure(int rc, const char *body, const char *version, src_failure_type *type,
                    char *msg, size_t len)
{
    http_client_response resp;
    memset(&resp, 0, sizeof resp);
    sluice_buf_init(&resp.body, 4096);
    REQUIRE(sluice_buf_append_str(&resp.body, body) == 0);
    src_s3_failure(rc, &resp, "sources", "app/src.zip", version, 1024, "why", type, msg, len);
    sluice_buf_free(&resp.body);
}

static void test_failure(void)
{
    src_failure_type type;
    char msg[1024];
    failure(SLUICE_ENOTFOUND, "<Error><Code>NoSuchBucket</Code></Error>", NULL, &type, msg,
            sizeof msg);
    CHECK_INT_EQ(type, SRC_FAILURE_CONFIGURATION);
    CHECK_STR_CONTAINS(msg, "The bucket sources (S3Bucket) does not exist");
    CHECK_STR_CONTAINS(msg, "app/src.zip");
    failure(SLUICE_ENOTFOUND, "<Error><Code>NoSuchKey</Code></Error>", NULL, &type, msg,
            sizeof msg);
    CHECK_INT_EQ(type, SRC_FAILURE_REVISION_UNAVAILABLE);
    CHECK_STR_CONTAINS(msg, "s3://sources/app/src.zip (S3ObjectKey) does not exist");
    failure(SLUICE_ENOTFOUND, "<Error><Code>NoSuchVersion</Code></Error>", VID, &type, msg,
            sizeof msg);
    CHECK_INT_EQ(type, SRC_FAILURE_REVISION_UNAVAILABLE);
    CHECK_STR_CONTAINS(msg, "s3://sources/app/src.zip (version " VID ")");
    failure(SLUICE_EDENIED, "", NULL, &type, msg, sizeof msg);
    CHECK_INT_EQ(type, SRC_FAILURE_PERMISSION);
    CHECK_STR_CONTAINS(msg, "SLUICE_SOURCE_S3_KEY_FILE");
    failure(SLUICE_ETOOBIG, "", NULL, &type, msg, sizeof msg);
    CHECK_INT_EQ(type, SRC_FAILURE_JOB_FAILED);
    CHECK_STR_CONTAINS(msg, "larger than 1024 bytes");
    failure(SLUICE_EIO, "", NULL, &type, msg, sizeof msg);
    CHECK_INT_EQ(type, SRC_FAILURE_SYSTEM_UNAVAILABLE);
    CHECK_STR_CONTAINS(msg, "Reading s3://sources/app/src.zip from the artifact store failed");
}

static void test_http_date(void)
{
    CHECK_INT_EQ(src_s3_http_date("Thu, 01 Jan 1970 00:00:00 GMT"), 0);
    CHECK_INT_EQ(src_s3_http_date("Tue, 14 Nov 2023 22:13:20 GMT"), 1700000000);
    CHECK_INT_EQ(src_s3_http_date("Thu, 29 Feb 2024 12:00:00 GMT"), 1709208000);
    CHECK_INT_EQ(src_s3_http_date(NULL), 0);
    CHECK_INT_EQ(src_s3_http_date(""), 0);
    CHECK_INT_EQ(src_s3_http_date("Tue, 14 Foo 2023 22:13:20 GMT"), 0);
    CHECK_INT_EQ(src_s3_http_date("Tue, 14 Ja 2023 22:13:20 GMT"), 0);
    CHECK_INT_EQ(src_s3_http_date("Tue, 14 Nov 2023 25:13:20 GMT"), 0);
    CHECK_INT_EQ(src_s3_http_date("Tue, 14 Nov 1969 22:13:20 GMT"), 0);
}

static void test_documents(void)
{
    json_t *vars = src_s3_variables("\"0123abcd\"", VID);
    REQUIRE(vars != NULL);
    CHECK_STR_EQ(json_string_value(json_object_get(vars, "ETag")), "0123abcd");
    CHECK_STR_EQ(json_string_value(json_object_get(vars, "VersionId")), VID);
    json_decref(vars);
    char summary[256];
    json_t *rev = src_s3_revision_document("sources", "app/src.zip", VID, 1700000000, summary,
                                           sizeof summary);
    REQUIRE(rev != NULL);
    CHECK_STR_EQ(json_string_value(json_object_get(rev, "revision")), VID);
    CHECK_STR_EQ(json_string_value(json_object_get(rev, "changeIdentifier")), VID);
    CHECK_INT_EQ(json_integer_value(json_object_get(rev, "created")), 1700000000);
    CHECK_STR_EQ(summary, "s3://sources/app/src.zip version " VID);
    json_decref(rev);
}

#define S3(action, bucket, key, extra)                                                             \
    "{\"name\": \"" action "\", \"actionTypeId\": {\"category\": \"Source\", \"owner\": "          \
    "\"AWS\", \"provider\": \"S3\", \"version\": \"1\"}, \"configuration\": "                      \
    "{\"S3Bucket\": \"" bucket "\", \"S3ObjectKey\": \"" key "\"" extra "}}"

static void collect(src_poll_set *set, const char *name, const char *action)
{
    char text[2048];
    snprintf(text, sizeof text,
             "{\"pipeline\": {\"name\": \"%s\", \"version\": 1, \"stages\": [{\"name\": "
             "\"Source\", \"actions\": [%s]}]}}",
             name, action);
    json_t *doc = json_loads(text, 0, NULL);
    REQUIRE(doc != NULL);
    CHECK_INT_EQ(src_poll_collect(set, NULL, doc, "us-east-1", "123456789012"), 0);
    json_decref(doc);
}

static void test_watches(void)
{
    src_poll_set set = {0};
    collect(&set, "p1", S3("Src", "sources", "app/src.zip", ""));
    collect(&set, "p2",
            S3("Obj", "sources", "app/src.zip", ", \"PollForSourceChanges\": \"TRUE\""));
    collect(&set, "p3", S3("Src", "sources", "app/other.zip", ""));
    collect(&set, "off",
            S3("Src", "sources", "app/src.zip", ", \"PollForSourceChanges\": \"false\""));
    REQUIRE(set.count == 2);
    long at = src_poll_find_key(&set, "s3://sources", "", "app/src.zip");
    REQUIRE(at >= 0);
    src_poll_watch *w = &set.watches[at];
    CHECK(w->s3);
    CHECK_STR_EQ(w->bucket, "sources");
    CHECK_INT_EQ(w->nusers, 2);
    CHECK_STR_EQ(w->users[1].action, "Obj");
    CHECK_STR_EQ(w->users[0].detail, "arn:aws:s3:::sources/app/src.zip");
    CHECK(src_poll_find(&set, "s3://sources", "") < 0); /* git lookups never meet S3 watches */

    json_t *req = src_poll_start_request_of(&w->users[0], VID, "S3_OBJECT_VERSION_ID",
                                            "PollForSourceChanges");
    REQUIRE(req != NULL);
    json_t *rev = json_array_get(json_object_get(req, "sourceRevisions"), 0);
    CHECK_STR_EQ(json_string_value(json_object_get(rev, "revisionType")), "S3_OBJECT_VERSION_ID");
    CHECK_STR_EQ(json_string_value(json_object_get(rev, "revisionValue")), VID);
    CHECK_STR_EQ(json_string_value(json_object_get(rev, "actionName")), "Src");
    char token[SRC_POLL_TOKEN_LEN + 1];
    src_poll_token("p1", "Src", VID, token);
    CHECK_STR_EQ(json_string_value(json_object_get(req, "clientRequestToken")), token);
    json_decref(req);
    req = src_poll_start_request_of(&w->users[0], "etag:abc", NULL, "PollForSourceChanges");
    REQUIRE(req != NULL);
    CHECK(json_object_get(req, "sourceRevisions") == NULL);
    json_decref(req);
    src_poll_set_clear(&set);
}

int main(void)
{
    RUN_TEST(test_revision);
    RUN_TEST(test_failure);
    RUN_TEST(test_http_date);
    RUN_TEST(test_documents);
    RUN_TEST(test_watches);
    return sluice_test_report();
}
