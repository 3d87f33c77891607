/* Unit tests of orch_idkey.h: the id key file's format and mode. */
#include "orch_idkey.h"
#include "sluice/error.h"
#include "sluice_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define HEX32 "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

static char dir[64];

/* Writes text to dir/name with mode; the path in path. */
static void write_file(const char *name, const char *text, mode_t mode, char *path, size_t pathlen)
{
    snprintf(path, pathlen, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    REQUIRE(f != NULL);
    fputs(text, f);
    fclose(f);
    REQUIRE(chmod(path, mode) == 0);
}

static void test_load(void)
{
    unsigned char key[ORCH_IDKEY_MAX];
    size_t len = 99;
    char err[512];
    char path[200];

    write_file("ok", "  " HEX32 "\n\n", 0600, path, sizeof path);
    CHECK_INT_EQ(orch_idkey_load(path, key, &len, err, sizeof err), SLUICE_OK);
    CHECK_INT_EQ((int)len, 32);
    CHECK_INT_EQ(key[0], 0x00);
    CHECK_INT_EQ(key[31], 0x1f);

    write_file("upper", HEX32 "ABCDEF", 0400, path, sizeof path);
    CHECK_INT_EQ(orch_idkey_load(path, key, &len, err, sizeof err), SLUICE_OK);
    CHECK_INT_EQ((int)len, 35);

    /* Too short, odd, not hex, two lines: refused, the file named, the secret not echoed. */
    const char *bad[] = {"00112233", HEX32 "0", HEX32 "zz", HEX32 "\n" HEX32 "\n", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        write_file("bad", bad[i], 0600, path, sizeof path);
        CHECK_INT_EQ(orch_idkey_load(path, key, &len, err, sizeof err), SLUICE_EPARSE);
        CHECK_INT_EQ((int)len, 0);
        CHECK_STR_CONTAINS(err, path);
        CHECK(strstr(err, HEX32) == NULL);
        unlink(path);
    }

    /* Readable by others, missing. */
    write_file("open", HEX32, 0644, path, sizeof path);
    CHECK_INT_EQ(orch_idkey_load(path, key, &len, err, sizeof err), SLUICE_EDENIED);
    CHECK_STR_CONTAINS(err, "0644");
    CHECK_STR_CONTAINS(err, path);
    snprintf(path, sizeof path, "%s/missing", dir);
    CHECK_INT_EQ(orch_idkey_load(path, key, &len, err, sizeof err), SLUICE_ENOTFOUND);
    CHECK_STR_CONTAINS(err, path);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/sluice-idkey-XXXXXX");
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    RUN_TEST(test_load);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    (void)system(cmd);
    return sluice_test_report();
}
