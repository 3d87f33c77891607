/*
 * Tests of art_store's versioning on a temporary directory: the bucket's
 * state, versions written, read by id, listed newest first, hidden by delete
 * markers and removed for good (promoting the next newest), null versions of
 * a suspended bucket, the retention fields, and the clean-up a restart does
 * after a crash between the two renames of a commit.
 */
#include "art_store.h"
#include "art_test_put.h"

#include "sluice/error.h"
#include "sluice_test.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[128];

/* Writes bucket/key = text; version gets the new version's id. */
static int put(art_store *st, const char *bucket, const char *key, const char *text,
               char version[ART_STORE_VERSION_ID_LEN + 1])
{
    char pipeline[64];
    snprintf(pipeline, sizeof pipeline, "pipe-%s", text);
    return art_test_put(st, bucket, key, text, pipeline, "exec-1", version);
}

/* The bytes of bucket/key's version (NULL: latest) into out, "" when it cannot be opened. */
static int read_version(art_store *st, const char *bucket, const char *key, const char *version,
                        char *out, size_t outlen)
{
    art_store_meta *meta = malloc(sizeof *meta);
    int fd = -1;
    bool no_bucket = false;
    out[0] = '\0';
    int rc = art_store_object_open_version(st, bucket, key, version, meta, &fd, &no_bucket);
    if (rc == SLUICE_OK && meta->delete_marker) {
        snprintf(out, outlen, "<marker>");
    } else if (rc == SLUICE_OK) {
        ssize_t n = read(fd, out, outlen - 1);
        out[n > 0 ? n : 0] = '\0';
        close(fd);
    }
    free(meta);
    return rc;
}

static size_t version_count(art_store *st, const char *bucket)
{
    art_store_version *v = NULL;
    size_t count = 0;
    if (art_store_version_list(st, bucket, 10000, &v, &count) != SLUICE_OK) {
        return 9999;
    }
    art_store_versions_free(v, count);
    return count;
}

static void test_ids(void)
{
    CHECK(art_store_version_id_valid("null"));
    CHECK(art_store_version_id_valid("0123456789abcdef0123456789abcdef"));
    CHECK(!art_store_version_id_valid("0123456789abcdef0123456789abcde"));
    CHECK(!art_store_version_id_valid("0123456789ABCDEF0123456789abcdef"));
    CHECK(!art_store_version_id_valid("../../../../../../../../../../.."));
    CHECK(!art_store_version_id_valid(""));
    CHECK(!art_store_version_id_valid("Null"));
}

