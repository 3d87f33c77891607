/*
 * config.c — the declarative configuration loader (see config.h).
 */
#include "sluice/config.h"

#include "sluice/error.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CONFIG_FILE_MAX_ENTRIES 256
#define CONFIG_FILE_LINE_MAX    4096

static void report(sluice_buf *msgs, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void report(sluice_buf *msgs, const char *fmt, ...)
{
    if (msgs->len > 0) {
        (void)sluice_buf_append_str(msgs, "; ");
    }
    va_list ap;
    va_start(ap, fmt);
    (void)sluice_buf_vappendf(msgs, fmt, ap);
    va_end(ap);
}

static int parse_bool(const char *text, bool *out)
{
    static const char *const yes[] = {"1", "true", "yes", "on"};
    static const char *const no[] = {"0", "false", "no", "off"};
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(text, yes[i]) == 0) {
            *out = true;
            return SLUICE_OK;
        }
        if (strcasecmp(text, no[i]) == 0) {
            *out = false;
            return SLUICE_OK;
        }
    }
    return SLUICE_EINVAL;
}

static void apply_one(const sluice_config_var *var, const char *text, void *dest, sluice_buf *msgs)
{
    char *field = (char *)dest + var->offset;
    const char *shown = var->secret ? "(secret)" : text;
    switch (var->type) {
    case SLUICE_CONFIG_STRING: {
        size_t len = strlen(text);
        if ((int64_t)len < var->min) {
            report(msgs, "%s: must be at least %" PRId64 " characters", var->name, var->min);
            return;
        }
        if ((int64_t)len > var->max) {
            report(msgs, "%s: longer than %" PRId64 " characters", var->name, var->max);
            return;
        }
        memcpy(field, text, len + 1);
        return;
    }
    case SLUICE_CONFIG_INT: {
        char *end = NULL;
        errno = 0;
        long long v = strtoll(text, &end, 10);
        if (text[0] == '\0' || end == NULL || *end != '\0' || errno == ERANGE) {
            report(msgs, "%s: \"%s\" is not an integer", var->name, shown);
            return;
        }
        if (v < var->min || v > var->max) {
            report(msgs, "%s: %lld is outside %" PRId64 "..%" PRId64, var->name, v, var->min,
                   var->max);
            return;
        }
        int64_t value = (int64_t)v;
        memcpy(field, &value, sizeof value);
        return;
    }
    case SLUICE_CONFIG_BOOL: {
        bool value;
        if (parse_bool(text, &value) != SLUICE_OK) {
            report(msgs, "%s: \"%s\" is not a boolean (true/false)", var->name, shown);
            return;
        }
        memcpy(field, &value, sizeof value);
        return;
    }
    }
    report(msgs, "%s: unknown type in the configuration table", var->name);
}

int sluice_config_load(const sluice_config_var *vars, size_t nvars, void *dest,
                       sluice_config_lookup_fn lookup, void *ctx, char *err, size_t errlen)
{
    sluice_buf msgs;
    sluice_buf_init(&msgs, errlen > 0 ? errlen : 1);
    for (size_t i = 0; i < nvars; i++) {
        const sluice_config_var *var = &vars[i];
        const char *text = lookup(var->name, ctx);
        if (text == NULL) {
            text = var->default_value;
        }
        if (text == NULL) {
            report(&msgs, "%s: required but not set (%s)", var->name, var->help);
            continue;
        }
        apply_one(var, text, dest, &msgs);
    }
    int rc = msgs.len > 0 ? SLUICE_EINVAL : SLUICE_OK;
    if (err != NULL && errlen > 0) {
        snprintf(err, errlen, "%s", sluice_buf_cstr(&msgs));
    }
    sluice_buf_free(&msgs);
    return rc;
}

/* Variables read from SLUICE_CONFIG_FILE. */
typedef struct config_file {
    size_t count;
    char *names[CONFIG_FILE_MAX_ENTRIES];
    char *values[CONFIG_FILE_MAX_ENTRIES];
} config_file;

static void config_file_free(config_file *file)
{
    for (size_t i = 0; i < file->count; i++) {
        free(file->names[i]);
        free(file->values[i]);
    }
    file->count = 0;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t') {
        s++;
    }
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r')) {
        s[--n] = '\0';
    }
    return s;
}

