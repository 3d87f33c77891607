/*
 * ntf_rules.c — the rules file (see ntf_rules.h).
 *
 * CodeStar's event types for CodePipeline map onto the state-change events
 * as AWS documents them: pipeline-execution-* and stage-execution-* are the
 * pipeline and stage detail-types in that state, action-execution-* the
 * action detail-type, and manual-approval-{needed,succeeded,failed} the
 * action detail-type of an Approval action STARTED, SUCCEEDED or FAILED.
 */
#include "ntf_rules.h"

#include "sluice/buf.h"
#include "sluice/error.h"
#include "sluice/protocol_names.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NTF_RULES_ERR_MAX 8192

typedef struct ntf_event_type {
    const char *id;
    const char *detail_type;
    const char *state;
    bool approval; /* only Approval actions */
} ntf_event_type;

static const ntf_event_type ntf_event_types[] = {
    {"codepipeline-pipeline-pipeline-execution-failed", PROTOCOL_DETAIL_PIPELINE_STATE, "FAILED",
     false},
    {"codepipeline-pipeline-pipeline-execution-canceled", PROTOCOL_DETAIL_PIPELINE_STATE,
     "CANCELED", false},
    {"codepipeline-pipeline-pipeline-execution-started", PROTOCOL_DETAIL_PIPELINE_STATE, "STARTED",
     false},
    {"codepipeline-pipeline-pipeline-execution-resumed", PROTOCOL_DETAIL_PIPELINE_STATE, "RESUMED",
     false},
    {"codepipeline-pipeline-pipeline-execution-succeeded", PROTOCOL_DETAIL_PIPELINE_STATE,
     "SUCCEEDED", false},
    {"codepipeline-pipeline-pipeline-execution-superseded", PROTOCOL_DETAIL_PIPELINE_STATE,
     "SUPERSEDED", false},
    {"codepipeline-pipeline-stage-execution-started", PROTOCOL_DETAIL_STAGE_STATE, "STARTED",
     false},
    {"codepipeline-pipeline-stage-execution-succeeded", PROTOCOL_DETAIL_STAGE_STATE, "SUCCEEDED",
     false},
    {"codepipeline-pipeline-stage-execution-resumed", PROTOCOL_DETAIL_STAGE_STATE, "RESUMED",
     false},
    {"codepipeline-pipeline-stage-execution-canceled", PROTOCOL_DETAIL_STAGE_STATE, "CANCELED",
     false},
    {"codepipeline-pipeline-stage-execution-failed", PROTOCOL_DETAIL_STAGE_STATE, "FAILED", false},
    {"codepipeline-pipeline-action-execution-succeeded", PROTOCOL_DETAIL_ACTION_STATE, "SUCCEEDED",
     false},
    {"codepipeline-pipeline-action-execution-failed", PROTOCOL_DETAIL_ACTION_STATE, "FAILED",
     false},
    {"codepipeline-pipeline-action-execution-canceled", PROTOCOL_DETAIL_ACTION_STATE, "CANCELED",
     false},
    {"codepipeline-pipeline-action-execution-started", PROTOCOL_DETAIL_ACTION_STATE, "STARTED",
     false},
    {"codepipeline-pipeline-manual-approval-failed", PROTOCOL_DETAIL_ACTION_STATE, "FAILED", true},
    {"codepipeline-pipeline-manual-approval-needed", PROTOCOL_DETAIL_ACTION_STATE, "STARTED", true},
    {"codepipeline-pipeline-manual-approval-succeeded", PROTOCOL_DETAIL_ACTION_STATE, "SUCCEEDED",
     true},
};
#define NTF_EVENT_TYPES (sizeof ntf_event_types / sizeof ntf_event_types[0])

size_t ntf_rules_event_type_count(void)
{
    return NTF_EVENT_TYPES;
}

const char *ntf_rules_event_type_id(size_t i)
{
    return i < NTF_EVENT_TYPES ? ntf_event_types[i].id : NULL;
}

