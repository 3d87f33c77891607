/*
 * Tests of art_event: the Sluice Artifact Stored event's fields, its
 * deterministic id, its message key and its envelope.
 */
#include "art_event.h"

#include "sluice/error.h"
#include "sluice/id.h"
#include "sluice/protocol_names.h"
#include "sluice_test.h"

#include <stdlib.h>
#include <string.h>

static void sample(art_store_meta *m)
{
    memset(m, 0, sizeof *m);
    snprintf(m->key, sizeof m->key, "%s", "p/Src/abc");
    m->size = 42;
    snprintf(m->sha256, sizeof m->sha256, "%064d", 7);
    snprintf(m->etag, sizeof m->etag, "%s", "0123456789abcdef0123456789abcdef-2");
    m->parts = 2;
    m->mtime_ms = 1772446560123;
}

static void test_fields_and_key(void)
{
    art_store_meta *m = malloc(sizeof *m);
    aws_s3auth_result *a = calloc(1, sizeof *a);
    art_event_stored *ev = malloc(sizeof *ev);
    CHECK(m != NULL && a != NULL && ev != NULL);
    if (m == NULL || a == NULL || ev == NULL) {
        goto out;
    }
    sample(m);
    snprintf(a->identity, sizeof a->identity, "%s", "alice");
    art_event_from_store(ev, "bkt", m, a);
    CHECK_STR_EQ(ev->bucket, "bkt");
    CHECK_STR_EQ(ev->key, "p/Src/abc");
    CHECK(ev->size == 42 && ev->parts == 2 && ev->time_ms == 1772446560123);
    CHECK_STR_EQ(ev->identity, "alice");
    CHECK_STR_EQ(ev->job_id, "");
    CHECK_STR_EQ(art_event_key(ev), "bkt");
    a->job = true;
    snprintf(a->identity, sizeof a->identity, "%s", "job:j1");
    snprintf(a->job_scope.job_id, sizeof a->job_scope.job_id, "%s", "j1");
    snprintf(a->job_scope.pipeline, sizeof a->job_scope.pipeline, "%s", "my-pipe");
    art_event_from_store(ev, "bkt", m, a);
    CHECK_STR_EQ(ev->job_id, "j1");
    CHECK_STR_EQ(art_event_key(ev), "my-pipe");
out:
    free(m);
    free(a);
    free(ev);
}

static void test_id(void)
{
    art_store_meta *m = malloc(sizeof *m);
    art_event_stored *ev = malloc(sizeof *ev);
    CHECK(m != NULL && ev != NULL);
    if (m == NULL || ev == NULL) {
        goto out;
    }
    sample(m);
    art_event_from_store(ev, "bkt", m, NULL);
    char id1[SLUICE_UUID_LEN + 1], id2[SLUICE_UUID_LEN + 1];
    art_event_id(ev, id1);
    art_event_id(ev, id2);
    CHECK(sluice_uuid_is_valid(id1));
    CHECK_STR_EQ(id1, id2); /* a retry carries the same id */
    ev->time_ms++;
    art_event_id(ev, id2);
    CHECK(strcmp(id1, id2) != 0); /* another commit is another event */
    ev->time_ms--;
    ev->sha256[0] = '1';
    art_event_id(ev, id2);
    CHECK(strcmp(id1, id2) != 0);
    ev->sha256[0] = '0';
    snprintf(ev->key, sizeof ev->key, "%s", "p/Src/abd");
    art_event_id(ev, id2);
    CHECK(strcmp(id1, id2) != 0);
out:
    free(m);
    free(ev);
}

static void test_envelope(void)
{
    art_store_meta *m = malloc(sizeof *m);
    aws_s3auth_result *a = calloc(1, sizeof *a);
    art_event_stored *ev = malloc(sizeof *ev);
    CHECK(m != NULL && a != NULL && ev != NULL);
    if (m == NULL || a == NULL || ev == NULL) {
        goto out;
    }
    sample(m);
    snprintf(m->version_id, sizeof m->version_id, "%s", "0019c9e1a2b3c000001abcdef0123456");
    a->job = true;
    snprintf(a->identity, sizeof a->identity, "%s", "job:j1");
    snprintf(a->job_scope.job_id, sizeof a->job_scope.job_id, "%s", "j1");
    snprintf(a->job_scope.pipeline, sizeof a->job_scope.pipeline, "%s", "my-pipe");
    art_event_from_store(ev, "bkt", m, a);
    char err[256];
    bus_envelope *env = NULL;
    CHECK_INT_EQ(art_event_envelope(ev, "123456789012", "us-east-1", &env, err, sizeof err),
                 SLUICE_OK);
    if (env != NULL) {
        char id[SLUICE_UUID_LEN + 1];
        art_event_id(ev, id);
        CHECK_STR_EQ(env->id, id);
        CHECK_STR_EQ(env->detail_type, PROTOCOL_DETAIL_ARTIFACT_STORED);
        CHECK_STR_EQ(env->source, PROTOCOL_SOURCE_ARTIFACTS);
        CHECK_STR_EQ(env->time, "2026-03-02T10:16:00Z");
        CHECK_STR_EQ(json_string_value(json_array_get(env->resources, 0)), "arn:aws:s3:::bkt");
        CHECK(json_integer_value(json_object_get(env->detail, "size")) == 42);
        CHECK_STR_EQ(json_string_value(json_object_get(env->detail, "sha256")), ev->sha256);
        CHECK_STR_EQ(json_string_value(json_object_get(env->detail, "storedBy")), "job:j1");
        CHECK_STR_EQ(json_string_value(json_object_get(env->detail, "jobId")), "j1");
        CHECK_STR_EQ(json_string_value(json_object_get(env->detail, "pipeline")), "my-pipe");
        CHECK_STR_EQ(json_string_value(json_object_get(env->detail, "versionId")),
                     "0019c9e1a2b3c000001abcdef0123456");
    }
    bus_envelope_free(env);
    CHECK_INT_EQ(art_event_envelope(ev, "1234", "us-east-1", &env, err, sizeof err), SLUICE_EINVAL);
    CHECK(env == NULL);
out:
    free(m);
    free(a);
    free(ev);
}

int main(void)
{
    RUN_TEST(test_fields_and_key);
    RUN_TEST(test_id);
    RUN_TEST(test_envelope);
    return sluice_test_report();
}