static int config_file_read(const char *path, config_file *file, char *err, size_t errlen)
{
    FILE *fp = fopen(path, "r");
    if (fp == NULL) {
        return sluice_error_set(err, errlen, SLUICE_EIO, "SLUICE_CONFIG_FILE: cannot open %s: %s",
                                path, strerror(errno));
    }
    char line[CONFIG_FILE_LINE_MAX];
    int lineno = 0;
    int rc = SLUICE_OK;
    while (fgets(line, sizeof line, fp) != NULL) {
        lineno++;
        if (strchr(line, '\n') == NULL && !feof(fp)) {
            rc = sluice_error_set(err, errlen, SLUICE_ETOOBIG, "%s:%d: line longer than %d bytes",
                                  path, lineno, CONFIG_FILE_LINE_MAX - 2);
            break;
        }
        char *s = trim(line);
        if (*s == '\0' || *s == '#') {
            continue;
        }
        if (strncmp(s, "export ", 7) == 0) {
            s = trim(s + 7);
        }
        char *eq = strchr(s, '=');
        if (eq == NULL || eq == s) {
            rc = sluice_error_set(err, errlen, SLUICE_EPARSE, "%s:%d: expected NAME=VALUE", path,
                                  lineno);
            break;
        }
        *eq = '\0';
        char *value = trim(eq + 1);
        size_t vlen = strlen(value);
        if (vlen >= 2 && (value[0] == '"' || value[0] == '\'') && value[vlen - 1] == value[0]) {
            value[vlen - 1] = '\0';
            value++;
        }
        if (file->count == CONFIG_FILE_MAX_ENTRIES) {
            rc = sluice_error_set(err, errlen, SLUICE_ETOOBIG, "%s:%d: more than %d entries", path,
                                  lineno, CONFIG_FILE_MAX_ENTRIES);
            break;
        }
        file->names[file->count] = strdup(trim(s));
        file->values[file->count] = strdup(value);
        if (file->names[file->count] == NULL || file->values[file->count] == NULL) {
            free(file->names[file->count]);
            free(file->values[file->count]);
            rc = SLUICE_ENOMEM;
            break;
        }
        file->count++;
    }
    fclose(fp);
    return rc;
}

static const char *env_then_file_lookup(const char *name, void *ctx)
{
    const char *value = getenv(name);
    if (value != NULL) {
        return value;
    }
    const config_file *file = ctx;
    /* Last assignment wins, as in a shell. */
    for (size_t i = file->count; i > 0; i--) {
        if (strcmp(file->names[i - 1], name) == 0) {
            return file->values[i - 1];
        }
    }
    return NULL;
}

int sluice_config_load_env(const sluice_config_var *vars, size_t nvars, void *dest, char *err,
                           size_t errlen)
{
    config_file file = {0};
    const char *path = getenv("SLUICE_CONFIG_FILE");
    if (path != NULL && path[0] != '\0') {
        int rc = config_file_read(path, &file, err, errlen);
        if (rc != SLUICE_OK) {
            config_file_free(&file);
            return rc;
        }
    }
    int rc = sluice_config_load(vars, nvars, dest, env_then_file_lookup, &file, err, errlen);
    config_file_free(&file);
    return rc;
}

/* Appends text with every '|' escaped, for a cell of a Markdown table. */
static int config_append_cell(sluice_buf *out, const char *text)
{
    int rc = SLUICE_OK;
    for (const char *p = text; *p != '\0' && rc == SLUICE_OK; p++) {
        rc = *p == '|' ? sluice_buf_append_str(out, "\\|") : sluice_buf_append(out, p, 1);
    }
    return rc;
}

int sluice_config_describe(const sluice_config_var *vars, size_t nvars, sluice_buf *out)
{
    static const char *const type_names[] = {"string", "integer", "boolean"};
    int rc = sluice_buf_append_str(out, "| variable | type | bounds | default | meaning |\n"
                                        "|---|---|---|---|---|\n");
    for (size_t i = 0; i < nvars && rc == SLUICE_OK; i++) {
        const sluice_config_var *var = &vars[i];
        char bounds[64];
        if (var->type == SLUICE_CONFIG_INT) {
            snprintf(bounds, sizeof bounds, "%" PRId64 "..%" PRId64, var->min, var->max);
        } else if (var->type == SLUICE_CONFIG_STRING) {
            snprintf(bounds, sizeof bounds, "length %" PRId64 "..%" PRId64, var->min, var->max);
        } else {
            snprintf(bounds, sizeof bounds, "-");
        }
        rc = sluice_buf_appendf(out, "| `%s` | %s | %s | ", var->name, type_names[var->type],
                                bounds);
        if (rc == SLUICE_OK) {
            rc = config_append_cell(out,
                                    var->default_value != NULL ? var->default_value : "(required)");
        }
        if (rc == SLUICE_OK) {
            rc = sluice_buf_append_str(out, " | ");
        }
        if (rc == SLUICE_OK) {
            rc = config_append_cell(out, var->help);
        }
        if (rc == SLUICE_OK) {
            rc = sluice_buf_append_str(out, " |\n");
        }
    }
    return rc;
}

int sluice_config_command_line(int argc, char **argv, const char *service,
                               const sluice_config_var *vars, size_t nvars)
{
    if (argc <= 1) {
        return -1;
    }
    if (argc == 2 && strcmp(argv[1], "--config-reference") == 0) {
        sluice_buf out;
        sluice_buf_init(&out, (size_t)1 << 20);
        int rc = sluice_config_describe(vars, nvars, &out);
        if (rc == SLUICE_OK) {
            fputs(sluice_buf_cstr(&out), stdout);
        }
        sluice_buf_free(&out);
        return rc == SLUICE_OK && fflush(stdout) == 0 ? 0 : 1;
    }
    fprintf(stderr,
            "usage: %s [--config-reference]\n"
            "  configured through SLUICE_* environment variables (and SLUICE_CONFIG_FILE);\n"
            "  --config-reference prints them as a Markdown table\n",
            service);
    return 2;
}