json_t *ntf_rules_event_type_pattern(const char *event_type_id, const char *const *pipelines,
                                     size_t npipelines)
{
    const ntf_event_type *t = NULL;
    for (size_t i = 0; i < NTF_EVENT_TYPES; i++) {
        if (strcmp(ntf_event_types[i].id, event_type_id) == 0) {
            t = &ntf_event_types[i];
        }
    }
    if (t == NULL) {
        return NULL;
    }
    json_t *detail = json_pack("{s:[s]}", "state", t->state);
    if (detail != NULL && t->approval) {
        json_object_set_new(detail, "type", json_pack("{s:[s]}", "category", "Approval"));
    }
    if (detail != NULL && npipelines > 0) {
        json_t *names = json_array();
        for (size_t i = 0; i < npipelines; i++) {
            json_array_append_new(names, json_string(pipelines[i]));
        }
        json_object_set_new(detail, "pipeline", names);
    }
    return json_pack("{s:[s], s:[s], s:o}", "source", PROTOCOL_SOURCE_CODEPIPELINE, "detail-type",
                     t->detail_type, "detail", detail);
}

/* ---- parsing ---------------------------------------------------------------------- */

typedef struct ntf_parser {
    ntf_rules *rules;
    ntf_rules_secret_fn secret;
    void *ctx;
    sluice_buf problems;
    size_t nproblems;
} ntf_parser;

static void ntf_problem(ntf_parser *ps, const char *where, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void ntf_problem(ntf_parser *ps, const char *where, const char *fmt, ...)
{
    char text[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    (void)sluice_buf_appendf(&ps->problems, "%s%s: %s", ps->nproblems > 0 ? "; " : "", where, text);
    ps->nproblems++;
}

static char *ntf_strdup(const char *s)
{
    size_t len = strlen(s);
    char *copy = malloc(len + 1);
    if (copy == NULL) {
        abort(); /* the notifier's out-of-memory policy: log-free abort, as every service */
    }
    memcpy(copy, s, len + 1);
    return copy;
}

static bool ntf_name_ok(const char *name)
{
    size_t len = strlen(name);
    if (len == 0 || len > NTF_NAME_MAX) {
        return false;
    }
    for (const char *p = name; *p != '\0'; p++) {
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_' || *p == ' ')) {
            return false;
        }
    }
    return true;
}

/* Checks that obj has only the members in allowed (NULL-terminated). */
static void ntf_only(ntf_parser *ps, const char *where, const json_t *obj,
                     const char *const *allowed)
{
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)(uintptr_t)obj, key, value)
    {
        bool known = false;
        for (const char *const *a = allowed; *a != NULL; a++) {
            known = known || strcmp(*a, key) == 0;
        }
        if (!known) {
            ntf_problem(ps, where, "unknown member \"%s\"", key);
        }
    }
}

/* A required or optional string member; NULL when absent or wrong (a problem is recorded). */
static const char *ntf_string(ntf_parser *ps, const char *where, const json_t *obj,
                              const char *member, bool required)
{
    const json_t *v = json_object_get(obj, member);
    if (v == NULL) {
        if (required) {
            ntf_problem(ps, where, "\"%s\" is required", member);
        }
        return NULL;
    }
    if (!json_is_string(v) || json_string_length(v) == 0 ||
        strlen(json_string_value(v)) != json_string_length(v)) {
        ntf_problem(ps, where, "\"%s\" must be a non-empty string", member);
        return NULL;
    }
    return json_string_value(v);
}

static int ntf_int(ntf_parser *ps, const char *where, const json_t *obj, const char *member, int lo,
                   int hi, int def)
{
    const json_t *v = json_object_get(obj, member);
    if (v == NULL) {
        return def;
    }
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi) {
        ntf_problem(ps, where, "\"%s\" must be an integer from %d to %d", member, lo, hi);
        return def;
    }
    return (int)json_integer_value(v);
}

