/*
 * Unit tests of src_repos.h: a repositories file with every kind of remote
 * and credential, each rule's error naming its entry, secrets kept out of
 * messages, and passwordFile read by src_repos_load.
 */
#include "src_repos.h"

#include "sluice/error.h"
#include "sluice_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ARN_A "arn:aws:codestar-connections:us-east-1:123456789012:connection/aaaa-1111"
#define ARN_B "arn:aws:codeconnections:eu-west-1:123456789012:connection/bbbb-2222"

static const char good[] =
    "{\"repositories\": ["
    "  {\"name\": \"local-app\", \"url\": \"/srv/git/app.git\"},"
    "  {\"name\": \"file-app\", \"url\": \"file:///srv/git/app.git\"},"
    "  {\"name\": \"web\", \"url\": \"https://git.example.com/team/web.git\","
    "   \"credentials\": {\"username\": \"ci\", \"password\": \"tok-123\"}},"
    "  {\"name\": \"ops\", \"url\": \"git@git.example.com:team/ops.git\","
    "   \"credentials\": {\"sshKeyFile\": \"/etc/sluice/id_ed25519\","
    "                     \"knownHostsFile\": \"/etc/sluice/known_hosts\"}}],"
    " \"connections\": ["
    "  {\"arn\": \"" ARN_A "\", \"baseUrl\": \"https://github.com\", \"suffix\": \".git\","
    "   \"credentials\": {\"username\": \"x-access-token\", \"passwordFile\": \"/run/gh\"}},"
    "  {\"arn\": \"" ARN_B "\", \"baseUrl\": \"/srv/git\", \"providerType\": \"GitLab\"}]}";

static src_repos *parse_ok(const char *text)
{
    src_repos *repos = NULL;
    char err[512] = "";
    int rc = src_repos_parse(text, strlen(text), &repos, err, sizeof err);
    if (rc != 0) {
        fprintf(stderr, "  parse: %s\n", err);
    }
    CHECK_INT_EQ(rc, 0);
    return repos;
}

static void test_parse_good(void)
{
    src_repos *repos = parse_ok(good);
    REQUIRE(repos != NULL);
    CHECK_INT_EQ(src_repos_repository_count(repos), 4);
    CHECK_INT_EQ(src_repos_connection_count(repos), 2);
    const src_repository *web = src_repos_repository(repos, "web");
    REQUIRE(web != NULL);
    CHECK_INT_EQ(web->kind, SRC_REMOTE_HTTPS);
    CHECK_STR_EQ(web->credentials.username, "ci");
    CHECK_STR_EQ(web->credentials.password, "tok-123");
    const src_repository *ops = src_repos_repository(repos, "ops");
    REQUIRE(ops != NULL);
    CHECK_INT_EQ(ops->kind, SRC_REMOTE_SSH);
    CHECK_STR_EQ(ops->credentials.ssh_key_file, "/etc/sluice/id_ed25519");
    CHECK(ops->credentials.password == NULL);
    CHECK_INT_EQ(src_repos_repository(repos, "local-app")->kind, SRC_REMOTE_LOCAL);
    CHECK_INT_EQ(src_repos_repository(repos, "file-app")->kind, SRC_REMOTE_FILE);
    CHECK(src_repos_repository(repos, "missing") == NULL);
    const src_connection *a = src_repos_connection(repos, ARN_A);
    REQUIRE(a != NULL);
    CHECK_STR_EQ(a->base_url, "https://github.com");
    CHECK_STR_EQ(a->suffix, ".git");
    CHECK_STR_EQ(a->credentials.password_file, "/run/gh");
    CHECK(a->credentials.password == NULL); /* read by src_repos_load only */
    const src_connection *b = src_repos_connection(repos, ARN_B);
    REQUIRE(b != NULL);
    CHECK_STR_EQ(b->provider_type, "GitLab");
    CHECK_INT_EQ(b->kind, SRC_REMOTE_LOCAL);
    CHECK(src_repos_connection_at(repos, 1) == b);
    CHECK(src_repos_connection_at(repos, 2) == NULL);
    src_repos_free(repos);

    repos = parse_ok("{}");
    CHECK_INT_EQ(src_repos_repository_count(repos), 0);
    src_repos_free(repos);
    src_repos_free(NULL);
}

