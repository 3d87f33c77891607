/*
 * src_bus.c — the one place sluice-source's bus configurations are made (see
 * src_bus.h).
 */
#include "src_bus.h"

#include "sluice/protocol_names.h"

void src_bus_configs(const src_config *cfg, const bus_topics *topics, bus_producer_config *pcfg,
                     bus_consumer_config *ccfg, const char *jobs_topic[1])
{
    bus_producer_config_init(pcfg);
    pcfg->brokers = cfg->kafka_brokers;
    pcfg->client_id = "sluice-source";
    pcfg->linger_ms = 0; /* one result at a time, waited for */

    jobs_topic[0] = bus_topics_get(topics, BUS_TOPICS_JOBS);
    bus_consumer_config_init(ccfg);
    ccfg->brokers = cfg->kafka_brokers;
    ccfg->group_id = cfg->group;
    ccfg->instance_id = cfg->instance;
    ccfg->client_id = "sluice-source";
    ccfg->session_timeout_ms = (int)cfg->session_timeout_ms;
    /* a job runs on the loop's thread: git's bound plus the upload fit in one poll interval */
    ccfg->max_poll_interval_ms = (int)(cfg->git_timeout_ms * 2 + 60000);
    ccfg->topics = jobs_topic;
    ccfg->ntopics = 1;
    ccfg->deadletter_topic = bus_topics_get(topics, BUS_TOPICS_DEADLETTER);
    ccfg->source = PROTOCOL_SOURCE_SOURCE;
    ccfg->account = cfg->account;
    ccfg->region = cfg->region;
}
