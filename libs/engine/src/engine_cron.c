/*
 * engine_cron.c — Quartz-style cron expressions and fixed-offset time zones for
 * DeploymentWindow rules (see engine_cron.h; CodePipeline user guide, rule
 * reference "DeploymentWindow"). Calendar arithmetic is done here on epoch
 * days (proleptic Gregorian), so nothing depends on the process's time zone.
 */
#include "engine_cron.h"

#include "sluice/error.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define ENGINE_CRON_FIELDS_MIN 6
#define ENGINE_CRON_FIELDS_MAX 7
#define ENGINE_CRON_MINUTE_MS  ((int64_t)60 * 1000)
#define ENGINE_CRON_DAY_MIN    1440
#define ENGINE_CRON_MAX_NUMBER 100000 /* bound while reading digits */
#define ENGINE_CRON_MAX_ZONE_H 14

typedef struct engine_cron_field {
    const char *name; /* for messages */
    int min;
    int max;
    const char *const *names; /* three-letter names of min, min + 1, ...; or NULL */
    size_t nnames;
    bool question; /* `?` allowed */
} engine_cron_field;

static const char *const engine_cron_month_names[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                                      "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
static const char *const engine_cron_day_names[] = {"SUN", "MON", "TUE", "WED",
                                                    "THU", "FRI", "SAT"};

static const engine_cron_field engine_cron_minute = {"minutes", 0, 59, NULL, 0, false};
static const engine_cron_field engine_cron_hour = {"hours", 0, 23, NULL, 0, false};
static const engine_cron_field engine_cron_mday = {"day-of-month", 1, 31, NULL, 0, true};
static const engine_cron_field engine_cron_month = {"month", 1,    12, engine_cron_month_names,
                                                    12,      false};
static const engine_cron_field engine_cron_wday = {"day-of-week",         1, 7,
                                                   engine_cron_day_names, 7, true};
static const engine_cron_field engine_cron_year = {
    "year", ENGINE_CRON_MIN_YEAR, ENGINE_CRON_MAX_YEAR, NULL, 0, false};

/* ---- sets ------------------------------------------------------------------ */

static void engine_cron_set_add(engine_cron_set *set, int bit)
{
    set->words[bit / 64] |= (uint64_t)1 << (bit % 64);
}

static bool engine_cron_set_has(const engine_cron_set *set, int bit)
{
    return bit >= 0 && bit < 256 && (set->words[bit / 64] & ((uint64_t)1 << (bit % 64))) != 0;
}

static void engine_cron_set_all(engine_cron_set *set, const engine_cron_field *f)
{
    for (int v = f->min; v <= f->max; v++) {
        engine_cron_set_add(set, v - f->min);
    }
}

/* ---- parsing ----------------------------------------------------------------- */

/* Reads a number or a name of f at *p into *value. */
static int engine_cron_value(const char **p, const engine_cron_field *f, int *value, char *errbuf,
                             size_t errlen)
{
    const char *s = *p;
    if (isdigit((unsigned char)*s)) {
        int v = 0;
        while (isdigit((unsigned char)*s)) {
            if (v > ENGINE_CRON_MAX_NUMBER) {
                break;
            }
            v = v * 10 + (*s - '0');
            s++;
        }
        *value = v;
    } else if (f->names != NULL && isalpha((unsigned char)s[0]) && isalpha((unsigned char)s[1]) &&
               isalpha((unsigned char)s[2])) {
        int found = -1;
        for (size_t i = 0; i < f->nnames && found < 0; i++) {
            bool same = true;
            for (int c = 0; c < 3; c++) {
                same = same && toupper((unsigned char)s[c]) == f->names[i][c];
            }
            found = same ? (int)i : -1;
        }
        if (found < 0) {
            return sluice_error_set(errbuf, errlen, SLUICE_EINVAL, "Cron %s: unknown name %.3s",
                                    f->name, s);
        }
        *value = f->min + found;
        s += 3;
    } else {
        return sluice_error_set(errbuf, errlen, SLUICE_EINVAL,
                                "Cron %s: expected a value at \"%s\"", f->name, s);
    }
    if (*value < f->min || *value > f->max) {
        return sluice_error_set(errbuf, errlen, SLUICE_EINVAL, "Cron %s: %d is outside %d-%d",
                                f->name, *value, f->min, f->max);
    }
    *p = s;
    return SLUICE_OK;
}

/* Reads a step "/n" (n >= 1) at *p; *step stays 1 when there is none. */
static int engine_cron_step(const char **p, const engine_cron_field *f, int *step, char *errbuf,
                            size_t errlen)
{
    *step = 1;
    if (**p != '/') {
        return SLUICE_OK;
    }
    const char *s = *p + 1;
    int v = 0;
    if (!isdigit((unsigned char)*s)) {
        return sluice_error_set(errbuf, errlen, SLUICE_EINVAL, "Cron %s: expected a step after /",
                                f->name);
    }
    while (isdigit((unsigned char)*s) && v <= ENGINE_CRON_MAX_NUMBER) {
        v = v * 10 + (*s - '0');
        s++;
    }
    if (v < 1 || v > f->max - f->min + 1) {
        return sluice_error_set(errbuf, errlen, SLUICE_EINVAL, "Cron %s: step %d is out of range",
                                f->name, v);
    }
    *step = v;
    *p = s;
    return SLUICE_OK;
}

/* Adds start, start + step, ... (count values, wrapping from max to min) to set. */
static void engine_cron_add_run(engine_cron_set *set, const engine_cron_field *f, int start,
                                int count, int step)
{
    int size = f->max - f->min + 1;
    for (int i = 0; i < count; i += step) {
        engine_cron_set_add(set, (start - f->min + i) % size);
    }
}

/* One list item: `*`, `?`, a, a-b, each with an optional /n. */
static int engine_cron_item(const char *item, const engine_cron_field *f, engine_cron_set *set,
                            char *errbuf, size_t errlen)
{
    const char *p = item;
    int start = f->min;
    int count = f->max - f->min + 1;
    int step = 1;
    int rc;
    if (*p == '*' || (*p == '?' && f->question)) {
        p++;
    } else {
        int end;
        rc = engine_cron_value(&p, f, &start, errbuf, errlen);
        if (rc != SLUICE_OK) {
            return rc;
        }
        if (*p == '-') {
            p++;
            rc = engine_cron_value(&p, f, &end, errbuf, errlen);
            if (rc != SLUICE_OK) {
                return rc;
            }
            count = (end - start + (f->max - f->min + 1)) % (f->max - f->min + 1) + 1;
        } else {
            count = *p == '/' ? f->max - start + 1 : 1;
        }
    }
    rc = engine_cron_step(&p, f, &step, errbuf, errlen);
    if (rc != SLUICE_OK) {
        return rc;
    }
    if (*p != '\0') {
        return sluice_error_set(errbuf, errlen, SLUICE_EINVAL, "Cron %s: unexpected \"%s\"",
                                f->name, p);
    }
    engine_cron_add_run(set, f, start, count, step);
    return SLUICE_OK;
}

/* A comma-separated list into set (text is modified). */
static int engine_cron_list(char *text, const engine_cron_field *f, engine_cron_set *set,
                            char *errbuf, size_t errlen)
{
    char *item = text;
    for (;;) {
        char *comma = strchr(item, ',');
        if (comma != NULL) {
            *comma = '\0';
        }
        if (*item == '\0') {
            return sluice_error_set(errbuf, errlen, SLUICE_EINVAL, "Cron %s: empty list item",
                                    f->name);
        }
        int rc = engine_cron_item(item, f, set, errbuf, errlen);
        if (rc != SLUICE_OK || comma == NULL) {
            return rc;
        }
        item = comma + 1;
    }
}

static bool engine_cron_is_any(const char *text)
{
    return strcmp(text, "*") == 0 || strcmp(text, "?") == 0;
}

/* Reads 1 or 2 digits of a day number (1..max) from text; -1 when it is not one. */
static int engine_cron_day_number(const char *text, size_t len, int max)
{
    if (len == 0 || len > 2) {
        return -1;
    }
    int v = 0;
    for (size_t i = 0; i < len; i++) {
        if (!isdigit((unsigned char)text[i])) {
            return -1;
        }
        v = v * 10 + (text[i] - '0');
    }
    return v >= 1 && v <= max ? v : -1;
}

static int engine_cron_parse_mday(char *text, engine_cron *out, char *errbuf, size_t errlen)
{
    size_t len = strlen(text);
    const engine_cron_field *f = &engine_cron_mday;
    if (engine_cron_is_any(text)) {
        out->mday = ENGINE_CRON_DAY_ANY;
        return SLUICE_OK;
    }
    if (strcmp(text, "L") == 0 || strcmp(text, "LW") == 0) {
        out->mday = text[1] == 'W' ? ENGINE_CRON_DAY_LAST_WEEKDAY : ENGINE_CRON_DAY_LAST;
        out->mday_arg = 0;
        return SLUICE_OK;
    }
    if (strncmp(text, "L-", 2) == 0) {
        int n = strcmp(text + 2, "0") == 0 ? 0 : engine_cron_day_number(text + 2, len - 2, 30);
        if (n < 0) {
            return sluice_error_set(errbuf, errlen, SLUICE_EINVAL,
                                    "Cron day-of-month: L-n needs n from 0 to 30");
        }
        out->mday = ENGINE_CRON_DAY_LAST;
        out->mday_arg = n;
        return SLUICE_OK;
    }
    if (len > 1 && text[len - 1] == 'W') {
        int n = engine_cron_day_number(text, len - 1, 31);
        if (n < 0) {
            return sluice_error_set(errbuf, errlen, SLUICE_EINVAL,
                                    "Cron day-of-month: nW needs a day from 1 to 31");
        }
        out->mday = ENGINE_CRON_DAY_NEAREST;
        out->mday_arg = n;
        return SLUICE_OK;
    }
    out->mday = ENGINE_CRON_DAY_SET;
    return engine_cron_list(text, f, &out->mdays, errbuf, errlen);
}

static int engine_cron_parse_wday(char *text, engine_cron *out, char *errbuf, size_t errlen)
{
    size_t len = strlen(text);
    const engine_cron_field *f = &engine_cron_wday;
    if (engine_cron_is_any(text)) {
        out->wday = ENGINE_CRON_DAY_ANY;
        return SLUICE_OK;
    }
    if (strcmp(text, "L") == 0) {
        out->wday = ENGINE_CRON_DAY_SET;
        engine_cron_set_add(&out->wdays, 7 - f->min); /* Quartz: L alone is Saturday */
        return SLUICE_OK;
    }
    char *hash = strchr(text, '#');
    if (hash != NULL || (len > 1 && toupper((unsigned char)text[len - 1]) == 'L')) {
        const char *p = text;
        int day;
        if (hash != NULL) {
            *hash = '\0';
        } else {
            text[len - 1] = '\0';
        }
        int rc = engine_cron_value(&p, f, &day, errbuf, errlen);
        if (rc != SLUICE_OK) {
            return rc;
        }
        if (*p != '\0') {
            return sluice_error_set(errbuf, errlen, SLUICE_EINVAL,
                                    "Cron day-of-week: unexpected \"%s\"", p);
        }
        out->wday_arg = day;
        if (hash == NULL) {
            out->wday = ENGINE_CRON_DAY_LAST_OF;
            return SLUICE_OK;
        }
        int nth = engine_cron_day_number(hash + 1, strlen(hash + 1), 5);
        if (nth < 0) {
            return sluice_error_set(errbuf, errlen, SLUICE_EINVAL,
                                    "Cron day-of-week: n#k needs k from 1 to 5");
        }
        out->wday = ENGINE_CRON_DAY_NTH;
        out->wday_nth = nth;
        return SLUICE_OK;
    }
    out->wday = ENGINE_CRON_DAY_SET;
    return engine_cron_list(text, f, &out->wdays, errbuf, errlen);
}

int engine_cron_parse(const char *text, engine_cron *out, char *errbuf, size_t errlen)
{
    char buf[ENGINE_CRON_MAX_TEXT + 1];
    char *fields[ENGINE_CRON_FIELDS_MAX + 1];
    size_t n = 0;
    if (text == NULL || strlen(text) > ENGINE_CRON_MAX_TEXT) {
        return sluice_error_set(errbuf, errlen, SLUICE_EINVAL, "Cron: expected 1 to %d characters",
                                ENGINE_CRON_MAX_TEXT);
    }
    snprintf(buf, sizeof buf, "%s", text);
    for (char *p = buf; *p != '\0';) {
        while (*p == ' ' || *p == '\t') {
            *p++ = '\0';
        }
        if (*p == '\0') {
            break;
        }
        if (n == ENGINE_CRON_FIELDS_MAX + 1) {
            break;
        }
        fields[n++] = p;
        while (*p != '\0' && *p != ' ' && *p != '\t') {
            *p = (char)toupper((unsigned char)*p);
            p++;
        }
    }
    if (n < ENGINE_CRON_FIELDS_MIN || n > ENGINE_CRON_FIELDS_MAX) {
        return sluice_error_set(errbuf, errlen, SLUICE_EINVAL,
                                "Cron: expected 6 or 7 fields (seconds minutes hours "
                                "day-of-month month day-of-week [year]), got %zu",
                                n);
    }
    engine_cron cron;
    memset(&cron, 0, sizeof cron);
    if (strcmp(fields[0], "*") != 0 && strcmp(fields[0], "0") != 0) {
        return sluice_error_set(errbuf, errlen, SLUICE_EINVAL,
                                "Cron seconds: only * or 0 (windows are whole minutes)");
    }
    int rc = engine_cron_list(fields[1], &engine_cron_minute, &cron.minutes, errbuf, errlen);
    if (rc == SLUICE_OK) {
        rc = engine_cron_list(fields[2], &engine_cron_hour, &cron.hours, errbuf, errlen);
    }
    if (rc == SLUICE_OK) {
        rc = engine_cron_parse_mday(fields[3], &cron, errbuf, errlen);
    }
    if (rc == SLUICE_OK) {
        rc = engine_cron_list(fields[4], &engine_cron_month, &cron.months, errbuf, errlen);
    }
    if (rc == SLUICE_OK) {
        rc = engine_cron_parse_wday(fields[5], &cron, errbuf, errlen);
    }
    if (rc == SLUICE_OK && n == ENGINE_CRON_FIELDS_MAX) {
        rc = engine_cron_list(fields[6], &engine_cron_year, &cron.years, errbuf, errlen);
    } else if (rc == SLUICE_OK) {
        engine_cron_set_all(&cron.years, &engine_cron_year);
    }
    if (rc == SLUICE_OK && cron.mday != ENGINE_CRON_DAY_ANY && cron.wday != ENGINE_CRON_DAY_ANY) {
        rc = sluice_error_set(errbuf, errlen, SLUICE_EINVAL,
                              "Cron: give day-of-month or day-of-week, not both (use ? in the "
                              "other)");
    }
    if (rc != SLUICE_OK) {
        return rc;
    }
    *out = cron;
    return SLUICE_OK;
}

/* ---- calendar ---------------------------------------------------------------- */

static int64_t engine_cron_floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* Year, month (1-12) and day (1-31) of an epoch day (days since 1970-01-01). */
static void engine_cron_civil(int64_t days, int64_t *year, int *month, int *day)
{
    days += 719468;
    int64_t era = engine_cron_floor_div(days, 146097);
    int64_t doe = days - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *day = (int)(doy - (153 * mp + 2) / 5 + 1);
    *month = (int)(mp < 10 ? mp + 3 : mp - 9);
    *year = yoe + era * 400 + (*month <= 2 ? 1 : 0);
}

/* 0 = Sunday ... 6 = Saturday (1970-01-01 was a Thursday). */
static int engine_cron_weekday(int64_t days)
{
    return (int)((days % 7 + 7 + 4) % 7);
}

static int engine_cron_days_in_month(int64_t year, int month)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 && leap ? 29 : days[month - 1];
}

