/*
 * test_state_auth.c — the Redis user and password from configuration: the
 * table fragment, the password file's mode and format, and the conflicts.
 */
#include "sluice/config.h"
#include "sluice/error.h"
#include "sluice/state_auth.h"
#include "sluice_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct test_config {
    state_auth_config redis;
} test_config;

static const sluice_config_var vars[] = {STATE_AUTH_CONFIG_VARS(test_config, redis)};

static char dir[64];

static const char *lookup(const char *name, void *ctx)
{
    const char *const *env = ctx;
    size_t n = strlen(name);
    for (size_t i = 0; env[i] != NULL; i++) {
        if (strncmp(env[i], name, n) == 0 && env[i][n] == '=') {
            return env[i] + n + 1;
        }
    }
    return NULL;
}

static int resolve(const char **env, state_auth *auth, char *err, size_t errlen)
{
    test_config cfg;
    memset(&cfg, 0, sizeof cfg);
    int rc = sluice_config_load(vars, sizeof vars / sizeof vars[0], &cfg, lookup, (void *)env, err,
                                errlen);
    if (rc != SLUICE_OK) {
        return rc;
    }
    return state_auth_resolve(&cfg.redis, auth, err, errlen);
}

static void write_file(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");
    REQUIRE(f != NULL);
    fputs(text, f);
    fclose(f);
    REQUIRE(chmod(path, mode) == 0);
}

static void test_none_and_legacy_password(void)
{
    state_auth auth;
    char err[512] = "";
    const char *none[] = {NULL};
    CHECK_INT_EQ(resolve(none, &auth, err, sizeof err), SLUICE_OK);
    CHECK_STR_EQ(auth.username, "");
    CHECK_STR_EQ(auth.password, "");
    /* SLUICE_REDIS_PASSWORD keeps working for the default user. */
    const char *legacy[] = {"SLUICE_REDIS_PASSWORD=old-style", NULL};
    CHECK_INT_EQ(resolve(legacy, &auth, err, sizeof err), SLUICE_OK);
    CHECK_STR_EQ(auth.password, "old-style");
    const char *user_only[] = {"SLUICE_REDIS_USERNAME=sluice", NULL};
    CHECK_INT_EQ(resolve(user_only, &auth, err, sizeof err), SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "SLUICE_REDIS_USERNAME is set without a password");
}

static void test_password_file(void)
{
    char path[128], var[200], err[512] = "";
    state_auth auth;
    snprintf(path, sizeof path, "%s/redis.password", dir);
    snprintf(var, sizeof var, "SLUICE_REDIS_PASSWORD_FILE=%s", path);
    const char *env[] = {"SLUICE_REDIS_USERNAME=sluice", var, NULL};

    write_file(path, "redis-secret\n", 0600);
    CHECK_INT_EQ(resolve(env, &auth, err, sizeof err), SLUICE_OK);
    CHECK_STR_EQ(auth.username, "sluice");
    CHECK_STR_EQ(auth.password, "redis-secret");

    REQUIRE(chmod(path, 0644) == 0);
    CHECK_INT_EQ(resolve(env, &auth, err, sizeof err), SLUICE_EDENIED);
    CHECK_STR_CONTAINS(err, "SLUICE_REDIS_PASSWORD_FILE");
    CHECK_STR_CONTAINS(err, path);
    CHECK_STR_CONTAINS(err, "0644");
    CHECK(strstr(err, "redis-secret") == NULL);
    CHECK_STR_EQ(auth.password, "");
    CHECK_STR_EQ(auth.username, "");

    write_file(path, "a\nb\n", 0600);
    CHECK_INT_EQ(resolve(env, &auth, err, sizeof err), SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "one line");

    write_file(path, "pw\n", 0600);
    const char *both[] = {var, "SLUICE_REDIS_PASSWORD=also", NULL};
    CHECK_INT_EQ(resolve(both, &auth, err, sizeof err), SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "both set");

    REQUIRE(unlink(path) == 0);
    CHECK_INT_EQ(resolve(env, &auth, err, sizeof err), SLUICE_ENOTFOUND);
    CHECK_STR_CONTAINS(err, path);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/sluice-state-auth-XXXXXX");
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    RUN_TEST(test_none_and_legacy_password);
    RUN_TEST(test_password_file);
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    (void)system(cmd);
    return sluice_test_report();
}
