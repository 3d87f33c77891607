/* Unit tests of sluice/config.h: defaults, bounds, bad values naming the variable, files. */
#include "sluice/config.h"
#include "sluice/error.h"
#include "sluice_test.h"

#include <stdlib.h>
#include <unistd.h>

typedef struct demo_config {
    char brokers[64];
    int64_t port;
    bool verbose;
    char secret[32];
} demo_config;

static const sluice_config_var demo_vars[] = {
    SLUICE_CONFIG_STR("SLUICE_T_BROKERS", demo_config, brokers, 1, "127.0.0.1:9092",
                      "Kafka brokers"),
    SLUICE_CONFIG_INT("SLUICE_T_PORT", demo_config, port, 1, 65535, "7070", "listen port"),
    SLUICE_CONFIG_BOOL("SLUICE_T_VERBOSE", demo_config, verbose, "false", "verbose output"),
    SLUICE_CONFIG_SECRET("SLUICE_T_SECRET", demo_config, secret, 0, "", "a secret"),
};
#define NVARS (sizeof demo_vars / sizeof demo_vars[0])

typedef struct pairs {
    const char *const *kv; /* name, value, name, value, ..., NULL */
} pairs;

static const char *pairs_lookup(const char *name, void *ctx)
{
    const pairs *p = ctx;
    for (size_t i = 0; p->kv[i] != NULL; i += 2) {
        if (strcmp(p->kv[i], name) == 0) {
            return p->kv[i + 1];
        }
    }
    return NULL;
}

static void test_defaults(void)
{
    static const char *const kv[] = {NULL};
    pairs p = {kv};
    demo_config cfg;
    memset(&cfg, 0, sizeof cfg);
    char err[256] = "";
    CHECK_INT_EQ(sluice_config_load(demo_vars, NVARS, &cfg, pairs_lookup, &p, err, sizeof err),
                 SLUICE_OK);
    CHECK_STR_EQ(cfg.brokers, "127.0.0.1:9092");
    CHECK_INT_EQ(cfg.port, 7070);
    CHECK(!cfg.verbose);
    CHECK_STR_EQ(err, "");
}

static void test_values(void)
{
    static const char *const kv[] = {
        "SLUICE_T_BROKERS", "k1:1,k2:2", "SLUICE_T_PORT", "65535", "SLUICE_T_VERBOSE", "yes", NULL};
    pairs p = {kv};
    demo_config cfg;
    memset(&cfg, 0, sizeof cfg);
    char err[256];
    CHECK_INT_EQ(sluice_config_load(demo_vars, NVARS, &cfg, pairs_lookup, &p, err, sizeof err),
                 SLUICE_OK);
    CHECK_STR_EQ(cfg.brokers, "k1:1,k2:2");
    CHECK_INT_EQ(cfg.port, 65535);
    CHECK(cfg.verbose);
}

static void test_bad_values_name_the_variable(void)
{
    static const char *const kv[] = {
        "SLUICE_T_BROKERS", "", "SLUICE_T_PORT", "70x", "SLUICE_T_VERBOSE", "maybe", NULL};
    pairs p = {kv};
    demo_config cfg;
    memset(&cfg, 0, sizeof cfg);
    char err[512];
    CHECK_INT_EQ(sluice_config_load(demo_vars, NVARS, &cfg, pairs_lookup, &p, err, sizeof err),
                 SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "SLUICE_T_BROKERS: must be at least 1 characters");
    CHECK_STR_CONTAINS(err, "SLUICE_T_PORT: \"70x\" is not an integer");
    CHECK_STR_CONTAINS(err, "SLUICE_T_VERBOSE: \"maybe\" is not a boolean");
}

static void test_bounds(void)
{
    static const char *const low[] = {"SLUICE_T_PORT", "0", NULL};
    static const char *const high[] = {"SLUICE_T_PORT", "65536", NULL};
    static const char *const huge[] = {"SLUICE_T_PORT", "99999999999999999999999", NULL};
    static const char *const longer[] = {
        "SLUICE_T_BROKERS",
        "0123456789012345678901234567890123456789012345678901234567890123456789", NULL};
    demo_config cfg;
    char err[256];
    pairs p = {low};
    CHECK_INT_EQ(sluice_config_load(demo_vars, NVARS, &cfg, pairs_lookup, &p, err, sizeof err),
                 SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "SLUICE_T_PORT: 0 is outside 1..65535");
    p.kv = high;
    CHECK_INT_EQ(sluice_config_load(demo_vars, NVARS, &cfg, pairs_lookup, &p, err, sizeof err),
                 SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "SLUICE_T_PORT: 65536 is outside 1..65535");
    p.kv = huge;
    CHECK_INT_EQ(sluice_config_load(demo_vars, NVARS, &cfg, pairs_lookup, &p, err, sizeof err),
                 SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "SLUICE_T_PORT");
    p.kv = longer;
    CHECK_INT_EQ(sluice_config_load(demo_vars, NVARS, &cfg, pairs_lookup, &p, err, sizeof err),
                 SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "SLUICE_T_BROKERS: longer than 63 characters");
}

static void test_secret_not_echoed(void)
{
    static const sluice_config_var secret_int[] = {
        {"SLUICE_T_PIN", SLUICE_CONFIG_INT, offsetof(demo_config, port), sizeof(int64_t), 0, 10,
         "1", "a secret number", true},
    };
    static const char *const kv[] = {"SLUICE_T_PIN", "hunter2", NULL};
    pairs p = {kv};
    demo_config cfg;
    char err[256];
    CHECK_INT_EQ(sluice_config_load(secret_int, 1, &cfg, pairs_lookup, &p, err, sizeof err),
                 SLUICE_EINVAL);
    CHECK(strstr(err, "hunter2") == NULL);
    CHECK_STR_CONTAINS(err, "SLUICE_T_PIN");
}

