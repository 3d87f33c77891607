/*
 * Tests of art_spool on a temporary directory: events put, walked in order,
 * read back and removed; the bound; a reopen that finds what was left (and
 * removes a half-written .tmp); records that are not spool records; the pure
 * record parser.
 */
#include "art_spool.h"

#include "sluice/error.h"
#include "sluice_test.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[128];

static void write_file(const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    REQUIRE(f != NULL);
    fputs(text, f);
    fclose(f);
}

static bool file_exists(const char *name)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return access(path, F_OK) == 0;
}

static void test_put_walk_remove(void)
{
    char err[256];
    art_spool *sp = NULL;
    REQUIRE(art_spool_open(dir, 3, &sp, err, sizeof err) == SLUICE_OK);
    CHECK_INT_EQ(art_spool_count(sp), 0);
    uint64_t a = 0, b = 0, c = 0;
    CHECK_INT_EQ(art_spool_put(sp, "bucket-a", "{\"n\":1}", 7, &a), SLUICE_OK);
    CHECK_INT_EQ(art_spool_put(sp, "pipe", "{\"n\":2}\n{}", 10, &b), SLUICE_OK);
    CHECK_INT_EQ(art_spool_put(sp, "x", "", 0, &c), SLUICE_OK);
    CHECK(a == 1 && b == 2 && c == 3);
    CHECK_INT_EQ(art_spool_put(sp, "full", "z", 1, NULL), SLUICE_ETOOBIG);
    CHECK_INT_EQ(art_spool_put(sp, "", "z", 1, NULL), SLUICE_EINVAL);
    CHECK_INT_EQ(art_spool_put(sp, "two\nlines", "z", 1, NULL), SLUICE_EINVAL);
    CHECK(file_exists("0000000000000002.evt"));

    uint64_t seqs[8];
    CHECK_INT_EQ(art_spool_after(sp, 0, seqs, 8), 3);
    CHECK(seqs[0] == 1 && seqs[1] == 2 && seqs[2] == 3);
    CHECK_INT_EQ(art_spool_after(sp, 1, seqs, 1), 1);
    CHECK(seqs[0] == 2);
    CHECK_INT_EQ(art_spool_after(sp, 3, seqs, 8), 0);

    char key[ART_SPOOL_KEY_MAX + 1];
    sluice_buf payload;
    sluice_buf_init(&payload, 1024);
    CHECK_INT_EQ(art_spool_get(sp, 2, key, sizeof key, &payload), SLUICE_OK);
    CHECK_STR_EQ(key, "pipe");
    CHECK_INT_EQ(payload.len, 10);
    CHECK(memcmp(payload.data, "{\"n\":2}\n{}", 10) == 0);
    sluice_buf_reset(&payload);
    CHECK_INT_EQ(art_spool_get(sp, 3, key, sizeof key, &payload), SLUICE_OK);
    CHECK_INT_EQ(payload.len, 0);
    CHECK_INT_EQ(art_spool_get(sp, 9, key, sizeof key, &payload), SLUICE_ENOTFOUND);
    sluice_buf small;
    sluice_buf_init(&small, 3);
    CHECK_INT_EQ(art_spool_get(sp, 1, key, sizeof key, &small), SLUICE_ETOOBIG);
    sluice_buf_free(&small);

    CHECK_INT_EQ(art_spool_remove(sp, 2), SLUICE_OK);
    CHECK_INT_EQ(art_spool_remove(sp, 2), SLUICE_ENOTFOUND);
    CHECK(!file_exists("0000000000000002.evt"));
    CHECK_INT_EQ(art_spool_count(sp), 2);
    CHECK_INT_EQ(art_spool_after(sp, 1, seqs, 8), 1);
    CHECK(seqs[0] == 3);
    CHECK_INT_EQ(art_spool_put(sp, "again", "w", 1, &c), SLUICE_OK);
    CHECK(c == 4);
    sluice_buf_free(&payload);
    art_spool_free(sp);
}

static void test_reopen_after_crash(void)
{
    char err[256];
    /* What the first test left (1, 3, 4), a write cut short and a stranger. */
    write_file("0000000000000005.tmp", "half");
    write_file("notes.txt", "keep me");
    art_spool *sp = NULL;
    REQUIRE(art_spool_open(dir, 0, &sp, err, sizeof err) == SLUICE_OK);
    CHECK_INT_EQ(art_spool_count(sp), 3);
    CHECK(!file_exists("0000000000000005.tmp"));
    CHECK(file_exists("notes.txt"));
    uint64_t seqs[8];
    CHECK_INT_EQ(art_spool_after(sp, 0, seqs, 8), 3);
    CHECK(seqs[0] == 1 && seqs[1] == 3 && seqs[2] == 4);
    uint64_t next = 0;
    CHECK_INT_EQ(art_spool_put(sp, "k", "v", 1, &next), SLUICE_OK);
    CHECK(next == 5);

    /* A file with the right name and no key line is reported, not trusted. */
    write_file("0000000000000010.evt", "no newline here");
    art_spool_free(sp);
    REQUIRE(art_spool_open(dir, 0, &sp, err, sizeof err) == SLUICE_OK);
    char key[64];
    sluice_buf payload;
    sluice_buf_init(&payload, 1024);
    CHECK_INT_EQ(art_spool_get(sp, 0x10, key, sizeof key, &payload), SLUICE_EPARSE);
    CHECK_INT_EQ(art_spool_put(sp, "k", "v", 1, &next), SLUICE_OK);
    CHECK(next == 0x11);
    sluice_buf_free(&payload);
    art_spool_free(sp);
}

static void test_parse(void)
{
    const char *key = NULL;
    const void *payload = NULL;
    size_t keylen = 0, payloadlen = 0;
    CHECK_INT_EQ(art_spool_parse("k\npayload", 9, &key, &keylen, &payload, &payloadlen), SLUICE_OK);
    CHECK(keylen == 1 && payloadlen == 7 && memcmp(payload, "payload", 7) == 0);
    CHECK_INT_EQ(art_spool_parse("\npayload", 8, &key, &keylen, &payload, &payloadlen),
                 SLUICE_EPARSE);
    CHECK_INT_EQ(art_spool_parse("k\0x\np", 5, &key, &keylen, &payload, &payloadlen),
                 SLUICE_EPARSE);
    CHECK_INT_EQ(art_spool_parse("", 0, &key, &keylen, &payload, &payloadlen), SLUICE_EPARSE);
    char *longkey = malloc(ART_SPOOL_KEY_MAX + 3);
    REQUIRE(longkey != NULL);
    memset(longkey, 'a', ART_SPOOL_KEY_MAX + 2);
    longkey[ART_SPOOL_KEY_MAX + 1] = '\n';
    CHECK_INT_EQ(
        art_spool_parse(longkey, ART_SPOOL_KEY_MAX + 2, &key, &keylen, &payload, &payloadlen),
        SLUICE_EPARSE);
    longkey[ART_SPOOL_KEY_MAX] = '\n';
    CHECK_INT_EQ(
        art_spool_parse(longkey, ART_SPOOL_KEY_MAX + 1, &key, &keylen, &payload, &payloadlen),
        SLUICE_OK);
    CHECK(keylen == ART_SPOOL_KEY_MAX && payloadlen == 0);
    free(longkey);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/sluice-spool-XXXXXX");
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    RUN_TEST(test_put_walk_remove);
    RUN_TEST(test_reopen_after_crash);
    RUN_TEST(test_parse);
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    (void)system(cmd);
    return sluice_test_report();
}