/* A secret member {"file": path} or {"env": name}; the value (malloc'ed) or NULL. */
static char *ntf_secret(ntf_parser *ps, const char *where, const json_t *obj, const char *member,
                        bool required)
{
    const json_t *v = json_object_get(obj, member);
    char at[256];
    snprintf(at, sizeof at, "%s.%s", where, member);
    if (v == NULL) {
        if (required) {
            ntf_problem(ps, where, "\"%s\" is required", member);
        }
        return NULL;
    }
    const char *file = json_string_value(json_object_get(v, "file"));
    const char *env = json_string_value(json_object_get(v, "env"));
    if (!json_is_object(v) || json_object_size(v) != 1 || (file == NULL && env == NULL)) {
        ntf_problem(ps, at,
                    "a secret is {\"file\": \"/path\"} or {\"env\": \"VARIABLE\"}, never the "
                    "value itself");
        return NULL;
    }
    char reason[512] = "";
    char *value = ps->secret(file != NULL ? "file" : "env", file != NULL ? file : env, ps->ctx,
                             reason, sizeof reason);
    if (value == NULL) {
        ntf_problem(ps, at, "%s", reason[0] != '\0' ? reason : "cannot be read");
        return NULL;
    }
    if (value[0] == '\0' || strlen(value) > NTF_SECRET_MAX) {
        ntf_problem(ps, at, "the secret is empty or longer than %d bytes", NTF_SECRET_MAX);
        free(value);
        return NULL;
    }
    return value;
}

static bool ntf_url_ok(const char *url, const char *const *schemes)
{
    for (const char *const *s = schemes; *s != NULL; s++) {
        size_t n = strlen(*s);
        if (strncmp(url, *s, n) == 0 && url[n] != '\0') {
            for (const char *p = url; *p != '\0'; p++) {
                if ((unsigned char)*p <= ' ' || *p == 0x7f) {
                    return false;
                }
            }
            return true;
        }
    }
    return false;
}

/* A plain check of an address: "local@domain", or "Name <local@domain>". */
static bool ntf_address_ok(const char *addr)
{
    const char *lt = strchr(addr, '<');
    const char *at = strchr(lt != NULL ? lt : addr, '@');
    if (at == NULL || at == addr || strchr(addr, '\r') != NULL || strchr(addr, '\n') != NULL) {
        return false;
    }
    if (lt != NULL) {
        const char *gt = strchr(lt, '>');
        return gt != NULL && gt[1] == '\0' && at > lt + 1 && at < gt - 1;
    }
    return strchr(addr, ' ') == NULL && at[1] != '\0' && strchr(at + 1, '@') == NULL;
}

