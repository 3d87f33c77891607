/*
 * test_engine_cron.c — the rules libs/engine decides by itself, tested
 * directly through its private headers: Quartz-style cron expressions and
 * time zones of DeploymentWindow (engine_cron.h), and VariableCheck /
 * DeploymentWindow verdicts (engine_rules.h).
 */
#include "engine_cron.h"
#include "engine_rules.h"
#include "sluice/error.h"
#include "sluice/time.h"
#include "sluice_test.h"

#include <stdlib.h>
#include <string.h>

/* ---- parsing ------------------------------------------------------------------------- */

static void test_cron_rejects(void)
{
    static const char *const bad[] = {
        "* * * * *",        /* 5 fields */
        "0 * * ? * * * *",  /* 8 fields */
        "5 * * ? * *",      /* seconds other than * or 0 */
        "0/15 * * ? * *",   /* seconds step */
        "0 60 * ? * *",     /* minute out of range */
        "0 * 24 ? * *",     /* hour out of range */
        "0 * * 0 * ?",      /* day 0 */
        "0 * * ? 13 *",     /* month 13 */
        "0 * * ? FOO *",    /* unknown month name */
        "0 * * ? * 8",      /* day-of-week 8 */
        "0 * * 1 * MON",    /* both day fields restricted */
        "0 */0 * ? * *",    /* step 0 */
        "0 1-2-3 * ? * *",  /* malformed range */
        "0 1,,2 * ? * *",   /* empty list item */
        "0 * * ? * 2#6",    /* sixth Monday */
        "0 * * L-31 * ?",   /* L-n out of range */
        "0 * * 32W * ?",    /* nW out of range */
        "0 * * ? * * 2200", /* year out of range */
        "0 * * ? * * 1969", /* year out of range */
        "",                 /* empty */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        engine_cron cron;
        char err[256] = "";
        int rc = engine_cron_parse(bad[i], &cron, err, sizeof err);
        if (rc != SLUICE_EINVAL || err[0] == '\0') {
            fprintf(stderr, "accepted: \"%s\"\n", bad[i]);
        }
        CHECK_INT_EQ(rc, SLUICE_EINVAL);
    }
    engine_cron cron;
    char err[256] = "";
    CHECK_INT_EQ(engine_cron_parse("0 * * 1 * MON", &cron, err, sizeof err), SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "not both");
    CHECK_INT_EQ(engine_cron_parse("0 * * ? FOO *", &cron, err, sizeof err), SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "month");
}

/* ---- matching -------------------------------------------------------------------------- */

typedef struct cron_case {
    const char *cron;
    const char *when; /* RFC 3339, UTC */
    bool matches;
} cron_case;

