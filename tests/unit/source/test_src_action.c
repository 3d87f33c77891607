/*
 * Unit tests of src_action.h: CodeCommit, CodeStarSourceConnection and S3
 * Source actions mapped to their remote, branch and options; defaults; and
 * the ConfigurationError messages for what is missing or malformed.
 */
#include "src_action.h"

#include "sluice/error.h"
#include "sluice_test.h"

#include <string.h>

#define ARN "arn:aws:codestar-connections:us-east-1:123456789012:connection/aaaa-1111"

static src_repos *repos;

static json_t *type_of(const char *provider)
{
    return json_pack("{s:s, s:s, s:s, s:s}", "category", "Source", "owner", "AWS", "provider",
                     provider, "version", "1");
}

static int resolve(const char *provider, const char *config_json, src_target *t, char *err,
                   size_t errlen)
{
    json_t *type = type_of(provider);
    json_t *config = json_loads(config_json, 0, NULL);
    int rc = src_action_resolve(repos, type, config, t, err, errlen);
    json_decref(type);
    json_decref(config);
    return rc;
}

static void test_provider(void)
{
    src_provider p;
    json_t *type = type_of("CodeCommit");
    CHECK_INT_EQ(src_action_provider(type, &p), 0);
    CHECK_INT_EQ(p, SRC_PROVIDER_CODECOMMIT);
    json_object_set_new(type, "provider", json_string("CodeStarSourceConnection"));
    CHECK_INT_EQ(src_action_provider(type, &p), 0);
    CHECK_INT_EQ(p, SRC_PROVIDER_CONNECTION);
    json_object_set_new(type, "provider", json_string("S3"));
    CHECK_INT_EQ(src_action_provider(type, &p), 0);
    CHECK_INT_EQ(p, SRC_PROVIDER_S3);
    json_object_set_new(type, "provider", json_string("ECR"));
    CHECK_INT_EQ(src_action_provider(type, &p), SLUICE_ENOTFOUND);
    json_object_set_new(type, "provider", json_string("CodeCommit"));
    json_object_set_new(type, "owner", json_string("Custom"));
    CHECK_INT_EQ(src_action_provider(type, &p), SLUICE_ENOTFOUND);
    json_object_set_new(type, "owner", json_string("AWS"));
    json_object_set_new(type, "category", json_string("Build"));
    CHECK_INT_EQ(src_action_provider(type, &p), SLUICE_ENOTFOUND);
    json_object_set_new(type, "category", json_string("Source"));
    json_object_set_new(type, "version", json_string("2"));
    CHECK_INT_EQ(src_action_provider(type, &p), SLUICE_ENOTFOUND);
    CHECK_INT_EQ(src_action_provider(NULL, &p), SLUICE_ENOTFOUND);
    json_decref(type);
    CHECK_STR_EQ(src_action_provider_name(SRC_PROVIDER_CONNECTION), "AWS/CodeStarSourceConnection");
}

static void test_codecommit(void)
{
    src_target t;
    char err[512] = "";
    CHECK_INT_EQ(resolve("CodeCommit", "{\"RepositoryName\": \"web\", \"BranchName\": \"main\"}",
                         &t, err, sizeof err),
                 0);
    CHECK_STR_EQ(t.url, "https://git.example.com/web.git");
    CHECK_INT_EQ(t.kind, SRC_REMOTE_HTTPS);
    CHECK_STR_EQ(t.branch, "main");
    CHECK_STR_EQ(t.repository_name, "web");
    CHECK(t.detect); /* PollForSourceChanges defaults to true */
    CHECK_INT_EQ(t.format, SRC_FORMAT_CODE_ZIP);
    REQUIRE(t.credentials != NULL);
    CHECK_STR_EQ(t.credentials->username, "ci");

    CHECK_INT_EQ(resolve("CodeCommit",
                         "{\"RepositoryName\": \"local\", \"BranchName\": \"release/1.x\","
                         " \"PollForSourceChanges\": \"FALSE\","
                         " \"OutputArtifactFormat\": \"CODEBUILD_CLONE_REF\"}",
                         &t, err, sizeof err),
                 0);
    CHECK(!t.detect);
    CHECK_INT_EQ(t.format, SRC_FORMAT_CLONE_REF);
    CHECK_INT_EQ(t.kind, SRC_REMOTE_LOCAL);

    CHECK_INT_EQ(resolve("CodeCommit", "{\"RepositoryName\": \"nope\", \"BranchName\": \"main\"}",
                         &t, err, sizeof err),
                 SLUICE_ENOTFOUND);
    CHECK_STR_CONTAINS(err, "\"nope\" (RepositoryName) is not declared");
    CHECK_STR_CONTAINS(err, "SLUICE_SOURCE_REPOSITORIES_FILE");
    CHECK(t.url[0] == '\0' && t.credentials == NULL);

    CHECK_INT_EQ(resolve("CodeCommit", "{\"RepositoryName\": \"web\"}", &t, err, sizeof err),
                 SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "has no BranchName");
    CHECK_INT_EQ(resolve("CodeCommit", "{\"RepositoryName\": \"web\", \"BranchName\": \"-x\"}", &t,
                         err, sizeof err),
                 SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "BranchName:");
    CHECK_INT_EQ(resolve("CodeCommit",
                         "{\"RepositoryName\": \"web\", \"BranchName\": \"main\","
                         " \"PollForSourceChanges\": \"yes\"}",
                         &t, err, sizeof err),
                 SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "PollForSourceChanges is \"yes\"");
    CHECK_INT_EQ(resolve("CodeCommit",
                         "{\"RepositoryName\": \"web\", \"BranchName\": \"main\","
                         " \"OutputArtifactFormat\": \"TAR\"}",
                         &t, err, sizeof err),
                 SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "CODE_ZIP or CODEBUILD_CLONE_REF");
    CHECK_INT_EQ(resolve("CodeCommit", "{\"RepositoryName\": 3, \"BranchName\": \"main\"}", &t, err,
                         sizeof err),
                 SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "RepositoryName must be a non-empty string");
    CHECK_INT_EQ(resolve("CodeCommit", "[]", &t, err, sizeof err), SLUICE_EINVAL);
}