static bool engine_cron_mday_matches(const engine_cron *c, int64_t days, int day, int dim)
{
    switch (c->mday) {
    case ENGINE_CRON_DAY_SET:
        return engine_cron_set_has(&c->mdays, day - engine_cron_mday.min);
    case ENGINE_CRON_DAY_LAST:
        return day == dim - c->mday_arg;
    case ENGINE_CRON_DAY_NEAREST: {
        int n = c->mday_arg;
        if (n > dim) {
            return false;
        }
        int wd = engine_cron_weekday(days + (n - day));
        int target = n;
        if (wd == 6) {
            target = n == 1 ? 3 : n - 1;
        } else if (wd == 0) {
            target = n == dim ? n - 2 : n + 1;
        }
        return day == target;
    }
    case ENGINE_CRON_DAY_LAST_WEEKDAY: {
        int wd = engine_cron_weekday(days + (dim - day));
        return day == dim - (wd == 6 ? 1 : (wd == 0 ? 2 : 0));
    }
    case ENGINE_CRON_DAY_ANY:
    default:
        return true;
    }
}

static bool engine_cron_wday_matches(const engine_cron *c, int64_t days, int day, int dim)
{
    int q = engine_cron_weekday(days) + 1; /* Quartz: 1 = Sunday */
    switch (c->wday) {
    case ENGINE_CRON_DAY_SET:
        return engine_cron_set_has(&c->wdays, q - engine_cron_wday.min);
    case ENGINE_CRON_DAY_LAST_OF:
        return q == c->wday_arg && day + 7 > dim;
    case ENGINE_CRON_DAY_NTH:
        return q == c->wday_arg && (day - 1) / 7 + 1 == c->wday_nth;
    case ENGINE_CRON_DAY_ANY:
    default:
        return true;
    }
}

