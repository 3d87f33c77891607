/*
 * test_wk_lease.c — job claims against the fixture's real redis-server: one
 * owner at a time, a finished job never claimed again (a redelivered or
 * duplicate message), a heartbeat that keeps the claim, a lost worker's
 * claim that expires and passes to another.
 */
#include "wk_lease.h"

#include "sluice/error.h"
#include "sluice/time.h"
#include "sluice_test.h"
#include "testenv.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static char err[512];

static state_redis *connect_redis(void)
{
    state_redis_config cfg;
    state_redis_config_init(&cfg);
    cfg.host = testenv_require("SLUICE_TEST_REDIS_HOST");
    cfg.port = (int)strtol(testenv_require("SLUICE_TEST_REDIS_PORT"), NULL, 10);
    state_redis *r = NULL;
    if (state_redis_new(&cfg, &r, err, sizeof err) != 0) {
        fprintf(stderr, "redis: %s\n", err);
    }
    return r;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void test_one_owner_then_done(void)
{
    state_redis *r = connect_redis();
    REQUIRE(r != NULL);
    char pipeline[64];
    char job[64];
    char a[WK_LEASE_OWNER_MAX];
    char b[WK_LEASE_OWNER_MAX];
    testenv_unique_name("lease-p", pipeline, sizeof pipeline);
    testenv_unique_name("job", job, sizeof job);
    CHECK_INT_EQ(wk_lease_owner(a), 0);
    CHECK_INT_EQ(wk_lease_owner(b), 0);
    CHECK(strcmp(a, b) != 0);

    wk_lease_claim claim = WK_LEASE_DONE;
    CHECK_INT_EQ(wk_lease_claim_job(r, pipeline, job, a, 30000, &claim, err, sizeof err), 0);
    CHECK_INT_EQ(claim, WK_LEASE_CLAIMED);
    /* a duplicate delivery, to another worker: running elsewhere */
    CHECK_INT_EQ(wk_lease_claim_job(r, pipeline, job, b, 30000, &claim, err, sizeof err), 0);
    CHECK_INT_EQ(claim, WK_LEASE_HELD);
    /* the same owner asking again keeps it */
    CHECK_INT_EQ(wk_lease_claim_job(r, pipeline, job, a, 30000, &claim, err, sizeof err), 0);
    CHECK_INT_EQ(claim, WK_LEASE_CLAIMED);

    bool held = false;
    CHECK_INT_EQ(wk_lease_heartbeat(r, pipeline, job, a, 30000, &held, err, sizeof err), 0);
    CHECK(held);
    CHECK_INT_EQ(wk_lease_heartbeat(r, pipeline, job, b, 30000, &held, err, sizeof err), 0);
    CHECK(!held);
    /* another owner's release does not drop the lease */
    CHECK_INT_EQ(wk_lease_release(r, pipeline, job, b, err, sizeof err), 0);
    CHECK_INT_EQ(wk_lease_claim_job(r, pipeline, job, b, 30000, &claim, err, sizeof err), 0);
    CHECK_INT_EQ(claim, WK_LEASE_HELD);

    CHECK_INT_EQ(wk_lease_finish(r, pipeline, job, a, "Succeeded", 60000, err, sizeof err), 0);
    /* redelivered after it finished: never run again, by anyone */
    CHECK_INT_EQ(wk_lease_claim_job(r, pipeline, job, b, 30000, &claim, err, sizeof err), 0);
    CHECK_INT_EQ(claim, WK_LEASE_DONE);
    CHECK_INT_EQ(wk_lease_claim_job(r, pipeline, job, a, 30000, &claim, err, sizeof err), 0);
    CHECK_INT_EQ(claim, WK_LEASE_DONE);
    CHECK_INT_EQ(wk_lease_heartbeat(r, pipeline, job, a, 30000, &held, err, sizeof err), 0);
    CHECK(!held);
    state_redis_free(r);
}

static void test_lost_worker_lease_expires(void)
{
    state_redis *r = connect_redis();
    REQUIRE(r != NULL);
    char pipeline[64];
    char job[64];
    char a[WK_LEASE_OWNER_MAX];
    char b[WK_LEASE_OWNER_MAX];
    testenv_unique_name("lease-p", pipeline, sizeof pipeline);
    testenv_unique_name("job", job, sizeof job);
    wk_lease_owner(a);
    wk_lease_owner(b);
    wk_lease_claim claim = WK_LEASE_DONE;
    CHECK_INT_EQ(wk_lease_claim_job(r, pipeline, job, a, 300, &claim, err, sizeof err), 0);
    CHECK_INT_EQ(claim, WK_LEASE_CLAIMED);
    /* heartbeats keep it past its first expiry */
    bool held = false;
    for (int i = 0; i < 4; i++) {
        sleep_ms(150);
        CHECK_INT_EQ(wk_lease_heartbeat(r, pipeline, job, a, 300, &held, err, sizeof err), 0);
        CHECK(held);
    }
    CHECK_INT_EQ(wk_lease_claim_job(r, pipeline, job, b, 300, &claim, err, sizeof err), 0);
    CHECK_INT_EQ(claim, WK_LEASE_HELD);
    /* the owner dies: no more heartbeats, the lease runs out, b takes it */
    sleep_ms(450);
    CHECK_INT_EQ(wk_lease_claim_job(r, pipeline, job, b, 300, &claim, err, sizeof err), 0);
    CHECK_INT_EQ(claim, WK_LEASE_CLAIMED);
    CHECK_INT_EQ(wk_lease_heartbeat(r, pipeline, job, a, 300, &held, err, sizeof err), 0);
    CHECK(!held);
    CHECK_INT_EQ(wk_lease_release(r, pipeline, job, b, err, sizeof err), 0);
    CHECK_INT_EQ(wk_lease_claim_job(r, pipeline, job, a, 300, &claim, err, sizeof err), 0);
    CHECK_INT_EQ(claim, WK_LEASE_CLAIMED);
    state_redis_free(r);
}

/* A job whose worker died: its lease expires, a sweep adopts it once, counting the claims. */
static void test_lost_job_adopted(void)
{
    state_redis *r = connect_redis();
    REQUIRE(r != NULL);
    char pipeline[64];
    char job[64];
    char a[WK_LEASE_OWNER_MAX];
    char b[WK_LEASE_OWNER_MAX];
    testenv_unique_name("lost-p", pipeline, sizeof pipeline);
    testenv_unique_name("job", job, sizeof job);
    wk_lease_owner(a);
    wk_lease_owner(b);
    wk_lease_claim claim;
    CHECK_INT_EQ(wk_lease_claim_job(r, pipeline, job, a, 200, &claim, err, sizeof err), 0);
    CHECK_INT_EQ(claim, WK_LEASE_CLAIMED);
    static const char doc[] = "{\"jobId\":\"x\"}";
    int64_t now = sluice_time_now_ms();
    CHECK_INT_EQ(
        wk_lease_track(r, pipeline, job, now + 200, doc, strlen(doc), 60000, err, sizeof err), 0);
    /* while the lease holds, nothing is lost */
    bool found = true;
    wk_lease_adopted adopted;
    bool seen = false;
    for (int i = 0; i < 20 && !seen; i++) {
        CHECK_INT_EQ(wk_lease_lost(r, now, b, 5000, &found, &adopted, err, sizeof err), 0);
        seen = found && strcmp(adopted.job_id, job) == 0;
        if (found) {
            free(adopted.doc);
        }
    }
    CHECK(!seen);
    sleep_ms(300);
    seen = false;
    for (int i = 0; i < 20 && !seen; i++) {
        CHECK_INT_EQ(
            wk_lease_lost(r, sluice_time_now_ms(), b, 5000, &found, &adopted, err, sizeof err), 0);
        if (found && strcmp(adopted.job_id, job) == 0) {
            seen = true;
            CHECK_STR_EQ(adopted.pipeline, pipeline);
            CHECK_STR_EQ(adopted.doc, doc);
            CHECK_INT_EQ(adopted.attempts, 2);
        }
        if (found) {
            free(adopted.doc);
        }
        if (!found) {
            break;
        }
    }
    CHECK(seen);
    /* b holds it now; a's heartbeat finds it lost, another claim finds it held */
    bool held = true;
    CHECK_INT_EQ(wk_lease_heartbeat(r, pipeline, job, a, 200, &held, err, sizeof err), 0);
    CHECK(!held);
    CHECK_INT_EQ(wk_lease_claim_job(r, pipeline, job, b, 5000, &claim, err, sizeof err), 0);
    CHECK_INT_EQ(claim, WK_LEASE_CLAIMED);
    CHECK_INT_EQ(wk_lease_finish(r, pipeline, job, b, "Succeeded", 60000, err, sizeof err), 0);
    /* finished: never adopted again */
    for (int i = 0; i < 20; i++) {
        CHECK_INT_EQ(wk_lease_lost(r, sluice_time_now_ms() + 10000, b, 5000, &found, &adopted, err,
                                   sizeof err),
                     0);
        if (!found) {
            break;
        }
        CHECK(strcmp(adopted.job_id, job) != 0);
        free(adopted.doc);
    }
    state_redis_free(r);
}

int main(void)
{
    RUN_TEST(test_one_owner_then_done);
    RUN_TEST(test_lost_worker_lease_expires);
    RUN_TEST(test_lost_job_adopted);
    return sluice_test_report();
}
