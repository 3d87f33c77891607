/* Unit tests of sluice/bus_sign.h: the key file, signing, verifying, rotation, tampering. */
#include "sluice/bus_sign.h"
#include "sluice/error.h"
#include "sluice_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define HEX_A "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
#define HEX_B "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100"
#define HEX_C "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static bus_sign_keys *parse_ok(const char *text)
{
    bus_sign_keys *keys = NULL;
    char err[512] = "";
    int rc = bus_sign_keys_parse(text, strlen(text), &keys, err, sizeof err);
    if (rc != SLUICE_OK) {
        fprintf(stderr, "parse failed: %s\n", err);
    }
    CHECK_INT_EQ(rc, SLUICE_OK);
    return keys;
}

static void parse_fails(const char *text, int code, const char *needle)
{
    bus_sign_keys *keys = (bus_sign_keys *)1;
    char err[512] = "";
    CHECK_INT_EQ(bus_sign_keys_parse(text, strlen(text), &keys, err, sizeof err), code);
    CHECK(keys == NULL);
    CHECK_STR_CONTAINS(err, needle);
}

static void test_parse(void)
{
    bus_sign_keys *keys = parse_ok("# bus keys\n\n  k2 " HEX_A "  \r\nk1\t" HEX_B "\n");
    REQUIRE(keys != NULL);
    CHECK_INT_EQ((int)bus_sign_keys_count(keys), 2);
    CHECK_STR_EQ(bus_sign_keys_signing_id(keys), "k2");
    bus_sign_keys_free(keys);

    /* The last line needs no newline; a 128-byte secret is the longest. */
    char longest[400];
    snprintf(longest, sizeof longest, "big.key-1 %s%s%s%s", HEX_A, HEX_B, HEX_A, HEX_B);
    keys = parse_ok(longest);
    bus_sign_keys_free(keys);

    /* Errors name the line. */
    parse_fails("", SLUICE_EINVAL, "no key");
    parse_fails("# only a comment\n", SLUICE_EINVAL, "no key");
    parse_fails("k1 " HEX_A "\nk2\n", SLUICE_EPARSE, "line 2");
    parse_fails("k1 " HEX_A "\n\nbad/id " HEX_B "\n", SLUICE_EPARSE, "line 3");
    parse_fails("k1 abcdef\n", SLUICE_EPARSE, "line 1: the secret of key 'k1' must be 32..128");
    parse_fails("k1 " HEX_A "x\n", SLUICE_EPARSE, "line 1");
    parse_fails("k1 zz" HEX_A "\n", SLUICE_EPARSE, "line 1");
    parse_fails("k1 " HEX_A "\nk1 " HEX_B "\n", SLUICE_EPARSE, "line 2: duplicate key id 'k1'");
    parse_fails("k1 " HEX_A " extra\n", SLUICE_EPARSE, "line 1: more than two fields");
    char too_long[600];
    snprintf(too_long, sizeof too_long, "k1 %s%s%s%s%s", HEX_A, HEX_B, HEX_A, HEX_B, HEX_C);
    parse_fails(too_long, SLUICE_EPARSE, "line 1");
    char id[100];
    memset(id, 'a', 65);
    id[65] = '\0';
    char long_id[200];
    snprintf(long_id, sizeof long_id, "%s %s\n", id, HEX_A);
    parse_fails(long_id, SLUICE_EPARSE, "key id of 1..64");

    /* At most 16 keys. */
    char many[4096] = "";
    size_t used = 0;
    for (int i = 0; i < 17; i++) {
        used += (size_t)snprintf(many + used, sizeof many - used, "k%d %s\n", i, HEX_A);
    }
    parse_fails(many, SLUICE_ETOOBIG, "line 17: more than 16 keys");

    /* A NUL byte inside the text. */
    bus_sign_keys *none = NULL;
    char err[256];
    static const char nul[] = "k1 " HEX_A "\n\0k2 " HEX_B "\n";
    CHECK_INT_EQ(bus_sign_keys_parse(nul, sizeof nul - 1, &none, err, sizeof err), SLUICE_EPARSE);
    CHECK_STR_CONTAINS(err, "line 2: holds a NUL byte");
}