bool engine_cron_matches(const engine_cron *cron, int64_t local_ms)
{
    int64_t minute = engine_cron_floor_div(local_ms, ENGINE_CRON_MINUTE_MS);
    int64_t days = engine_cron_floor_div(minute, ENGINE_CRON_DAY_MIN);
    int of_day = (int)(minute - days * ENGINE_CRON_DAY_MIN);
    int64_t year;
    int month;
    int day;
    engine_cron_civil(days, &year, &month, &day);
    if (year < ENGINE_CRON_MIN_YEAR || year > ENGINE_CRON_MAX_YEAR) {
        return false;
    }
    int dim = engine_cron_days_in_month(year, month);
    return engine_cron_set_has(&cron->minutes, of_day % 60) &&
           engine_cron_set_has(&cron->hours, of_day / 60) &&
           engine_cron_set_has(&cron->months, month - engine_cron_month.min) &&
           engine_cron_set_has(&cron->years, (int)(year - ENGINE_CRON_MIN_YEAR)) &&
           engine_cron_mday_matches(cron, days, day, dim) &&
           engine_cron_wday_matches(cron, days, day, dim);
}

void engine_cron_format_minute(int64_t local_ms, char *out, size_t outlen)
{
    int64_t minute = engine_cron_floor_div(local_ms, ENGINE_CRON_MINUTE_MS);
    int64_t days = engine_cron_floor_div(minute, ENGINE_CRON_DAY_MIN);
    int of_day = (int)(minute - days * ENGINE_CRON_DAY_MIN);
    int64_t year;
    int month;
    int day;
    engine_cron_civil(days, &year, &month, &day);
    snprintf(out, outlen, "%04lld-%02d-%02d %02d:%02d", (long long)year, month, day, of_day / 60,
             of_day % 60);
}

