/*
 * ntf_intake.c — matching events and queueing deliveries (see ntf_intake.h).
 */
#include "ntf_intake.h"

#include "ntf_message.h"
#include "ntf_queue.h"

#include "sluice/error.h"
#include "sluice/log.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Queues one delivery of the message for target. */
static bus_consumer_verdict ntf_intake_queue(ntf_intake *in, const bus_consumer_message *msg,
                                             const char *target, const ntf_rule *rule,
                                             const char *event_id, char *reason, size_t reasonlen)
{
    ntf_service *s = in->service;
    ntf_entry entry = {.partition = msg->partition,
                       .offset = msg->offset,
                       .event = (char *)(uintptr_t)msg->payload,
                       .len = msg->len};
    snprintf(entry.event_id, sizeof entry.event_id, "%s", event_id);
    snprintf(entry.rule, sizeof entry.rule, "%s", rule->name);
    snprintf(entry.topic, sizeof entry.topic, "%s", msg->topic);
    bool queued = false;
    int rc = ntf_queue_add(in->redis, target, &entry, s->cfg->remember_s, &queued);
    if (rc == SLUICE_EAGAIN) {
        snprintf(reason, reasonlen, "the queue of target %s is full", target);
        return BUS_CONSUMER_RETRY;
    }
    if (rc != 0) {
        snprintf(reason, reasonlen, "redis: %s", state_redis_last_error(in->redis));
        atomic_store(&s->redis_ok, false);
        return BUS_CONSUMER_RETRY;
    }
    if (queued) {
        const char *labels[1] = {target};
        (void)http_metrics_inc(s->metrics.queued, labels, 1);
    }
    return BUS_CONSUMER_DONE;
}

/* Appends the event's line to the execution's digest of every target of an aggregate rule. */
static bus_consumer_verdict ntf_intake_digest(ntf_intake *in, const ntf_rules *rules,
                                              const ntf_rule *rule, const ntf_facts *facts,
                                              const char *event_id, char *reason, size_t reasonlen)
{
    char line[NTF_QUEUE_DIGEST_LINE_MAX];
    ntf_message_digest_line(facts, line, sizeof line);
    for (size_t i = 0; i < rule->ntargets; i++) {
        const char *target = rules->targets[rule->targets[i]].name;
        bool added = false;
        if (ntf_queue_digest_add(in->redis, target, facts->execution_id, event_id, line,
                                 in->service->cfg->remember_s, &added) != 0) {
            snprintf(reason, reasonlen, "redis: %s", state_redis_last_error(in->redis));
            atomic_store(&in->service->redis_ok, false);
            return BUS_CONSUMER_RETRY;
        }
    }
    return BUS_CONSUMER_DONE;
}

bus_consumer_verdict ntf_intake_handle(const bus_consumer_message *msg, void *ctx, char *reason,
                                       size_t reasonlen)
{
    ntf_intake *in = ctx;
    ntf_service *s = in->service;
    if (msg->len > NTF_QUEUE_EVENT_MAX) {
        snprintf(reason, reasonlen, "event of %zu bytes is over the notifier's %d", msg->len,
                 NTF_QUEUE_EVENT_MAX);
        return BUS_CONSUMER_REJECT;
    }
    const json_t *event = msg->envelope->root;
    const char *event_id = msg->envelope->id;
    ntf_ruleset *set = ntf_service_rules_get(s);
    bus_consumer_verdict verdict = BUS_CONSUMER_DONE;
    bool chosen[NTF_TARGETS_MAX] = {false};
    bool matched = false;
    ntf_facts *facts = &in->facts;
    (void)ntf_message_facts(event, NULL, NTF_DETAIL_BASIC, NULL, facts);
    bool outcome = ntf_message_is_outcome(facts);
    for (size_t r = 0; set != NULL && r < set->rules->nrules && verdict == BUS_CONSUMER_DONE; r++) {
        const ntf_rule *rule = &set->rules->rules[r];
        bool hit = false;
        for (size_t p = 0; rule->enabled && p < rule->npatterns && !hit; p++) {
            hit = pattern_match(rule->patterns[p], event);
        }
        if (rule->aggregate && rule->enabled && !outcome) {
            if (hit && facts->execution_id[0] != '\0') {
                matched = true;
                verdict =
                    ntf_intake_digest(in, set->rules, rule, facts, event_id, reason, reasonlen);
            }
            continue;
        }
        for (size_t i = 0; rule->enabled && i < rule->ntargets && verdict == BUS_CONSUMER_DONE;
             i++) {
            size_t t = rule->targets[i];
            const char *target = set->rules->targets[t].name;
            bool wanted = hit;
            if (!wanted && rule->aggregate && facts->execution_id[0] != '\0') {
                long long lines = 0;
                if (ntf_queue_digest_count(in->redis, target, facts->execution_id, &lines) != 0) {
                    snprintf(reason, reasonlen, "redis: %s", state_redis_last_error(in->redis));
                    verdict = BUS_CONSUMER_RETRY;
                    break;
                }
                wanted = lines > 0; /* the outcome of an execution the rule collected for */
            }
            if (!wanted || chosen[t]) {
                continue; /* one delivery per (event, target), whatever the rules */
            }
            matched = true;
            chosen[t] = true;
            verdict = ntf_intake_queue(in, msg, target, rule, event_id, reason, reasonlen);
        }
    }
    if (matched && verdict == BUS_CONSUMER_DONE && msg->attempt == 1) {
        (void)http_metrics_inc(s->metrics.matched, NULL, 1);
    }
    ntf_service_rules_put(set);
    return verdict;
}
