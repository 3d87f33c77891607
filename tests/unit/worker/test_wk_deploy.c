/*
 * test_wk_deploy.c — deploy targets and where an S3 deploy action goes.
 */
#include "wk_deploy.h"

#include "sluice/error.h"
#include "sluice_test.h"

#include <string.h>

static char err[512];

static int resolve(const json_t *targets, const char *bucket, const char *extract, const char *key,
                   wk_deploy *out)
{
    json_t *config = json_pack("{s:s, s:s}", "BucketName", bucket, "Extract", extract);
    if (key != NULL) {
        json_object_set_new(config, "ObjectKey", json_string(key));
    }
    err[0] = '\0';
    int rc = wk_deploy_resolve(targets, config, out, err, sizeof err);
    json_decref(config);
    return rc;
}

static void test_targets(void)
{
    json_t *t = NULL;
    CHECK_INT_EQ(wk_deploy_targets_parse("site=/srv/www/, docs=/srv/docs", &t, err, sizeof err), 0);
    CHECK_STR_EQ(json_string_value(json_object_get(t, "site")), "/srv/www");
    CHECK_STR_EQ(json_string_value(json_object_get(t, "docs")), "/srv/docs");
    json_decref(t);
    CHECK_INT_EQ(wk_deploy_targets_parse("", &t, err, sizeof err), 0);
    CHECK_INT_EQ(json_object_size(t), 0);
    json_decref(t);
    CHECK_INT_EQ(wk_deploy_targets_parse("site=relative/dir", &t, err, sizeof err), SLUICE_EINVAL);
    CHECK_STR_EQ(err, "deploy target \"site=relative/dir\" is not <bucket>=<absolute directory>");
    CHECK_INT_EQ(wk_deploy_targets_parse("a=/x,a=/y", &t, err, sizeof err), SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "named twice");
}

static void test_resolve(void)
{
    json_t *t = NULL;
    REQUIRE(wk_deploy_targets_parse("site=/srv/www", &t, err, sizeof err) == 0);
    wk_deploy d;
    CHECK_INT_EQ(resolve(t, "site", "true", NULL, &d), 0);
    CHECK(d.extract);
    CHECK_STR_EQ(d.path, "/srv/www");
    CHECK_INT_EQ(resolve(t, "site", "TRUE", "v2/", &d), 0);
    CHECK_STR_EQ(d.path, "/srv/www/v2");
    CHECK_INT_EQ(resolve(t, "site", "false", "releases/app.zip", &d), 0);
    CHECK(!d.extract);
    CHECK_STR_EQ(d.path, "/srv/www/releases/app.zip");

    CHECK_INT_EQ(resolve(t, "other", "true", NULL, &d), SLUICE_EINVAL);
    CHECK_STR_EQ(err, "bucket other is not a deploy target of this worker "
                      "(SLUICE_WORKER_DEPLOY_DIRS, SLUICE_WORKER_DEPLOY_BUCKETS)");
    CHECK_INT_EQ(resolve(t, "site", "false", NULL, &d), SLUICE_EINVAL);
    CHECK_STR_EQ(err, "ObjectKey is required when Extract is false");
    CHECK_INT_EQ(resolve(t, "site", "true", "../etc", &d), SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "is not a relative path without \"..\"");
    CHECK_INT_EQ(resolve(t, "site", "true", "/etc", &d), SLUICE_EINVAL);
    CHECK_INT_EQ(resolve(t, "site", "true", "a//b", &d), SLUICE_EINVAL);
    CHECK_INT_EQ(resolve(t, "site", "maybe", NULL, &d), SLUICE_EINVAL);
    CHECK_STR_EQ(err, "Extract must be true or false");
    json_decref(t);
}

static int resolve_store(const json_t *buckets, const char *json, wk_deploy_store *out)
{
    json_error_t jerr;
    json_t *config = json_loads(json, 0, &jerr);
    err[0] = '\0';
    int rc = wk_deploy_resolve_store(buckets, config, out, err, sizeof err);
    json_decref(config);
    return rc;
}

static void test_buckets(void)
{
    json_t *dirs = NULL;
    REQUIRE(wk_deploy_targets_parse("site=/srv/www", &dirs, err, sizeof err) == 0);
    json_t *b = NULL;
    CHECK_INT_EQ(wk_deploy_buckets_parse(" web , docs.example-1,", dirs, &b, err, sizeof err), 0);
    CHECK_INT_EQ(json_object_size(b), 2);
    CHECK(json_object_get(b, "web") != NULL && json_object_get(b, "docs.example-1") != NULL);
    json_decref(b);
    CHECK_INT_EQ(wk_deploy_buckets_parse(NULL, NULL, &b, err, sizeof err), 0);
    CHECK_INT_EQ(json_object_size(b), 0);
    json_decref(b);
    CHECK_INT_EQ(wk_deploy_buckets_parse("web,site", dirs, &b, err, sizeof err), SLUICE_EINVAL);
    CHECK_STR_EQ(err, "deploy bucket site is also a directory target (SLUICE_WORKER_DEPLOY_DIRS)");
    CHECK(b == NULL);
    CHECK_INT_EQ(wk_deploy_buckets_parse("web,web", NULL, &b, err, sizeof err), SLUICE_EINVAL);
    CHECK_STR_EQ(err, "deploy bucket web is named twice");
    CHECK_INT_EQ(wk_deploy_buckets_parse("Web", NULL, &b, err, sizeof err), SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "deploy bucket \"Web\" is not an S3 bucket name");
    CHECK_INT_EQ(wk_deploy_buckets_parse("ab", NULL, &b, err, sizeof err), SLUICE_EINVAL);
    CHECK_INT_EQ(wk_deploy_buckets_parse("-web", NULL, &b, err, sizeof err), SLUICE_EINVAL);
    json_decref(dirs);
}

