/*
 * Crash test: 100 executions over 10 pipelines run while orchestrator
 * replicas are killed with SIGKILL at random moments and restarted. Afterwards
 * every execution has finished with the status its inputs ask for, no job was
 * dispatched twice for one attempt except as an exact duplicate (same job id),
 * and no state-change event is missing.
 */
#include "orch_kit.h"
#include "pipelines.h"

#include "sluice_test.h"

#include <signal.h>
#include <stdlib.h>

#define PIPELINES    10
#define PER_PIPELINE 10
#define EXECUTIONS   (PIPELINES * PER_PIPELINE)

static orch_kit kit;

static kit_job_answer outcome_policy(const json_t *job, void *ctx)
{
    (void)ctx;
    const char *outcome =
        json_string_value(json_object_get(json_object_get(job, "configuration"), "Outcome"));
    return outcome != NULL && strcmp(outcome, "fail") == 0 ? KIT_JOB_FAIL : KIT_JOB_SUCCEED;
}

typedef struct run {
    char pipeline[32];
    char request[KIT_ID_LEN + 1];
    char execution[KIT_ID_LEN + 1];
    bool fail;
} run;

static run runs[EXECUTIONS];

static bool terminal(const char *execution)
{
    return kit_count(&kit, 'P', execution, NULL, NULL, "SUCCEEDED") +
               kit_count(&kit, 'P', execution, NULL, NULL, "FAILED") >
           0;
}

/* Collects replies to the start requests that have come in. Returns how many are known. */
static int collect_replies(void)
{
    int known = 0;
    for (int i = 0; i < EXECUTIONS; i++) {
        if (runs[i].execution[0] == '\0') {
            json_t *reply = kit_reply(&kit, runs[i].pipeline, runs[i].request, 1);
            const char *x = json_string_value(
                json_object_get(json_object_get(reply, "body"), "pipelineExecutionId"));
            if (x != NULL) {
                snprintf(runs[i].execution, sizeof runs[i].execution, "%s", x);
            }
            json_decref(reply);
        }
        known += runs[i].execution[0] != '\0';
    }
    return known;
}

static void check_events(const run *r)
{
    const char *x = r->execution;
    CHECK_INT_EQ(kit_count(&kit, 'P', x, NULL, NULL, "STARTED"), 1);
    CHECK_INT_EQ(kit_count(&kit, 'P', x, NULL, NULL, r->fail ? "FAILED" : "SUCCEEDED"), 1);
    CHECK_INT_EQ(kit_count(&kit, 'P', x, NULL, NULL, r->fail ? "SUCCEEDED" : "FAILED"), 0);
    CHECK(kit_index(&kit, 'P', x, NULL, NULL, "STARTED") <
          kit_index(&kit, 'P', x, NULL, NULL, r->fail ? "FAILED" : "SUCCEEDED"));
    static const char *const stages[] = {"Source", "Build", "Deploy"};
    static const char *const actions[] = {"Source", "BuildA", "BuildB", "Package", "DeployIt"};
    static const char *const action_stage[] = {"Source", "Build", "Build", "Build", "Deploy"};
    size_t nstages = r->fail ? 2 : 3;
    for (size_t s = 0; s < nstages; s++) {
        CHECK_INT_EQ(kit_count(&kit, 'S', x, stages[s], NULL, "STARTED"), 1);
        bool failed_stage = r->fail && s == 1;
        CHECK_INT_EQ(
            kit_count(&kit, 'S', x, stages[s], NULL, failed_stage ? "FAILED" : "SUCCEEDED"), 1);
    }
    size_t nactions = r->fail ? 4 : 5;
    for (size_t a = 0; a < nactions; a++) {
        CHECK_INT_EQ(kit_count(&kit, 'A', x, action_stage[a], actions[a], "STARTED"), 1);
        bool failed_action = r->fail && a == 3;
        CHECK_INT_EQ(kit_count(&kit, 'A', x, action_stage[a], actions[a],
                               failed_action ? "FAILED" : "SUCCEEDED"),
                     1);
        CHECK_INT_EQ(kit_count_jobs(&kit, x, actions[a]), 1);
    }
    if (r->fail) {
        CHECK_INT_EQ(kit_count(&kit, 'S', x, "Deploy", NULL, NULL), 0);
        CHECK_INT_EQ(kit_count_jobs(&kit, x, "DeployIt"), 0);
    }
}

int main(void)
{
    srand(20261126);
    kit_init(&kit, "orchcrash");
    kit.policy = outcome_policy;
    kit_orch_start(&kit, 0, NULL);
    kit_orch_start(&kit, 1, NULL);
    for (int p = 0; p < PIPELINES; p++) {
        char name[32];
        snprintf(name, sizeof name, "crash-%d", p);
        kit_define(&kit, name, PIPE_CRASH, 1);
    }
    for (int i = 0; i < EXECUTIONS; i++) {
        run *r = &runs[i];
        snprintf(r->pipeline, sizeof r->pipeline, "crash-%d", i % PIPELINES);
        r->fail = i % 5 == 4;
        json_t *detail = json_pack("{s:s}", "type", "StartPipelineExecution");
        if (r->fail) {
            json_object_set_new(detail, "variables",
                                json_pack("[{s:s, s:s}]", "name", "Outcome", "value", "fail"));
        }
        kit_request(&kit, r->pipeline, detail, r->request);
    }

    int kills = 0;
    int64_t deadline = kit_now_ms() + 180000;
    int64_t next_kill = kit_now_ms() + 300;
    int finished = 0;
    while (kit_now_ms() < deadline) {
        kit_pump(&kit, 50);
        if (kills < 8 && kit_now_ms() >= next_kill) {
            int slot = rand() % 2;
            kit_orch_kill(&kit, slot, SIGKILL);
            kit_orch_start(&kit, slot, NULL);
            kills++;
            next_kill = kit_now_ms() + 200 + rand() % 600;
        }
        if (collect_replies() < EXECUTIONS) {
            continue;
        }
        finished = 0;
        for (int i = 0; i < EXECUTIONS; i++) {
            finished += terminal(runs[i].execution);
        }
        if (finished == EXECUTIONS && kills >= 8) {
            break;
        }
    }
    kit_pump(&kit, 1000); /* let late duplicates arrive too */
    fprintf(
        stderr,
        "kills: %d, finished: %d/%d, events: %zu (+%zu duplicates), jobs: %zu (+%zu duplicates)\n",
        kills, finished, EXECUTIONS, kit.nevents, kit.duplicate_events, kit.njobs,
        kit.duplicate_jobs);
    CHECK_INT_EQ(kills, 8);
    CHECK_INT_EQ(finished, EXECUTIONS);
    for (int i = 0; i < EXECUTIONS; i++) {
        if (runs[i].execution[0] != '\0') {
            check_events(&runs[i]);
        }
    }
    kit_free(&kit);
    return sluice_test_report();
}
