/*
 * test_wk_deploy.c — deploy targets and where an S3 deploy action goes.
 */
#include "wk_deploy.h"

#include "sluice/error.h"
#include "sluice_test.h"

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
                      "(SLUICE_WORKER_DEPLOY_DIRS)");
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

int main(void)
{
    RUN_TEST(test_targets);
    RUN_TEST(test_resolve);
    return sluice_test_report();
}