static void test_sign_verify(void)
{
    bus_sign_keys *keys = parse_ok("k1 " HEX_A "\n");
    REQUIRE(keys != NULL);
    const char *payload = "{\"detail\":{}}";
    char sig[BUS_SIGN_SIGNATURE_LEN + 1];
    CHECK_INT_EQ(
        bus_sign_message(keys, "sluice.requests", "pipe", 4, payload, strlen(payload), sig),
        SLUICE_OK);
    CHECK_INT_EQ((int)strlen(sig), BUS_SIGN_SIGNATURE_LEN);
    char again[BUS_SIGN_SIGNATURE_LEN + 1];
    CHECK_INT_EQ(
        bus_sign_message(keys, "sluice.requests", "pipe", 4, payload, strlen(payload), again),
        SLUICE_OK);
    CHECK_STR_EQ(sig, again); /* deterministic */

    bus_sign_failure why = 0;
    char reason[256] = "";
    CHECK_INT_EQ(bus_sign_verify(keys, "sluice.requests", "pipe", 4, payload, strlen(payload), "k1",
                                 2, sig, strlen(sig), &why, reason, sizeof reason),
                 SLUICE_OK);

    /* Tampered topic (a job replayed as a request), key, payload: refused. */
    CHECK_INT_EQ(bus_sign_verify(keys, "sluice.jobs", "pipe", 4, payload, strlen(payload), "k1", 2,
                                 sig, strlen(sig), &why, reason, sizeof reason),
                 SLUICE_EDENIED);
    CHECK_INT_EQ(why, BUS_SIGN_BAD_SIGNATURE);
    CHECK_STR_CONTAINS(reason, "bad signature (key 'k1')");
    CHECK_INT_EQ(bus_sign_verify(keys, "sluice.requests", "pipf", 4, payload, strlen(payload), "k1",
                                 2, sig, strlen(sig), &why, reason, sizeof reason),
                 SLUICE_EDENIED);
    CHECK_INT_EQ(why, BUS_SIGN_BAD_SIGNATURE);
    CHECK_INT_EQ(bus_sign_verify(keys, "sluice.requests", NULL, 0, payload, strlen(payload), "k1",
                                 2, sig, strlen(sig), &why, reason, sizeof reason),
                 SLUICE_EDENIED);
    CHECK_INT_EQ(bus_sign_verify(keys, "sluice.requests", "pipe", 4, "{\"detail\":{ }}", 14, "k1",
                                 2, sig, strlen(sig), &why, reason, sizeof reason),
                 SLUICE_EDENIED);
    CHECK_INT_EQ(why, BUS_SIGN_BAD_SIGNATURE);
    /* Field boundaries are part of what is signed: key "pipe" + payload "x" != key "pip" + "ex". */
    char a[BUS_SIGN_SIGNATURE_LEN + 1];
    char b[BUS_SIGN_SIGNATURE_LEN + 1];
    CHECK_INT_EQ(bus_sign_message(keys, "t", "pipe", 4, "x", 1, a), SLUICE_OK);
    CHECK_INT_EQ(bus_sign_message(keys, "t", "pip", 3, "ex", 2, b), SLUICE_OK);
    CHECK(strcmp(a, b) != 0);

    /* A flipped digit, a short signature, a non-hex one. */
    char flipped[BUS_SIGN_SIGNATURE_LEN + 1];
    memcpy(flipped, sig, sizeof flipped);
    flipped[10] = flipped[10] == '0' ? '1' : '0';
    CHECK_INT_EQ(bus_sign_verify(keys, "sluice.requests", "pipe", 4, payload, strlen(payload), "k1",
                                 2, flipped, strlen(flipped), &why, reason, sizeof reason),
                 SLUICE_EDENIED);
    CHECK_INT_EQ(why, BUS_SIGN_BAD_SIGNATURE);
    CHECK_INT_EQ(bus_sign_verify(keys, "sluice.requests", "pipe", 4, payload, strlen(payload), "k1",
                                 2, sig, 10, &why, reason, sizeof reason),
                 SLUICE_EDENIED);
    CHECK_STR_CONTAINS(reason, "not 64 hex digits");
    memset(flipped, 'g', BUS_SIGN_SIGNATURE_LEN);
    CHECK_INT_EQ(bus_sign_verify(keys, "sluice.requests", "pipe", 4, payload, strlen(payload), "k1",
                                 2, flipped, BUS_SIGN_SIGNATURE_LEN, &why, reason, sizeof reason),
                 SLUICE_EDENIED);

    /* Unsigned: no key id, no signature. */
    CHECK_INT_EQ(bus_sign_verify(keys, "sluice.requests", "pipe", 4, payload, strlen(payload), NULL,
                                 0, NULL, 0, &why, reason, sizeof reason),
                 SLUICE_EDENIED);
    CHECK_INT_EQ(why, BUS_SIGN_UNSIGNED);
    CHECK_STR_CONTAINS(reason, "unsigned message: no sluice-key-id header");
    CHECK_INT_EQ(bus_sign_verify(keys, "sluice.requests", "pipe", 4, payload, strlen(payload), "k1",
                                 2, NULL, 0, &why, reason, sizeof reason),
                 SLUICE_EDENIED);
    CHECK_INT_EQ(why, BUS_SIGN_UNSIGNED);
    CHECK_STR_CONTAINS(reason, "no sluice-signature header");
    bus_sign_keys_free(keys);
}

