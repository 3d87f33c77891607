/*
 * fault.h — named fault points: places in a service where a crash test can
 * have the process kill itself, so that recovery from exactly that moment is
 * proven rather than hoped for.
 *
 * A test arms points through SLUICE_FAULT_POINTS, a comma-separated list of
 * "<name>" or "<name>:<n>": the n-th time (1 when omitted) the point is
 * reached, the process appends "<name> <n> <pid>\n" to the file named by
 * SLUICE_FAULT_LOG (O_APPEND, fsync'd, when set) and raises SIGKILL — no
 * handler, no flush, no atexit, as a power cut or the OOM killer would. Each
 * restart of the process reads the variable afresh, so a test arms one
 * restart at a time. Names are checked against the list the service declares:
 * a misspelt point is a start-up error, not a silently untested crash.
 *
 * Unset or empty, nothing is armed and SLUICE_FAULT_POINT costs one load and
 * a predicted branch. This is test-only configuration: production never sets
 * it, and the variable is documented as such.
 *
 * The parser (sluice_fault_parse) is pure. The armed plan is process-wide,
 * written once by sluice_fault_init before any thread starts and only read
 * afterwards (its counters are atomic), like the signal flag.
 */
#ifndef SLUICE_FAULT_H
#define SLUICE_FAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SLUICE_FAULT_ENV       "SLUICE_FAULT_POINTS"
#define SLUICE_FAULT_LOG_ENV   "SLUICE_FAULT_LOG"
#define SLUICE_FAULT_SPEC_MAX  1024    /* bytes of SLUICE_FAULT_POINTS */
#define SLUICE_FAULT_ARMS_MAX  16      /* points one spec arms */
#define SLUICE_FAULT_NAME_MAX  31      /* bytes of a point's name */
#define SLUICE_FAULT_COUNT_MAX 1000000 /* largest n of "<name>:<n>" */

typedef struct sluice_fault_arm {
    char name[SLUICE_FAULT_NAME_MAX + 1];
    uint32_t at; /* kill when reached for the at-th time (1..SLUICE_FAULT_COUNT_MAX) */
} sluice_fault_arm;

typedef struct sluice_fault_plan {
    size_t count;
    sluice_fault_arm arms[SLUICE_FAULT_ARMS_MAX];
} sluice_fault_plan;

/*
 * Parses spec[0..len) (no NUL needed; one inside is an error) into *plan,
 * accepting only names listed in known[0..nknown). An empty spec gives an
 * empty plan. Returns 0; SLUICE_ETOOBIG when spec exceeds SLUICE_FAULT_SPEC_MAX
 * or arms more than SLUICE_FAULT_ARMS_MAX points; SLUICE_EPARSE for a bad
 * entry, an unknown or repeated name or a count outside 1..SLUICE_FAULT_COUNT_MAX,
 * with err naming the entry and its byte offset. On failure *plan is empty.
 */
int sluice_fault_parse(const char *spec, size_t len, const char *const *known, size_t nknown,
                       sluice_fault_plan *plan, char *err, size_t errlen);

/*
 * Arms the points SLUICE_FAULT_POINTS names (see sluice_fault_parse; known
 * lists the service's points) and remembers SLUICE_FAULT_LOG. Call once from
 * main, before any thread starts. Returns 0 (nothing armed when the variable
 * is unset or empty), or the parse error with err prefixed by the variable's
 * name; nothing is armed then.
 */
int sluice_fault_init(const char *const *known, size_t nknown, char *err, size_t errlen);

/* True once sluice_fault_init armed at least one point. Read through SLUICE_FAULT_POINT. */
extern bool sluice_fault_armed;

/*
 * Counts one reach of point name; on the armed count, records it in the
 * fault log and raises SIGKILL (never returns then). Names not armed are
 * ignored. Thread-safe.
 */
void sluice_fault_reach(const char *name);

/* A fault point: one line at the place a crash must be survived. */
#define SLUICE_FAULT_POINT(name)                                                                   \
    do {                                                                                           \
        if (sluice_fault_armed) {                                                                  \
            sluice_fault_reach(name);                                                              \
        }                                                                                          \
    } while (0)

#endif
