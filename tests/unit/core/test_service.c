/*
 * Unit tests of sluice/service.h: the command line, a configuration problem,
 * a log level that is not one, the start that goes on (level set, SIGTERM
 * then sets the stop flag instead of ending the process), SIGHUP's reload
 * handler when asked for, and SLUICE_COMMON_CONFIG_VARS' defaults.
 */
#include "sluice/service.h"

#include "sluice/error.h"
#include "sluice/log.h"
#include "sluice/signal.h"
#include "sluice_test.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct demo_config {
    char name[32];
    char account[16];
    char region[32];
    char topic_prefix[64];
    char log_level[16];
} demo_config;

static const sluice_config_var demo_vars[] = {
    SLUICE_CONFIG_STR("SLUICE_T_NAME", demo_config, name, 1, "demo", "a name"),
    SLUICE_COMMON_CONFIG_VARS(demo_config),
};
#define NVARS (sizeof demo_vars / sizeof demo_vars[0])

/* The loader: the table over the environment, then a check of its own. */
static int demo_load(void *cfg, char *err, size_t errlen)
{
    demo_config *c = cfg;
    int rc = sluice_config_load_env(demo_vars, NVARS, c, err, errlen);
    if (rc == 0 && strcmp(c->name, "broken") == 0) {
        snprintf(err, errlen, "SLUICE_T_NAME: \"broken\" is refused");
        rc = SLUICE_EINVAL;
    }
    return rc;
}

static int start(int argc, char **argv, demo_config *cfg, bool reload)
{
    memset(cfg, 0, sizeof *cfg);
    sluice_service_spec spec = {.program = "sluice-demo",
                                .name = "demo",
                                .vars = demo_vars,
                                .nvars = NVARS,
                                .load = demo_load,
                                .cfg = cfg,
                                .log_level_offset = offsetof(demo_config, log_level),
                                .reload = reload};
    return sluice_service_start(argc, argv, &spec);
}

static void test_command_line(void)
{
    char name[] = "sluice-demo";
    char reference[] = "--config-reference";
    char bogus[] = "--verbose";
    char *print[] = {name, reference, NULL};
    char *wrong[] = {name, bogus, NULL};
    demo_config cfg;
    CHECK_INT_EQ(start(2, print, &cfg, false), SLUICE_EXIT_OK);
    CHECK_INT_EQ(start(2, wrong, &cfg, false), SLUICE_EXIT_CONFIG);
    CHECK_STR_EQ(cfg.name, ""); /* nothing was loaded */
}

static void test_configuration_problems(void)
{
    char name[] = "sluice-demo";
    char *none[] = {name, NULL};
    demo_config cfg;
    setenv("SLUICE_T_NAME", "broken", 1);
    CHECK_INT_EQ(start(1, none, &cfg, false), SLUICE_EXIT_CONFIG);
    setenv("SLUICE_T_NAME", "", 1);
    CHECK_INT_EQ(start(1, none, &cfg, false), SLUICE_EXIT_CONFIG);
    unsetenv("SLUICE_T_NAME");
    setenv("SLUICE_LOG_LEVEL", "loud", 1);
    CHECK_INT_EQ(start(1, none, &cfg, false), SLUICE_EXIT_CONFIG);
    CHECK_STR_EQ(cfg.log_level, "loud");
    unsetenv("SLUICE_LOG_LEVEL");
}

static void test_start_goes_on(void)
{
    char name[] = "sluice-demo";
    char *none[] = {name, NULL};
    demo_config cfg;
    setenv("SLUICE_LOG_LEVEL", "error", 1);
    CHECK_INT_EQ(start(1, none, &cfg, true), -1);
    unsetenv("SLUICE_LOG_LEVEL");
    CHECK_STR_EQ(cfg.name, "demo");
    CHECK_STR_EQ(cfg.account, "123456789012");
    CHECK_STR_EQ(cfg.region, "us-east-1");
    CHECK_STR_EQ(cfg.topic_prefix, "sluice.");
    CHECK_INT_EQ(sluice_log_threshold, SLUICE_LOG_ERROR);
    /* the handlers are installed: the signals set flags instead of ending the process */
    CHECK(!sluice_signal_reload_requested());
    CHECK_INT_EQ(raise(SIGHUP), 0);
    CHECK(sluice_signal_reload_requested());
    CHECK(!sluice_signal_stop_requested());
    CHECK_INT_EQ(raise(SIGTERM), 0);
    CHECK(sluice_signal_stop_requested());
    CHECK_INT_EQ(sluice_signal_received(), SIGTERM);
}

int main(void)
{
    unsetenv("SLUICE_CONFIG_FILE");
    RUN_TEST(test_command_line);
    RUN_TEST(test_configuration_problems);
    RUN_TEST(test_start_goes_on);
    return sluice_test_report();
}
