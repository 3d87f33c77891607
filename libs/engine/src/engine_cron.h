/*
 * engine_cron.h — the deployment windows of DeploymentWindow rules: Quartz-style
 * cron expressions and fixed-offset time zones, private to libs/engine.
 *
 * An expression has 6 or 7 fields separated by blanks (CodePipeline user guide,
 * rule reference "DeploymentWindow"):
 *
 *   seconds  minutes  hours  day-of-month  month  day-of-week  [year]
 *   * or 0   0-59     0-23   1-31          1-12   1-7          1970-2199
 *                                          JAN-DEC SUN-SAT (SUN = 1)
 *
 * Every field but seconds takes `*`, numbers, ranges `a-b` (wrapping past the
 * end: FRI-MON, 22-2), lists `a,b`, and steps `*` or `a` or `a-b` then `/n`;
 * names are case-insensitive. Day-of-month and day-of-week also take `?`
 * ("any", like `*`), and, as the field's only item: day-of-month `L` (last
 * day), `L-n` (n days before the last), `nW` (the weekday nearest day n, not
 * leaving the month), `LW` (the last weekday); day-of-week `L` (Saturday),
 * `nL` (the last day n of the month), `n#k` (the k-th day n of the month).
 * At most one of the two day fields may be restricted; the other must be `*`
 * or `?`. The seconds field must be `*` or `0`: windows are whole minutes.
 *
 * A moment is inside the window when the minute containing it matches every
 * field. Time zones: "UTC", "GMT", "Z", "UTC±HH:MM", "UTC±HH", "GMT±HH:MM",
 * "±HH:MM"; named zones (Region/City) and abbreviations (PST) are not known
 * to the engine, which reads no time zone database.
 *
 * Pure; thread-compatible.
 */
#ifndef SLUICE_ENGINE_CRON_H
#define SLUICE_ENGINE_CRON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ENGINE_CRON_MAX_TEXT 512 /* bound on an expression's length */
#define ENGINE_CRON_MIN_YEAR 1970
#define ENGINE_CRON_MAX_YEAR 2199

/* The set of values a field allows (bit v - min). */
typedef struct engine_cron_set {
    uint64_t words[4];
} engine_cron_set;

/* How a day field restricts the day. */
typedef enum engine_cron_day {
    ENGINE_CRON_DAY_ANY = 0,      /* `*` or `?` */
    ENGINE_CRON_DAY_SET,          /* values in the set */
    ENGINE_CRON_DAY_LAST,         /* day-of-month L / L-n: arg = n */
    ENGINE_CRON_DAY_NEAREST,      /* day-of-month nW: arg = n */
    ENGINE_CRON_DAY_LAST_WEEKDAY, /* day-of-month LW */
    ENGINE_CRON_DAY_LAST_OF,      /* day-of-week nL: arg = n */
    ENGINE_CRON_DAY_NTH,          /* day-of-week n#k: arg = n, nth = k */
} engine_cron_day;

typedef struct engine_cron {
    engine_cron_set minutes;
    engine_cron_set hours;
    engine_cron_set months;
    engine_cron_set years;
    engine_cron_set mdays; /* with mday == ENGINE_CRON_DAY_SET */
    engine_cron_set wdays; /* with wday == ENGINE_CRON_DAY_SET; 1 = Sunday */
    engine_cron_day mday;
    engine_cron_day wday;
    int mday_arg;
    int wday_arg;
    int wday_nth;
} engine_cron;

/*
 * Parses an expression. 0 with *out set, or SLUICE_EINVAL with the problem
 * (naming the field) in errbuf.
 */
int engine_cron_parse(const char *text, engine_cron *out, char *errbuf, size_t errlen);

/* True when the minute containing local_ms (epoch milliseconds shifted to the zone) matches. */
bool engine_cron_matches(const engine_cron *cron, int64_t local_ms);

/*
 * The offset of a time zone from UTC in minutes (NULL or "" = UTC). 0, or
 * SLUICE_EINVAL with the problem in errbuf.
 */
int engine_cron_zone_offset(const char *zone, int *minutes, char *errbuf, size_t errlen);

/* Writes local_ms as "YYYY-MM-DD HH:MM" into out (at least 24 bytes). */
void engine_cron_format_minute(int64_t local_ms, char *out, size_t outlen);

#endif