static void test_connection(void)
{
    src_target t;
    char err[512] = "";
    CHECK_INT_EQ(resolve("CodeStarSourceConnection",
                         "{\"ConnectionArn\": \"" ARN "\", \"FullRepositoryId\": \"octo/app\","
                         " \"BranchName\": \"main\"}",
                         &t, err, sizeof err),
                 0);
    CHECK_STR_EQ(t.url, "https://github.com/octo/app.git");
    CHECK_STR_EQ(t.connection_arn, ARN);
    CHECK_STR_EQ(t.full_repository_id, "octo/app");
    CHECK_STR_EQ(t.base_url, "https://github.com/");
    CHECK(t.detect); /* DetectChanges defaults to true */
    REQUIRE(t.credentials != NULL);
    CHECK_STR_EQ(t.credentials->password, "tok");

    CHECK_INT_EQ(resolve("CodeStarSourceConnection",
                         "{\"ConnectionArn\": \"" ARN "\", \"FullRepositoryId\": \"../../etc\","
                         " \"BranchName\": \"main\"}",
                         &t, err, sizeof err),
                 SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "FullRepositoryId:");
    CHECK_INT_EQ(resolve("CodeStarSourceConnection",
                         "{\"ConnectionArn\": \"arn:aws:codestar-connections:us-east-1:"
                         "123456789012:connection/other\", \"FullRepositoryId\": \"o/a\","
                         " \"BranchName\": \"main\"}",
                         &t, err, sizeof err),
                 SLUICE_ENOTFOUND);
    CHECK_STR_CONTAINS(err, "(ConnectionArn) is not declared");
    CHECK_INT_EQ(resolve("CodeStarSourceConnection",
                         "{\"ConnectionArn\": \"" ARN "\", \"BranchName\": \"main\"}", &t, err,
                         sizeof err),
                 SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "has no FullRepositoryId");
}

static void test_s3(void)
{
    src_target t;
    char err[512] = "";
    CHECK_INT_EQ(resolve("S3",
                         "{\"S3Bucket\": \"sources\", \"S3ObjectKey\": \"app/src.zip\","
                         " \"PollForSourceChanges\": \"false\"}",
                         &t, err, sizeof err),
                 0);
    CHECK_STR_EQ(t.bucket, "sources");
    CHECK_STR_EQ(t.key, "app/src.zip");
    CHECK(!t.detect);
    CHECK_INT_EQ(resolve("S3", "{\"S3Bucket\": \"sources\"}", &t, err, sizeof err), SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "has no S3ObjectKey");
}

int main(void)
{
    const char *text =
        "{\"repositories\": ["
        " {\"name\": \"web\", \"url\": \"https://git.example.com/web.git\","
        "  \"credentials\": {\"username\": \"ci\", \"password\": \"pw\"}},"
        " {\"name\": \"local\", \"url\": \"/srv/git/local\"}],"
        " \"connections\": [{\"arn\": \"" ARN "\", \"baseUrl\": \"https://github.com/\","
        "  \"suffix\": \".git\", \"credentials\": {\"username\": \"x\", \"password\": \"tok\"}}]}";
    char err[512] = "";
    if (src_repos_parse(text, strlen(text), &repos, err, sizeof err) != 0) {
        fprintf(stderr, "fixture: %s\n", err);
        return 1;
    }
    RUN_TEST(test_provider);
    RUN_TEST(test_codecommit);
    RUN_TEST(test_connection);
    RUN_TEST(test_s3);
    src_repos_free(repos);
    return sluice_test_report();
}
