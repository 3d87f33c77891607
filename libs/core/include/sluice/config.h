/*
 * config.h — configuration from SLUICE_* environment variables.
 *
 * A service declares its settings as a static table (name, type, bounds,
 * default, help) pointing at fields of its configuration struct, and loads it
 * once at start-up. Every problem is reported, each naming the variable:
 *   SLUICE_API_PORT: "70x" is not an integer
 *   SLUICE_KAFKA_BROKERS: required but not set
 * Values come from the environment; if SLUICE_CONFIG_FILE names a file of
 * KEY=VALUE lines (# comments, blank lines allowed) its values are used for
 * variables the environment does not set. Pure apart from sluice_config_load_env.
 */
#ifndef SLUICE_CONFIG_H
#define SLUICE_CONFIG_H

#include "sluice/buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum sluice_config_type {
    SLUICE_CONFIG_STRING, /* char field[size]; min/max bound the length */
    SLUICE_CONFIG_INT,    /* int64_t field; min/max bound the value */
    SLUICE_CONFIG_BOOL,   /* bool field; true/false/1/0/yes/no/on/off */
} sluice_config_type;

typedef struct sluice_config_var {
    const char *name; /* full variable name, e.g. "SLUICE_KAFKA_BROKERS" */
    sluice_config_type type;
    size_t offset; /* offsetof(config struct, field) */
    size_t size;   /* sizeof the field */
    int64_t min;
    int64_t max;
    const char *default_value; /* NULL: the variable is required */
    const char *help;          /* one line for docs and --help */
    bool secret;               /* never echo the value in messages */
} sluice_config_var;

#define SLUICE_CONFIG_STR(var, type_, field, minlen, def, text)                                    \
    {                                                                                              \
        (var), SLUICE_CONFIG_STRING, offsetof(type_, field), sizeof(((type_ *)0)->field),          \
            (minlen), (int64_t)sizeof(((type_ *)0)->field) - 1, (def), (text), false               \
    }
#define SLUICE_CONFIG_SECRET(var, type_, field, minlen, def, text)                                 \
    {                                                                                              \
        (var), SLUICE_CONFIG_STRING, offsetof(type_, field), sizeof(((type_ *)0)->field),          \
            (minlen), (int64_t)sizeof(((type_ *)0)->field) - 1, (def), (text), true                \
    }
#define SLUICE_CONFIG_INT(var, type_, field, lo, hi, def, text)                                    \
    {                                                                                              \
        (var), SLUICE_CONFIG_INT, offsetof(type_, field), sizeof(int64_t), (lo), (hi), (def),      \
            (text), false                                                                          \
    }
#define SLUICE_CONFIG_BOOL(var, type_, field, def, text)                                           \
    {                                                                                              \
        (var), SLUICE_CONFIG_BOOL, offsetof(type_, field), sizeof(bool), 0, 1, (def), (text),      \
            false                                                                                  \
    }

/*
 * The rows every service's table holds, for a configuration struct type_
 * with char array fields account, region, topic_prefix and log_level (what
 * sluice_service_start reads its level from).
 */
#define SLUICE_COMMON_CONFIG_VARS(type_)                                                           \
    SLUICE_CONFIG_STR("SLUICE_ACCOUNT", type_, account, 12, "123456789012",                        \
                      "12-digit account id of ARNs, events and envelopes"),                        \
        SLUICE_CONFIG_STR("SLUICE_REGION", type_, region, 1, "us-east-1",                          \
                          "region of ARNs, events and SigV4 signatures"),                          \
        SLUICE_CONFIG_STR("SLUICE_TOPIC_PREFIX", type_, topic_prefix, 0, "sluice.",                \
                          "prefix of the topic names (<prefix>events, <prefix>requests, "          \
                          "<prefix>jobs, <prefix>deadletter)"),                                    \
        SLUICE_CONFIG_STR("SLUICE_LOG_LEVEL", type_, log_level, 1, "info",                         \
                          "debug | info | warn | error | off")

/* Looks a variable up; returns NULL when unset. */
typedef const char *(*sluice_config_lookup_fn)(const char *name, void *ctx);

/*
 * Fills dest from lookup according to vars. Every variable is processed;
 * on any problem returns SLUICE_EINVAL and err holds all messages separated
 * by "; " (truncated to errlen). Fields of valid variables are set either way.
 */
int sluice_config_load(const sluice_config_var *vars, size_t nvars, void *dest,
                       sluice_config_lookup_fn lookup, void *ctx, char *err, size_t errlen);

/*
 * sluice_config_load with the process environment, plus SLUICE_CONFIG_FILE if
 * set. A missing or malformed file is an error naming the file and line.
 */
int sluice_config_load_env(const sluice_config_var *vars, size_t nvars, void *dest, char *err,
                           size_t errlen);

/*
 * Appends a Markdown table describing vars to out (for docs): one row per
 * variable with its type, bounds, default ("(required)" when none) and help,
 * '|' in a default or help escaped so the table stays intact.
 * 0 or SLUICE_ETOOBIG/ENOMEM.
 */
int sluice_config_describe(const sluice_config_var *vars, size_t nvars, sluice_buf *out);

/*
 * The command line every service accepts: none, or `--config-reference`,
 * which prints sluice_config_describe's table of vars on stdout (what
 * docs/operations.md is generated from). Returns -1 when the service should
 * go on starting (no arguments), else the exit status: 0 after printing the
 * table, 2 after a usage message on stderr naming `service` for anything else.
 */
int sluice_config_command_line(int argc, char **argv, const char *service,
                               const sluice_config_var *vars, size_t nvars);

#endif
