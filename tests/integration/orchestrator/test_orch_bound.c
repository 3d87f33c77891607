/*
 * test_orch_bound.c — a request that would make a stored state record larger
 * than SLUICE_STATE_RECORD_MAX_BYTES fails with a message naming the bound,
 * and leaves the state as it was: the action keeps running and a later,
 * ordinary result of the same job still succeeds. One replica, with the
 * bound set to 64 KiB.
 */
#include "orch_kit.h"
#include "pipelines.h"
#include "sluice_test.h"

#include <stdlib.h>
#include <string.h>

#define WAIT_MS 20000

static orch_kit kit;

static kit_job_answer hold_build(const json_t *job, void *ctx)
{
    (void)ctx;
    const char *action = json_string_value(json_object_get(job, "action"));
    return action != NULL && strcmp(action, "Hold") == 0 ? KIT_JOB_HOLD : KIT_JOB_SUCCEED;
}

static void test_oversized_result_fails_alone(void)
{
    const char *p = "bounded";
    kit.policy = hold_build;
    kit_define(&kit, p, PIPE_THREE_STAGES("SUPERSEDED"), 1);
    char x[KIT_ID_LEN + 1];
    REQUIRE(kit_start(&kit, p, x));
    kit_job *job = kit_wait_job(&kit, x, "Hold", WAIT_MS);
    REQUIRE(job != NULL);

    /* 100 KB of output variables (within CodePipeline's quota, over this bound) */
    char *big = malloc(100001);
    REQUIRE(big != NULL);
    memset(big, 'v', 100000);
    big[100000] = '\0';
    json_t *detail = json_pack("{s:s, s:s, s:s, s:{s:s}}", "type", "JobResult", "jobId", job->id,
                               "outcome", "Succeeded", "outputVariables", "BIG", big);
    free(big);
    char exception[256];
    const char *got = kit_call(&kit, p, detail, exception, sizeof exception);
    REQUIRE(got != NULL);
    CHECK_STR_EQ(got, "LimitExceededException");

    /* nothing was saved: the action still runs, and an ordinary result completes it */
    kit_pump(&kit, 300);
    CHECK_INT_EQ(kit_count(&kit, 'A', x, "Build", "Hold", "SUCCEEDED"), 0);
    kit_answer_job(&kit, job, true);
    REQUIRE(kit_wait_pipeline(&kit, x, "SUCCEEDED", WAIT_MS));
    CHECK_INT_EQ(kit_count(&kit, 'A', x, "Build", "Hold", "SUCCEEDED"), 1);
}

int main(void)
{
    kit_init(&kit, "orchbound");
    kit_orch_start(&kit, 0, "SLUICE_STATE_RECORD_MAX_BYTES=65536");
    RUN_TEST(test_oversized_result_fails_alone);
    kit_free(&kit);
    return sluice_test_report();
}