static void ntf_target_parse(ntf_parser *ps, const char *name, const json_t *spec, ntf_target *t)
{
    static const char *const common[] = {
        "type",     "url",      "secret",    "smtpUrl",     "from",        "to", "username",
        "password", "starttls", "timeoutMs", "maxAttempts", "concurrency", NULL};
    static const char *const web_schemes[] = {"http://", "https://", NULL};
    static const char *const smtp_schemes[] = {"smtp://", "smtps://", NULL};
    char where[128];
    snprintf(where, sizeof where, "targets.%s", name);
    t->name = ntf_strdup(name);
    if (!ntf_name_ok(name)) {
        ntf_problem(ps, where, "a target name is 1 to %d letters, digits, '-', '_' or spaces",
                    NTF_NAME_MAX);
    }
    if (!json_is_object(spec)) {
        ntf_problem(ps, where, "must be an object");
        return;
    }
    ntf_only(ps, where, spec, common);
    const char *type = ntf_string(ps, where, spec, "type", true);
    t->timeout_ms = ntf_int(ps, where, spec, "timeoutMs", 1, 60000, 10000);
    t->max_attempts = ntf_int(ps, where, spec, "maxAttempts", 1, 20, 6);
    t->concurrency = ntf_int(ps, where, spec, "concurrency", 1, 16, 2);
    if (type == NULL) {
        return;
    }
    if (strcmp(type, "slack") == 0 || strcmp(type, "webhook") == 0) {
        t->type = strcmp(type, "slack") == 0 ? NTF_TARGET_SLACK : NTF_TARGET_WEBHOOK;
        t->url = ntf_secret(ps, where, spec, "url", true);
        if (t->url != NULL && !ntf_url_ok(t->url, web_schemes)) {
            ntf_problem(ps, where, "\"url\" must be an http:// or https:// URL");
        }
        if (t->type == NTF_TARGET_WEBHOOK) {
            t->secret = ntf_secret(ps, where, spec, "secret", false);
        }
        return;
    }
    if (strcmp(type, "email") != 0) {
        ntf_problem(ps, where, "\"type\" must be \"slack\", \"email\" or \"webhook\", not \"%s\"",
                    type);
        return;
    }
    t->type = NTF_TARGET_EMAIL;
    const char *smtp = ntf_string(ps, where, spec, "smtpUrl", true);
    if (smtp != NULL && !ntf_url_ok(smtp, smtp_schemes)) {
        ntf_problem(ps, where, "\"smtpUrl\" must be an smtp:// or smtps:// URL");
    }
    t->url = smtp != NULL ? ntf_strdup(smtp) : NULL;
    const char *from = ntf_string(ps, where, spec, "from", true);
    if (from != NULL && !ntf_address_ok(from)) {
        ntf_problem(ps, where, "\"from\" is not an e-mail address");
    }
    t->from = from != NULL ? ntf_strdup(from) : NULL;
    const char *user = ntf_string(ps, where, spec, "username", false);
    t->username = user != NULL ? ntf_strdup(user) : NULL;
    t->secret = ntf_secret(ps, where, spec, "password", false);
    const char *tls = ntf_string(ps, where, spec, "starttls", false);
    t->starttls = NTF_STARTTLS_TRY;
    if (tls != NULL && strcmp(tls, "required") == 0) {
        t->starttls = NTF_STARTTLS_REQUIRED;
    } else if (tls != NULL && strcmp(tls, "off") == 0) {
        t->starttls = NTF_STARTTLS_OFF;
    } else if (tls != NULL && strcmp(tls, "try") != 0) {
        ntf_problem(ps, where, "\"starttls\" must be \"required\", \"try\" or \"off\"");
    }
    const json_t *to = json_object_get(spec, "to");
    size_t n = json_is_array(to) ? json_array_size(to) : 0;
    if (n == 0 || n > NTF_RECIPIENTS_MAX) {
        ntf_problem(ps, where, "\"to\" must list 1 to %d addresses", NTF_RECIPIENTS_MAX);
        return;
    }
    t->to = calloc(n, sizeof *t->to);
    if (t->to == NULL) {
        abort();
    }
    for (size_t i = 0; i < n; i++) {
        const char *addr = json_string_value(json_array_get(to, i));
        if (addr == NULL || !ntf_address_ok(addr)) {
            ntf_problem(ps, where, "to[%zu] is not an e-mail address", i);
            continue;
        }
        t->to[t->nto++] = ntf_strdup(addr);
    }
}

static void ntf_rule_patterns(ntf_parser *ps, const char *where, const json_t *spec, ntf_rule *r)
{
    const json_t *ids = json_object_get(spec, "eventTypeIds");
    const json_t *pattern_doc = json_object_get(spec, "eventPattern");
    char err[768];
    if ((ids == NULL) == (pattern_doc == NULL)) {
        ntf_problem(ps, where, "a rule has either \"eventTypeIds\" or \"eventPattern\"");
        return;
    }
    if (pattern_doc != NULL) {
        r->patterns = calloc(1, sizeof *r->patterns);
        if (r->patterns == NULL) {
            abort();
        }
        if (pattern_compile_json(pattern_doc, &r->patterns[0], err, sizeof err) != 0) {
            ntf_problem(ps, where, "eventPattern: %s", err);
            return;
        }
        r->npatterns = 1;
        return;
    }
    const json_t *names = json_object_get(spec, "pipelines");
    size_t npipelines = json_is_array(names) ? json_array_size(names) : 0;
    const char *pipelines[64];
    if (names != NULL && (npipelines == 0 || npipelines > 64)) {
        ntf_problem(ps, where, "\"pipelines\" must list 1 to 64 pipeline names");
        return;
    }
    for (size_t i = 0; i < npipelines; i++) {
        pipelines[i] = json_string_value(json_array_get(names, i));
        if (pipelines[i] == NULL) {
            ntf_problem(ps, where, "pipelines[%zu] must be a string", i);
            return;
        }
    }
    size_t n = json_is_array(ids) ? json_array_size(ids) : 0;
    if (n == 0 || n > NTF_EVENT_TYPES) {
        ntf_problem(ps, where, "\"eventTypeIds\" must list 1 to %zu event type ids",
                    NTF_EVENT_TYPES);
        return;
    }
    r->patterns = calloc(n, sizeof *r->patterns);
    if (r->patterns == NULL) {
        abort();
    }
    for (size_t i = 0; i < n; i++) {
        const char *id = json_string_value(json_array_get(ids, i));
        json_t *doc = id != NULL ? ntf_rules_event_type_pattern(id, pipelines, npipelines) : NULL;
        if (doc == NULL) {
            ntf_problem(ps, where, "eventTypeIds[%zu] \"%s\" is not an event type of CodePipeline",
                        i, id != NULL ? id : "(not a string)");
            continue;
        }
        if (pattern_compile_json(doc, &r->patterns[r->npatterns], err, sizeof err) != 0) {
            ntf_problem(ps, where, "eventTypeIds[%zu]: %s", i, err);
        } else {
            r->npatterns++;
        }
        json_decref(doc);
    }
}

