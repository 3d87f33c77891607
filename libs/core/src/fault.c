/*
 * fault.c — named fault points (see fault.h): the pure parser of
 * SLUICE_FAULT_POINTS and the process-wide armed plan.
 */
#include "sluice/fault.h"

#include "sluice/error.h"

#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FAULT_LOG_PATH_MAX 4096
#define FAULT_COUNT_DIGITS 7 /* digits of SLUICE_FAULT_COUNT_MAX */

bool sluice_fault_armed = false;

/* The armed plan: written by sluice_fault_init only, before threads start. */
static sluice_fault_plan fault_plan;
static atomic_uint_fast32_t fault_reached[SLUICE_FAULT_ARMS_MAX];
static char fault_log_path[FAULT_LOG_PATH_MAX + 1];

static bool name_char_ok(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

static bool is_known(const char *name, size_t len, const char *const *known, size_t nknown)
{
    for (size_t i = 0; i < nknown; i++) {
        if (strlen(known[i]) == len && memcmp(known[i], name, len) == 0) {
            return true;
        }
    }
    return false;
}

/* "a, b, c" of the known names, truncated to fit. */
static void known_list(const char *const *known, size_t nknown, char *out, size_t outlen)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < nknown && used < outlen; i++) {
        int n = snprintf(out + used, outlen - used, "%s%s", i > 0 ? ", " : "", known[i]);
        if (n < 0) {
            break;
        }
        used += (size_t)n;
    }
}

/* Parses one entry spec[from..to) into arm. 0, or SLUICE_EPARSE with err set. */
static int parse_entry(const char *spec, size_t from, size_t to, const char *const *known,
                       size_t nknown, sluice_fault_arm *arm, char *err, size_t errlen)
{
    size_t colon = from;
    while (colon < to && spec[colon] != ':') {
        colon++;
    }
    size_t name_len = colon - from;
    if (name_len == 0) {
        return sluice_error_set(err, errlen, SLUICE_EPARSE, "empty point name at byte %zu", from);
    }
    if (name_len > SLUICE_FAULT_NAME_MAX) {
        return sluice_error_set(err, errlen, SLUICE_EPARSE,
                                "point name at byte %zu is longer than %d bytes", from,
                                SLUICE_FAULT_NAME_MAX);
    }
    for (size_t i = from; i < colon; i++) {
        if (!name_char_ok(spec[i])) {
            return sluice_error_set(err, errlen, SLUICE_EPARSE,
                                    "byte %zu: point names are a-z, 0-9 and '_' only", i);
        }
    }
    if (!is_known(spec + from, name_len, known, nknown)) {
        char names[256];
        known_list(known, nknown, names, sizeof names);
        return sluice_error_set(err, errlen, SLUICE_EPARSE,
                                "unknown point \"%.*s\" at byte %zu (known: %s)", (int)name_len,
                                spec + from, from, nknown > 0 ? names : "none");
    }
    memcpy(arm->name, spec + from, name_len);
    arm->name[name_len] = '\0';
    arm->at = 1;
    if (colon == to) {
        return SLUICE_OK;
    }
    size_t digits = to - (colon + 1);
    if (digits == 0 || digits > FAULT_COUNT_DIGITS) {
        return sluice_error_set(err, errlen, SLUICE_EPARSE,
                                "point %s at byte %zu: the count after ':' must be 1..%d",
                                arm->name, from, SLUICE_FAULT_COUNT_MAX);
    }
    uint32_t at = 0;
    for (size_t i = colon + 1; i < to; i++) {
        if (spec[i] < '0' || spec[i] > '9') {
            return sluice_error_set(err, errlen, SLUICE_EPARSE,
                                    "point %s: byte %zu of its count is not a digit", arm->name, i);
        }
        at = at * 10 + (uint32_t)(spec[i] - '0');
    }
    if (at < 1 || at > SLUICE_FAULT_COUNT_MAX) {
        return sluice_error_set(err, errlen, SLUICE_EPARSE,
                                "point %s at byte %zu: count %u is outside 1..%d", arm->name, from,
                                (unsigned)at, SLUICE_FAULT_COUNT_MAX);
    }
    arm->at = at;
    return SLUICE_OK;
}