static void test_resolve_store(void)
{
    json_t *b = NULL;
    REQUIRE(wk_deploy_buckets_parse("web", NULL, &b, err, sizeof err) == 0);
    wk_deploy_store d;
    /* not a store bucket: the directory targets decide */
    CHECK_INT_EQ(resolve_store(b, "{\"BucketName\": \"site\", \"Extract\": \"true\"}", &d),
                 SLUICE_ENOTFOUND);
    CHECK_INT_EQ(resolve_store(NULL, "{\"BucketName\": \"web\", \"Extract\": \"true\"}", &d),
                 SLUICE_ENOTFOUND);
    CHECK_INT_EQ(resolve_store(b,
                               "{\"BucketName\": \"web\", \"Extract\": \"true\", \"ObjectKey\": "
                               "\"site/v2/\", \"CacheControl\": \"max-age=60\", \"CannedACL\": "
                               "\"public-read\"}",
                               &d),
                 0);
    CHECK(d.extract);
    CHECK_STR_EQ(d.bucket, "web");
    CHECK_STR_EQ(d.key, "site/v2");
    CHECK_STR_EQ(d.cache_control, "max-age=60");
    CHECK_STR_EQ(d.canned_acl, "public-read");
    char key[WK_DEPLOY_KEY_MAX + 1];
    CHECK_INT_EQ(wk_deploy_object_key(&d, "css/site.css", key, sizeof key), 0);
    CHECK_STR_EQ(key, "site/v2/css/site.css");
    char staged[WK_DEPLOY_KEY_MAX + 1];
    CHECK_INT_EQ(wk_deploy_staging_key("job-1", key, staged, sizeof staged), 0);
    CHECK_STR_EQ(staged, ".sluice-deploy/job-1/site/v2/css/site.css");

    /* no prefix: the artifact's paths are the keys */
    CHECK_INT_EQ(resolve_store(b, "{\"BucketName\": \"web\", \"Extract\": \"true\"}", &d), 0);
    CHECK_STR_EQ(d.key, "");
    CHECK_STR_EQ(d.cache_control, "");
    CHECK_INT_EQ(wk_deploy_object_key(&d, "index.html", key, sizeof key), 0);
    CHECK_STR_EQ(key, "index.html");

    CHECK_INT_EQ(resolve_store(b,
                               "{\"BucketName\": \"web\", \"Extract\": \"false\", \"ObjectKey\": "
                               "\"releases/app.zip\"}",
                               &d),
                 0);
    CHECK(!d.extract);
    CHECK_STR_EQ(d.key, "releases/app.zip");

    /* refusals */
    CHECK_INT_EQ(resolve_store(b, "{\"BucketName\": \"web\", \"Extract\": \"false\"}", &d),
                 SLUICE_EINVAL);
    CHECK_STR_EQ(err, "ObjectKey is required when Extract is false");
    CHECK_INT_EQ(resolve_store(b,
                               "{\"BucketName\": \"web\", \"Extract\": \"true\", \"ObjectKey\": "
                               "\"../x\"}",
                               &d),
                 SLUICE_EINVAL);
    CHECK_INT_EQ(resolve_store(b,
                               "{\"BucketName\": \"web\", \"Extract\": \"true\", \"ObjectKey\": "
                               "\".sluice-deploy/other\"}",
                               &d),
                 SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "inside the worker's staging prefix");
    CHECK_INT_EQ(resolve_store(b,
                               "{\"BucketName\": \"web\", \"Extract\": \"true\", \"CannedACL\": "
                               "\"world\"}",
                               &d),
                 SLUICE_EINVAL);
    CHECK_STR_EQ(err, "CannedACL \"world\" is not one of S3's canned ACLs");
    CHECK_INT_EQ(resolve_store(b,
                               "{\"BucketName\": \"web\", \"Extract\": \"true\", "
                               "\"CacheControl\": \"a\\nb\"}",
                               &d),
                 SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "CacheControl");
    CHECK_INT_EQ(resolve_store(b, "{\"BucketName\": \"web\", \"Extract\": \"yes\"}", &d),
                 SLUICE_EINVAL);
    /* bounds */
    char longkey[WK_DEPLOY_KEY_MAX + 8];
    memset(longkey, 'k', sizeof longkey - 1);
    longkey[sizeof longkey - 1] = '\0';
    CHECK_INT_EQ(wk_deploy_object_key(&d, longkey, key, sizeof key), SLUICE_ETOOBIG);
    CHECK_INT_EQ(wk_deploy_staging_key("job", longkey, staged, sizeof staged), SLUICE_ETOOBIG);
    json_decref(b);
}

static void test_content_type(void)
{
    CHECK_STR_EQ(wk_deploy_content_type("index.html"), "text/html");
    CHECK_STR_EQ(wk_deploy_content_type("css/Site.CSS"), "text/css");
    CHECK_STR_EQ(wk_deploy_content_type("a.b/readme"), "application/octet-stream");
    CHECK_STR_EQ(wk_deploy_content_type(".profile"), "application/octet-stream");
    CHECK_STR_EQ(wk_deploy_content_type("greeting.txt"), "text/plain");
    CHECK_STR_EQ(wk_deploy_content_type("app.wasm"), "application/wasm");
}

int main(void)
{
    RUN_TEST(test_targets);
    RUN_TEST(test_resolve);
    RUN_TEST(test_buckets);
    RUN_TEST(test_resolve_store);
    RUN_TEST(test_content_type);
    return sluice_test_report();
}