static void ntf_rule_parse(ntf_parser *ps, size_t index, const json_t *spec, ntf_rule *r)
{
    static const char *const allowed[] = {"name",         "targets",      "detailType",
                                          "status",       "eventTypeIds", "pipelines",
                                          "eventPattern", "aggregate",    NULL};
    char where[160];
    snprintf(where, sizeof where, "rules[%zu]", index);
    if (!json_is_object(spec)) {
        ntf_problem(ps, where, "must be an object");
        return;
    }
    const char *name = ntf_string(ps, where, spec, "name", true);
    if (name != NULL) {
        snprintf(where, sizeof where, "rules[%zu] (\"%.64s\")", index, name);
        if (!ntf_name_ok(name)) {
            ntf_problem(ps, where, "a rule name is 1 to %d letters, digits, '-', '_' or spaces",
                        NTF_NAME_MAX);
        }
        for (size_t i = 0; i < index; i++) {
            if (ps->rules->rules[i].name != NULL && strcmp(ps->rules->rules[i].name, name) == 0) {
                ntf_problem(ps, where, "another rule has the same name");
            }
        }
    }
    r->name = ntf_strdup(name != NULL ? name : "");
    ntf_only(ps, where, spec, allowed);
    const char *detail = ntf_string(ps, where, spec, "detailType", false);
    r->detail = detail != NULL && strcmp(detail, "FULL") == 0 ? NTF_DETAIL_FULL : NTF_DETAIL_BASIC;
    if (detail != NULL && strcmp(detail, "FULL") != 0 && strcmp(detail, "BASIC") != 0) {
        ntf_problem(ps, where, "\"detailType\" must be \"BASIC\" or \"FULL\"");
    }
    const char *status = ntf_string(ps, where, spec, "status", false);
    r->enabled = status == NULL || strcmp(status, "ENABLED") == 0;
    if (status != NULL && strcmp(status, "ENABLED") != 0 && strcmp(status, "DISABLED") != 0) {
        ntf_problem(ps, where, "\"status\" must be \"ENABLED\" or \"DISABLED\"");
    }
    const json_t *aggregate = json_object_get(spec, "aggregate");
    if (aggregate != NULL && !json_is_boolean(aggregate)) {
        ntf_problem(ps, where, "\"aggregate\" must be true or false");
    }
    r->aggregate = json_is_true(aggregate);
    ntf_rule_patterns(ps, where, spec, r);
    const json_t *targets = json_object_get(spec, "targets");
    size_t n = json_is_array(targets) ? json_array_size(targets) : 0;
    if (n == 0 || n > NTF_RULE_TARGETS_MAX) {
        ntf_problem(ps, where, "\"targets\" must list 1 to %d target names", NTF_RULE_TARGETS_MAX);
        return;
    }
    r->targets = calloc(n, sizeof *r->targets);
    if (r->targets == NULL) {
        abort();
    }
    for (size_t i = 0; i < n; i++) {
        const char *target = json_string_value(json_array_get(targets, i));
        long found = target != NULL ? ntf_rules_find_target(ps->rules, target) : -1;
        if (found < 0) {
            ntf_problem(ps, where, "targets[%zu] \"%s\" is not a target of this file", i,
                        target != NULL ? target : "(not a string)");
            continue;
        }
        r->targets[r->ntargets++] = (size_t)found;
    }
}

long ntf_rules_find_target(const ntf_rules *rules, const char *name)
{
    for (size_t i = 0; i < rules->ntargets; i++) {
        if (strcmp(rules->targets[i].name, name) == 0) {
            return (long)i;
        }
    }
    return -1;
}