static const cron_case cron_cases[] = {
    /* office hours on weekdays, with and without a year */
    {"0 * 9-16 ? * MON-FRI *", "2026-01-05T09:00:00Z", true},
    {"0 * 9-16 ? * MON-FRI *", "2026-01-05T16:59:59Z", true},
    {"0 * 9-16 ? * MON-FRI *", "2026-01-05T17:00:00Z", false},
    {"0 * 9-16 ? * MON-FRI *", "2026-01-05T08:59:59Z", false},
    {"0 * 9-16 ? * MON-FRI *", "2026-01-03T10:00:00Z", false}, /* Saturday */
    {"* * 9-16 ? * mon-fri", "2026-01-09T12:00:00Z", true},    /* names in any case */
    {"0 0 9 ? * *", "2026-01-09T09:00:30Z", true},             /* the whole minute */
    {"0 0 9 ? * *", "2026-01-09T09:01:00Z", false},
    /* lists, steps, wrapping ranges */
    {"* 0/15 * * * ?", "2026-03-01T04:30:00Z", true},
    {"* 0/15 * * * ?", "2026-03-01T04:31:00Z", false},
    {"* */20 * * * ?", "2026-03-01T04:40:00Z", true},
    {"* 5-50/15 * * * ?", "2026-03-01T04:35:00Z", true},
    {"* 5-50/15 * * * ?", "2026-03-01T04:50:00Z", true},
    {"* 5-50/15 * * * ?", "2026-03-01T04:55:00Z", false},
    {"* 50-10 * * * ?", "2026-03-01T04:55:00Z", true},
    {"* 50-10 * * * ?", "2026-03-01T04:05:00Z", true},
    {"* 50-10 * * * ?", "2026-03-01T04:20:00Z", false},
    {"* * 22-2 ? * *", "2026-03-01T23:10:00Z", true},
    {"* * 22-2 ? * *", "2026-03-01T01:10:00Z", true},
    {"* * 22-2 ? * *", "2026-03-01T12:10:00Z", false},
    {"* 1,2,30 * ? * *", "2026-03-01T12:30:00Z", true},
    {"* * * ? JAN,MAR *", "2026-03-01T12:00:00Z", true},
    {"* * * ? JAN,MAR *", "2026-02-01T12:00:00Z", false},
    {"* * * ? * FRI-MON", "2026-01-04T12:00:00Z", true},  /* Sunday */
    {"* * * ? * FRI-MON", "2026-01-07T12:00:00Z", false}, /* Wednesday */
    {"* * * ? * 1", "2026-01-04T12:00:00Z", true},        /* 1 = Sunday */
    {"* * * ? * * 2027", "2026-06-01T12:00:00Z", false},
    {"* * * ? * * 2025-2027", "2026-06-01T12:00:00Z", true},
    /* last days and weekdays */
    {"* * * L * ?", "2024-02-29T12:00:00Z", true},
    {"* * * L * ?", "2024-02-28T12:00:00Z", false},
    {"* * * L * ?", "2026-02-28T12:00:00Z", true},
    {"* * * L-2 * ?", "2026-01-29T12:00:00Z", true},
    {"* * * 15W * ?", "2026-08-14T12:00:00Z", true}, /* the 15th is a Saturday */
    {"* * * 15W * ?", "2026-08-15T12:00:00Z", false},
    {"* * * 1W * ?", "2026-08-03T12:00:00Z", true}, /* the 1st is a Saturday */
    {"* * * 1W * ?", "2026-08-01T12:00:00Z", false},
    {"* * * 31W * ?", "2026-05-29T12:00:00Z", true},  /* the 31st is a Sunday */
    {"* * * 31W * ?", "2026-06-30T12:00:00Z", false}, /* June has no 31st */
    {"* * * LW * ?", "2026-01-30T12:00:00Z", true},   /* the 31st is a Saturday */
    {"* * * LW * ?", "2026-01-31T12:00:00Z", false},
    {"* * * LW * ?", "2026-11-30T12:00:00Z", true},
    {"* * * ? * 6L", "2026-01-30T12:00:00Z", true}, /* the last Friday */
    {"* * * ? * 6L", "2026-01-23T12:00:00Z", false},
    {"* * * ? * FRIL", "2026-01-30T12:00:00Z", true},
    {"* * * ? * MON#2", "2026-01-12T12:00:00Z", true},
    {"* * * ? * MON#2", "2026-01-05T12:00:00Z", false},
    {"* * * ? * 2#1", "2026-01-05T12:00:00Z", true},
    {"* * * ? * L", "2026-01-03T12:00:00Z", true}, /* L alone: Saturday */
    {"* * * ? * L", "2026-01-02T12:00:00Z", false},
};

static void test_cron_matches(void)
{
    for (size_t i = 0; i < sizeof cron_cases / sizeof cron_cases[0]; i++) {
        const cron_case *c = &cron_cases[i];
        engine_cron cron;
        char err[256] = "";
        int64_t when = 0;
        REQUIRE(sluice_time_parse_rfc3339(c->when, &when) == 0);
        int rc = engine_cron_parse(c->cron, &cron, err, sizeof err);
        if (rc != SLUICE_OK) {
            fprintf(stderr, "\"%s\": %s\n", c->cron, err);
        }
        CHECK_INT_EQ(rc, SLUICE_OK);
        bool got = rc == SLUICE_OK && engine_cron_matches(&cron, when);
        if (got != c->matches) {
            fprintf(stderr, "\"%s\" at %s: got %d, want %d\n", c->cron, c->when, got, c->matches);
        }
        CHECK(got == c->matches);
    }
}