/* ---- time zones ---------------------------------------------------------------- */

/* Reads exactly 1 or 2 digits; -1 otherwise. */
static int engine_cron_two_digits(const char **p)
{
    const char *s = *p;
    if (!isdigit((unsigned char)s[0])) {
        return -1;
    }
    int v = s[0] - '0';
    s++;
    if (isdigit((unsigned char)s[0])) {
        v = v * 10 + (s[0] - '0');
        s++;
    }
    *p = s;
    return v;
}

int engine_cron_zone_offset(const char *zone, int *minutes, char *errbuf, size_t errlen)
{
    const char *p = zone != NULL ? zone : "";
    if (strncmp(p, "UTC", 3) == 0 || strncmp(p, "GMT", 3) == 0) {
        p += 3;
    } else if (strcmp(p, "Z") == 0) {
        p++;
    }
    if (*p == '\0') {
        *minutes = 0;
        return SLUICE_OK;
    }
    int sign = *p == '+' ? 1 : (*p == '-' ? -1 : 0);
    int hours = -1;
    int mins = 0;
    if (sign != 0) {
        p++;
        hours = engine_cron_two_digits(&p);
        if (hours >= 0 && *p == ':') {
            p++;
            const char *start = p;
            mins = engine_cron_two_digits(&p);
            if (p - start != 2) {
                mins = -1;
            }
        }
    }
    if (sign == 0 || hours < 0 || hours > ENGINE_CRON_MAX_ZONE_H || mins < 0 || mins > 59 ||
        *p != '\0') {
        return sluice_error_set(errbuf, errlen, SLUICE_EINVAL,
                                "TimeZone \"%.64s\" is not supported: use UTC or UTC+HH:MM / "
                                "UTC-HH:MM",
                                zone);
    }
    *minutes = sign * (hours * 60 + mins);
    return SLUICE_OK;
}
