/*
 * service.h — the start-up every Sluice service's main.c begins with.
 *
 * In this order: the command line (sluice_config_command_line: none, or
 * --config-reference), the service name of log records, the configuration
 * (the service's own loader over its sluice_config_var table, every problem
 * logged as one "configuration: ..." record), the log level its
 * SLUICE_LOG_LEVEL names, and the SIGINT/SIGTERM handlers (signal.h), SIGHUP's
 * too for a service that reloads. What follows (credentials, keys, Kafka,
 * Redis, the HTTP server) stays in the service's main.c: it differs per service.
 *
 * Not thread-safe: call once from main before any thread starts.
 */
#ifndef SLUICE_SERVICE_H
#define SLUICE_SERVICE_H

#include "sluice/config.h"

#include <stdbool.h>
#include <stddef.h>

/* Exit statuses every service uses. */
#define SLUICE_EXIT_OK      0 /* a clean stop, or --config-reference printed */
#define SLUICE_EXIT_FAILURE 1 /* start-up failed */
#define SLUICE_EXIT_CONFIG  2 /* bad configuration or command line */

/* Loads and checks the configuration into cfg: 0, or non-zero with the problems in err. */
typedef int (*sluice_service_load_fn)(void *cfg, char *err, size_t errlen);

typedef struct sluice_service_spec {
    const char *program;           /* "sluice-worker": the command line's name */
    const char *name;              /* "worker": the "service" member of log records */
    const sluice_config_var *vars; /* the configuration table, for --config-reference */
    size_t nvars;
    sluice_service_load_fn load;
    void *cfg;               /* the configuration struct load fills; borrowed */
    size_t log_level_offset; /* offsetof(the struct, its SLUICE_LOG_LEVEL string field) */
    bool reload;             /* also install the SIGHUP reload handler */
} sluice_service_spec;

/*
 * Runs the start-up above for spec (borrowed). Returns -1 when the service
 * should go on (configuration loaded, level set, handlers installed);
 * otherwise the status main should exit with: SLUICE_EXIT_OK after
 * --config-reference, SLUICE_EXIT_CONFIG after a usage message or a
 * configuration problem (logged), SLUICE_EXIT_FAILURE when the signal
 * handlers could not be installed (logged). spec->cfg may hold part of the
 * configuration after a failure; the caller wipes it as it wipes a loaded one.
 */
int sluice_service_start(int argc, char **argv, const sluice_service_spec *spec);

#endif
