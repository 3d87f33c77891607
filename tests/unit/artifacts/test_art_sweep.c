/*
 * Tests of art_sweep on a temporary store: one bucket's sweep removes the
 * versions of the executions beyond the last N and the delete markers left
 * over, keeps untracked objects and off buckets, counts what it freed in
 * /metrics; the thread sweeps on its interval and stops at once.
 */
#include "art_sweep.h"
#include "art_test_put.h"

#include "sluice/error.h"
#include "sluice/time.h"
#include "sluice_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[128];

/* Writes bucket/key = text as pipeline/execution ("" for none). */
static int put(art_store *st, const char *bucket, const char *key, const char *text,
               const char *pipeline, const char *execution)
{
    return art_test_put(st, bucket, key, text, pipeline, execution, NULL);
}

static bool exists(art_store *st, const char *bucket, const char *key)
{
    art_store_meta *meta = malloc(sizeof *meta);
    bool no_bucket = false;
    int rc = art_store_object_open(st, bucket, key, meta, NULL, &no_bucket);
    free(meta);
    return rc == SLUICE_OK;
}

static size_t versions(art_store *st, const char *bucket)
{
    art_store_version *v = NULL;
    size_t count = 0;
    if (art_store_version_list(st, bucket, 10000, &v, &count) != SLUICE_OK) {
        return 9999;
    }
    art_store_versions_free(v, count);
    return count;
}

/* Four executions e1..e4 of pipeline p, 2 objects each ("p/<e>/a" 10 bytes, "p/<e>/b" 5),
 * a few ms apart, and an object of nobody's. */
static void fill(art_store *st, const char *bucket)
{
    REQUIRE(put(st, bucket, "by-hand", "someone's", "", "") == 0);
    for (int e = 1; e <= 4; e++) {
        char key[32];
        char exec[8];
        snprintf(exec, sizeof exec, "e%d", e);
        snprintf(key, sizeof key, "p/%s/a", exec);
        REQUIRE(put(st, bucket, key, "0123456789", "p", exec) == 0);
        snprintf(key, sizeof key, "p/%s/b", exec);
        REQUIRE(put(st, bucket, key, "01234", "p", exec) == 0);
        usleep(3000);
    }
}

static void test_sweep_bucket(void)
{
    size_t removed = 0;
    char err[256];
    art_store *st = art_store_open(dir, &removed, err, sizeof err);
    REQUIRE(st != NULL);
    REQUIRE(art_store_bucket_create(st, "plain") == 0);
    REQUIRE(art_store_bucket_create(st, "kept") == 0);
    REQUIRE(art_store_bucket_create(st, "versioned") == 0);
    REQUIRE(art_store_bucket_versioning_set(st, "versioned", ART_STORE_VERSIONING_ENABLED) == 0);
    fill(st, "plain");
    fill(st, "kept");
    fill(st, "versioned");
    /* versioned: e1 overwrote its a once more; a deleted key leaves a marker over e1's b */
    REQUIRE(put(st, "versioned", "p/e1/a", "x", "p", "e1") == 0);
    REQUIRE(art_store_object_delete(st, "versioned", "p/e1/b") == 0);
    CHECK_INT_EQ(versions(st, "versioned"), 11);

    art_retention_policy policy;
    REQUIRE(art_retention_policy_parse("*=2:0,kept=off", &policy, err, sizeof err) == 0);
    http_metrics *metrics = http_metrics_new();
    art_sweep_config cfg = {
        .store = st,
        .policy = &policy,
        .interval_ms = 1000,
        .max_versions = 1000,
        .list_max = 1000,
        .metrics = metrics,
    };
    art_sweep_result res;
    REQUIRE(art_sweep_bucket(&cfg, "plain", sluice_time_now_ms(), &res) == 0);
    CHECK_INT_EQ(res.listed, 9);
    CHECK_INT_EQ(res.deleted, 4);
    CHECK_INT_EQ(res.bytes, 30);
    CHECK(!res.truncated && !res.off && res.failed == 0 && res.skipped == 0);
    CHECK(!exists(st, "plain", "p/e1/a") && !exists(st, "plain", "p/e2/b"));
    CHECK(exists(st, "plain", "p/e3/a") && exists(st, "plain", "p/e4/b"));
    CHECK(exists(st, "plain", "by-hand"));
    /* a second sweep finds nothing more */
    REQUIRE(art_sweep_bucket(&cfg, "plain", sluice_time_now_ms(), &res) == 0);
    CHECK_INT_EQ(res.deleted, 0);

    /* off */
    REQUIRE(art_sweep_bucket(&cfg, "kept", sluice_time_now_ms(), &res) == 0);
    CHECK(res.off && res.deleted == 0);
    CHECK_INT_EQ(versions(st, "kept"), 9);

    /* versioned: both of e1's a, e1's b and its marker, e2's two; 10+1+5+10+5 bytes */
    REQUIRE(art_sweep_bucket(&cfg, "versioned", sluice_time_now_ms(), &res) == 0);
    CHECK_INT_EQ(res.deleted, 6);
    CHECK_INT_EQ(res.bytes, 31);
    CHECK_INT_EQ(versions(st, "versioned"), 5);
    CHECK(exists(st, "versioned", "by-hand") && exists(st, "versioned", "p/e3/b"));

    /* the cap: one candidate a sweep */
    cfg.max_versions = 1;
    REQUIRE(art_retention_policy_parse("*=1:0", &policy, err, sizeof err) == 0);
    REQUIRE(art_sweep_bucket(&cfg, "plain", sluice_time_now_ms(), &res) == 0);
    CHECK(res.truncated);
    CHECK_INT_EQ(res.deleted, 0); /* the oldest is by-hand's */
    cfg.max_versions = 2;
    REQUIRE(art_sweep_bucket(&cfg, "plain", sluice_time_now_ms(), &res) == 0);
    CHECK(res.truncated && res.deleted == 1);
    /* the listing bound: not swept */
    cfg.list_max = 2;
    REQUIRE(art_sweep_bucket(&cfg, "plain", sluice_time_now_ms(), &res) == 0);
    CHECK(res.too_many && res.deleted == 0);
    CHECK_INT_EQ(art_sweep_bucket(&cfg, "nosuchbucket", sluice_time_now_ms(), &res),
                 SLUICE_ENOTFOUND);

    sluice_buf text;
    sluice_buf_init(&text, 1 << 20);
    REQUIRE(http_metrics_render(metrics, &text) == 0);
    CHECK_STR_CONTAINS(sluice_buf_cstr(&text),
                       "sluice_artifacts_retention_versions_deleted_total{bucket=\"plain\"} 5");
    CHECK_STR_CONTAINS(sluice_buf_cstr(&text),
                       "sluice_artifacts_retention_bytes_freed_total{bucket=\"versioned\"} 31");
    CHECK_STR_CONTAINS(sluice_buf_cstr(&text),
                       "sluice_artifacts_retention_truncated_total{bucket=\"plain\"} 2");
    sluice_buf_free(&text);
    http_metrics_free(metrics);
    art_store_free(st);
}

