/*
 * wk_bus.c — producer and consumer configuration, result sending (see wk_bus.h).
 */
#include "wk_bus.h"

#include "sluice/buf.h"
#include "sluice/bus_envelope.h"
#include "sluice/error.h"
#include "sluice/id.h"
#include "sluice/protocol_arn.h"
#include "sluice/protocol_names.h"
#include "sluice/time.h"

#include <openssl/sha.h>
#include <stdio.h>
#include <string.h>

void wk_bus_configs_build(const wk_config *cfg, const bus_topics *topics,
                          const bus_security *security, const bus_sign_keys *keys,
                          wk_bus_configs *out)
{
    memset(out, 0, sizeof *out);
    bus_producer_config_init(&out->producer);
    out->producer.brokers = cfg->kafka_brokers;
    out->producer.client_id = "sluice-worker";
    out->producer.linger_ms = 0; /* one result at a time, waited for */
    out->producer.security = security;
    out->producer.signer = keys; /* results on sluice.requests: the orchestrator verifies them */

    out->topics[0] = bus_topics_get(topics, BUS_TOPICS_JOBS);
    bus_consumer_config_init(&out->consumer);
    out->consumer.brokers = cfg->kafka_brokers;
    out->consumer.group_id = cfg->group;
    out->consumer.client_id = "sluice-worker";
    out->consumer.topics = out->topics;
    out->consumer.ntopics = 1;
    out->consumer.session_timeout_ms = (int)cfg->session_timeout_ms;
    out->consumer.deadletter_topic = bus_topics_get(topics, BUS_TOPICS_DEADLETTER);
    out->consumer.source = PROTOCOL_SOURCE_WORKER;
    out->consumer.account = cfg->account;
    out->consumer.region = cfg->region;
    out->consumer.security = security;
    out->consumer.verifier = keys; /* an unsigned job is a dead letter, never run */
    /* a job waits for a free slot by being handed over again: soon, not after 30 s */
    out->consumer.retry_backoff_ms = 50;
    out->consumer.retry_backoff_max_ms = 500;
}

/* The envelope id of job_id's result: a UUID from SHA-256("sluice-worker-result\n" + id). */
static void wk_bus_result_id(const char *job_id, char out[SLUICE_UUID_LEN + 1])
{
    unsigned char digest[SHA256_DIGEST_LENGTH];
    sluice_buf seed;
    sluice_buf_init(&seed, 1024);
    sluice_buf_appendf(&seed, "sluice-worker-result\n%s", job_id);
    SHA256((const unsigned char *)sluice_buf_cstr(&seed), seed.len, digest);
    sluice_buf_free(&seed);
    sluice_uuid_v4_from_bytes(digest, out);
}

int wk_bus_send_result(wk_bus_sender *sender, const char *pipeline, const char *job_id,
                       json_t *detail, char *err, size_t errlen)
{
    char role[128];
    char id[SLUICE_UUID_LEN + 1];
    snprintf(role, sizeof role, "arn:aws:iam::%s:role/sluice-worker", sender->account);
    if (json_object_set_new(detail, "pipeline", json_string(pipeline)) != 0 ||
        json_object_set_new(detail, "requestedBy", json_string(role)) != 0) {
        return sluice_error_set(err, errlen, SLUICE_ENOMEM, "out of memory");
    }
    wk_bus_result_id(job_id, id);
    bus_pipeline_message m = {id,
                              PROTOCOL_DETAIL_JOB_RESULT,
                              PROTOCOL_SOURCE_WORKER,
                              sender->account,
                              sender->region,
                              pipeline,
                              detail};
    sluice_buf payload;
    sluice_buf_init(&payload, BUS_ENVELOPE_MAX_BYTES);
    int rc = bus_envelope_encode_pipeline(&m, &payload, err, errlen);
    if (rc != 0) {
        sluice_buf_free(&payload);
        return rc;
    }
    pthread_mutex_lock(&sender->lock);
    rc = bus_producer_send_sync(
        sender->producer, bus_topics_get(sender->topics, BUS_TOPICS_REQUESTS), pipeline,
        strlen(pipeline), payload.data, payload.len, WK_BUS_SEND_TIMEOUT_MS);
    pthread_mutex_unlock(&sender->lock);
    sluice_buf_free(&payload);
    if (rc != 0) {
        return sluice_error_set(err, errlen, rc, "Kafka did not store the result (%s)",
                                sluice_strerror(rc));
    }
    return 0;
}
