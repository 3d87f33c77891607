/*
 * ntf_produce.c — test helper: produces each line of standard input to a
 * Kafka topic through libs/bus's producer and waits for every delivery.
 *
 *   ntf_produce BROKERS TOPIC < lines      (each line: KEY TAB PAYLOAD)
 *
 * Exit status 0 when every message was persisted, 1 otherwise.
 */
#include "sluice/bus_producer.h"
#include "sluice/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: ntf_produce BROKERS TOPIC < lines\n");
        return 2;
    }
    bus_producer_config cfg;
    bus_producer_config_init(&cfg);
    cfg.brokers = argv[1];
    cfg.client_id = "ntf-produce";
    bus_producer *p = NULL;
    char err[512];
    if (bus_producer_new(&cfg, &p, err, sizeof err) != 0) {
        fprintf(stderr, "ntf_produce: %s\n", err);
        return 1;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int status = 0;
    while ((n = getline(&line, &cap, stdin)) > 0) {
        if (line[n - 1] == '\n') {
            line[--n] = '\0';
        }
        char *tab = strchr(line, '\t');
        if (tab == NULL) {
            continue;
        }
        *tab = '\0';
        const char *payload = tab + 1;
        if (bus_producer_send(p, argv[2], line, strlen(line), payload, strlen(payload), NULL) !=
            0) {
            status = 1;
        }
    }
    free(line);
    if (bus_producer_flush(p, 30000) != 0) {
        status = 1;
    }
    bus_producer_free(p);
    return status;
}
