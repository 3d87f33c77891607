/* Unit tests of sluice/fs.h: atomic writes (and their failure), bounded reads. */
#include "sluice/error.h"
#include "sluice/fs.h"
#include "sluice_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[128];

static void test_write_and_read(void)
{
    char tmp[256], path[256];
    snprintf(tmp, sizeof tmp, "%s/a.tmp", dir);
    snprintf(path, sizeof path, "%s/a", dir);
    CHECK_INT_EQ(sluice_fs_write_atomic(tmp, path, "hello", 5), SLUICE_OK);
    CHECK(access(tmp, F_OK) != 0);
    sluice_buf buf;
    sluice_buf_init(&buf, 16);
    CHECK_INT_EQ(sluice_fs_read_file(path, &buf), SLUICE_OK);
    CHECK_STR_EQ(sluice_buf_cstr(&buf), "hello");
    /* Replacing: the new content whole. */
    CHECK_INT_EQ(sluice_fs_write_atomic(tmp, path, "bye", 3), SLUICE_OK);
    sluice_buf_reset(&buf);
    CHECK_INT_EQ(sluice_fs_read_file(path, &buf), SLUICE_OK);
    CHECK_STR_EQ(sluice_buf_cstr(&buf), "bye");
    sluice_buf_free(&buf);

    /* Over the bound: ETOOBIG and the buffer as it was. */
    sluice_buf_init(&buf, 4);
    CHECK_INT_EQ(sluice_buf_append_str(&buf, "x"), SLUICE_OK);
    CHECK_INT_EQ(sluice_fs_write_atomic(tmp, path, "toolong", 7), SLUICE_OK);
    CHECK_INT_EQ(sluice_fs_read_file(path, &buf), SLUICE_ETOOBIG);
    CHECK_STR_EQ(sluice_buf_cstr(&buf), "x");
    sluice_buf_free(&buf);

    char missing[256];
    snprintf(missing, sizeof missing, "%s/missing", dir);
    sluice_buf_init(&buf, 4);
    CHECK_INT_EQ(sluice_fs_read_file(missing, &buf), SLUICE_ENOTFOUND);
    sluice_buf_free(&buf);
}

static void test_write_refuses_existing_temp(void)
{
    char tmp[256], path[256];
    snprintf(tmp, sizeof tmp, "%s/b.tmp", dir);
    snprintf(path, sizeof path, "%s/b", dir);
    FILE *f = fopen(tmp, "w");
    REQUIRE(f != NULL);
    fclose(f);
    /* The temporary name is taken: nothing is written, the target stays absent. */
    CHECK_INT_EQ(sluice_fs_write_atomic(tmp, path, "x", 1), SLUICE_EIO);
    CHECK(access(path, F_OK) != 0);
    char nodir[256];
    snprintf(nodir, sizeof nodir, "%s/no/such/dir", dir);
    CHECK_INT_EQ(sluice_fs_write_atomic(nodir, path, "x", 1), SLUICE_EIO);
    sluice_fs_fsync_dir(dir);
    sluice_fs_fsync_parent(path);
}

static void test_check_private(void)
{
    char path[256], err[512] = "";
    snprintf(path, sizeof path, "%s/secret", dir);
    FILE *f = fopen(path, "w");
    REQUIRE(f != NULL);
    fputs("pw\n", f);
    fclose(f);
    REQUIRE(chmod(path, 0600) == 0);
    CHECK_INT_EQ(sluice_fs_check_private(path, err, sizeof err), SLUICE_OK);
    REQUIRE(chmod(path, 0400) == 0);
    CHECK_INT_EQ(sluice_fs_check_private(path, err, sizeof err), SLUICE_OK);
    /* Readable by the group: refused, and the message names the file and its mode. */
    REQUIRE(chmod(path, 0640) == 0);
    CHECK_INT_EQ(sluice_fs_check_private(path, err, sizeof err), SLUICE_EDENIED);
    CHECK(strstr(err, path) != NULL);
    CHECK(strstr(err, "0640") != NULL);
    REQUIRE(chmod(path, 0602) == 0);
    CHECK_INT_EQ(sluice_fs_check_private(path, err, sizeof err), SLUICE_EDENIED);
    CHECK(strstr(err, "0602") != NULL);
    char missing[256];
    snprintf(missing, sizeof missing, "%s/no-secret", dir);
    CHECK_INT_EQ(sluice_fs_check_private(missing, err, sizeof err), SLUICE_ENOTFOUND);
    CHECK(strstr(err, missing) != NULL);
    /* A directory is not a secret file, whatever its mode. */
    CHECK_INT_EQ(sluice_fs_check_private(dir, err, sizeof err), SLUICE_EDENIED);
    CHECK_INT_EQ(sluice_fs_check_private("", err, sizeof err), SLUICE_EINVAL);
}

static void test_read_secret_line(void)
{
    char path[256], err[512] = "", out[16];
    snprintf(path, sizeof path, "%s/line", dir);
    FILE *f = fopen(path, "w");
    REQUIRE(f != NULL);
    fputs("s3cret\r\n", f);
    fclose(f);
    REQUIRE(chmod(path, 0600) == 0);
    CHECK_INT_EQ(sluice_fs_read_secret_line(path, "the key", out, sizeof out, err, sizeof err),
                 SLUICE_OK);
    CHECK_STR_EQ(out, "s3cret");
    f = fopen(path, "w");
    REQUIRE(f != NULL);
    fputs("two\nlines\n", f);
    fclose(f);
    CHECK_INT_EQ(sluice_fs_read_secret_line(path, "the key", out, sizeof out, err, sizeof err),
                 SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "must hold the key on one line");
    CHECK(strstr(err, "lines") == NULL); /* never the content */
    CHECK_STR_EQ(out, "");
    f = fopen(path, "w");
    REQUIRE(f != NULL);
    fputs("0123456789abcdefXYZ", f);
    fclose(f);
    CHECK_INT_EQ(sluice_fs_read_secret_line(path, "the key", out, sizeof out, err, sizeof err),
                 SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "longer than 15 bytes");
    REQUIRE(chmod(path, 0644) == 0);
    CHECK_INT_EQ(sluice_fs_read_secret_line(path, "the key", out, sizeof out, err, sizeof err),
                 SLUICE_EDENIED);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/sluice-fs-XXXXXX");
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    RUN_TEST(test_write_and_read);
    RUN_TEST(test_write_refuses_existing_temp);
    RUN_TEST(test_check_private);
    RUN_TEST(test_read_secret_line);
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    (void)system(cmd);
    return sluice_test_report();
}