static void check_error(const char *text, int want_rc, const char *where, const char *why)
{
    src_repos *repos = (src_repos *)1;
    char err[512] = "";
    CHECK_INT_EQ(src_repos_parse(text, strlen(text), &repos, err, sizeof err), want_rc);
    CHECK(repos == NULL);
    CHECK_STR_CONTAINS(err, where);
    CHECK_STR_CONTAINS(err, why);
}

static void test_errors_name_the_entry(void)
{
    check_error("{\"repositories\": [{\"name\": \"a\", \"url\": \"/a\"},"
                " {\"name\": \"b\", \"url\": \"rel/b\"}]}",
                SLUICE_EINVAL, "repositories[1] (name \"b\")", "relative path");
    check_error("{\"repositories\": [{\"name\": \"a\", \"url\": \"/a\", \"passwordfile\": \"x\"}]}",
                SLUICE_EINVAL, "repositories[0] (name \"a\")", "unknown member \"passwordfile\"");
    check_error("{\"repositories\": [{\"url\": \"/a\"}]}", SLUICE_EINVAL, "repositories[0]",
                "\"name\" is required");
    check_error("{\"repositories\": [{\"name\": \"a/b\", \"url\": \"/a\"}]}", SLUICE_EINVAL,
                "repositories[0]", "not a CodeCommit repository name");
    check_error("{\"repositories\": [{\"name\": \"a\", \"url\": \"/a\"},"
                " {\"name\": \"a\", \"url\": \"/b\"}]}",
                SLUICE_EINVAL, "repositories[1]", "declared twice");
    check_error("{\"repositories\": [{\"name\": \"a\", \"url\": \"/a\","
                " \"credentials\": {\"username\": \"u\", \"password\": \"p\"}}]}",
                SLUICE_EINVAL, "repositories[0] (name \"a\")", "local remote takes no credentials");
    check_error("{\"repositories\": [{\"name\": \"a\", \"url\": \"https://h/a\","
                " \"credentials\": {\"password\": \"p\"}}]}",
                SLUICE_EINVAL, "repositories[0]", "needs a \"username\"");
    check_error("{\"repositories\": [{\"name\": \"a\", \"url\": \"https://h/a\","
                " \"credentials\": {\"username\": \"u\", \"password\": \"p\","
                " \"passwordFile\": \"/p\"}}]}",
                SLUICE_EINVAL, "repositories[0]", "not both");
    check_error("{\"repositories\": [{\"name\": \"a\", \"url\": \"https://h/a\","
                " \"credentials\": {\"sshKeyFile\": \"/k\"}}]}",
                SLUICE_EINVAL, "repositories[0]", "apply to ssh remotes");
    check_error("{\"repositories\": [{\"name\": \"a\", \"url\": \"ssh://h/a\","
                " \"credentials\": {\"username\": \"u\", \"password\": \"p\"}}]}",
                SLUICE_EINVAL, "repositories[0]", "passwords are not supported");
    check_error("{\"repositories\": [{\"name\": \"a\", \"url\": \"ssh://h/a\","
                " \"credentials\": {\"sshKeyFile\": \"relative/key\"}}]}",
                SLUICE_EINVAL, "repositories[0]", "absolute path");
    check_error("{\"connections\": [{\"arn\": \"arn:aws:s3:::bucket\", \"baseUrl\": \"/g\"}]}",
                SLUICE_EINVAL, "connections[0]", "not an ARN");
    check_error("{\"connections\": [{\"arn\": \"arn:aws:codepipeline:us-east-1:123456789012:p\","
                " \"baseUrl\": \"/g\"}]}",
                SLUICE_EINVAL, "connections[0]", "must be a connection ARN");
    check_error("{\"connections\": [{\"arn\": \"" ARN_A "\"}]}", SLUICE_EINVAL,
                "connections[0] (arn \"" ARN_A "\")", "\"baseUrl\" is required");
    check_error("{\"connections\": [{\"arn\": \"" ARN_A "\", \"baseUrl\": \"/g\","
                " \"suffix\": \"/x\"}]}",
                SLUICE_EINVAL, "connections[0]", "\"suffix\" must not hold '/'");
    check_error("{\"connections\": [{\"arn\": \"" ARN_A "\", \"baseUrl\": \"/g\"},"
                " {\"arn\": \"" ARN_A "\", \"baseUrl\": \"/h\"}]}",
                SLUICE_EINVAL, "connections[1]", "declared twice");
    check_error("{\"repos\": []}", SLUICE_EINVAL, "the repositories file",
                "unknown member \"repos\"");
    check_error("{\"repositories\": {}}", SLUICE_EINVAL, "repositories", "must be an array");
    check_error("[]", SLUICE_EINVAL, "", "must hold a JSON object");
    check_error("{\"repositories\": [", SLUICE_EPARSE, "", "not JSON");
    check_error("{\"repositories\": [[[[[[[[[[]]]]]]]]]]}", SLUICE_EPARSE, "", "deeper than 8");
    check_error("{\"repositories\": [], \"repositories\": []}", SLUICE_EPARSE, "", "not JSON");
}

