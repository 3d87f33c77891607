/* Unit tests of sluice/aws_credentials.h: adding, parsing configuration, lookups, bounds. */
#include "sluice/aws_credentials.h"
#include "sluice/error.h"
#include "sluice_test.h"

#include <stdlib.h>
#include <string.h>

static void test_add_and_find(void)
{
    aws_credentials *store = aws_credentials_new();
    REQUIRE(store != NULL);
    char err[256];
    CHECK_INT_EQ(aws_credentials_add(store, "AKIAEXAMPLE000000001", "abc/DEF+ghi", NULL, "alice",
                                     "admin", err, sizeof err),
                 SLUICE_OK);
    CHECK_INT_EQ(aws_credentials_add(store, "ASIAEXAMPLE000000002", "secret2", "tok/en==", "bob",
                                     "viewer", err, sizeof err),
                 SLUICE_OK);
    const aws_credential *alice = aws_credentials_find(store, "AKIAEXAMPLE000000001");
    REQUIRE(alice != NULL);
    CHECK_STR_EQ(alice->identity, "alice");
    CHECK_STR_EQ(alice->role, "admin");
    CHECK_STR_EQ(alice->secret_access_key, "abc/DEF+ghi");
    CHECK(alice->session_token == NULL);
    const aws_credential *bob = aws_credentials_find(store, "ASIAEXAMPLE000000002");
    REQUIRE(bob != NULL);
    CHECK_STR_EQ(bob->session_token, "tok/en==");
    CHECK(aws_credentials_find(store, "akiaexample000000001") == NULL);
    CHECK(aws_credentials_find(store, "") == NULL);
    CHECK(aws_credentials_find(store, NULL) == NULL);
    CHECK_INT_EQ(aws_credentials_count(store), 2);
    aws_credentials_free(store);
    aws_credentials_free(NULL);
}

static void test_add_rejects(void)
{
    aws_credentials *store = aws_credentials_new();
    char err[256];
    CHECK_INT_EQ(aws_credentials_add(store, "AKID-WITH-DASH", "s", NULL, "a", "r", err, sizeof err),
                 SLUICE_EINVAL);
    CHECK_INT_EQ(aws_credentials_add(store, "AKID", "has space", NULL, "a", "r", err, sizeof err),
                 SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "secret access key");
    CHECK(strstr(err, "has space") == NULL);
    CHECK_INT_EQ(aws_credentials_add(store, "AKID", "", NULL, "a", "r", err, sizeof err),
                 SLUICE_EINVAL);
    CHECK_INT_EQ(aws_credentials_add(store, "AKID", "s", "", "a", "r", err, sizeof err),
                 SLUICE_EINVAL);
    CHECK_INT_EQ(aws_credentials_add(store, "AKID", "s", NULL, "a b", "r", err, sizeof err),
                 SLUICE_EINVAL);
    CHECK_INT_EQ(aws_credentials_add(store, "AKID", "s", NULL, "a", "", err, sizeof err),
                 SLUICE_EINVAL);
    CHECK_INT_EQ(aws_credentials_count(store), 0);
    CHECK_INT_EQ(aws_credentials_add(store, "AKID", "s", NULL, "a", "r", err, sizeof err),
                 SLUICE_OK);
    CHECK_INT_EQ(aws_credentials_add(store, "AKID", "t", NULL, "b", "r", err, sizeof err),
                 SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "twice");
    CHECK_STR_EQ(aws_credentials_find(store, "AKID")->secret_access_key, "s");

    char long_id[AWS_ACCESS_KEY_ID_MAX + 2];
    memset(long_id, 'A', sizeof long_id - 1);
    long_id[sizeof long_id - 1] = '\0';
    CHECK_INT_EQ(aws_credentials_add(store, long_id, "s", NULL, "a", "r", err, sizeof err),
                 SLUICE_EINVAL);
    aws_credentials_free(store);
}

static void test_bound(void)
{
    aws_credentials *store = aws_credentials_new();
    char err[256];
    char id[32];
    for (int i = 0; i < AWS_CREDENTIALS_MAX; i++) {
        snprintf(id, sizeof id, "AKID%06d", i);
        CHECK_INT_EQ(aws_credentials_add(store, id, "s", NULL, "a", "r", err, sizeof err),
                     SLUICE_OK);
    }
    CHECK_INT_EQ(aws_credentials_add(store, "AKIDONEMORE", "s", NULL, "a", "r", err, sizeof err),
                 SLUICE_ETOOBIG);
    CHECK(aws_credentials_find(store, "AKID000000") != NULL);
    CHECK(aws_credentials_find(store, "AKID000255") != NULL);
    aws_credentials_free(store);
}

