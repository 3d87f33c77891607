/*
 * Tests of art_retention: the SLUICE_ARTIFACTS_RETENTION text (defaults,
 * per-bucket rules, every kind of malformed item), and sweep plans: the last
 * N executions of each pipeline kept, ranked by their earliest object; the
 * D-days rule; untracked versions never deleted; delete markers left
 * pointing at nothing removed; the candidate cap and its truncation.
 */
#include "art_retention.h"

#include "sluice/error.h"
#include "sluice_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY ART_RETENTION_DAY_MS
#define NOW (1800000000000LL)

static void test_policy_parse(void)
{
    art_retention_policy p;
    char err[256];
    CHECK_INT_EQ(art_retention_policy_parse(NULL, &p, err, sizeof err), 0);
    CHECK(!p.fallback.off && p.fallback.keep_executions == 10 && p.fallback.keep_days == 30);
    CHECK_INT_EQ(p.count, 0);
    CHECK_INT_EQ(art_retention_policy_parse("", &p, err, sizeof err), 0);
    CHECK_INT_EQ(p.fallback.keep_executions, 10);

    CHECK_INT_EQ(art_retention_policy_parse("*=10:30,mybucket=5:7, sources = off ,x.y-z=1:0", &p,
                                            err, sizeof err),
                 0);
    CHECK_INT_EQ(p.count, 3);
    const art_retention_rule *r = art_retention_policy_rule(&p, "mybucket");
    CHECK(!r->off && r->keep_executions == 5 && r->keep_days == 7);
    CHECK_STR_EQ(r->bucket, "mybucket");
    CHECK(art_retention_policy_rule(&p, "sources")->off);
    r = art_retention_policy_rule(&p, "x.y-z");
    CHECK(r->keep_executions == 1 && r->keep_days == 0);
    r = art_retention_policy_rule(&p, "unnamed");
    CHECK_STR_EQ(r->bucket, "*");
    CHECK(!r->off && r->keep_executions == 10 && r->keep_days == 30);
    char text[32];
    art_retention_rule_text(art_retention_policy_rule(&p, "mybucket"), text, sizeof text);
    CHECK_STR_EQ(text, "5:7");
    art_retention_rule_text(art_retention_policy_rule(&p, "sources"), text, sizeof text);
    CHECK_STR_EQ(text, "off");

    /* without "*" unnamed buckets keep the default; "*=off" turns them off */
    CHECK_INT_EQ(art_retention_policy_parse("only=2:3", &p, err, sizeof err), 0);
    CHECK(art_retention_policy_rule(&p, "other")->keep_executions == 10);
    CHECK_INT_EQ(art_retention_policy_parse("*=off,keep=3:1", &p, err, sizeof err), 0);
    CHECK(art_retention_policy_rule(&p, "other")->off);
    CHECK(!art_retention_policy_rule(&p, "keep")->off);
    CHECK_INT_EQ(art_retention_policy_parse("*=1000000:36500", &p, err, sizeof err), 0);

    static const struct {
        const char *text;
        const char *says;
    } bad[] = {
        {"mybucket=5", "item 1 \"mybucket=5\": expected <executions>:<days>"},
        {"*=10:30,mybucket", "item 2 \"mybucket\": expected <bucket>="},
        {"=5:7", "item 1 \"=5:7\": expected a bucket name"},
        {"MyBucket=5:7", "item 1 \"MyBucket=5:7\": not a valid bucket name"},
        {"ab=5:7", "not a valid bucket name"},
        {"bkt=0:7", "item 1 \"bkt=0:7\": executions must be"},
        {"bkt=1000001:7", "executions must be"},
        {"bkt=5:36501", "item 1 \"bkt=5:36501\": days must be"},
        {"bkt=5:-1", "days must be"},
        {"bkt=x:1", "executions must be"},
        {"bkt=5:", "days must be"},
        {"bkt=5:7:1", "days must be"},
        {"bkt=5 :7", "executions must be"},
        {"bkt=OFF", "expected <executions>:<days> or off"},
        {"a-b,,c-d=1:1", "item 1 \"a-b\""},
        {"aaa=1:1,,c-d=1:1", "item 2 \"\": empty item"},
        {"bkt=5:7,", "item 2 \"\": empty item"},
        {"bkt=5:7,bkt=off", "item 2 \"bkt=off\": the bucket is named twice"},
        {"*=1:1,*=off", "item 2 \"*=off\": the bucket is named twice"},
        {"bkt=99999999999:1", "executions must be"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        CHECK_INT_EQ(art_retention_policy_parse(bad[i].text, &p, err, sizeof err), SLUICE_EPARSE);
        CHECK_STR_CONTAINS(err, bad[i].says);
        /* the default policy on failure */
        CHECK(p.count == 0 && p.fallback.keep_executions == 10 && !p.fallback.off);
    }
    /* a long bad item is quoted shortened */
    char longitem[200];
    memset(longitem, 'a', 150);
    snprintf(longitem + 150, sizeof longitem - 150, "=1:1");
    CHECK_INT_EQ(art_retention_policy_parse(longitem, &p, err, sizeof err), SLUICE_EPARSE);
    CHECK_STR_CONTAINS(err, "...\": expected a bucket name");
    /* bounds */
    char many[4096];
    size_t len = 0;
    for (int i = 0; i <= ART_RETENTION_RULES_MAX; i++) {
        len += (size_t)snprintf(many + len, sizeof many - len, "%sb%03d=1:1", i ? "," : "", i);
    }
    CHECK_INT_EQ(art_retention_policy_parse(many, &p, err, sizeof err), SLUICE_ETOOBIG);
    CHECK_STR_CONTAINS(err, "more than 64 buckets");
    char *huge = malloc(ART_RETENTION_TEXT_MAX + 2);
    REQUIRE(huge != NULL);
    memset(huge, ' ', ART_RETENTION_TEXT_MAX + 1);
    huge[ART_RETENTION_TEXT_MAX + 1] = '\0';
    CHECK_INT_EQ(art_retention_policy_parse(huge, &p, err, sizeof err), SLUICE_ETOOBIG);
    free(huge);
}

/* A bucket's versions: strings kept in fixed buffers. */
typedef struct fixture {
    size_t count;
    art_retention_version v[64];
    char key[64][32];
    char id[64][40];
} fixture;

static size_t add(fixture *f, const char *key, const char *pipeline, const char *execution,
                  int64_t mtime_ms, uint64_t size, bool marker)
{
    size_t i = f->count++;
    snprintf(f->key[i], sizeof f->key[i], "%s", key);
    snprintf(f->id[i], sizeof f->id[i], "%032zx", i + 1);
    f->v[i] = (art_retention_version){
        .key = f->key[i],
        .version_id = f->id[i],
        .is_latest = true,
        .delete_marker = marker,
        .size = marker ? 0 : size,
        .mtime_ms = mtime_ms,
        .pipeline = pipeline,
        .execution = execution,
    };
    return i;
}

static art_retention_rule rule_of(uint32_t executions, uint32_t days)
{
    art_retention_rule r;
    memset(&r, 0, sizeof r);
    snprintf(r.bucket, sizeof r.bucket, "*");
    r.keep_executions = executions;
    r.keep_days = days;
    return r;
}

/* Whether the plan deletes version i, and why. */
static bool deletes(const art_retention_plan *plan, size_t i, art_retention_reason *why)
{
    for (size_t j = 0; j < plan->delete_count; j++) {
        if (plan->deletes[j].index == i) {
            if (why != NULL) {
                *why = plan->deletes[j].reason;
            }
            return true;
        }
    }
    return false;
}

static const char *const EXEC[] = {"e1", "e2", "e3", "e4", "e5"};

/* 5 executions of pipeline p, 10 days apart (e1 oldest), 2 objects each of 100 and 10 bytes;
 * an untracked object older than all; one execution of pipeline q, older than all of p's. */
static void five_executions(fixture *f)
{
    memset(f, 0, sizeof *f);
    add(f, "upload/by-hand", "", "", NOW - 90 * DAY, 7, false);
    add(f, "q/out/1", "q", "q1", NOW - 80 * DAY, 1000, false);
    for (int e = 0; e < 5; e++) {
        char k[32];
        int64_t t = NOW - (int64_t)(50 - 10 * e) * DAY;
        snprintf(k, sizeof k, "p/a/%d", e);
        add(f, k, "p", EXEC[e], t, 100, false);
        snprintf(k, sizeof k, "p/b/%d", e);
        add(f, k, "p", EXEC[e], t + 1000, 10, false);
    }
}

static void test_plan_executions(void)
{
    fixture *f = malloc(sizeof *f);
    REQUIRE(f != NULL);
    five_executions(f);
    art_retention_rule r = rule_of(2, 0);
    art_retention_plan plan;
    REQUIRE(art_retention_plan_make(f->v, f->count, &r, NOW, 1000, &plan) == 0);
    /* e1..e3 go (6 versions, 330 bytes), e4 and e5 stay, q's only execution stays, the
     * untracked object stays */
    CHECK_INT_EQ(plan.delete_count, 6);
    CHECK_INT_EQ(plan.bytes, 330);
    CHECK_INT_EQ(plan.considered, 12);
    CHECK(!plan.truncated);
    CHECK_INT_EQ(plan.untracked, 1);
    for (size_t i = 0; i < f->count; i++) {
        art_retention_reason why = ART_RETENTION_MARKER;
        bool gone = deletes(&plan, i, &why);
        bool old = f->v[i].execution[0] == 'e' && f->v[i].execution[1] <= '3';
        CHECK(gone == old);
        if (gone) {
            CHECK(why == ART_RETENTION_EXPIRED);
        }
    }
    /* oldest first */
    CHECK_STR_EQ(f->v[plan.deletes[0].index].key, "p/a/0");
    CHECK_STR_EQ(f->v[plan.deletes[5].index].key, "p/b/2");
    CHECK_INT_EQ(plan.execution_count, 3);
    CHECK_STR_EQ(plan.executions[0].execution, "e1");
    CHECK_STR_EQ(plan.executions[2].execution, "e3");
    CHECK_STR_EQ(plan.executions[1].pipeline, "p");
    CHECK_INT_EQ(plan.executions[1].versions, 2);
    CHECK_INT_EQ(plan.executions[1].bytes, 110);
    art_retention_plan_free(&plan);

    /* keep 5: nothing goes; keep 1: e1..e4 */
    r = rule_of(5, 0);
    REQUIRE(art_retention_plan_make(f->v, f->count, &r, NOW, 1000, &plan) == 0);
    CHECK_INT_EQ(plan.delete_count, 0);
    CHECK(plan.executions == NULL && plan.execution_count == 0);
    art_retention_plan_free(&plan);
    r = rule_of(1, 0);
    REQUIRE(art_retention_plan_make(f->v, f->count, &r, NOW, 1000, &plan) == 0);
    CHECK_INT_EQ(plan.delete_count, 8);
    CHECK_INT_EQ(plan.execution_count, 4);
    art_retention_plan_free(&plan);

    /* off, or no versions: nothing */
    r.off = true;
    REQUIRE(art_retention_plan_make(f->v, f->count, &r, NOW, 1000, &plan) == 0);
    CHECK_INT_EQ(plan.delete_count, 0);
    CHECK_INT_EQ(plan.considered, 0);
    art_retention_plan_free(&plan);
    r = rule_of(1, 0);
    REQUIRE(art_retention_plan_make(f->v, 0, &r, NOW, 1000, &plan) == 0);
    CHECK_INT_EQ(plan.delete_count, 0);
    art_retention_plan_free(&plan);
    free(f);
}

static void test_plan_days(void)
{
    fixture *f = malloc(sizeof *f);
    REQUIRE(f != NULL);
    five_executions(f);
    /* e1 is 50 days old, e2 40, e3 30 (+1 s for the b objects): keep 2 executions or 35 days
     * keeps e3 (30 days) and deletes e1 and e2 */
    art_retention_rule r = rule_of(2, 35);
    art_retention_plan plan;
    REQUIRE(art_retention_plan_make(f->v, f->count, &r, NOW, 1000, &plan) == 0);
    CHECK_INT_EQ(plan.delete_count, 4);
    CHECK_INT_EQ(plan.execution_count, 2);
    CHECK_STR_EQ(plan.executions[1].execution, "e2");
    art_retention_plan_free(&plan);
    /* the boundary: exactly 30 days old is no longer younger than 30 days */
    r = rule_of(2, 30);
    REQUIRE(art_retention_plan_make(f->v, f->count, &r, NOW, 1000, &plan) == 0);
    CHECK_INT_EQ(plan.delete_count, 5); /* e1, e2, and e3's a (30 days); e3's b is 1 s younger */
    art_retention_plan_free(&plan);
    /* many days keep everything; 0 days has no age rule */
    r = rule_of(1, 36500);
    REQUIRE(art_retention_plan_make(f->v, f->count, &r, NOW, 1000, &plan) == 0);
    CHECK_INT_EQ(plan.delete_count, 0);
    art_retention_plan_free(&plan);
    /* mtimes in the future count as young */
    memset(f, 0, sizeof *f);
    add(f, "p/1", "p", "e1", NOW + DAY, 1, false);
    add(f, "p/2", "p", "e2", NOW + 2 * DAY, 1, false);
    r = rule_of(1, 1);
    REQUIRE(art_retention_plan_make(f->v, f->count, &r, NOW, 1000, &plan) == 0);
    CHECK_INT_EQ(plan.delete_count, 0);
    art_retention_plan_free(&plan);
    free(f);
}

static void test_plan_ranking(void)
{
    fixture *f = malloc(sizeof *f);
    REQUIRE(f != NULL);
    memset(f, 0, sizeof *f);
    /* eA's first object is the oldest, though it also wrote the newest: eB ranks newer */
    size_t a1 = add(f, "p/x/a1", "p", "eA", 100, 1, false);
    size_t b1 = add(f, "p/x/b1", "p", "eB", 500, 1, false);
    size_t a2 = add(f, "p/x/a2", "p", "eA", 900, 1, false);
    /* same first mtime: the greater execution id ranks newer */
    size_t c1 = add(f, "r/x/c", "r", "exec-1", 300, 1, false);
    size_t c2 = add(f, "r/x/d", "r", "exec-2", 300, 1, false);
    /* a pipeline without an execution id (an old token): untracked */
    size_t u = add(f, "s/x/u", "s", "", 1, 1, false);
    art_retention_rule r = rule_of(1, 0);
    art_retention_plan plan;
    REQUIRE(art_retention_plan_make(f->v, f->count, &r, NOW, 1000, &plan) == 0);
    CHECK(deletes(&plan, a1, NULL) && deletes(&plan, a2, NULL));
    CHECK(!deletes(&plan, b1, NULL));
    CHECK(deletes(&plan, c1, NULL) && !deletes(&plan, c2, NULL));
    CHECK(!deletes(&plan, u, NULL));
    CHECK_INT_EQ(plan.untracked, 1);
    /* by pipeline, then oldest first */
    CHECK_INT_EQ(plan.execution_count, 2);
    CHECK_STR_EQ(plan.executions[0].pipeline, "p");
    CHECK_STR_EQ(plan.executions[0].execution, "eA");
    CHECK_INT_EQ(plan.executions[0].versions, 2);
    CHECK_STR_EQ(plan.executions[1].execution, "exec-1");
    art_retention_plan_free(&plan);
    free(f);
}

static void test_plan_markers(void)
{
    fixture *f = malloc(sizeof *f);
    REQUIRE(f != NULL);
    memset(f, 0, sizeof *f);
    /* k1: an expired version and a marker above it: both go */
    size_t k1v = add(f, "k1", "p", "old", 100, 5, false);
    size_t k1m = add(f, "k1", "", "", 150, 0, true);
    f->v[k1v].is_latest = false;
    /* k2: only a marker: it goes */
    size_t k2m = add(f, "k2", "", "", 160, 0, true);
    /* k3: a marker over an untracked version: it stays */
    size_t k3v = add(f, "k3", "", "", 110, 5, false);
    size_t k3m = add(f, "k3", "", "", 170, 0, true);
    /* k4: a marker over a kept version: it stays */
    size_t k4v = add(f, "k4", "p", "new", 200, 5, false);
    size_t k4m = add(f, "k4", "", "", 210, 0, true);
    art_retention_rule r = rule_of(1, 0);
    art_retention_plan plan;
    REQUIRE(art_retention_plan_make(f->v, f->count, &r, NOW, 1000, &plan) == 0);
    art_retention_reason why = ART_RETENTION_EXPIRED;
    CHECK(deletes(&plan, k1v, &why) && why == ART_RETENTION_EXPIRED);
    CHECK(deletes(&plan, k1m, &why) && why == ART_RETENTION_MARKER);
    CHECK(deletes(&plan, k2m, &why) && why == ART_RETENTION_MARKER);
    CHECK(!deletes(&plan, k3v, NULL) && !deletes(&plan, k3m, NULL));
    CHECK(!deletes(&plan, k4v, NULL) && !deletes(&plan, k4m, NULL));
    CHECK_INT_EQ(plan.delete_count, 3);
    /* expired versions first, then markers */
    CHECK_INT_EQ(plan.deletes[0].index, k1v);
    CHECK(plan.deletes[1].reason == ART_RETENTION_MARKER &&
          plan.deletes[2].reason == ART_RETENTION_MARKER);
    CHECK_INT_EQ(plan.bytes, 5);
    CHECK_STR_EQ(art_retention_reason_name(plan.deletes[1].reason), "marker");
    CHECK_STR_EQ(art_retention_reason_name(plan.deletes[0].reason), "expired");
    art_retention_plan_free(&plan);
    free(f);
}

static void test_plan_cap(void)
{
    fixture *f = malloc(sizeof *f);
    REQUIRE(f != NULL);
    five_executions(f);
    art_retention_rule r = rule_of(2, 0);
    art_retention_plan plan;
    /* the 4 oldest are candidates: the untracked object, q's, e1's two */
    REQUIRE(art_retention_plan_make(f->v, f->count, &r, NOW, 4, &plan) == 0);
    CHECK(plan.truncated);
    CHECK_INT_EQ(plan.considered, 4);
    CHECK_INT_EQ(plan.delete_count, 2);
    CHECK_STR_EQ(f->v[plan.deletes[0].index].execution, "e1");
    CHECK_STR_EQ(f->v[plan.deletes[1].index].execution, "e1");
    art_retention_plan_free(&plan);
    /* the next sweep, with e1 gone, takes e2 */
    fixture *g = malloc(sizeof *g);
    REQUIRE(g != NULL);
    memset(g, 0, sizeof *g);
    for (size_t i = 0; i < f->count; i++) {
        if (strcmp(f->v[i].execution, "e1") != 0) {
            add(g, f->v[i].key, f->v[i].pipeline, f->v[i].execution, f->v[i].mtime_ms, f->v[i].size,
                false);
        }
    }
    REQUIRE(art_retention_plan_make(g->v, g->count, &r, NOW, 4, &plan) == 0);
    CHECK_INT_EQ(plan.delete_count, 2);
    CHECK_STR_EQ(g->v[plan.deletes[0].index].execution, "e2");
    art_retention_plan_free(&plan);
    /* a cap of 0 considers nothing */
    REQUIRE(art_retention_plan_make(f->v, f->count, &r, NOW, 0, &plan) == 0);
    CHECK(plan.truncated && plan.delete_count == 0 && plan.considered == 0);
    art_retention_plan_free(&plan);
    art_retention_plan_free(&plan); /* a zeroed plan */
    free(g);
    free(f);
}

int main(void)
{
    RUN_TEST(test_policy_parse);
    RUN_TEST(test_plan_executions);
    RUN_TEST(test_plan_days);
    RUN_TEST(test_plan_ranking);
    RUN_TEST(test_plan_markers);
    RUN_TEST(test_plan_cap);
    return sluice_test_report();
}
