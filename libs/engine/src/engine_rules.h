/*
 * engine_rules.h — the rules of V2 stage conditions that the engine decides by
 * itself, private to libs/engine (CodePipeline user guide, rule reference).
 *
 *   VariableCheck     Variable compared with Value by Operator: EQ (equal),
 *                     NE (not equal), CONTAINS (Value is a substring of
 *                     Variable), MATCHES (the whole of Variable matches the
 *                     regular expression Value). Both values arrive with
 *                     their #{...} references resolved. MATCHES uses POSIX
 *                     extended regular expressions (regcomp with REG_EXTENDED)
 *                     in place of CodePipeline's Java syntax: classes like
 *                     [0-9] and [[:alpha:]] work, \d, lazy quantifiers and
 *                     lookaround do not.
 *   DeploymentWindow  passes when now, in TimeZone (default UTC), falls inside
 *                     a minute matched by Cron (engine_cron.h).
 *
 * LambdaInvoke and Commands rules are run as jobs by engine_conditions.h.
 *
 * Pure: the time is an argument. Out of memory aborts (the engine's policy).
 */
#ifndef SLUICE_ENGINE_RULES_H
#define SLUICE_ENGINE_RULES_H

#include "sluice/engine_plan.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* How a rule is decided. */
typedef enum engine_rules_kind {
    ENGINE_RULES_INTERNAL = 0, /* VariableCheck, DeploymentWindow: decided here */
    ENGINE_RULES_JOB,          /* LambdaInvoke, Commands: a job runs it */
    ENGINE_RULES_UNKNOWN,      /* any other provider: not evaluated by this installation */
} engine_rules_kind;

/* The outcome of an evaluation. */
typedef struct engine_rules_verdict {
    bool passed;
    char *summary;    /* why, for people (always set; caller frees) */
    char *error_code; /* "ConfigurationError" when the rule itself is malformed; else NULL */
} engine_rules_verdict;

/* How rule (by its ruleTypeId provider and version) is decided. */
engine_rules_kind engine_rules_kind_of(const engine_plan_rule *rule);

/*
 * Evaluates an ENGINE_RULES_INTERNAL rule whose configuration, with references
 * resolved, is resolved[0..nresolved), at now_ms. Fills *verdict (release
 * with engine_rules_verdict_free).
 */
void engine_rules_evaluate(const engine_plan_rule *rule, const engine_kv *resolved,
                           size_t nresolved, int64_t now_ms, engine_rules_verdict *verdict);

/* Frees what a verdict owns. */
void engine_rules_verdict_free(engine_rules_verdict *verdict);

#endif