static void test_required(void)
{
    static const sluice_config_var required[] = {
        SLUICE_CONFIG_STR("SLUICE_T_NEEDED", demo_config, brokers, 1, NULL, "must be given"),
    };
    static const char *const kv[] = {NULL};
    pairs p = {kv};
    demo_config cfg;
    char err[256];
    CHECK_INT_EQ(sluice_config_load(required, 1, &cfg, pairs_lookup, &p, err, sizeof err),
                 SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "SLUICE_T_NEEDED: required but not set");
}

static void test_env_and_file(void)
{
    char path[] = "/tmp/sluice-config-test-XXXXXX";
    int fd = mkstemp(path);
    REQUIRE(fd >= 0);
    const char text[] = "# comment\n\nSLUICE_T_PORT=8080\nexport SLUICE_T_BROKERS=\"from-file:1\"\n"
                        "SLUICE_T_VERBOSE = on\n";
    REQUIRE(write(fd, text, sizeof text - 1) == (ssize_t)(sizeof text - 1));
    close(fd);
    setenv("SLUICE_CONFIG_FILE", path, 1);
    setenv("SLUICE_T_PORT", "9090", 1); /* the environment wins over the file */
    demo_config cfg;
    char err[256];
    CHECK_INT_EQ(sluice_config_load_env(demo_vars, NVARS, &cfg, err, sizeof err), SLUICE_OK);
    CHECK_INT_EQ(cfg.port, 9090);
    CHECK_STR_EQ(cfg.brokers, "from-file:1");
    CHECK(cfg.verbose);

    FILE *fp = fopen(path, "w");
    REQUIRE(fp != NULL);
    fputs("SLUICE_T_PORT=1\nnot an assignment\n", fp);
    fclose(fp);
    CHECK_INT_EQ(sluice_config_load_env(demo_vars, NVARS, &cfg, err, sizeof err), SLUICE_EPARSE);
    CHECK_STR_CONTAINS(err, ":2: expected NAME=VALUE");
    unlink(path);
    CHECK_INT_EQ(sluice_config_load_env(demo_vars, NVARS, &cfg, err, sizeof err), SLUICE_EIO);
    CHECK_STR_CONTAINS(err, "SLUICE_CONFIG_FILE");
    unsetenv("SLUICE_CONFIG_FILE");
    unsetenv("SLUICE_T_PORT");
}

static void test_describe(void)
{
    sluice_buf out;
    sluice_buf_init(&out, 4096);
    CHECK_INT_EQ(sluice_config_describe(demo_vars, NVARS, &out), SLUICE_OK);
    CHECK_STR_CONTAINS(sluice_buf_cstr(&out),
                       "| `SLUICE_T_PORT` | integer | 1..65535 | 7070 | listen port |");
    sluice_buf_free(&out);
}

/* A '|' in a default or help would split the cell: it is escaped. */
static void test_describe_escapes_bars(void)
{
    static const sluice_config_var bar_vars[] = {
        SLUICE_CONFIG_STR("SLUICE_T_LEVEL", demo_config, brokers, 1, "a|b", "one of x | y"),
        SLUICE_CONFIG_STR("SLUICE_T_NEEDED", demo_config, brokers, 1, NULL, "no default"),
    };
    sluice_buf out;
    sluice_buf_init(&out, 4096);
    CHECK_INT_EQ(sluice_config_describe(bar_vars, 2, &out), SLUICE_OK);
    CHECK_STR_CONTAINS(sluice_buf_cstr(&out),
                       "| `SLUICE_T_LEVEL` | string | length 1..63 | a\\|b | one of x \\| y |\n");
    CHECK_STR_CONTAINS(sluice_buf_cstr(&out),
                       "| `SLUICE_T_NEEDED` | string | length 1..63 | (required) | no default |\n");
    sluice_buf_free(&out);
}

/* No argument: start; --config-reference: print, status 0; anything else: usage, status 2. */
static void test_command_line(void)
{
    char name[] = "sluice-test";
    char reference[] = "--config-reference";
    char bogus[] = "--verbose";
    char *none[] = {name, NULL};
    char *print[] = {name, reference, NULL};
    char *wrong[] = {name, bogus, NULL};
    char *extra[] = {name, reference, bogus, NULL};
    CHECK_INT_EQ(sluice_config_command_line(1, none, name, demo_vars, NVARS), -1);
    CHECK_INT_EQ(sluice_config_command_line(0, none, name, demo_vars, NVARS), -1);
    CHECK_INT_EQ(sluice_config_command_line(2, print, name, demo_vars, NVARS), 0);
    CHECK_INT_EQ(sluice_config_command_line(2, wrong, name, demo_vars, NVARS), 2);
    CHECK_INT_EQ(sluice_config_command_line(3, extra, name, demo_vars, NVARS), 2);
}

int main(void)
{
    RUN_TEST(test_defaults);
    RUN_TEST(test_values);
    RUN_TEST(test_bad_values_name_the_variable);
    RUN_TEST(test_bounds);
    RUN_TEST(test_secret_not_echoed);
    RUN_TEST(test_required);
    RUN_TEST(test_env_and_file);
    RUN_TEST(test_describe);
    RUN_TEST(test_describe_escapes_bars);
    RUN_TEST(test_command_line);
    return sluice_test_report();
}