static void test_zones(void)
{
    static const struct {
        const char *zone;
        int minutes;
    } good[] = {{NULL, 0},
                {"", 0},
                {"UTC", 0},
                {"GMT", 0},
                {"Z", 0},
                {"UTC+02:00", 120},
                {"UTC-08:00", -480},
                {"UTC+05:30", 330},
                {"UTC+1", 60},
                {"GMT-03:00", -180},
                {"+01:00", 60},
                {"UTC+14:00", 840}};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        int minutes = -1;
        char err[256] = "";
        CHECK_INT_EQ(engine_cron_zone_offset(good[i].zone, &minutes, err, sizeof err), SLUICE_OK);
        CHECK_INT_EQ(minutes, good[i].minutes);
    }
    static const char *const bad[] = {"America/New_York", "PST",      "UTC+15:00", "UTC+02:60",
                                      "UTC+2:5",          "UTC02:00", "utc"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int minutes = 0;
        char err[256] = "";
        CHECK_INT_EQ(engine_cron_zone_offset(bad[i], &minutes, err, sizeof err), SLUICE_EINVAL);
        CHECK_STR_CONTAINS(err, "not supported");
    }
}

/* ---- rule verdicts ------------------------------------------------------------------------ */

static engine_rules_verdict verdict_of(const char *provider, const char *k1, const char *v1,
                                       const char *k2, const char *v2, const char *k3,
                                       const char *v3, int64_t now)
{
    engine_kv config[3] = {{(char *)0, (char *)0}};
    size_t n = 0;
    char *keys[3] = {NULL, NULL, NULL};
    char *values[3] = {NULL, NULL, NULL};
    const char *in[3][2] = {{k1, v1}, {k2, v2}, {k3, v3}};
    for (size_t i = 0; i < 3; i++) {
        if (in[i][0] != NULL && in[i][1] != NULL) {
            keys[n] = strdup(in[i][0]);
            values[n] = strdup(in[i][1]);
            config[n].key = keys[n];
            config[n].value = values[n];
            n++;
        }
    }
    char name[] = "R";
    char category[] = "Rule";
    char version[] = "1";
    char *prov = strdup(provider);
    engine_plan_rule rule;
    memset(&rule, 0, sizeof rule);
    rule.name = name;
    rule.category = category;
    rule.provider = prov;
    rule.version = version;
    engine_rules_verdict verdict;
    engine_rules_evaluate(&rule, config, n, now, &verdict);
    for (size_t i = 0; i < n; i++) {
        free(keys[i]);
        free(values[i]);
    }
    free(prov);
    return verdict;
}

typedef struct check_case {
    const char *variable;
    const char *op;
    const char *value;
    bool passed;
    const char *summary; /* contained */
} check_case;

static const check_case check_cases[] = {
    {"prod", "EQ", "prod", true, "\"prod\" equals \"prod\""},
    {"dev", "EQ", "prod", false, "\"dev\" does not equal \"prod\""},
    {"dev", "NE", "prod", true, "\"dev\" does not equal \"prod\""},
    {"prod", "NE", "prod", false, "\"prod\" equals \"prod\""},
    {"feature/login", "CONTAINS", "feature/", true, "contains"},
    {"main", "CONTAINS", "feature/", false, "does not contain"},
    {"release/1.20", "MATCHES", "release/[0-9.]+", true, "matches"},
    {"xrelease/1", "MATCHES", "release/[0-9]+", false, "does not match"}, /* whole value */
    {"release/1x", "MATCHES", "release/[0-9]+", false, "does not match"},
    {"main", "MATCHES", "main|master", true, "matches"},
    {"Master", "MATCHES", "[[:upper:]][a-z]+", true, "matches"},
    {"", "EQ", "", true, "equals"},
};

static void test_variable_check(void)
{
    for (size_t i = 0; i < sizeof check_cases / sizeof check_cases[0]; i++) {
        const check_case *c = &check_cases[i];
        engine_rules_verdict v = verdict_of("VariableCheck", "Variable", c->variable, "Operator",
                                            c->op, "Value", c->value, 0);
        if (v.passed != c->passed) {
            fprintf(stderr, "%s %s %s: got %d\n", c->variable, c->op, c->value, v.passed);
        }
        CHECK(v.passed == c->passed);
        CHECK(v.error_code == NULL);
        CHECK_STR_CONTAINS(v.summary, c->summary);
        engine_rules_verdict_free(&v);
    }
    engine_rules_verdict v =
        verdict_of("VariableCheck", "Variable", "x", "Operator", "MATCHES", "Value", "(", 0);
    CHECK(!v.passed);
    CHECK_STR_EQ(v.error_code, "ConfigurationError");
    CHECK_STR_CONTAINS(v.summary, "is not a valid regular expression");
    engine_rules_verdict_free(&v);
    v = verdict_of("VariableCheck", "Variable", "x", "Operator", "GT", "Value", "y", 0);
    CHECK_STR_EQ(v.error_code, "ConfigurationError");
    CHECK_STR_CONTAINS(v.summary, "is not one of EQ, NE, CONTAINS, MATCHES");
    engine_rules_verdict_free(&v);
    v = verdict_of("VariableCheck", "Variable", "x", NULL, NULL, "Value", "y", 0);
    CHECK_STR_EQ(v.error_code, "ConfigurationError");
    engine_rules_verdict_free(&v);
}

