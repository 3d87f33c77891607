/*
 * art_events_tail — prints the messages of one Kafka topic, one payload a
 * line, for the artifact-event test (the test's python has no Kafka client).
 *
 *   art_events_tail BROKERS TOPIC SECONDS
 *
 * Reads TOPIC from the beginning in a fresh consumer group for SECONDS and
 * prints "<key>\t<payload>" per message.
 * Exits 0, 2 on bad usage or a consumer that cannot be created.
 */
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: art_events_tail BROKERS TOPIC SECONDS\n");
        return 2;
    }
    char *end = NULL;
    long seconds = strtol(argv[3], &end, 10);
    if (end == argv[3] || *end != '\0' || seconds < 1 || seconds > 600) {
        fprintf(stderr, "SECONDS: 1..600\n");
        return 2;
    }
    char errstr[512];
    char group[64];
    snprintf(group, sizeof group, "art-events-tail-%ld-%ld", (long)getpid(), (long)time(NULL));
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (rd_kafka_conf_set(conf, "bootstrap.servers", argv[1], errstr, sizeof errstr) ||
        rd_kafka_conf_set(conf, "group.id", group, errstr, sizeof errstr) ||
        rd_kafka_conf_set(conf, "auto.offset.reset", "earliest", errstr, sizeof errstr) ||
        rd_kafka_conf_set(conf, "enable.auto.commit", "false", errstr, sizeof errstr)) {
        fprintf(stderr, "%s\n", errstr);
        rd_kafka_conf_destroy(conf);
        return 2;
    }
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
    if (rk == NULL) {
        fprintf(stderr, "%s\n", errstr);
        return 2;
    }
    rd_kafka_poll_set_consumer(rk);
    rd_kafka_topic_partition_list_t *topics = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(topics, argv[2], RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t e = rd_kafka_subscribe(rk, topics);
    rd_kafka_topic_partition_list_destroy(topics);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
        fprintf(stderr, "subscribe: %s\n", rd_kafka_err2str(e));
        rd_kafka_destroy(rk);
        return 2;
    }
    time_t stop = time(NULL) + seconds;
    while (time(NULL) < stop) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 200);
        if (m == NULL) {
            continue;
        }
        if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
            printf("%.*s\t%.*s\n", (int)m->key_len, m->key != NULL ? (const char *)m->key : "",
                   (int)m->len, (const char *)m->payload);
            fflush(stdout);
        }
        rd_kafka_message_destroy(m);
    }
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    return 0;
}
