/*
 * The CODEBUILD_CLONE_REF reference file (aws_cloneref.h): built and read back
 * unchanged; every URL form a reference may carry accepted, and credentials,
 * other schemes, option-like and spaced URLs refused; bad commit ids, branch
 * names and repositories refused with a message naming the member; malformed,
 * incomplete, duplicated or oversized documents refused; other members
 * ignored.
 */
#include "sluice/aws_cloneref.h"
#include "sluice/error.h"
#include "sluice_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COMMIT "0123456789abcdef0123456789abcdef01234567"

static aws_cloneref good_ref(void)
{
    aws_cloneref ref;
    memset(&ref, 0, sizeof ref);
    snprintf(ref.url, sizeof ref.url, "%s", "/srv/git/demo.git");
    snprintf(ref.commit, sizeof ref.commit, "%s", COMMIT);
    snprintf(ref.branch, sizeof ref.branch, "%s", "release/1.2");
    snprintf(ref.repository, sizeof ref.repository, "%s", "demo");
    return ref;
}

static void test_round_trip(void)
{
    aws_cloneref ref = good_ref();
    char *text = NULL;
    size_t len = 0;
    char err[256] = "";
    REQUIRE(aws_cloneref_build(&ref, &text, &len, err, sizeof err) == SLUICE_OK);
    CHECK_STR_EQ(text, "{\"url\":\"/srv/git/demo.git\",\"commit\":\"" COMMIT
                       "\",\"branch\":\"release/1.2\",\"repository\":\"demo\"}");
    CHECK_INT_EQ(len, strlen(text));
    aws_cloneref back;
    CHECK_INT_EQ(aws_cloneref_parse(text, len, &back, err, sizeof err), SLUICE_OK);
    CHECK_STR_EQ(back.url, ref.url);
    CHECK_STR_EQ(back.commit, ref.commit);
    CHECK_STR_EQ(back.branch, ref.branch);
    CHECK_STR_EQ(back.repository, ref.repository);
    free(text);
    /* a 64-digit (SHA-256) id and a connection's owner/name */
    snprintf(ref.commit, sizeof ref.commit, "%s", COMMIT "0123456789abcdef01234567");
    snprintf(ref.repository, sizeof ref.repository, "%s", "octo/app");
    snprintf(ref.url, sizeof ref.url, "%s", "https://git.example.com:8443/octo/app.git");
    REQUIRE(aws_cloneref_build(&ref, &text, &len, err, sizeof err) == SLUICE_OK);
    CHECK_INT_EQ(aws_cloneref_parse(text, len, &back, err, sizeof err), SLUICE_OK);
    CHECK_STR_EQ(back.commit, ref.commit);
    free(text);
}

static void test_urls(void)
{
    CHECK(aws_cloneref_url_ok("/srv/git/demo"));
    CHECK(aws_cloneref_url_ok("file:///srv/git/demo"));
    CHECK(aws_cloneref_url_ok("http://127.0.0.1:3000/team/app.git"));
    CHECK(aws_cloneref_url_ok("https://github.com/octo/app.git"));
    CHECK(aws_cloneref_url_ok("https://github.com/octo/a@b.git")); /* '@' in the path */
    CHECK(!aws_cloneref_url_ok(""));
    CHECK(!aws_cloneref_url_ok("relative/path"));
    CHECK(!aws_cloneref_url_ok("https://ci:token@github.com/octo/app.git"));
    CHECK(!aws_cloneref_url_ok("https://token@github.com/octo/app.git"));
    CHECK(!aws_cloneref_url_ok("https:///no-host"));
    CHECK(!aws_cloneref_url_ok("git@github.com:octo/app.git"));
    CHECK(!aws_cloneref_url_ok("ssh://git@github.com/octo/app.git"));
    CHECK(!aws_cloneref_url_ok("ext::sh -c touch% /tmp/x"));
    CHECK(!aws_cloneref_url_ok("file://host/srv"));
    CHECK(!aws_cloneref_url_ok("--upload-pack=touch /tmp/x"));
    CHECK(!aws_cloneref_url_ok("/srv/git/de mo"));
    CHECK(!aws_cloneref_url_ok("/srv/git/demo\n"));
}