static void test_deployment_window(void)
{
    int64_t monday_0730 = 0;
    REQUIRE(sluice_time_parse_rfc3339("2026-01-05T07:30:00Z", &monday_0730) == 0);
    engine_rules_verdict v = verdict_of("DeploymentWindow", "Cron", "0 * 9-16 ? * MON-FRI",
                                        "TimeZone", "UTC+02:00", NULL, NULL, monday_0730);
    CHECK(v.passed);
    CHECK(v.error_code == NULL);
    CHECK_STR_CONTAINS(v.summary, "2026-01-05 09:30 UTC+02:00 is inside the deployment window");
    engine_rules_verdict_free(&v);
    v = verdict_of("DeploymentWindow", "Cron", "0 * 9-16 ? * MON-FRI", NULL, NULL, NULL, NULL,
                   monday_0730);
    CHECK(!v.passed);
    CHECK(v.error_code == NULL);
    CHECK_STR_CONTAINS(v.summary, "2026-01-05 07:30 UTC is outside");
    engine_rules_verdict_free(&v);
    /* Sunday 23:30 UTC is Monday 04:30 five hours east */
    int64_t sunday = 0;
    REQUIRE(sluice_time_parse_rfc3339("2026-01-04T23:30:00Z", &sunday) == 0);
    v = verdict_of("DeploymentWindow", "Cron", "0 * 4 ? * MON", "TimeZone", "UTC+05:00", NULL, NULL,
                   sunday);
    CHECK(v.passed);
    engine_rules_verdict_free(&v);
    v = verdict_of("DeploymentWindow", "Cron", "0 * 0-3 ? * MON", "TimeZone", "Europe/Paris", NULL,
                   NULL, sunday);
    CHECK(!v.passed);
    CHECK_STR_EQ(v.error_code, "ConfigurationError");
    CHECK_STR_CONTAINS(v.summary, "TimeZone \"Europe/Paris\" is not supported");
    engine_rules_verdict_free(&v);
    v = verdict_of("DeploymentWindow", "Cron", "* * *", NULL, NULL, NULL, NULL, sunday);
    CHECK_STR_EQ(v.error_code, "ConfigurationError");
    CHECK_STR_CONTAINS(v.summary, "expected 6 or 7 fields");
    engine_rules_verdict_free(&v);
}

static void test_kinds(void)
{
    static const struct {
        const char *provider;
        const char *version;
        engine_rules_kind kind;
    } kinds[] = {{"VariableCheck", "1", ENGINE_RULES_INTERNAL},
                 {"DeploymentWindow", NULL, ENGINE_RULES_INTERNAL},
                 {"LambdaInvoke", "1", ENGINE_RULES_JOB},
                 {"Commands", "1", ENGINE_RULES_JOB},
                 {"CloudWatchAlarm", "1", ENGINE_RULES_UNKNOWN},
                 {"VariableCheck", "2", ENGINE_RULES_UNKNOWN}};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        char provider[32];
        char version[8];
        snprintf(provider, sizeof provider, "%s", kinds[i].provider);
        snprintf(version, sizeof version, "%s", kinds[i].version != NULL ? kinds[i].version : "");
        engine_plan_rule rule;
        memset(&rule, 0, sizeof rule);
        rule.provider = provider;
        rule.version = kinds[i].version != NULL ? version : NULL;
        CHECK_INT_EQ(engine_rules_kind_of(&rule), kinds[i].kind);
    }
}

int main(void)
{
    RUN_TEST(test_cron_rejects);
    RUN_TEST(test_cron_matches);
    RUN_TEST(test_zones);
    RUN_TEST(test_variable_check);
    RUN_TEST(test_deployment_window);
    RUN_TEST(test_kinds);
    return sluice_test_report();
}
