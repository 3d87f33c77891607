/*
 * Tests of art_store on a temporary directory: buckets, objects written,
 * replaced, read and deleted, listings, multipart parts, and the clean-up a
 * restart does after a crash (stray temporary files and unreferenced data).
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

static int put(art_store *st, const char *bucket, const char *key, const char *text)
{
    return art_test_put(st, bucket, key, text, "", "", NULL);
}

static void read_all(int fd, char *out, size_t outlen)
{
    ssize_t n = read(fd, out, outlen - 1);
    out[n > 0 ? n : 0] = '\0';
}

static void test_objects(void)
{
    char err[256];
    size_t removed = 99;
    art_store *st = art_store_open(dir, &removed, err, sizeof err);
    REQUIRE(st != NULL);
    CHECK_INT_EQ(removed, 0);
    CHECK_INT_EQ(art_store_bucket_create(st, "bkt"), SLUICE_OK);
    CHECK_INT_EQ(art_store_bucket_create(st, "bkt"), SLUICE_EEXIST);
    CHECK_INT_EQ(art_store_bucket_create(st, "../x"), SLUICE_EINVAL);
    CHECK(art_store_bucket_exists(st, "bkt"));
    CHECK(!art_store_bucket_exists(st, "nope"));

    CHECK_INT_EQ(put(st, "bkt", "a/one", "first"), SLUICE_OK);
    CHECK_INT_EQ(put(st, "bkt", "a/one", "second"), SLUICE_OK);
    CHECK_INT_EQ(put(st, "bkt", "../../escape", "x"), SLUICE_OK);
    CHECK_INT_EQ(put(st, "nope", "k", "x"), SLUICE_ENOTFOUND);
    CHECK_INT_EQ(art_store_tmp_count(st), 0);

    art_store_meta *meta = malloc(sizeof *meta);
    int fd = -1;
    bool no_bucket = false;
    REQUIRE(art_store_object_open(st, "bkt", "a/one", meta, &fd, &no_bucket) == SLUICE_OK);
    char text[64];
    read_all(fd, text, sizeof text);
    close(fd);
    CHECK_STR_EQ(text, "second");
    CHECK(meta->size == 6);
    CHECK_STR_EQ(meta->etag, "a9f0e61a137d86aa9db53465e0801612"); /* md5("second") */
    CHECK_STR_EQ(meta->content_type, "text/plain");
    CHECK_INT_EQ(art_store_object_open(st, "bkt", "missing", meta, NULL, &no_bucket),
                 SLUICE_ENOTFOUND);
    CHECK(!no_bucket);
    CHECK_INT_EQ(art_store_object_open(st, "nope", "k", meta, NULL, &no_bucket), SLUICE_ENOTFOUND);
    CHECK(no_bucket);

    /* the escape key stays inside the data directory */
    char path[512];
    snprintf(path, sizeof path, "%s/../escape", dir);
    CHECK(access(path, F_OK) != 0);

    art_store_entry *entries = NULL;
    size_t count = 0;
    REQUIRE(art_store_object_list(st, "bkt", 100, &entries, &count) == SLUICE_OK);
    CHECK_INT_EQ(count, 2);
    CHECK_STR_EQ(entries[0].key, "../../escape");
    CHECK_STR_EQ(entries[1].key, "a/one");
    art_store_entries_free(entries, count);
    CHECK_INT_EQ(art_store_object_list(st, "bkt", 1, &entries, &count), SLUICE_ETOOBIG);

    CHECK_INT_EQ(art_store_bucket_delete(st, "bkt"), SLUICE_ECONFLICT);
    CHECK_INT_EQ(art_store_object_delete(st, "bkt", "a/one"), SLUICE_OK);
    CHECK_INT_EQ(art_store_object_delete(st, "bkt", "a/one"), SLUICE_OK);
    CHECK_INT_EQ(art_store_object_delete(st, "bkt", "../../escape"), SLUICE_OK);
    CHECK_INT_EQ(art_store_object_open(st, "bkt", "a/one", meta, NULL, &no_bucket),
                 SLUICE_ENOTFOUND);

    /* a writer freed before its commit leaves nothing */
    art_store_writer *w = NULL;
    REQUIRE(art_store_writer_new(st, &w, err, sizeof err) == SLUICE_OK);
    CHECK_INT_EQ(art_store_writer_write(w, "partial", 7, err, sizeof err), SLUICE_OK);
    CHECK_INT_EQ(art_store_tmp_count(st), 1);
    art_store_writer_free(w);
    CHECK_INT_EQ(art_store_tmp_count(st), 0);

    /* multipart */
    snprintf(meta->key, sizeof meta->key, "big");
    meta->user_count = 0;
    char id[ART_STORE_UPLOAD_ID_LEN + 1];
    REQUIRE(art_store_upload_create(st, "bkt", meta, id) == SLUICE_OK);
    CHECK(art_store_upload_id_valid(id));
    CHECK(!art_store_upload_id_valid("../../../../etc/passwd0000000000"));
    REQUIRE(art_store_writer_new(st, &w, err, sizeof err) == SLUICE_OK);
    art_digest_result d;
    CHECK_INT_EQ(art_store_writer_write(w, "part", 4, err, sizeof err), SLUICE_OK);
    CHECK_INT_EQ(art_store_writer_finish(w, &d, err, sizeof err), SLUICE_OK);
    CHECK_INT_EQ(art_store_upload_put_part(st, w, id, 2, &d, err, sizeof err), SLUICE_OK);
    art_store_writer_free(w);
    REQUIRE(art_store_upload_parts(st, id, &entries, &count) == SLUICE_OK);
    CHECK_INT_EQ(count, 1);
    CHECK(count == 1 && entries[0].number == 2 && entries[0].size == 4);
    art_store_entries_free(entries, count);
    REQUIRE(art_store_upload_list(st, "bkt", &entries, &count) == SLUICE_OK);
    CHECK_INT_EQ(count, 1);
    art_store_entries_free(entries, count);
    CHECK_INT_EQ(art_store_bucket_delete(st, "bkt"), SLUICE_ECONFLICT);
    CHECK_INT_EQ(art_store_upload_abort(st, id), SLUICE_OK);
    CHECK_INT_EQ(art_store_upload_abort(st, id), SLUICE_ENOTFOUND);
    CHECK_INT_EQ(art_store_bucket_delete(st, "bkt"), SLUICE_OK);
    CHECK_INT_EQ(art_store_bucket_delete(st, "bkt"), SLUICE_ENOTFOUND);
    free(meta);
    art_store_free(st);
}

