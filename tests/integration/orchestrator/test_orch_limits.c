/*
 * test_orch_limits.c — a pipeline at CodePipeline's limits (50 stages of 50
 * actions, long names) runs under the orchestrator's default configuration:
 * its definition is taken, an execution starts, the first stage's 50 actions
 * succeed and the second stage's 50 jobs are dispatched — every save of the
 * pipeline's records stays within the default SLUICE_STATE_RECORD_MAX_BYTES.
 * (With a 256 KiB default the pipeline record of this pipeline was 650 KB and
 * its first request went to the dead-letter topic.)
 */
#include "orch_kit.h"
#include "sluice_test.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WAIT_MS 60000
#define STAGES  50
#define ACTIONS 50

static orch_kit kit;

/* Stage 2's actions are held: the test stops looking once they are dispatched. */
static kit_job_answer hold_later_stages(const json_t *job, void *ctx)
{
    (void)ctx;
    const char *action = json_string_value(json_object_get(job, "action"));
    return action != NULL && strncmp(action, "deploy-", 7) == 0 ? KIT_JOB_HOLD : KIT_JOB_SUCCEED;
}

static json_t *action_type(const char *category, const char *provider)
{
    return json_pack("{s:s, s:s, s:s, s:s}", "category", category, "owner", "AWS", "provider",
                     provider, "version", "1");
}

/* 50 sources, then 49 stages of 50 builds each reading one source's artifact. */
static char *big_declaration(void)
{
    json_t *stages = json_array();
    json_t *first = json_array();
    char name[128];
    char artifact[16];
    for (int a = 0; a < ACTIONS; a++) {
        snprintf(name, sizeof name, "fetch-%02d-from-the-repository-of-the-platform-team", a);
        snprintf(artifact, sizeof artifact, "Src%02d", a);
        json_array_append_new(
            first, json_pack("{s:s, s:o, s:{s:s, s:s}, s:[{s:s}]}", "name", name, "actionTypeId",
                             action_type("Source", "CodeCommit"), "configuration", "RepositoryName",
                             "demo", "BranchName", "main", "outputArtifacts", "name", artifact));
    }
    json_array_append_new(stages, json_pack("{s:s, s:o}", "name", "Stage-01", "actions", first));
    for (int s = 2; s <= STAGES; s++) {
        json_t *actions = json_array();
        for (int a = 0; a < ACTIONS; a++) {
            snprintf(name, sizeof name, "deploy-%02d-%02d-region-eu-west-1-canary-group", s, a);
            snprintf(artifact, sizeof artifact, "Src%02d", a);
            json_array_append_new(actions, json_pack("{s:s, s:i, s:o, s:{s:s}, s:[{s:s}]}", "name",
                                                     name, "runOrder", 1 + a % 7, "actionTypeId",
                                                     action_type("Build", "CodeBuild"),
                                                     "configuration", "ProjectName", "p",
                                                     "inputArtifacts", "name", artifact));
        }
        snprintf(name, sizeof name, "Stage-%02d", s);
        json_array_append_new(stages, json_pack("{s:s, s:o}", "name", name, "actions", actions));
    }
    json_t *decl = json_pack("{s:s, s:s, s:{s:s, s:s}, s:s, s:o}", "name", "P", "roleArn",
                             "arn:aws:iam::123456789012:role/r", "artifactStore", "type", "S3",
                             "location", "artifacts", "pipelineType", "V2", "stages", stages);
    char *text = json_dumps(decl, JSON_COMPACT);
    json_decref(decl);
    return text;
}

static void test_pipeline_at_the_limits_runs(void)
{
    const char *p = "limits";
    kit.policy = hold_later_stages;
    char *decl = big_declaration();
    REQUIRE(decl != NULL);
    kit_define(&kit, p, decl, 1);
    free(decl);
    char x[KIT_ID_LEN + 1];
    REQUIRE(kit_start(&kit, p, x));
    kit_job *job = kit_wait_job(&kit, x, "deploy-02-49-region-eu-west-1-canary-group", WAIT_MS);
    REQUIRE(job != NULL);
    CHECK(kit_wait_event(&kit, 'S', x, "Stage-01", NULL, "SUCCEEDED", WAIT_MS));
    CHECK_INT_EQ(kit_count_jobs(&kit, x, "deploy-02-00-region-eu-west-1-canary-group"), 1);
}

int main(void)
{
    kit_init(&kit, "orchlimits");
    kit_orch_start(&kit, 0, NULL);
    RUN_TEST(test_pipeline_at_the_limits_runs);
    kit_free(&kit);
    return sluice_test_report();
}