static void test_enabled(void)
{
    char err[256];
    art_store *st = art_store_open(dir, NULL, err, sizeof err);
    REQUIRE(st != NULL);
    CHECK_INT_EQ(art_store_bucket_create(st, "ver"), SLUICE_OK);
    art_store_versioning v = ART_STORE_VERSIONING_ENABLED;
    CHECK_INT_EQ(art_store_bucket_versioning_get(st, "ver", &v), SLUICE_OK);
    CHECK_INT_EQ(v, ART_STORE_VERSIONING_NEVER);
    CHECK_INT_EQ(art_store_bucket_versioning_set(st, "ver", ART_STORE_VERSIONING_NEVER),
                 SLUICE_EINVAL);
    CHECK_INT_EQ(art_store_bucket_versioning_set(st, "nope", ART_STORE_VERSIONING_ENABLED),
                 SLUICE_ENOTFOUND);

    char v0[ART_STORE_VERSION_ID_LEN + 1];
    CHECK_INT_EQ(put(st, "ver", "k", "before", v0), SLUICE_OK);
    CHECK_STR_EQ(v0, "null");
    CHECK_INT_EQ(art_store_bucket_versioning_set(st, "ver", ART_STORE_VERSIONING_ENABLED),
                 SLUICE_OK);
    CHECK_INT_EQ(art_store_bucket_versioning_get(st, "ver", &v), SLUICE_OK);
    CHECK_INT_EQ(v, ART_STORE_VERSIONING_ENABLED);

    char v1[ART_STORE_VERSION_ID_LEN + 1];
    char v2[ART_STORE_VERSION_ID_LEN + 1];
    char v3[ART_STORE_VERSION_ID_LEN + 1];
    CHECK_INT_EQ(put(st, "ver", "k", "one", v1), SLUICE_OK);
    CHECK_INT_EQ(put(st, "ver", "k", "two", v2), SLUICE_OK);
    CHECK_INT_EQ(put(st, "ver", "k", "three", v3), SLUICE_OK);
    CHECK_INT_EQ(strlen(v1), ART_STORE_VERSION_ID_LEN);
    CHECK(strcmp(v1, v2) < 0 && strcmp(v2, v3) < 0); /* sortable by creation */
    char text[64];
    CHECK_INT_EQ(read_version(st, "ver", "k", NULL, text, sizeof text), SLUICE_OK);
    CHECK_STR_EQ(text, "three");
    CHECK_INT_EQ(read_version(st, "ver", "k", v1, text, sizeof text), SLUICE_OK);
    CHECK_STR_EQ(text, "one");
    CHECK_INT_EQ(read_version(st, "ver", "k", v2, text, sizeof text), SLUICE_OK);
    CHECK_STR_EQ(text, "two");
    CHECK_INT_EQ(read_version(st, "ver", "k", "null", text, sizeof text), SLUICE_OK);
    CHECK_STR_EQ(text, "before");
    CHECK_INT_EQ(
        read_version(st, "ver", "k", "0123456789abcdef0123456789abcdef", text, sizeof text),
        SLUICE_ENOTFOUND);
    CHECK_INT_EQ(read_version(st, "ver", "k", "bad", text, sizeof text), SLUICE_EINVAL);

    art_store_version *list = NULL;
    size_t count = 0;
    REQUIRE(art_store_version_list(st, "ver", 100, &list, &count) == SLUICE_OK);
    REQUIRE(count == 4);
    CHECK_STR_EQ(list[0].version_id, v3);
    CHECK(list[0].is_latest);
    CHECK_STR_EQ(list[1].version_id, v2);
    CHECK(!list[1].is_latest);
    CHECK_STR_EQ(list[2].version_id, v1);
    CHECK_STR_EQ(list[3].version_id, "null");
    CHECK(list[3].size == 6);
    CHECK_STR_EQ(list[1].pipeline, "pipe-two");
    CHECK_STR_EQ(list[1].execution, "exec-1");
    art_store_versions_free(list, count);
    CHECK_INT_EQ(art_store_version_list(st, "ver", 3, &list, &count), SLUICE_ETOOBIG);

    /* a delete marker hides the key */
    art_store_delete_result res;
    CHECK_INT_EQ(art_store_object_delete_version(st, "ver", "k", NULL, &res), SLUICE_OK);
    CHECK(res.delete_marker);
    CHECK(strcmp(res.version_id, v3) > 0);
    char marker[ART_STORE_VERSION_ID_LEN + 1];
    memcpy(marker, res.version_id, sizeof marker);
    art_store_meta *meta = malloc(sizeof *meta);
    bool no_bucket = false;
    CHECK_INT_EQ(art_store_object_open(st, "ver", "k", meta, NULL, &no_bucket), SLUICE_ENOTFOUND);
    CHECK(meta->delete_marker);
    CHECK_STR_EQ(meta->version_id, marker);
    CHECK_INT_EQ(read_version(st, "ver", "k", marker, text, sizeof text), SLUICE_OK);
    CHECK_STR_EQ(text, "<marker>");
    art_store_entry *entries = NULL;
    CHECK_INT_EQ(art_store_object_list(st, "ver", 100, &entries, &count), SLUICE_OK);
    CHECK_INT_EQ(count, 0);
    art_store_entries_free(entries, count);
    CHECK_INT_EQ(version_count(st, "ver"), 5);
    CHECK_INT_EQ(art_store_bucket_delete(st, "ver"), SLUICE_ECONFLICT);

    /* removing the marker restores the object */
    uint64_t freed = 99;
    CHECK_INT_EQ(art_store_version_delete(st, "ver", "k", marker, &freed), SLUICE_OK);
    CHECK(freed == 0);
    CHECK_INT_EQ(read_version(st, "ver", "k", NULL, text, sizeof text), SLUICE_OK);
    CHECK_STR_EQ(text, "three");

    /* removing the latest promotes the next newest; a noncurrent one goes alone */
    CHECK_INT_EQ(art_store_version_delete(st, "ver", "k", v3, &freed), SLUICE_OK);
    CHECK(freed == 5);
    CHECK_INT_EQ(read_version(st, "ver", "k", NULL, text, sizeof text), SLUICE_OK);
    CHECK_STR_EQ(text, "two");
    CHECK_INT_EQ(read_version(st, "ver", "k", v3, text, sizeof text), SLUICE_ENOTFOUND);
    CHECK_INT_EQ(art_store_version_delete(st, "ver", "k", v1, &freed), SLUICE_OK);
    CHECK(freed == 3);
    CHECK_INT_EQ(art_store_version_delete(st, "ver", "k", v1, &freed), SLUICE_ENOTFOUND);
    CHECK_INT_EQ(art_store_version_delete(st, "ver", "k", "nope", &freed), SLUICE_EINVAL);
    CHECK_INT_EQ(art_store_version_delete(st, "ver", "other", v2, &freed), SLUICE_ENOTFOUND);
    REQUIRE(art_store_version_list(st, "ver", 100, &list, &count) == SLUICE_OK);
    REQUIRE(count == 2);
    CHECK_STR_EQ(list[0].version_id, v2);
    CHECK(list[0].is_latest);
    CHECK_STR_EQ(list[1].version_id, "null");
    art_store_versions_free(list, count);

    /* suspended: writes replace the null version wherever it is */
    CHECK_INT_EQ(art_store_bucket_versioning_set(st, "ver", ART_STORE_VERSIONING_SUSPENDED),
                 SLUICE_OK);
    char vn[ART_STORE_VERSION_ID_LEN + 1];
    CHECK_INT_EQ(put(st, "ver", "k", "null one", vn), SLUICE_OK);
    CHECK_STR_EQ(vn, "null");
    CHECK_INT_EQ(version_count(st, "ver"), 2); /* v2 and the new null */
    CHECK_INT_EQ(put(st, "ver", "k", "null two", vn), SLUICE_OK);
    CHECK_INT_EQ(version_count(st, "ver"), 2);
    CHECK_INT_EQ(read_version(st, "ver", "k", "null", text, sizeof text), SLUICE_OK);
    CHECK_STR_EQ(text, "null two");
    CHECK_INT_EQ(read_version(st, "ver", "k", v2, text, sizeof text), SLUICE_OK);
    CHECK_STR_EQ(text, "two");
    CHECK_INT_EQ(art_store_object_delete_version(st, "ver", "k", NULL, &res), SLUICE_OK);
    CHECK(res.delete_marker);
    CHECK_STR_EQ(res.version_id, "null");
    CHECK_INT_EQ(version_count(st, "ver"), 2); /* the null marker replaced the null version */
    CHECK_INT_EQ(art_store_object_open(st, "ver", "k", meta, NULL, &no_bucket), SLUICE_ENOTFOUND);

    /* emptied of every version, the bucket goes */
    CHECK_INT_EQ(art_store_version_delete(st, "ver", "k", "null", NULL), SLUICE_OK);
    CHECK_INT_EQ(art_store_version_delete(st, "ver", "k", v2, NULL), SLUICE_OK);
    CHECK_INT_EQ(version_count(st, "ver"), 0);
    CHECK_INT_EQ(art_store_bucket_delete(st, "ver"), SLUICE_OK);
    free(meta);
    art_store_free(st);
}

