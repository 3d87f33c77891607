/*
 * bus_consume_helper — a consumer process for the kill/restart test.
 *
 *   bus_consume_helper BROKERS TOPIC DEADLETTER_TOPIC GROUP OUTFILE DELAY_US
 *
 * Consumes TOPIC in GROUP through libs/bus and, for every message, appends
 * "<partition> <offset> <seq>\n" to OUTFILE with one write(2) — its durable
 * effect — sleeps DELAY_US microseconds (to be slow enough to be killed
 * mid-stream), and reports the message done. Runs until SIGTERM/SIGINT, then
 * closes cleanly; exits 0 after a clean close.
 */
#include "kit.h"
#include "sluice/error.h"
#include "sluice/signal.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct helper_state {
    int fd;
    long delay_us;
} helper_state;

static bus_consumer_verdict helper_handle(const bus_consumer_message *msg, void *ctx, char *reason,
                                          size_t reasonlen)
{
    helper_state *s = ctx;
    const char *key = NULL;
    long seq = -1;
    if (kit_envelope_fields(msg->envelope, &key, &seq) != 0) {
        snprintf(reason, reasonlen, "detail has no key/seq");
        return BUS_CONSUMER_REJECT;
    }
    char line[96];
    int n = snprintf(line, sizeof line, "%d %lld %ld\n", (int)msg->partition,
                     (long long)msg->offset, seq);
    if (n <= 0 || write(s->fd, line, (size_t)n) != n) {
        snprintf(reason, reasonlen, "cannot record the message");
        return BUS_CONSUMER_RETRY;
    }
    struct timespec pause = {0, s->delay_us * 1000L};
    nanosleep(&pause, NULL);
    return BUS_CONSUMER_DONE;
}

int main(int argc, char **argv)
{
    if (argc != 7) {
        fprintf(stderr, "usage: %s BROKERS TOPIC DEADLETTER_TOPIC GROUP OUTFILE DELAY_US\n",
                argv[0]);
        return 2;
    }
    if (sluice_signal_install() != SLUICE_OK) {
        return 1;
    }
    setenv("SLUICE_TEST_KAFKA_BROKERS", argv[1], 1);
    helper_state state = {.fd = -1, .delay_us = strtol(argv[6], NULL, 10)};
    if (state.delay_us < 0 || state.delay_us > 999999) {
        state.delay_us = 0;
    }
    state.fd = open(argv[5], O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (state.fd < 0) {
        perror(argv[5]);
        return 1;
    }
    const char *topics[] = {argv[2]};
    bus_consumer_config cfg;
    kit_consumer_config(&cfg, topics, 1, argv[4], argv[3]);
    bus_consumer *c = kit_consumer(&cfg);
    int rc = bus_consumer_run(c, helper_handle, &state);
    bus_consumer_free(c);
    close(state.fd);
    return rc == SLUICE_OK ? 0 : 1;
}
