/*
 * testenv.c — reads the integration fixture's env file (see testenv.h).
 */
#include "testenv.h"

#include "sluice/id.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TESTENV_MAX 64

static int testenv_loaded;
static size_t testenv_count;
static char testenv_keys[TESTENV_MAX][128];
static char testenv_values[TESTENV_MAX][512];

static void testenv_load(void)
{
    if (testenv_loaded) {
        return;
    }
    testenv_loaded = 1;
    const char *path = getenv("SLUICE_TEST_ENV_FILE");
    if (path == NULL) {
        return;
    }
    FILE *fp = fopen(path, "r");
    if (fp == NULL) {
        return;
    }
    char line[700];
    while (testenv_count < TESTENV_MAX && fgets(line, sizeof line, fp) != NULL) {
        line[strcspn(line, "\r\n")] = '\0';
        char *eq = strchr(line, '=');
        if (eq == NULL || line[0] == '#') {
            continue;
        }
        *eq = '\0';
        snprintf(testenv_keys[testenv_count], sizeof testenv_keys[0], "%s", line);
        snprintf(testenv_values[testenv_count], sizeof testenv_values[0], "%s", eq + 1);
        testenv_count++;
    }
    fclose(fp);
}

const char *testenv_get(const char *key)
{
    const char *value = getenv(key);
    if (value != NULL) {
        return value;
    }
    testenv_load();
    for (size_t i = 0; i < testenv_count; i++) {
        if (strcmp(testenv_keys[i], key) == 0) {
            return testenv_values[i];
        }
    }
    return NULL;
}

const char *testenv_require(const char *key)
{
    const char *value = testenv_get(key);
    if (value == NULL) {
        fprintf(
            stderr,
            "testenv: %s is not set (is SLUICE_TEST_ENV_FILE from the integration_env fixture?)\n",
            key);
        exit(2);
    }
    return value;
}

void testenv_unique_name(const char *prefix, char *out, size_t outlen)
{
    unsigned char bytes[4] = {0};
    (void)sluice_random_bytes(bytes, sizeof bytes);
    snprintf(out, outlen, "%s-%ld-%02x%02x%02x%02x", prefix, (long)getpid(), bytes[0], bytes[1],
             bytes[2], bytes[3]);
}

const char *testenv_source_dir(void)
{
    const char *dir = getenv("SLUICE_SOURCE_DIR");
    return dir != NULL ? dir : ".";
}

const char *testenv_binary_dir(void)
{
    const char *dir = getenv("SLUICE_BINARY_DIR");
    return dir != NULL ? dir : ".";
}

const bus_sign_keys *testenv_bus_keys(void)
{
    static bus_sign_keys *keys;
    if (keys == NULL) {
        char err[512];
        const char *path = testenv_require("SLUICE_TEST_BUS_KEY_FILE");
        if (bus_sign_keys_load(path, &keys, err, sizeof err) != 0) {
            fprintf(stderr, "testenv: SLUICE_TEST_BUS_KEY_FILE: %s\n", err);
            exit(2);
        }
    }
    return keys;
}