static void test_bad_members(void)
{
    char err[256];
    aws_cloneref ref = good_ref();
    char *text = NULL;
    size_t len = 0;
    snprintf(ref.url, sizeof ref.url, "%s", "https://u:p@host/x.git");
    CHECK_INT_EQ(aws_cloneref_build(&ref, &text, &len, err, sizeof err), SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "\"url\"");
    CHECK(text == NULL);
    const char *commits[] = {"", "0123", COMMIT "0", "0123456789ABCDEF0123456789abcdef01234567",
                             "g123456789abcdef0123456789abcdef01234567"};
    for (size_t i = 0; i < sizeof commits / sizeof commits[0]; i++) {
        ref = good_ref();
        snprintf(ref.commit, sizeof ref.commit, "%s", commits[i]);
        CHECK_INT_EQ(aws_cloneref_check(&ref, err, sizeof err), SLUICE_EINVAL);
        CHECK_STR_CONTAINS(err, "\"commit\"");
    }
    const char *branches[] = {"",      "-x",    "a..b", "a b",    "a~1", "a^",    "a:b",
                              "refs/", "/main", "a//b", "x.lock", "@",   "a@{1}", ".hidden",
                              "a/.b",  "main.", "a?",   "a*",     "a[b", "a\\b"};
    for (size_t i = 0; i < sizeof branches / sizeof branches[0]; i++) {
        ref = good_ref();
        snprintf(ref.branch, sizeof ref.branch, "%s", branches[i]);
        CHECK_INT_EQ(aws_cloneref_check(&ref, err, sizeof err), SLUICE_EINVAL);
        CHECK_STR_CONTAINS(err, "\"branch\"");
    }
    ref = good_ref();
    snprintf(ref.repository, sizeof ref.repository, "%s", "");
    CHECK_INT_EQ(aws_cloneref_check(&ref, err, sizeof err), SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "\"repository\"");
    snprintf(ref.repository, sizeof ref.repository, "%s", "bad\nname");
    CHECK_INT_EQ(aws_cloneref_check(&ref, err, sizeof err), SLUICE_EINVAL);
}

static void test_bad_documents(void)
{
    char err[256];
    aws_cloneref ref;
    const char *ok_tail = "\"commit\":\"" COMMIT "\",\"branch\":\"main\",\"repository\":\"r\"}";
    char doc[512];
    /* other members ignored */
    snprintf(doc, sizeof doc, "{\"url\":\"/r\",\"extra\":[1,2],%s", ok_tail);
    CHECK_INT_EQ(aws_cloneref_parse(doc, strlen(doc), &ref, err, sizeof err), SLUICE_OK);
    CHECK_STR_EQ(ref.url, "/r");
    /* not JSON, not an object */
    CHECK_INT_EQ(aws_cloneref_parse("{", 1, &ref, err, sizeof err), SLUICE_EPARSE);
    CHECK_STR_CONTAINS(err, "not a JSON object");
    CHECK_INT_EQ(aws_cloneref_parse("[1]", 3, &ref, err, sizeof err), SLUICE_EPARSE);
    CHECK_INT_EQ(aws_cloneref_parse("", 0, &ref, err, sizeof err), SLUICE_EPARSE);
    /* a member missing or not a string */
    snprintf(doc, sizeof doc, "{%s", ok_tail);
    CHECK_INT_EQ(aws_cloneref_parse(doc, strlen(doc), &ref, err, sizeof err), SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "\"url\" is missing");
    snprintf(doc, sizeof doc, "{\"url\":7,%s", ok_tail);
    CHECK_INT_EQ(aws_cloneref_parse(doc, strlen(doc), &ref, err, sizeof err), SLUICE_EINVAL);
    CHECK(ref.commit[0] == '\0'); /* cleared on failure */
    /* duplicated members */
    snprintf(doc, sizeof doc, "{\"url\":\"/r\",\"url\":\"/s\",%s", ok_tail);
    CHECK_INT_EQ(aws_cloneref_parse(doc, strlen(doc), &ref, err, sizeof err), SLUICE_EPARSE);
    /* a NUL inside a string */
    snprintf(doc, sizeof doc, "{\"url\":\"/r\\u0000x\",%s", ok_tail);
    CHECK_INT_EQ(aws_cloneref_parse(doc, strlen(doc), &ref, err, sizeof err), SLUICE_EPARSE);
    /* an over-long member, an oversized document */
    char *big = malloc(AWS_CLONEREF_MAX_BYTES + 2);
    REQUIRE(big != NULL);
    memset(big, ' ', AWS_CLONEREF_MAX_BYTES + 1);
    big[AWS_CLONEREF_MAX_BYTES + 1] = '\0';
    CHECK_INT_EQ(aws_cloneref_parse(big, AWS_CLONEREF_MAX_BYTES + 1, &ref, err, sizeof err),
                 SLUICE_ETOOBIG);
    int n = snprintf(big, AWS_CLONEREF_MAX_BYTES, "{\"url\":\"/");
    memset(big + n, 'a', AWS_CLONEREF_URL_MAX + 1);
    snprintf(big + n + AWS_CLONEREF_URL_MAX + 1, 200, "\",%s", ok_tail);
    CHECK_INT_EQ(aws_cloneref_parse(big, strlen(big), &ref, err, sizeof err), SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "longer than");
    free(big);
    /* parse is bounded by len, not by a NUL */
    snprintf(doc, sizeof doc, "{\"url\":\"/r\",%sGARBAGE", ok_tail);
    CHECK_INT_EQ(aws_cloneref_parse(doc, strlen(doc) - 7, &ref, err, sizeof err), SLUICE_OK);
}

int main(void)
{
    RUN_TEST(test_round_trip);
    RUN_TEST(test_urls);
    RUN_TEST(test_bad_members);
    RUN_TEST(test_bad_documents);
    return sluice_test_report();
}
