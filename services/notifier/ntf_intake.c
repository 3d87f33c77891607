/*
 * ntf_intake.c — matching events and queueing deliveries (see ntf_intake.h).
 */
#include "ntf_intake.h"

#include "ntf_queue.h"

#include "sluice/error.h"
#include "sluice/log.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

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
    for (size_t r = 0; set != NULL && r < set->rules->nrules && verdict == BUS_CONSUMER_DONE; r++) {
        const ntf_rule *rule = &set->rules->rules[r];
        bool hit = false;
        for (size_t p = 0; rule->enabled && p < rule->npatterns && !hit; p++) {
            hit = pattern_match(rule->patterns[p], event);
        }
        if (!hit) {
            continue;
        }
        matched = true;
        for (size_t i = 0; i < rule->ntargets && verdict == BUS_CONSUMER_DONE; i++) {
            size_t t = rule->targets[i];
            if (chosen[t]) {
                continue; /* one delivery per (event, target), whatever the rules */
            }
            chosen[t] = true;
            ntf_entry entry = {.partition = msg->partition,
                               .offset = msg->offset,
                               .event = (char *)(uintptr_t)msg->payload,
                               .len = msg->len};
            snprintf(entry.event_id, sizeof entry.event_id, "%s", event_id);
            snprintf(entry.rule, sizeof entry.rule, "%s", rule->name);
            snprintf(entry.topic, sizeof entry.topic, "%s", msg->topic);
            const char *target = set->rules->targets[t].name;
            bool queued = false;
            int rc = ntf_queue_add(in->redis, target, &entry, s->cfg->remember_s, &queued);
            if (rc == SLUICE_EAGAIN) {
                snprintf(reason, reasonlen, "the queue of target %s is full", target);
                verdict = BUS_CONSUMER_RETRY;
            } else if (rc != 0) {
                snprintf(reason, reasonlen, "redis: %s", state_redis_last_error(in->redis));
                atomic_store(&s->redis_ok, false);
                verdict = BUS_CONSUMER_RETRY;
            } else if (queued) {
                const char *labels[1] = {target};
                (void)http_metrics_inc(s->metrics.queued, labels, 1);
            }
        }
    }
    if (matched && verdict == BUS_CONSUMER_DONE && msg->attempt == 1) {
        (void)http_metrics_inc(s->metrics.matched, NULL, 1);
    }
    ntf_service_rules_put(set);
    return verdict;
}