static void test_parse(void)
{
    aws_credentials *store = aws_credentials_new();
    char err[256];
    CHECK_INT_EQ(aws_credentials_parse(store,
                                       " AKIASLUICEDEMO000001:wJalr/K7+key:demo:admin ,\n"
                                       "AKIASLUICEVIEW000002:other:viewer.one:viewer;;"
                                       "ASIASLUICETOKEN00003:sec:ci-bot:operator:FQoGZXIvYXdz==\n",
                                       err, sizeof err),
                 SLUICE_OK);
    CHECK_INT_EQ(aws_credentials_count(store), 3);
    const aws_credential *demo = aws_credentials_find(store, "AKIASLUICEDEMO000001");
    REQUIRE(demo != NULL);
    CHECK_STR_EQ(demo->secret_access_key, "wJalr/K7+key");
    CHECK_STR_EQ(demo->identity, "demo");
    CHECK_STR_EQ(demo->role, "admin");
    const aws_credential *bot = aws_credentials_find(store, "ASIASLUICETOKEN00003");
    REQUIRE(bot != NULL);
    CHECK_STR_EQ(bot->session_token, "FQoGZXIvYXdz==");
    CHECK_STR_EQ(bot->role, "operator");
    CHECK_STR_EQ(bot->scope, "");
    CHECK_INT_EQ(aws_credentials_parse(store, "", err, sizeof err), SLUICE_OK);
    aws_credentials_free(store);
}

static void test_parse_scope(void)
{
    aws_credentials *store = aws_credentials_new();
    char err[256];
    REQUIRE(store != NULL);
    CHECK_INT_EQ(aws_credentials_parse(store,
                                       "AKIDSCOPED:s1:ci:worker(Custom/Build/MyTool*|AWS/Deploy/"
                                       "CodeDeploy/1):TOKEN,AKIDPLAIN:s2:bob:worker",
                                       err, sizeof err),
                 SLUICE_OK);
    const aws_credential *scoped = aws_credentials_find(store, "AKIDSCOPED");
    REQUIRE(scoped != NULL);
    CHECK_STR_EQ(scoped->role, "worker");
    CHECK_STR_EQ(scoped->scope, "Custom/Build/MyTool*|AWS/Deploy/CodeDeploy/1");
    CHECK_STR_EQ(scoped->session_token, "TOKEN");
    CHECK_STR_EQ(aws_credentials_find(store, "AKIDPLAIN")->scope, "");
    CHECK_INT_EQ(aws_credentials_parse(store, "AKIDX:s:a:worker(Custom/Build", err, sizeof err),
                 SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "entry 1");
    CHECK_STR_CONTAINS(err, "scope");
    CHECK_INT_EQ(aws_credentials_parse(store, "AKIDY:s:a:worker()", err, sizeof err),
                 SLUICE_EINVAL);
    CHECK_INT_EQ(aws_credentials_parse(store, "AKIDZ:s:a:worker(Custom/B uild/X)", err, sizeof err),
                 SLUICE_EINVAL);
    CHECK_INT_EQ(aws_credentials_count(store), 2);
    aws_credentials_free(store);
}

static void test_parse_errors_never_echo_secrets(void)
{
    aws_credentials *store = aws_credentials_new();
    char err[256];
    CHECK_INT_EQ(aws_credentials_parse(store, "AKIDONE:TopSecretValue", err, sizeof err),
                 SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "entry 1");
    CHECK(strstr(err, "TopSecretValue") == NULL);

    CHECK_INT_EQ(
        aws_credentials_parse(store, "AKIDONE:s:a:r,AKIDTWO:Top Secret:a:r", err, sizeof err),
        SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "entry 2");
    CHECK(strstr(err, "Top Secret") == NULL);
    CHECK_INT_EQ(aws_credentials_count(store), 1); /* entry 1 stays */

    CHECK_INT_EQ(aws_credentials_parse(store, "AKIDTHREE:s:a:r:tok:extra", err, sizeof err),
                 SLUICE_EINVAL);
    CHECK_INT_EQ(aws_credentials_parse(store, NULL, err, sizeof err), SLUICE_EINVAL);

    char *huge = malloc(8192);
    REQUIRE(huge != NULL);
    memset(huge, 'x', 8191);
    huge[8191] = '\0';
    CHECK_INT_EQ(aws_credentials_parse(store, huge, err, sizeof err), SLUICE_ETOOBIG);
    free(huge);
    aws_credentials_free(store);
}

