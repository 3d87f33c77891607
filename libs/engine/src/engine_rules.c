/*
 * engine_rules.c — VariableCheck and DeploymentWindow rules (see engine_rules.h;
 * CodePipeline user guide, rule-reference-VariableCheck and
 * rule-reference-DeploymentWindow).
 */
#include "engine_rules.h"

#include "engine_cron.h"
#include "engine_util.h"
#include "sluice/error.h"

#include <regex.h>
#include <stdlib.h>
#include <string.h>

#define ENGINE_RULES_ERR_LEN  256
#define ENGINE_RULES_QUOTE    120 /* characters of a value quoted in a summary */
#define ENGINE_RULES_MINUTE_S 60000

engine_rules_kind engine_rules_kind_of(const engine_plan_rule *rule)
{
    const char *version = rule->version != NULL ? rule->version : "1";
    if (strcmp(version, "1") != 0) {
        return ENGINE_RULES_UNKNOWN;
    }
    if (strcmp(rule->provider, "VariableCheck") == 0 ||
        strcmp(rule->provider, "DeploymentWindow") == 0) {
        return ENGINE_RULES_INTERNAL;
    }
    if (strcmp(rule->provider, "LambdaInvoke") == 0 || strcmp(rule->provider, "Commands") == 0) {
        return ENGINE_RULES_JOB;
    }
    return ENGINE_RULES_UNKNOWN;
}

void engine_rules_verdict_free(engine_rules_verdict *verdict)
{
    free(verdict->summary);
    free(verdict->error_code);
    verdict->summary = NULL;
    verdict->error_code = NULL;
}

static const char *engine_rules_value(const engine_kv *items, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(items[i].key, key) == 0) {
            return items[i].value;
        }
    }
    return NULL;
}

static void engine_rules_misconfigured(engine_rules_verdict *verdict, char *summary)
{
    verdict->passed = false;
    verdict->summary = summary;
    verdict->error_code = engine_util_strdup("ConfigurationError");
}

/* The whole of text matches the extended regular expression pattern: 1, 0, or -1 (bad pattern). */
static int engine_rules_matches(const char *text, const char *pattern, char *errbuf, size_t errlen)
{
    regex_t re;
    int rc = regcomp(&re, pattern, REG_EXTENDED);
    if (rc == REG_ESPACE) {
        abort(); /* the engine's out-of-memory policy */
    }
    if (rc != 0) {
        regerror(rc, &re, errbuf, errlen);
        return -1;
    }
    regmatch_t match;
    /* POSIX matching is leftmost-longest: a whole-text match, if any, is the one found at 0 */
    rc = regexec(&re, text, 1, &match, 0);
    regfree(&re);
    if (rc == REG_ESPACE) {
        abort();
    }
    return rc == 0 && match.rm_so == 0 && (size_t)match.rm_eo == strlen(text) ? 1 : 0;
}

static void engine_rules_variable_check(const engine_kv *resolved, size_t n,
                                        engine_rules_verdict *verdict)
{
    const char *variable = engine_rules_value(resolved, n, "Variable");
    const char *value = engine_rules_value(resolved, n, "Value");
    const char *op = engine_rules_value(resolved, n, "Operator");
    if (variable == NULL || value == NULL || op == NULL) {
        engine_rules_misconfigured(verdict, engine_util_strdup("VariableCheck needs Variable, "
                                                               "Value and Operator"));
        return;
    }
    const char *verb;
    const char *negated;
    bool passed;
    if (strcmp(op, "EQ") == 0 || strcmp(op, "NE") == 0) {
        bool equal = strcmp(variable, value) == 0;
        passed = op[0] == 'E' ? equal : !equal;
        verb = equal ? "equals" : "does not equal";
        negated = NULL;
    } else if (strcmp(op, "CONTAINS") == 0) {
        passed = strstr(variable, value) != NULL;
        verb = "contains";
        negated = "does not contain";
    } else if (strcmp(op, "MATCHES") == 0) {
        char err[ENGINE_RULES_ERR_LEN] = "";
        int matched = engine_rules_matches(variable, value, err, sizeof err);
        if (matched < 0) {
            engine_rules_misconfigured(
                verdict, engine_util_printf("Value /%.*s/ is not a valid regular expression: %s",
                                            ENGINE_RULES_QUOTE, value, err));
            return;
        }
        passed = matched == 1;
        verb = "matches";
        negated = "does not match";
    } else {
        engine_rules_misconfigured(
            verdict,
            engine_util_printf("Operator %.20s is not one of EQ, NE, CONTAINS, MATCHES", op));
        return;
    }
    if (negated != NULL && !passed) {
        verb = negated;
    }
    verdict->passed = passed;
    verdict->summary = engine_util_printf("\"%.*s\" %s \"%.*s\"", ENGINE_RULES_QUOTE, variable,
                                          verb, ENGINE_RULES_QUOTE, value);
}

static void engine_rules_deployment_window(const engine_kv *resolved, size_t n, int64_t now_ms,
                                           engine_rules_verdict *verdict)
{
    const char *text = engine_rules_value(resolved, n, "Cron");
    const char *zone = engine_rules_value(resolved, n, "TimeZone");
    char err[ENGINE_RULES_ERR_LEN] = "";
    engine_cron cron;
    int offset = 0;
    if (engine_cron_parse(text, &cron, err, sizeof err) != SLUICE_OK ||
        engine_cron_zone_offset(zone, &offset, err, sizeof err) != SLUICE_OK) {
        engine_rules_misconfigured(verdict, engine_util_strdup(err));
        return;
    }
    int64_t local = now_ms + (int64_t)offset * ENGINE_RULES_MINUTE_S;
    char when[32];
    engine_cron_format_minute(local, when, sizeof when);
    char zone_text[16] = "UTC";
    if (offset != 0) {
        int abs_offset = offset < 0 ? -offset : offset;
        snprintf(zone_text, sizeof zone_text, "UTC%c%02d:%02d", offset < 0 ? '-' : '+',
                 abs_offset / 60, abs_offset % 60);
    }
    verdict->passed = engine_cron_matches(&cron, local);
    verdict->summary =
        engine_util_printf("%s %s is %s the deployment window \"%.*s\"", when, zone_text,
                           verdict->passed ? "inside" : "outside", ENGINE_RULES_QUOTE, text);
}

void engine_rules_evaluate(const engine_plan_rule *rule, const engine_kv *resolved,
                           size_t nresolved, int64_t now_ms, engine_rules_verdict *verdict)
{
    memset(verdict, 0, sizeof *verdict);
    if (strcmp(rule->provider, "VariableCheck") == 0) {
        engine_rules_variable_check(resolved, nresolved, verdict);
    } else if (strcmp(rule->provider, "DeploymentWindow") == 0) {
        engine_rules_deployment_window(resolved, nresolved, now_ms, verdict);
    } else {
        engine_rules_misconfigured(
            verdict, engine_util_printf("rule type %.35s is not evaluated by this installation",
                                        rule->provider));
    }
}