static void test_secret_not_in_errors(void)
{
    const char *text = "{\"repositories\": [{\"name\": \"a\", \"url\": \"https://h/a\","
                       " \"credentials\": {\"username\": \"u\", \"password\": \"hunter2-secret\","
                       " \"bogus\": 1}}]}";
    src_repos *repos = NULL;
    char err[512] = "";
    CHECK_INT_EQ(src_repos_parse(text, strlen(text), &repos, err, sizeof err), SLUICE_EINVAL);
    CHECK(strstr(err, "hunter2") == NULL);
    CHECK_STR_CONTAINS(err, "unknown member \"bogus\"");
    text = "{\"repositories\": [{\"name\": \"a\", \"url\": \"https://u:hunter2@h/a\"}]}";
    CHECK_INT_EQ(src_repos_parse(text, strlen(text), &repos, err, sizeof err), SLUICE_EINVAL);
    CHECK(strstr(err, "hunter2") == NULL);
    CHECK_STR_CONTAINS(err, "repositories[0] (name \"a\")");
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (f != NULL) {
        fputs(text, f);
        fclose(f);
    }
}

/* write_file, then mode 0600: what every secret file must be (sluice_fs_check_private) */
static void write_private(const char *path, const char *text)
{
    write_file(path, text);
    chmod(path, 0600);
}