static void test_never_enabled(void)
{
    char err[256];
    art_store *st = art_store_open(dir, NULL, err, sizeof err);
    REQUIRE(st != NULL);
    CHECK_INT_EQ(art_store_bucket_create(st, "plain"), SLUICE_OK);
    char vid[ART_STORE_VERSION_ID_LEN + 1];
    CHECK_INT_EQ(put(st, "plain", "k", "a", vid), SLUICE_OK);
    CHECK_INT_EQ(put(st, "plain", "k", "b", vid), SLUICE_OK);
    CHECK_STR_EQ(vid, "null");
    CHECK_INT_EQ(version_count(st, "plain"), 1);
    art_store_delete_result res;
    CHECK_INT_EQ(art_store_object_delete_version(st, "plain", "k", NULL, &res), SLUICE_OK);
    CHECK(!res.delete_marker);
    CHECK_INT_EQ(version_count(st, "plain"), 0);
    CHECK_INT_EQ(art_store_bucket_delete(st, "plain"), SLUICE_OK);
    art_store_free(st);
}

/* The crash between persisting the old latest as a vmeta and renaming the new meta. */
static void test_crash_between_renames(void)
{
    char err[256];
    art_store *st = art_store_open(dir, NULL, err, sizeof err);
    REQUIRE(st != NULL);
    CHECK_INT_EQ(art_store_bucket_create(st, "crash"), SLUICE_OK);
    CHECK_INT_EQ(art_store_bucket_versioning_set(st, "crash", ART_STORE_VERSIONING_ENABLED),
                 SLUICE_OK);
    char v1[ART_STORE_VERSION_ID_LEN + 1];
    char v2[ART_STORE_VERSION_ID_LEN + 1];
    CHECK_INT_EQ(put(st, "crash", "k", "old", v1), SLUICE_OK);
    CHECK_INT_EQ(put(st, "crash", "k", "latest", v2), SLUICE_OK);
    art_store_free(st);

    char rel[256];
    REQUIRE(art_keypath_object("k", rel, sizeof rel) == SLUICE_OK);
    char base[512];
    snprintf(base, sizeof base, "%s/buckets/crash/%s", dir, rel);
    char meta_path[600];
    char dup_path[600];
    char data_path[600];
    snprintf(meta_path, sizeof meta_path, "%s.meta", base);
    snprintf(dup_path, sizeof dup_path, "%s.%s.vmeta", base, v2);
    snprintf(data_path, sizeof data_path, "%s.0000000000001ffffffffffffffff.data", base);
    char cmd[1400];
    snprintf(cmd, sizeof cmd, "cp '%s' '%s'", meta_path, dup_path);
    REQUIRE(system(cmd) == 0);
    int fd = open(data_path, O_WRONLY | O_CREAT, 0600); /* the new version's data */
    REQUIRE(fd >= 0);
    CHECK(write(fd, "new", 3) == 3);
    close(fd);

    size_t removed = 0;
    st = art_store_open(dir, &removed, err, sizeof err);
    REQUIRE(st != NULL);
    CHECK_INT_EQ(removed, 2);
    CHECK(access(dup_path, F_OK) != 0);
    CHECK(access(data_path, F_OK) != 0);
    char text[64];
    CHECK_INT_EQ(read_version(st, "crash", "k", NULL, text, sizeof text), SLUICE_OK);
    CHECK_STR_EQ(text, "latest");
    CHECK_INT_EQ(read_version(st, "crash", "k", v1, text, sizeof text), SLUICE_OK);
    CHECK_STR_EQ(text, "old"); /* a vmeta's data survives the clean-up */
    CHECK_INT_EQ(version_count(st, "crash"), 2);
    art_store_free(st);

    /* a second restart removes nothing more */
    st = art_store_open(dir, &removed, err, sizeof err);
    REQUIRE(st != NULL);
    CHECK_INT_EQ(removed, 0);
    CHECK_INT_EQ(version_count(st, "crash"), 2);
    art_store_free(st);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/sluice-art-versions-%d", (int)getpid());
    RUN_TEST(test_ids);
    RUN_TEST(test_enabled);
    RUN_TEST(test_never_enabled);
    RUN_TEST(test_crash_between_renames);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    int rc = system(cmd);
    (void)rc;
    return sluice_test_report();
}