static void test_rotation_and_wrong_key(void)
{
    /* The old set signs with "old"; the new one signs with "new" and still accepts "old". */
    bus_sign_keys *old = parse_ok("old " HEX_A "\n");
    bus_sign_keys *rotating = parse_ok("new " HEX_B "\nold " HEX_A "\n");
    bus_sign_keys *retired = parse_ok("new " HEX_B "\n");
    bus_sign_keys *impostor = parse_ok("old " HEX_C "\n");
    REQUIRE(old != NULL && rotating != NULL && retired != NULL && impostor != NULL);
    char sig[BUS_SIGN_SIGNATURE_LEN + 1];
    bus_sign_failure why = 0;
    char reason[256];

    CHECK_INT_EQ(bus_sign_message(old, "sluice.jobs", "e1", 2, "{}", 2, sig), SLUICE_OK);
    CHECK_INT_EQ(bus_sign_verify(rotating, "sluice.jobs", "e1", 2, "{}", 2, "old", 3, sig,
                                 strlen(sig), &why, reason, sizeof reason),
                 SLUICE_OK);
    /* The retired key is unknown. */
    CHECK_INT_EQ(bus_sign_verify(retired, "sluice.jobs", "e1", 2, "{}", 2, "old", 3, sig,
                                 strlen(sig), &why, reason, sizeof reason),
                 SLUICE_EDENIED);
    CHECK_INT_EQ(why, BUS_SIGN_UNKNOWN_KEY);
    CHECK_STR_CONTAINS(reason, "unknown key id 'old'");
    /* Same id, another secret: the signature does not match. */
    CHECK_INT_EQ(bus_sign_verify(impostor, "sluice.jobs", "e1", 2, "{}", 2, "old", 3, sig,
                                 strlen(sig), &why, reason, sizeof reason),
                 SLUICE_EDENIED);
    CHECK_INT_EQ(why, BUS_SIGN_BAD_SIGNATURE);

    /* The rotating set signs with its first key, which the old set does not know. */
    CHECK_INT_EQ(bus_sign_message(rotating, "sluice.jobs", "e1", 2, "{}", 2, sig), SLUICE_OK);
    CHECK_INT_EQ(bus_sign_verify(retired, "sluice.jobs", "e1", 2, "{}", 2, "new", 3, sig,
                                 strlen(sig), &why, reason, sizeof reason),
                 SLUICE_OK);
    CHECK_INT_EQ(bus_sign_verify(old, "sluice.jobs", "e1", 2, "{}", 2, "new", 3, sig, strlen(sig),
                                 &why, reason, sizeof reason),
                 SLUICE_EDENIED);
    CHECK_INT_EQ(why, BUS_SIGN_UNKNOWN_KEY);
    /* The key id is signed too: claiming "old" for a signature of "new" fails. */
    CHECK_INT_EQ(bus_sign_verify(rotating, "sluice.jobs", "e1", 2, "{}", 2, "old", 3, sig,
                                 strlen(sig), &why, reason, sizeof reason),
                 SLUICE_EDENIED);
    CHECK_INT_EQ(why, BUS_SIGN_BAD_SIGNATURE);
    bus_sign_keys_free(old);
    bus_sign_keys_free(rotating);
    bus_sign_keys_free(retired);
    bus_sign_keys_free(impostor);
}