static void test_load_reads_password_files(void)
{
    char dir[] = "/tmp/sluice-src-repos-XXXXXX";
    REQUIRE(mkdtemp(dir) != NULL);
    char config[256], secret[256], empty[256], text[1024];
    snprintf(config, sizeof config, "%s/repos.json", dir);
    snprintf(secret, sizeof secret, "%s/token", dir);
    snprintf(empty, sizeof empty, "%s/empty", dir);
    write_private(secret, "ghp_abc123\nsecond line ignored\n");
    write_private(empty, "\n");
    snprintf(text, sizeof text,
             "{\"connections\": [{\"arn\": \"" ARN_A "\", \"baseUrl\": \"https://github.com\","
             " \"credentials\": {\"username\": \"x-access-token\", \"passwordFile\": \"%s\"}}]}",
             secret);
    write_file(config, text);
    src_repos *repos = NULL;
    char err[1024] = "";
    CHECK_INT_EQ(src_repos_load(config, &repos, err, sizeof err), 0);
    const src_connection *c = src_repos_connection(repos, ARN_A);
    CHECK(c != NULL && c->credentials.password != NULL &&
          strcmp(c->credentials.password, "ghp_abc123") == 0);
    src_repos_free(repos);

    snprintf(text, sizeof text,
             "{\"repositories\": [{\"name\": \"w\", \"url\": \"https://h/w\","
             " \"credentials\": {\"username\": \"u\", \"passwordFile\": \"%s\"}}]}",
             empty);
    write_file(config, text);
    CHECK_INT_EQ(src_repos_load(config, &repos, err, sizeof err), SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "repositories[0] (name \"w\")");
    CHECK_STR_CONTAINS(err, "empty");

    snprintf(text, sizeof text,
             "{\"repositories\": [{\"name\": \"w\", \"url\": \"https://h/w\","
             " \"credentials\": {\"username\": \"u\", \"passwordFile\": \"%s/nope\"}}]}",
             dir);
    write_file(config, text);
    CHECK(src_repos_load(config, &repos, err, sizeof err) != 0);
    CHECK_STR_CONTAINS(err, "/nope");
    CHECK(repos == NULL);

    /* a secret file others may read is refused, naming the file and the fix */
    chmod(secret, 0644);
    snprintf(text, sizeof text,
             "{\"repositories\": [{\"name\": \"w\", \"url\": \"https://h/w\","
             " \"credentials\": {\"username\": \"u\", \"passwordFile\": \"%s\"}}]}",
             secret);
    write_file(config, text);
    CHECK_INT_EQ(src_repos_load(config, &repos, err, sizeof err), SLUICE_EDENIED);
    CHECK_STR_CONTAINS(err, "repositories[0] (name \"w\")");
    CHECK_STR_CONTAINS(err, "chmod 600");
    CHECK(repos == NULL);
    chmod(secret, 0600);

    /* so is an ssh key others may read */
    snprintf(text, sizeof text,
             "{\"repositories\": [{\"name\": \"s\", \"url\": \"ssh://git@h/s.git\","
             " \"credentials\": {\"sshKeyFile\": \"%s\"}}]}",
             empty);
    write_file(config, text);
    chmod(empty, 0640);
    CHECK_INT_EQ(src_repos_load(config, &repos, err, sizeof err), SLUICE_EDENIED);
    CHECK_STR_CONTAINS(err, "repositories[0] (name \"s\")");
    chmod(empty, 0600);
    CHECK_INT_EQ(src_repos_load(config, &repos, err, sizeof err), 0);
    src_repos_free(repos);
    repos = NULL;

    /* a repositories file holding a secret itself must be private too */
    write_file(config, "{\"connections\": [{\"arn\": \"" ARN_A "\", \"baseUrl\": "
                       "\"https://github.com\", \"webhookSecret\": \"s3cret-hook\"}]}");
    chmod(config, 0644);
    CHECK_INT_EQ(src_repos_load(config, &repos, err, sizeof err), SLUICE_EDENIED);
    CHECK_STR_CONTAINS(err, "webhookSecret");
    CHECK(strstr(err, "s3cret-hook") == NULL);
    chmod(config, 0600);
    CHECK_INT_EQ(src_repos_load(config, &repos, err, sizeof err), 0);
    src_repos_free(repos);
    repos = NULL;
    chmod(config, 0644);

    write_file(config, "{\"repositories\": [{\"name\": \"w\"}]}");
    CHECK_INT_EQ(src_repos_load(config, &repos, err, sizeof err), SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, config);
    CHECK_STR_CONTAINS(err, "\"url\" is required");

    char missing[300];
    snprintf(missing, sizeof missing, "%s/missing.json", dir);
    CHECK_INT_EQ(src_repos_load(missing, &repos, err, sizeof err), SLUICE_ENOTFOUND);
    CHECK_STR_CONTAINS(err, missing);
    unlink(config);
    unlink(secret);
    unlink(empty);
    rmdir(dir);
}

int main(void)
{
    RUN_TEST(test_parse_good);
    RUN_TEST(test_errors_name_the_entry);
    RUN_TEST(test_secret_not_in_errors);
    RUN_TEST(test_load_reads_password_files);
    return sluice_test_report();
}
