/*
 * Unit tests of aws_keyfile.h: the "<access key id>:<secret>" line, and the
 * file's mode and shape checked with messages that never hold the secret.
 */
#include "sluice/aws_keyfile.h"

#include "sluice/error.h"
#include "sluice_test.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void test_parse(void)
{
    char id[16], secret[16];
    CHECK_INT_EQ(aws_keyfile_parse("AKIA1:s3cr:et", id, sizeof id, secret, sizeof secret), 0);
    CHECK_STR_EQ(id, "AKIA1");
    CHECK_STR_EQ(secret, "s3cr:et");
    CHECK_INT_EQ(aws_keyfile_parse("nocolon", id, sizeof id, secret, sizeof secret), SLUICE_EINVAL);
    CHECK_INT_EQ(aws_keyfile_parse(":secret", id, sizeof id, secret, sizeof secret), SLUICE_EINVAL);
    CHECK_INT_EQ(aws_keyfile_parse("id:", id, sizeof id, secret, sizeof secret), SLUICE_EINVAL);
    CHECK_INT_EQ(aws_keyfile_parse("id:0123456789abcdef", id, sizeof id, secret, sizeof secret),
                 SLUICE_EINVAL);
    CHECK_STR_EQ(id, "");
}

static void write_file(const char *path, const char *text, mode_t mode)
{
    unlink(path);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    REQUIRE(fd >= 0);
    REQUIRE(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
    close(fd);
    REQUIRE(chmod(path, mode) == 0);
}

static void test_read(void)
{
    char path[] = "/tmp/sluice-keyfile-XXXXXX";
    int fd = mkstemp(path);
    REQUIRE(fd >= 0);
    close(fd);
    char id[64], secret[64], err[512];
    write_file(path, "AKIASOURCE:topsecret\n", 0600);
    CHECK_INT_EQ(aws_keyfile_read(path, id, sizeof id, secret, sizeof secret, err, sizeof err), 0);
    CHECK_STR_EQ(id, "AKIASOURCE");
    CHECK_STR_EQ(secret, "topsecret");
    write_file(path, "AKIASOURCE:topsecret\n", 0644);
    CHECK(aws_keyfile_read(path, id, sizeof id, secret, sizeof secret, err, sizeof err) != 0);
    CHECK_STR_CONTAINS(err, "0644");
    CHECK(strstr(err, "topsecret") == NULL);
    write_file(path, "topsecret\n", 0600);
    CHECK_INT_EQ(aws_keyfile_read(path, id, sizeof id, secret, sizeof secret, err, sizeof err),
                 SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "not one line <access key id>:<secret>");
    CHECK(strstr(err, "topsecret") == NULL);
    unlink(path);
    CHECK_INT_EQ(aws_keyfile_read(path, id, sizeof id, secret, sizeof secret, err, sizeof err),
                 SLUICE_ENOTFOUND);
}

int main(void)
{
    RUN_TEST(test_parse);
    RUN_TEST(test_read);
    return sluice_test_report();
}
