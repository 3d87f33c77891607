/*
 * test_orch_oversized.c — a job over the bus's message bound does not get a
 * pipeline or its partition stuck. A Source returns a 100 KB output variable
 * that the next action, a Commands action, uses twelve times (a ~1.2 MB job,
 * over the 1,000,000-byte bound): the action fails with a message naming
 * the bound and the commands and variable it came from, the
 * execution fails, the pipeline runs its next execution to the end, a
 * second pipeline on the same partition runs before and after, and the
 * orchestrator's consumer group commits that partition's offset up to its
 * end. One replica with the default message bound and records of up to
 * 1 MiB (the execution record keeps the variable).
 */
#include "orch_kit.h"
#include "pipelines.h"
#include "sluice_test.h"

#include "sluice/protocol_names.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WAIT_MS 30000
#define USES    12

static orch_kit kit;
static bool hold_source; /* the test answers the Source job itself */

static kit_job_answer policy(const json_t *job, void *ctx)
{
    (void)ctx;
    const char *action = json_string_value(json_object_get(job, "action"));
    const char *pipeline = json_string_value(json_object_get(job, "pipeline"));
    if (hold_source && action != NULL && strcmp(action, "Source") == 0 && pipeline != NULL &&
        strcmp(pipeline, "big") == 0) {
        return KIT_JOB_HOLD;
    }
    return KIT_JOB_SUCCEED;
}

/* Source → Build (Use, a Commands action using #{SourceVariables.BIG} twelve times) → Deploy. */
static char *declaration(void)
{
    char commands[2048] = "";
    for (int i = 0; i < USES; i++) {
        size_t used = strlen(commands);
        snprintf(commands + used, sizeof commands - used, "%s\"echo %02d #{SourceVariables.BIG}\"",
                 i == 0 ? "" : ",", i);
    }
    char *text = malloc(8192);
    snprintf(text, 8192,
             "{\"name\":\"P\",\"roleArn\":\"arn:aws:iam::123456789012:role/r\","
             "\"artifactStore\":{\"type\":\"S3\",\"location\":\"artifacts\"},"
             "\"pipelineType\":\"V2\",\"executionMode\":\"QUEUED\",\"stages\":[" PIPE_SOURCE_STAGE
             ",{\"name\":\"Build\",\"actions\":[{\"name\":\"Use\",\"actionTypeId\":{\"category\":"
             "\"Compute\",\"owner\":\"AWS\",\"provider\":\"Commands\",\"version\":\"1\"},"
             "\"commands\":[%s],\"inputArtifacts\":[{\"name\":\"SourceOut\"}]}]},"
             "{\"name\":\"Deploy\",\"actions\":[" PIPE_ACTION("DeployIt", "Build", "CodeBuild", 1,
                                                              "SourceOut", "") "]}]}",
             commands);
    return text;
}

/* Answers big's held Source job with an output variable BIG of size bytes. */
static void answer_source(kit_job *job, size_t size)
{
    char *value = malloc(size + 1);
    if (value == NULL) {
        return;
    }
    memset(value, 'v', size);
    value[size] = '\0';
    json_t *detail =
        json_pack("{s:s, s:s, s:s, s:{s:s}}", "type", PROTOCOL_REQUEST_JOB_RESULT, "jobId", job->id,
                  "outcome", "Succeeded", "outputVariables", "BIG", value);
    free(value);
    job->answered = true;
    kit_request(&kit, job->pipeline, detail, NULL);
}

static void test_oversized_job_fails_and_nothing_waits(void)
{
    const char *p = "big";
    char other[64];
    int32_t partition = kit_partition_of(p);
    kit_name_in_partition(partition, "other", other, sizeof other);
    kit.policy = policy;
    char *decl = declaration();
    kit_define(&kit, p, decl, 1);
    kit_define(&kit, other, PIPE_THREE_STAGES("QUEUED"), 1);
    free(decl);

    char y1[KIT_ID_LEN + 1];
    REQUIRE(kit_start(&kit, other, y1));
    REQUIRE(kit_wait_pipeline(&kit, y1, "SUCCEEDED", WAIT_MS));

    hold_source = true;
    char x1[KIT_ID_LEN + 1];
    REQUIRE(kit_start(&kit, p, x1));
    kit_job *source = kit_wait_job(&kit, x1, "Source", WAIT_MS);
    REQUIRE(source != NULL);
    answer_source(source, 100000); /* 100 KB, within CodePipeline's quota */

    REQUIRE(kit_wait_event(&kit, 'A', x1, "Build", "Use", "FAILED", WAIT_MS));
    REQUIRE(kit_wait_pipeline(&kit, x1, "FAILED", WAIT_MS));
    CHECK_INT_EQ(kit_count_jobs(&kit, x1, "Use"), 0); /* never published */
    long at = kit_index(&kit, 'A', x1, "Build", "Use", "FAILED");
    REQUIRE(at >= 0);
    const char *why = kit.event_log[at].summary;
    CHECK_STR_CONTAINS(why, "over the bus's message bound of 1000000 bytes");
    CHECK_STR_CONTAINS(why, "SLUICE_BUS_MESSAGE_MAX");
    CHECK_STR_CONTAINS(why, "commands[");
    CHECK_STR_CONTAINS(why, "#{SourceVariables.BIG}");

    /* The pipeline takes and runs its next execution; the other pipeline keeps running. */
    char x2[KIT_ID_LEN + 1];
    char y2[KIT_ID_LEN + 1];
    REQUIRE(kit_start(&kit, p, x2));
    REQUIRE(kit_start(&kit, other, y2));
    source = kit_wait_job(&kit, x2, "Source", WAIT_MS);
    REQUIRE(source != NULL);
    answer_source(source, 100);
    REQUIRE(kit_wait_pipeline(&kit, x2, "SUCCEEDED", WAIT_MS));
    REQUIRE(kit_wait_pipeline(&kit, y2, "SUCCEEDED", WAIT_MS));
    CHECK_INT_EQ(kit_count(&kit, 'A', x2, "Build", "Use", "SUCCEEDED"), 1);

    /* Every request of the shared partition is handled: the group commits up to its end. */
    int64_t committed = -1;
    int64_t end = -1;
    int64_t deadline = kit_now_ms() + WAIT_MS;
    while (kit_now_ms() < deadline) {
        if (kit_offsets(&kit, partition, &committed, &end) && end > 0 && committed == end) {
            break;
        }
        kit_pump(&kit, 200);
    }
    fprintf(stderr, "partition %d: committed %lld of %lld\n", (int)partition, (long long)committed,
            (long long)end);
    CHECK(end >= 8); /* both pipelines' requests went there */
    CHECK_INT_EQ(committed, end);
}

int main(void)
{
    kit_init(&kit, "orchbig");
    /* The execution record keeps the 100 KB variable (three copies): room for it. */
    kit_orch_start(&kit, 0, "SLUICE_STATE_RECORD_MAX_BYTES=1048576");
    RUN_TEST(test_oversized_job_fails_and_nothing_waits);
    kit_free(&kit);
    return sluice_test_report();
}
