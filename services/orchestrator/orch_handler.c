/*
 * orch_handler.c — the shell's shared context (see orch_handler.h).
 */
#include "orch_handler.h"

#include "sluice/bus_envelope.h"
#include "sluice/engine_state.h"
#include "sluice/time.h"

#include <string.h>

void orch_handler_init(orch_handler *h, orch_store *store, bus_producer *producer,
                       const bus_topics *topics, const char *account, const char *region)
{
    memset(h, 0, sizeof *h);
    h->store = store;
    h->producer = producer;
    h->topics = topics;
    h->account = account;
    h->region = region;
    h->publish_timeout_ms = 10000;
    h->timer_lease_ms = 30000;
    h->keep_terminal = ENGINE_STATE_KEEP_TERMINAL;
    h->message_max = BUS_ENVELOPE_MAX_BYTES;
    h->group = "sluice-orchestrator";
    orch_retry_policy_init(&h->retry);
}

int64_t orch_handler_now_ms(const orch_handler *h)
{
    return sluice_time_now_ms() + h->clock_offset_ms;
}

void orch_handler_release(orch_handler *h)
{
    orch_cache_release(&h->cache);
}
