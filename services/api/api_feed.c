/*
 * api_feed.c — the jobs topic consumer thread (see api_feed.h).
 */
#include "api_feed.h"

#include "api_workers.h"

#include "sluice/bus_topics.h"
#include "sluice/error.h"
#include "sluice/log.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define API_FEED_POLL_MS       200
#define API_FEED_RECREATE_MS   1000
#define API_FEED_GROUP_DEFAULT "sluice-api-jobs"

struct api_feed {
    const api_env *env;
    bus_consumer_config cfg;
    char brokers[1024];
    char group[256];
    bus_topics topics;
    const char *topic_list[1];
    bus_security security; /* what cfg.security points at; wiped at stop */
    bus_consumer *consumer;
    pthread_t thread;
    bool thread_started;
    atomic_bool stop;
    atomic_bool healthy;
    http_metrics_family *refused; /* NULL: not exported */
    bus_consumer_stats counted;   /* the consumer's refusals already exported */
};

bus_consumer_verdict api_feed_handle(const api_env *env, const bus_envelope *envelope, char *reason,
                                     size_t reasonlen)
{
    if (strcmp(envelope->detail_type, PROTOCOL_DETAIL_JOB) != 0) {
        return BUS_CONSUMER_DONE;
    }
    char err[256] = "";
    int rc = api_workers_ingest(env, envelope->detail, err, sizeof err);
    if (rc == 0) {
        return BUS_CONSUMER_DONE;
    }
    snprintf(reason, reasonlen, "%s", err);
    if (rc == SLUICE_EINVAL) {
        return BUS_CONSUMER_REJECT;
    }
    return BUS_CONSUMER_RETRY;
}

static bus_consumer_verdict api_feed_on_message(const bus_consumer_message *msg, void *ctx,
                                                char *reason, size_t reasonlen)
{
    const api_feed *feed = ctx;
    return api_feed_handle(feed->env, msg->envelope, reason, reasonlen);
}

static void api_feed_sleep_ms(int ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Exports the signature refusals the consumer counted since the last call. */
static void api_feed_export(api_feed *feed)
{
    if (feed->refused == NULL || feed->consumer == NULL) {
        return;
    }
    bus_consumer_stats now;
    bus_consumer_get_stats(feed->consumer, &now);
    http_metrics_inc(feed->refused, (const char *[]){"unsigned"},
                     (double)(now.refused_unsigned - feed->counted.refused_unsigned));
    http_metrics_inc(feed->refused, (const char *[]){"unknown_key"},
                     (double)(now.refused_unknown_key - feed->counted.refused_unknown_key));
    http_metrics_inc(feed->refused, (const char *[]){"bad_signature"},
                     (double)(now.refused_bad_signature - feed->counted.refused_bad_signature));
    feed->counted = now;
}

static void *api_feed_main(void *arg)
{
    api_feed *feed = arg;
    char err[512];
    while (!atomic_load(&feed->stop)) {
        if (feed->consumer == NULL) {
            if (bus_consumer_new(&feed->cfg, &feed->consumer, err, sizeof err) != 0) {
                SLUICE_WARN("jobs consumer: %s; trying again", err);
                api_feed_sleep_ms(API_FEED_RECREATE_MS);
                continue;
            }
            atomic_store(&feed->healthy, true);
        }
        int rc = bus_consumer_run_once(feed->consumer, api_feed_on_message, feed, API_FEED_POLL_MS);
        api_feed_export(feed);
        if (rc >= 0) {
            atomic_store(&feed->healthy, !bus_consumer_auth_failed(feed->consumer));
        } else {
            SLUICE_ERROR("jobs consumer failed (%s); re-creating it", sluice_strerror(rc));
            atomic_store(&feed->healthy, false);
            bus_consumer_free(feed->consumer);
            feed->consumer = NULL;
            memset(&feed->counted, 0, sizeof feed->counted); /* a new consumer counts from 0 */
            api_feed_sleep_ms(API_FEED_RECREATE_MS);
        }
    }
    if (feed->consumer != NULL) {
        bus_consumer_close(feed->consumer);
    }
    return NULL;
}

int api_feed_start(const api_feed_config *cfg, api_feed **out, char *err, size_t errlen)
{
    *out = NULL;
    if (cfg->env == NULL || cfg->brokers == NULL) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL, "the feed needs brokers and an env");
    }
    api_feed *feed = calloc(1, sizeof *feed);
    if (feed == NULL) {
        return sluice_error_set(err, errlen, SLUICE_ENOMEM, "out of memory");
    }
    feed->env = cfg->env;
    snprintf(feed->brokers, sizeof feed->brokers, "%s", cfg->brokers);
    snprintf(feed->group, sizeof feed->group, "%s",
             cfg->group_id != NULL && cfg->group_id[0] != '\0' ? cfg->group_id
                                                               : API_FEED_GROUP_DEFAULT);
    atomic_init(&feed->stop, false);
    atomic_init(&feed->healthy, false);
    int rc = bus_topics_init(&feed->topics, cfg->topic_prefix, err, errlen);
    if (rc != 0) {
        bus_security_wipe(&feed->security);
        free(feed);
        return rc;
    }
    feed->topic_list[0] = bus_topics_get(&feed->topics, BUS_TOPICS_JOBS);
    bus_consumer_config_init(&feed->cfg);
    if (cfg->security != NULL) {
        feed->security = *cfg->security;
    } else {
        bus_security_init(&feed->security);
    }
    feed->cfg.security = &feed->security;
    feed->cfg.brokers = feed->brokers;
    feed->cfg.group_id = feed->group;
    feed->cfg.client_id = "sluice-api-jobs";
    feed->cfg.topics = feed->topic_list;
    feed->cfg.ntopics = 1;
    feed->cfg.deadletter_topic = bus_topics_get(&feed->topics, BUS_TOPICS_DEADLETTER);
    feed->cfg.source = PROTOCOL_SOURCE_API;
    feed->cfg.account = cfg->env->account;
    feed->cfg.region = cfg->env->region;
    feed->cfg.verifier = cfg->verifier;
    if (cfg->metrics != NULL) {
        static const char *const reason[] = {"reason"};
        feed->refused = http_metrics_counter(
            cfg->metrics, "sluice_api_bus_refused_total",
            "job messages dead-lettered before decoding: unsigned, unknown key id, bad signature",
            reason, 1);
    }
    rc = bus_consumer_new(&feed->cfg, &feed->consumer, err, errlen);
    if (rc != 0) {
        bus_security_wipe(&feed->security);
        free(feed);
        return rc;
    }
    atomic_store(&feed->healthy, true);
    if (pthread_create(&feed->thread, NULL, api_feed_main, feed) != 0) {
        bus_consumer_free(feed->consumer);
        bus_security_wipe(&feed->security);
        free(feed);
        return sluice_error_set(err, errlen, SLUICE_EIO, "cannot start the jobs consumer thread");
    }
    feed->thread_started = true;
    *out = feed;
    return 0;
}

void api_feed_stop(api_feed *feed)
{
    if (feed == NULL) {
        return;
    }
    atomic_store(&feed->stop, true);
    if (feed->thread_started) {
        pthread_join(feed->thread, NULL);
    }
    bus_consumer_free(feed->consumer);
    bus_security_wipe(&feed->security);
    free(feed);
}

bool api_feed_healthy(const api_feed *feed)
{
    return feed != NULL && atomic_load(&feed->healthy);
}