int ntf_rules_parse(const char *text, size_t len, ntf_rules_secret_fn secret, void *ctx,
                    ntf_rules **out, char *err, size_t errlen)
{
    static const char *const top[] = {"targets", "rules", NULL};
    *out = NULL;
    if (len > NTF_RULES_FILE_MAX) {
        return sluice_error_set(err, errlen, SLUICE_ETOOBIG, "the rules file is over %d bytes",
                                NTF_RULES_FILE_MAX);
    }
    json_error_t jerr;
    json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (doc == NULL) {
        return sluice_error_set(err, errlen, SLUICE_EPARSE,
                                "the rules file is not JSON: %s at line %d, column %d", jerr.text,
                                jerr.line, jerr.column);
    }
    ntf_parser ps = {.secret = secret, .ctx = ctx};
    sluice_buf_init(&ps.problems, NTF_RULES_ERR_MAX);
    ps.rules = calloc(1, sizeof *ps.rules);
    if (ps.rules == NULL) {
        abort();
    }
    const json_t *targets = json_object_get(doc, "targets");
    const json_t *rules = json_object_get(doc, "rules");
    if (!json_is_object(doc)) {
        ntf_problem(&ps, "(file)", "must be a JSON object with \"targets\" and \"rules\"");
    } else {
        ntf_only(&ps, "(file)", doc, top);
    }
    size_t nt = json_is_object(targets) ? json_object_size(targets) : 0;
    size_t nr = json_is_array(rules) ? json_array_size(rules) : 0;
    if (json_is_object(doc) && (nt == 0 || nt > NTF_TARGETS_MAX)) {
        ntf_problem(&ps, "targets", "must be an object of 1 to %d targets", NTF_TARGETS_MAX);
    }
    if (json_is_object(doc) && (nr == 0 || nr > NTF_RULES_MAX)) {
        ntf_problem(&ps, "rules", "must be an array of 1 to %d rules", NTF_RULES_MAX);
    }
    ps.rules->targets = calloc(nt + 1, sizeof *ps.rules->targets);
    ps.rules->rules = calloc(nr + 1, sizeof *ps.rules->rules);
    if (ps.rules->targets == NULL || ps.rules->rules == NULL) {
        abort();
    }
    if (nt <= NTF_TARGETS_MAX) {
        const char *name;
        json_t *spec;
        json_object_foreach((json_t *)(uintptr_t)targets, name, spec)
        {
            ntf_target_parse(&ps, name, spec, &ps.rules->targets[ps.rules->ntargets++]);
        }
    }
    for (size_t i = 0; i < nr && nr <= NTF_RULES_MAX; i++) {
        ntf_rule_parse(&ps, i, json_array_get(rules, i), &ps.rules->rules[ps.rules->nrules++]);
    }
    json_decref(doc);
    int rc = 0;
    if (ps.nproblems > 0) {
        rc = sluice_error_set(err, errlen, SLUICE_EINVAL, "%s", sluice_buf_cstr(&ps.problems));
        ntf_rules_free(ps.rules);
    } else {
        *out = ps.rules;
    }
    sluice_buf_free(&ps.problems);
    return rc;
}

static void ntf_secret_free(char *s)
{
    if (s != NULL) {
        memset(s, 0, strlen(s));
        free(s);
    }
}

void ntf_rules_free(ntf_rules *rules)
{
    if (rules == NULL) {
        return;
    }
    for (size_t i = 0; i < rules->ntargets; i++) {
        ntf_target *t = &rules->targets[i];
        free(t->name);
        ntf_secret_free(t->url);
        ntf_secret_free(t->secret);
        free(t->username);
        free(t->from);
        for (size_t j = 0; j < t->nto; j++) {
            free(t->to[j]);
        }
        free(t->to);
    }
    for (size_t i = 0; i < rules->nrules; i++) {
        ntf_rule *r = &rules->rules[i];
        free(r->name);
        for (size_t j = 0; j < r->npatterns; j++) {
            pattern_free(r->patterns[j]);
        }
        free(r->patterns);
        free(r->targets);
    }
    free(rules->targets);
    free(rules->rules);
    free(rules);
}