static void test_restart_cleanup(void)
{
    char err[256];
    art_store *st = art_store_open(dir, NULL, err, sizeof err);
    REQUIRE(st != NULL);
    CHECK_INT_EQ(art_store_bucket_create(st, "crash"), SLUICE_OK);
    CHECK_INT_EQ(put(st, "crash", "kept", "kept bytes"), SLUICE_OK);
    art_store_free(st);

    /* what a kill -9 mid-upload and mid-commit leaves */
    char path[512];
    snprintf(path, sizeof path, "%s/tmp/deadbeef.upload", dir);
    int fd = open(path, O_WRONLY | O_CREAT, 0600);
    REQUIRE(fd >= 0);
    close(fd);
    snprintf(path, sizeof path, "%s/buckets/crash/objects/00/%064d.0000000000000aaaa.data", dir, 0);
    fd = open(path, O_WRONLY | O_CREAT, 0600);
    REQUIRE(fd >= 0);
    close(fd);

    size_t removed = 0;
    st = art_store_open(dir, &removed, err, sizeof err);
    REQUIRE(st != NULL);
    CHECK_INT_EQ(removed, 2);
    CHECK(access(path, F_OK) != 0);
    CHECK_INT_EQ(art_store_tmp_count(st), 0);
    art_store_meta *meta = malloc(sizeof *meta);
    int rfd = -1;
    bool no_bucket = false;
    REQUIRE(art_store_object_open(st, "crash", "kept", meta, &rfd, &no_bucket) == SLUICE_OK);
    char text[64];
    read_all(rfd, text, sizeof text);
    close(rfd);
    CHECK_STR_EQ(text, "kept bytes");
    free(meta);
    art_store_free(st);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/sluice-art-store-%d", (int)getpid());
    RUN_TEST(test_objects);
    RUN_TEST(test_restart_cleanup);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    int rc = system(cmd);
    (void)rc;
    return sluice_test_report();
}
