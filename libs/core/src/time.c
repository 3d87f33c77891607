/*
 * time.c — clocks and RFC 3339 (see time.h). Calendar conversion uses the
 * civil-from-days / days-from-civil algorithms on the proleptic Gregorian
 * calendar, so no timezone state (TZ, localtime) is ever consulted.
 */
#include "sluice/time.h"

#include "sluice/error.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

int64_t sluice_time_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t sluice_time_monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t sluice_time_monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

/* Days since 1970-01-01 of a civil date. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= (m <= 2);
    int64_t era = floor_div(y, 400);
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = floor_div(z, 146097);
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static int format_common(int64_t ms, bool with_ms, char *out, size_t outlen)
{
    if (outlen > 0) {
        out[0] = '\0';
    }
    int64_t secs = floor_div(ms, 1000);
    int millis = (int)(ms - secs * 1000);
    int64_t days = floor_div(secs, 86400);
    int64_t rem = secs - days * 86400;
    int64_t year;
    int month;
    int day;
    civil_from_days(days, &year, &month, &day);
    if (year < 0 || year > 9999) {
        return SLUICE_ERANGE;
    }
    int n;
    if (with_ms) {
        n = snprintf(out, outlen, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", (int)year, month, day,
                     (int)(rem / 3600), (int)(rem % 3600 / 60), (int)(rem % 60), millis);
    } else {
        n = snprintf(out, outlen, "%04d-%02d-%02dT%02d:%02d:%02dZ", (int)year, month, day,
                     (int)(rem / 3600), (int)(rem % 3600 / 60), (int)(rem % 60));
    }
    if (n < 0 || (size_t)n >= outlen) {
        if (outlen > 0) {
            out[0] = '\0';
        }
        return SLUICE_ETOOBIG;
    }
    return SLUICE_OK;
}

int sluice_time_format_rfc3339(int64_t ms, char *out, size_t outlen)
{
    return format_common(ms, false, out, outlen);
}

int sluice_time_format_rfc3339_ms(int64_t ms, char *out, size_t outlen)
{
    return format_common(ms, true, out, outlen);
}

/* Reads exactly n decimal digits. */
static bool read_digits(const char **p, int n, int *value)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9') {
            return false;
        }
        v = v * 10 + (c - '0');
    }
    *p += n;
    *value = v;
    return true;
}

static bool expect_char(const char **p, char c)
{
    if (**p != c) {
        return false;
    }
    (*p)++;
    return true;
}

static int days_in_month(int year, int month)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return (month == 2 && leap) ? 29 : days[month - 1];
}

int sluice_time_parse_rfc3339(const char *text, int64_t *ms)
{
    const char *p = text;
    int year, month, day, hour, minute, second;
    if (!read_digits(&p, 4, &year) || !expect_char(&p, '-') || !read_digits(&p, 2, &month) ||
        !expect_char(&p, '-') || !read_digits(&p, 2, &day)) {
        return SLUICE_EPARSE;
    }
    if (*p != 'T' && *p != 't') {
        return SLUICE_EPARSE;
    }
    p++;
    if (!read_digits(&p, 2, &hour) || !expect_char(&p, ':') || !read_digits(&p, 2, &minute) ||
        !expect_char(&p, ':') || !read_digits(&p, 2, &second)) {
        return SLUICE_EPARSE;
    }
    if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month) || hour > 23 ||
        minute > 59 || second > 60) {
        return SLUICE_EPARSE;
    }
    int millis = 0;
    if (*p == '.') {
        p++;
        int digits = 0;
        while (*p >= '0' && *p <= '9') {
            if (digits < 3) {
                millis = millis * 10 + (*p - '0');
            }
            digits++;
            p++;
        }
        if (digits == 0) {
            return SLUICE_EPARSE;
        }
        for (int i = digits; i < 3; i++) {
            millis *= 10;
        }
    }
    int offset_min = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = (*p == '-') ? -1 : 1;
        p++;
        int oh, om;
        if (!read_digits(&p, 2, &oh) || !expect_char(&p, ':') || !read_digits(&p, 2, &om) ||
            oh > 23 || om > 59) {
            return SLUICE_EPARSE;
        }
        offset_min = sign * (oh * 60 + om);
    } else {
        return SLUICE_EPARSE;
    }
    if (*p != '\0') {
        return SLUICE_EPARSE;
    }
    if (second == 60) {
        second = 59; /* leap second: clamp, epoch time has no slot for it */
    }
    int64_t days = days_from_civil(year, month, day);
    int64_t secs = days * 86400 + hour * 3600 + minute * 60 + second - (int64_t)offset_min * 60;
    *ms = secs * 1000 + millis;
    return SLUICE_OK;
}

double sluice_time_epoch_seconds(int64_t ms)
{
    return (double)ms / 1000.0;
}

int64_t sluice_time_from_epoch_seconds(double seconds)
{
    return (int64_t)llround(seconds * 1000.0);
}