/* Optional groups= and email= fields: the identity's, for approval policies. */
static void test_profile(void)
{
    aws_credentials *store = aws_credentials_new();
    char err[256];
    CHECK_INT_EQ(aws_credentials_parse(store,
                                       "AKIAALICE00000000001:s1:alice:approver:groups=release|ops:"
                                       "email=alice@example.com,"
                                       "ASIAALICE00000000002:s2:alice:viewer:FQoG==:email="
                                       "alice@example.com:groups=release|ops,"
                                       "AKIABOB0000000000003:s3:bob:approver:email=bob@example.com,"
                                       "AKIACAROL00000000004:s4:carol:approver",
                                       err, sizeof err),
                 SLUICE_OK);
    const aws_credential *alice = aws_credentials_find(store, "AKIAALICE00000000001");
    REQUIRE(alice != NULL);
    CHECK_INT_EQ((int)alice->ngroups, 2);
    CHECK_STR_EQ(alice->groups[0], "release");
    CHECK_STR_EQ(alice->groups[1], "ops");
    CHECK_STR_EQ(alice->email, "alice@example.com");
    CHECK(alice->session_token == NULL);
    const aws_credential *alice2 = aws_credentials_find(store, "ASIAALICE00000000002");
    REQUIRE(alice2 != NULL);
    CHECK_STR_EQ(alice2->session_token, "FQoG==");
    CHECK_INT_EQ((int)alice2->ngroups, 2);
    const aws_credential *bob = aws_credentials_find_identity(store, "bob");
    REQUIRE(bob != NULL);
    CHECK_INT_EQ((int)bob->ngroups, 0);
    CHECK_STR_EQ(bob->email, "bob@example.com");
    const aws_credential *carol = aws_credentials_find_identity(store, "carol");
    REQUIRE(carol != NULL);
    CHECK_INT_EQ((int)carol->ngroups, 0);
    CHECK_STR_EQ(carol->email, "");
    CHECK(aws_credentials_find_identity(store, "dave") == NULL);
    CHECK_INT_EQ((int)aws_credentials_count(store), 4);

    /* errors name the entry and the field, and add nothing */
    CHECK_INT_EQ(aws_credentials_parse(store, "AKIAD1:s:dave:approver:groups=a b", err, sizeof err),
                 SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "credential entry 1: group 1 must be");
    CHECK_INT_EQ(
        aws_credentials_parse(store, "AKIAD2:s:dave:approver:email=nobody", err, sizeof err),
        SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "credential entry 1: email must be an address");
    CHECK_INT_EQ(
        aws_credentials_parse(store, "AKIAD3:s:dave:approver:tok:colour=red", err, sizeof err),
        SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "credential entry 1: field 6 must be groups=... or email=...");
    CHECK_INT_EQ(
        aws_credentials_parse(store, "AKIAD4:s:dave:approver:email=a@b:email=c@d", err, sizeof err),
        SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "is given twice");
    CHECK_INT_EQ(
        aws_credentials_parse(store, "AKIAD5:s:alice:approver:groups=release", err, sizeof err),
        SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "groups and email of identity alice differ");
    CHECK_INT_EQ(aws_credentials_parse(store, "AKIAD6:s:dave:approver:a:b:c:d", err, sizeof err),
                 SLUICE_EINVAL);
    CHECK(aws_credentials_find(store, "AKIAD1") == NULL);
    CHECK(aws_credentials_find(store, "AKIAD2") == NULL);
    CHECK(aws_credentials_find(store, "AKIAD5") == NULL);
    CHECK_INT_EQ((int)aws_credentials_count(store), 4);
    aws_credentials_free(store);
}

int main(void)
{
    RUN_TEST(test_add_and_find);
    RUN_TEST(test_add_rejects);
    RUN_TEST(test_bound);
    RUN_TEST(test_parse);
    RUN_TEST(test_parse_scope);
    RUN_TEST(test_parse_errors_never_echo_secrets);
    RUN_TEST(test_profile);
    return sluice_test_report();
}