/* Writes text into the file at path with mode (the test's own key file). */
static void write_key_file(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");
    REQUIRE(f != NULL);
    fputs(text, f);
    fclose(f);
    REQUIRE(chmod(path, mode) == 0);
}

static void test_load(void)
{
    char dir[] = "/tmp/sluice-sign-XXXXXX";
    REQUIRE(mkdtemp(dir) != NULL);
    char path[256];
    snprintf(path, sizeof path, "%s/bus-keys", dir);
    bus_sign_keys *keys = NULL;
    char err[512];
    CHECK_INT_EQ(bus_sign_keys_load(path, &keys, err, sizeof err), SLUICE_ENOTFOUND);
    CHECK_STR_CONTAINS(err, path);
    write_key_file(path, "k1 " HEX_A "\n", 0644);
    CHECK_INT_EQ(bus_sign_keys_load(path, &keys, err, sizeof err), SLUICE_EDENIED);
    CHECK_STR_CONTAINS(err, path);
    CHECK_STR_CONTAINS(err, "0644");
    CHECK(keys == NULL);
    REQUIRE(chmod(path, 0600) == 0);
    CHECK_INT_EQ(bus_sign_keys_load(path, &keys, err, sizeof err), SLUICE_OK);
    REQUIRE(keys != NULL);
    CHECK_STR_EQ(bus_sign_keys_signing_id(keys), "k1");
    bus_sign_keys_free(keys);
    write_key_file(path, "k1\n", 0600);
    CHECK_INT_EQ(bus_sign_keys_load(path, &keys, err, sizeof err), SLUICE_EPARSE);
    CHECK_STR_CONTAINS(err, path);
    CHECK_STR_CONTAINS(err, "line 1");
    /* bus_sign_keys_load_config: the variable a service reads, required, named in every failure */
    CHECK_INT_EQ(bus_sign_keys_load_config(path, &keys, err, sizeof err), SLUICE_EPARSE);
    CHECK_STR_CONTAINS(err, "SLUICE_BUS_KEY_FILE: ");
    CHECK_STR_CONTAINS(err, "line 1");
    CHECK(keys == NULL);
    write_key_file(path, "k1 " HEX_A "\n", 0644);
    CHECK_INT_EQ(bus_sign_keys_load_config(path, &keys, err, sizeof err), SLUICE_EDENIED);
    CHECK_STR_CONTAINS(err, "SLUICE_BUS_KEY_FILE: ");
    CHECK_STR_CONTAINS(err, "0644");
    REQUIRE(chmod(path, 0600) == 0);
    CHECK_INT_EQ(bus_sign_keys_load_config(path, &keys, err, sizeof err), SLUICE_OK);
    REQUIRE(keys != NULL);
    CHECK_STR_EQ(bus_sign_keys_signing_id(keys), "k1");
    bus_sign_keys_free(keys);
    unlink(path);
    CHECK_INT_EQ(bus_sign_keys_load_config(path, &keys, err, sizeof err), SLUICE_ENOTFOUND);
    CHECK_STR_CONTAINS(err, "SLUICE_BUS_KEY_FILE: ");
    CHECK_STR_CONTAINS(err, path);
    CHECK_INT_EQ(bus_sign_keys_load_config("", &keys, err, sizeof err), SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "SLUICE_BUS_KEY_FILE is required");
    CHECK(keys == NULL);
    CHECK_INT_EQ(bus_sign_keys_load_config(NULL, &keys, err, sizeof err), SLUICE_EINVAL);
    rmdir(dir);
}

int main(void)
{
    RUN_TEST(test_parse);
    RUN_TEST(test_sign_verify);
    RUN_TEST(test_rotation_and_wrong_key);
    RUN_TEST(test_load);
    return sluice_test_report();
}
