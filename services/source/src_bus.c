/*
 * src_bus.c — the one place sluice-source's bus configurations are made (see
 * src_bus.h).
 */
#include "src_bus.h"

#include "sluice/bus_envelope.h"
#include "sluice/error.h"
#include "sluice/id.h"
#include "sluice/protocol_arn.h"
#include "sluice/protocol_names.h"
#include "sluice/time.h"

#include <openssl/evp.h>
#include <string.h>

void src_bus_configs(const src_config *cfg, const bus_topics *topics, const bus_sign_keys *keys,
                     const bus_security *security, bus_producer_config *pcfg,
                     bus_consumer_config *ccfg, const char *jobs_topic[1])
{
    bus_producer_config_init(pcfg);
    pcfg->brokers = cfg->kafka_brokers;
    pcfg->client_id = "sluice-source";
    pcfg->linger_ms = 0; /* one result at a time, waited for */
    pcfg->signer = keys; /* job results, starts, dead letters: all signed */
    pcfg->security = security;

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
    ccfg->security = security;
    ccfg->verifier = keys; /* an unsigned or forged job is a dead letter, never run */
}

void src_bus_derived_id(const char *prefix, const char *text, char out[37])
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    if (md == NULL || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1 ||
        EVP_DigestUpdate(md, prefix, strlen(prefix)) != 1 ||
        EVP_DigestUpdate(md, text, strlen(text)) != 1 ||
        EVP_DigestFinal_ex(md, digest, &len) != 1) {
        memset(digest, 0, sizeof digest);
    }
    EVP_MD_CTX_free(md);
    sluice_uuid_v4_from_bytes(digest, out);
}

int src_bus_send(bus_producer *producer, const char *topic, const char *detail_type, const char *id,
                 const char *account, const char *region, const char *pipeline, json_t *detail,
                 int timeout_ms, char *err, size_t errlen)
{
    bus_pipeline_message m = {id,       detail_type, PROTOCOL_SOURCE_SOURCE, account, region,
                              pipeline, detail};
    sluice_buf payload;
    sluice_buf_init(&payload, BUS_ENVELOPE_MAX_BYTES);
    int rc = bus_envelope_encode_pipeline(&m, &payload, err, errlen);
    if (rc != 0) {
        sluice_buf_free(&payload);
        return rc;
    }
    rc = bus_producer_send_sync(producer, topic, pipeline, strlen(pipeline), payload.data,
                                payload.len, timeout_ms);
    sluice_buf_free(&payload);
    if (rc != 0) {
        return sluice_error_set(err, errlen, rc, "not stored by Kafka: %s", sluice_strerror(rc));
    }
    return 0;
}
