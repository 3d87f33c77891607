/*
 * ntf_rules.h — the notifier's rules file: targets (where messages go) and
 * rules (which events go where, and in how much detail).
 *
 * The file is one JSON object (docs/notifications.md has the reference):
 *
 *   {"targets": {
 *      "<name>": {"type": "slack", "url": SECRET},
 *      "<name>": {"type": "email", "smtpUrl": "smtp://host:25" | "smtps://…",
 *                 "from": "Sluice <ci@example.com>", "to": ["a@example.com", …],
 *                 "username": "…", "password": SECRET, "starttls": "required"|"try"|"off"},
 *      "<name>": {"type": "webhook", "url": SECRET, "secret": SECRET}},
 *    "rules": [
 *      {"name": "…", "targets": ["<name>", …], "detailType": "BASIC"|"FULL",
 *       "status": "ENABLED"|"DISABLED",
 *       "eventTypeIds": ["codepipeline-pipeline-pipeline-execution-failed", …],
 *       "pipelines": ["<pipeline name>", …]}            (optional: every pipeline)
 *      {"name": "…", "targets": […], "eventPattern": {EventBridge pattern}}]}
 *
 * "aggregate": true (Sluice's own) makes a rule send one message per
 * execution outcome instead of one per event: what it selects of an
 * execution is collected, and sent as one digest with the execution's final
 * pipeline event (SUCCEEDED, FAILED, STOPPED, SUPERSEDED or CANCELED).
 *
 * A rule has either eventTypeIds (CodeStar Notifications' ids for
 * CodePipeline, compiled into event patterns here) or an eventPattern, never
 * both. Optional per target: "timeoutMs" (1..60000, default 10000),
 * "maxAttempts" (1..20, default 6), "concurrency" (1..16, default 2).
 *
 * SECRET is {"file": "/path"} or {"env": "NAME"}: the value is read through
 * the caller's resolver (so this module stays pure) and never appears in an
 * error message. Every problem is reported with where it is:
 *   rules[2] ("deploys").eventPattern: Event pattern is not valid at "detail.state": …
 *   targets.ops-mail.to[1]: not an e-mail address
 *
 * Pure apart from the resolver; a parsed ntf_rules is immutable and may be
 * shared between threads.
 */
#ifndef SLUICE_NTF_RULES_H
#define SLUICE_NTF_RULES_H

#include "sluice/pattern.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define NTF_RULES_FILE_MAX   (1024 * 1024) /* bytes of the rules file */
#define NTF_RULES_MAX        1000          /* rules in one file */
#define NTF_TARGETS_MAX      100           /* targets in one file */
#define NTF_RULE_TARGETS_MAX 10            /* targets of one rule, as CodeStar allows */
#define NTF_RECIPIENTS_MAX   50            /* "to" addresses of one e-mail target */
#define NTF_NAME_MAX         64            /* rule and target names, [A-Za-z0-9_ -] */
#define NTF_SECRET_MAX       4096          /* bytes of one secret value */

typedef enum ntf_target_type {
    NTF_TARGET_SLACK,
    NTF_TARGET_EMAIL,
    NTF_TARGET_WEBHOOK,
} ntf_target_type;

typedef enum ntf_starttls {
    NTF_STARTTLS_REQUIRED,
    NTF_STARTTLS_TRY,
    NTF_STARTTLS_OFF,
} ntf_starttls;

typedef enum ntf_detail {
    NTF_DETAIL_BASIC,
    NTF_DETAIL_FULL,
} ntf_detail;

typedef struct ntf_target {
    char *name;
    ntf_target_type type;
    char *url;      /* Slack's incoming webhook, the webhook's URL, or the SMTP URL */
    char *secret;   /* webhook: the signing key (may be NULL); email: the SMTP password */
    char *username; /* email: the SMTP user (may be NULL) */
    char *from;     /* email */
    char **to;      /* email */
    size_t nto;
    ntf_starttls starttls;
    int timeout_ms;
    int max_attempts;
    int concurrency;
} ntf_target;

typedef struct ntf_rule {
    char *name;
    pattern **patterns; /* any one matching selects the rule */
    size_t npatterns;
    size_t *targets; /* indexes into ntf_rules.targets */
    size_t ntargets;
    ntf_detail detail;
    bool enabled;
    bool aggregate; /* one digest per execution outcome */
} ntf_rule;

typedef struct ntf_rules {
    ntf_target *targets;
    size_t ntargets;
    ntf_rule *rules;
    size_t nrules;
} ntf_rules;

/*
 * Reads one secret: kind is "file" or "env", name the path or variable.
 * Returns a malloc'ed value (a trailing newline removed), or NULL with the
 * reason (never the value) in err.
 */
typedef char *(*ntf_rules_secret_fn)(const char *kind, const char *name, void *ctx, char *err,
                                     size_t errlen);

/*
 * Parses the rules file text[0..len). 0 with *out set (free with
 * ntf_rules_free); otherwise *out is NULL, the code is SLUICE_EPARSE (not
 * JSON), SLUICE_EINVAL (a problem in the file) or SLUICE_ENOMEM, and err
 * holds every problem found, separated by "; ".
 */
int ntf_rules_parse(const char *text, size_t len, ntf_rules_secret_fn secret, void *ctx,
                    ntf_rules **out, char *err, size_t errlen);

/* Releases rules. Accepts NULL. */
void ntf_rules_free(ntf_rules *rules);

/*
 * The EventBridge pattern of one CodeStar notification event type id for
 * CodePipeline, limited to pipelines[0..npipelines) when npipelines > 0.
 * A new reference, or NULL for an id CodePipeline does not have.
 */
json_t *ntf_rules_event_type_pattern(const char *event_type_id, const char *const *pipelines,
                                     size_t npipelines);

/* The number of CodePipeline's event type ids, and the i-th (for listings and tests). */
size_t ntf_rules_event_type_count(void);
const char *ntf_rules_event_type_id(size_t i);

/* The index of the target named name, or -1. */
long ntf_rules_find_target(const ntf_rules *rules, const char *name);

#endif