static void test_thread(void)
{
    size_t removed = 0;
    char err[256];
    art_store *st = art_store_open(dir, &removed, err, sizeof err);
    REQUIRE(st != NULL);
    REQUIRE(art_store_bucket_create(st, "threaded") == 0);
    fill(st, "threaded");
    art_retention_policy policy;
    REQUIRE(art_retention_policy_parse("*=off,threaded=3:0", &policy, err, sizeof err) == 0);
    http_metrics *metrics = http_metrics_new();
    art_sweep_config cfg = {
        .store = st,
        .policy = &policy,
        .interval_ms = 50,
        .max_versions = 1000,
        .list_max = 1000,
        .metrics = metrics,
    };
    art_sweep *sweep = NULL;
    REQUIRE(art_sweep_new(&cfg, &sweep, err, sizeof err) == 0);
    for (int i = 0; i < 100 && exists(st, "threaded", "p/e1/b"); i++) {
        usleep(20 * 1000);
    }
    CHECK(!exists(st, "threaded", "p/e1/a") && !exists(st, "threaded", "p/e1/b"));
    CHECK(exists(st, "threaded", "p/e2/a") && exists(st, "threaded", "by-hand"));
    int64_t began = sluice_time_now_ms();
    art_sweep_free(sweep);
    CHECK(sluice_time_now_ms() - began < 500);
    sluice_buf text;
    sluice_buf_init(&text, 1 << 20);
    REQUIRE(http_metrics_render(metrics, &text) == 0);
    CHECK_STR_CONTAINS(sluice_buf_cstr(&text), "sluice_artifacts_retention_sweeps_total ");
    sluice_buf_free(&text);
    /* a long interval: stopped at once */
    cfg.interval_ms = 3600 * 1000;
    REQUIRE(art_sweep_new(&cfg, &sweep, err, sizeof err) == 0);
    began = sluice_time_now_ms();
    art_sweep_free(sweep);
    CHECK(sluice_time_now_ms() - began < 500);
    art_sweep_free(NULL);
    cfg.interval_ms = 0;
    CHECK_INT_EQ(art_sweep_new(&cfg, &sweep, err, sizeof err), SLUICE_EINVAL);
    http_metrics_free(metrics);
    art_store_free(st);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/sluice-art-sweep-%d", (int)getpid());
    RUN_TEST(test_sweep_bucket);
    RUN_TEST(test_thread);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    int rc = system(cmd);
    (void)rc;
    return sluice_test_report();
}