int sluice_fault_parse(const char *spec, size_t len, const char *const *known, size_t nknown,
                       sluice_fault_plan *plan, char *err, size_t errlen)
{
    memset(plan, 0, sizeof *plan);
    if (err != NULL && errlen > 0) {
        err[0] = '\0';
    }
    if (len == 0) {
        return SLUICE_OK;
    }
    if (len > SLUICE_FAULT_SPEC_MAX) {
        return sluice_error_set(err, errlen, SLUICE_ETOOBIG, "%zu bytes, more than %d", len,
                                SLUICE_FAULT_SPEC_MAX);
    }
    const char *nul = memchr(spec, '\0', len);
    if (nul != NULL) {
        return sluice_error_set(err, errlen, SLUICE_EPARSE, "NUL byte at byte %zu",
                                (size_t)(nul - spec));
    }
    sluice_fault_plan parsed;
    memset(&parsed, 0, sizeof parsed);
    size_t from = 0;
    for (;;) {
        size_t to = from;
        while (to < len && spec[to] != ',') {
            to++;
        }
        if (to == from) {
            return sluice_error_set(err, errlen, SLUICE_EPARSE, "empty entry at byte %zu", from);
        }
        if (parsed.count == SLUICE_FAULT_ARMS_MAX) {
            return sluice_error_set(err, errlen, SLUICE_ETOOBIG,
                                    "more than %d points (entry at byte %zu)",
                                    SLUICE_FAULT_ARMS_MAX, from);
        }
        sluice_fault_arm *arm = &parsed.arms[parsed.count];
        int rc = parse_entry(spec, from, to, known, nknown, arm, err, errlen);
        if (rc != SLUICE_OK) {
            return rc;
        }
        for (size_t i = 0; i < parsed.count; i++) {
            if (strcmp(parsed.arms[i].name, arm->name) == 0) {
                return sluice_error_set(err, errlen, SLUICE_EPARSE,
                                        "point %s armed twice (again at byte %zu)", arm->name,
                                        from);
            }
        }
        parsed.count++;
        if (to == len) {
            break;
        }
        from = to + 1; /* past the ',' ; a trailing one gives an empty entry */
    }
    *plan = parsed;
    return SLUICE_OK;
}

int sluice_fault_init(const char *const *known, size_t nknown, char *err, size_t errlen)
{
    sluice_fault_armed = false;
    memset(&fault_plan, 0, sizeof fault_plan);
    fault_log_path[0] = '\0';
    const char *spec = getenv(SLUICE_FAULT_ENV);
    if (spec == NULL || spec[0] == '\0') {
        return SLUICE_OK;
    }
    char why[512];
    sluice_fault_plan plan;
    int rc = sluice_fault_parse(spec, strlen(spec), known, nknown, &plan, why, sizeof why);
    if (rc != SLUICE_OK) {
        return sluice_error_set(err, errlen, rc, "%s: %s", SLUICE_FAULT_ENV, why);
    }
    const char *log = getenv(SLUICE_FAULT_LOG_ENV);
    if (log != NULL && strlen(log) > FAULT_LOG_PATH_MAX) {
        return sluice_error_set(err, errlen, SLUICE_ETOOBIG, "%s: longer than %d bytes",
                                SLUICE_FAULT_LOG_ENV, FAULT_LOG_PATH_MAX);
    }
    snprintf(fault_log_path, sizeof fault_log_path, "%s", log != NULL ? log : "");
    fault_plan = plan;
    for (size_t i = 0; i < SLUICE_FAULT_ARMS_MAX; i++) {
        atomic_init(&fault_reached[i], 0);
    }
    sluice_fault_armed = plan.count > 0;
    return SLUICE_OK;
}

/* Appends "<name> <n> <pid>\n" to the fault log and syncs it; best effort. */
static void fault_record(const char *name, uint32_t at)
{
    if (fault_log_path[0] == '\0') {
        return;
    }
    char line[SLUICE_FAULT_NAME_MAX + 64];
    int n = snprintf(line, sizeof line, "%s %u %ld\n", name, (unsigned)at, (long)getpid());
    if (n <= 0 || (size_t)n >= sizeof line) {
        return;
    }
    int fd = open(fault_log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) {
        return;
    }
    (void)!write(fd, line, (size_t)n);
    (void)fsync(fd);
    (void)close(fd);
}

void sluice_fault_reach(const char *name)
{
    for (size_t i = 0; i < fault_plan.count; i++) {
        if (strcmp(fault_plan.arms[i].name, name) != 0) {
            continue;
        }
        uint_fast32_t reached = atomic_fetch_add(&fault_reached[i], 1) + 1;
        if (reached == fault_plan.arms[i].at) {
            fault_record(name, fault_plan.arms[i].at);
            raise(SIGKILL);
        }
        return;
    }
}
