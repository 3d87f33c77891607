/*
 * console_events.c — the event side of bench/console_bench.py: publishes
 * CodePipeline action state-change events, signed as the orchestrator signs
 * them, to the events topic the console consumes, and is itself a plain
 * consumer of that topic (its own group, signatures verified, from the end),
 * so that the bus round trip of the very same events is measured beside the
 * console's path to the screen.
 *
 *   console-bench-events BROKERS TOPIC DEADLETTER_TOPIC BUS_KEY_FILE
 *
 * Standard input, one event a line:  SEQ PIPELINE STAGE ACTION STATE
 * (SEQ a number >= 0; the event's execution-id is "bench-SEQ", by which its
 * consumption is recognised). Standard output, one line each:
 *   ready                  producer and consumer created (the group joins later)
 *   sent SEQ WALL_US       wall clock (CLOCK_REALTIME, microseconds) just before
 *                          bus_producer_send
 *   got SEQ WALL_US        wall clock when the plain consumer's handler saw it
 * Wall clock, not monotonic, so that the figures compare with the browser's
 * Date.now() on the same machine. One thread: stdin is polled between
 * bus_consumer_run_once calls of 2 ms. Exits 0 at the end of stdin, 1 with
 * the reason on stderr when the producer or consumer cannot be made.
 */
#include "bench_envelope.h"

#include "sluice/bus_consumer.h"
#include "sluice/bus_envelope.h"
#include "sluice/bus_producer.h"
#include "sluice/bus_sign.h"
#include "sluice/error.h"
#include "sluice/id.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define EVENTS_LINE_MAX 1024
#define EVENTS_PREFIX   "bench-"

static int64_t events_wall_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static bus_consumer_verdict events_on_message(const bus_consumer_message *msg, void *ctx,
                                              char *reason, size_t reasonlen)
{
    (void)ctx;
    (void)reason;
    (void)reasonlen;
    int64_t now = events_wall_us();
    const char *id = json_string_value(json_object_get(msg->envelope->detail, "execution-id"));
    if (id != NULL && strncmp(id, EVENTS_PREFIX, sizeof EVENTS_PREFIX - 1) == 0) {
        printf("got %s %" PRId64 "\n", id + sizeof EVENTS_PREFIX - 1, now);
        fflush(stdout);
    }
    return BUS_CONSUMER_DONE;
}

/* Parses and sends one input line. 0, or -1 with the reason on stderr (the line is skipped). */
static int events_send(bus_producer *p, const char *topic, char *line, sluice_buf *text)
{
    char pipeline[101];
    char stage[101];
    char action[101];
    char state[33];
    long seq = -1;
    if (sscanf(line, "%ld %100s %100s %100s %32s", &seq, pipeline, stage, action, state) != 5 ||
        seq < 0) {
        fprintf(stderr, "console-bench-events: bad line: %s\n", line);
        return -1;
    }
    char execution[48];
    snprintf(execution, sizeof execution, EVENTS_PREFIX "%ld", seq);
    json_t *detail = json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:{s:s, s:s, s:s, s:s}}", "pipeline",
                               pipeline, "execution-id", execution, "stage", stage, "action",
                               action, "state", state, "version", 1, "type", "owner", "AWS",
                               "category", "Deploy", "provider", "S3", "version", "1");
    char id[SLUICE_UUID_LEN + 1];
    bus_envelope_spec spec = {
        .detail_type = "CodePipeline Action Execution State Change",
        .source = "aws.codepipeline",
        .detail = detail,
    };
    int rc = bench_envelope_encode(&spec, id, text);
    if (rc == SLUICE_OK) {
        int64_t sent = events_wall_us();
        rc = bus_producer_send(p, topic, pipeline, strlen(pipeline), text->data, text->len, NULL);
        if (rc == SLUICE_OK) {
            printf("sent %ld %" PRId64 "\n", seq, sent);
            fflush(stdout);
        }
    }
    if (rc != SLUICE_OK) {
        fprintf(stderr, "console-bench-events: event %ld not sent: %s\n", seq, sluice_strerror(rc));
    }
    json_decref(detail);
    return rc == SLUICE_OK ? 0 : -1;
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: console-bench-events BROKERS TOPIC DEADLETTER_TOPIC "
                        "BUS_KEY_FILE < events\n");
        return 1;
    }
    int status = 1;
    bus_sign_keys *keys = NULL;
    bus_producer *p = NULL;
    bus_consumer *c = NULL;
    sluice_buf text;
    sluice_buf_init(&text, 65536);
    char err[1024] = "";
    if (bus_sign_keys_load(argv[4], &keys, err, sizeof err) != SLUICE_OK) {
        goto out;
    }
    bus_producer_config pcfg;
    bus_producer_config_init(&pcfg);
    pcfg.brokers = argv[1];
    pcfg.client_id = "sluice-console-bench";
    pcfg.linger_ms = 0;
    pcfg.signer = keys;
    if (bus_producer_new(&pcfg, &p, err, sizeof err) != SLUICE_OK) {
        goto out;
    }
    char group[64];
    char suffix[SLUICE_UUID_LEN + 1];
    sluice_uuid_v4(suffix);
    snprintf(group, sizeof group, "console-bench-%.8s", suffix);
    const char *topics[1] = {argv[2]};
    bus_consumer_config ccfg;
    bus_consumer_config_init(&ccfg);
    ccfg.brokers = argv[1];
    ccfg.group_id = group;
    ccfg.client_id = "sluice-console-bench";
    ccfg.topics = topics;
    ccfg.ntopics = 1;
    ccfg.session_timeout_ms = 6000;
    ccfg.deadletter_topic = argv[3];
    ccfg.deadletter_producer = p;
    ccfg.verifier = keys;
    ccfg.from_latest = true;
    if (bus_consumer_new(&ccfg, &c, err, sizeof err) != SLUICE_OK) {
        goto out;
    }
    printf("ready\n");
    fflush(stdout);

    char line[EVENTS_LINE_MAX];
    size_t used = 0;
    bool eof = false;
    while (!eof) {
        struct pollfd pfd = {.fd = STDIN_FILENO, .events = POLLIN};
        if (poll(&pfd, 1, 0) > 0) {
            ssize_t n = read(STDIN_FILENO, line + used, sizeof line - 1 - used);
            if (n <= 0 && !(n < 0 && errno == EINTR)) {
                eof = true;
            } else if (n > 0) {
                used += (size_t)n;
            }
            char *start = line;
            char *nl;
            while ((nl = memchr(start, '\n', used - (size_t)(start - line))) != NULL) {
                *nl = '\0';
                (void)events_send(p, argv[2], start, &text);
                start = nl + 1;
            }
            used -= (size_t)(start - line);
            memmove(line, start, used);
            if (used == sizeof line - 1) {
                fprintf(stderr, "console-bench-events: a line longer than %d bytes\n",
                        EVENTS_LINE_MAX - 2);
                used = 0;
            }
        }
        if (bus_consumer_run_once(c, events_on_message, NULL, 2) < 0) {
            snprintf(err, sizeof err, "the consumer failed");
            goto out;
        }
        (void)bus_producer_poll(p, 0);
    }
    (void)bus_producer_flush(p, 5000);
    status = 0;
out:
    if (status != 0) {
        fprintf(stderr, "console-bench-events: %s\n", err);
    }
    if (c != NULL) {
        bus_consumer_close(c);
        bus_consumer_free(c);
    }
    bus_producer_free(p);
    bus_sign_keys_free(keys);
    sluice_buf_free(&text);
    return status;
}
