/*
 * notifier_bench.c — what sluice-notifier costs, beside the floors measured
 * in the same run.
 *
 *   1. Pattern matching: PATTERNS (default 1000) rules of the shapes people
 *      write (state, detail-type, pipeline prefix, category, $or, numeric,
 *      anything-but) compiled once, then every rule tried on each of a set of
 *      CodePipeline events; the time per event for all rules, next to the
 *      floor of parsing that event's JSON text once (jansson), which every
 *      consumer pays anyway.
 *   2. End to end: the real notifier (a child process) with one webhook rule;
 *      EVENTS (default 1000) state-change events produced at RATE per second
 *      (default 100), each carrying its send time; a webhook stand-in in this
 *      process (libs/http) records the time each arrives. p50 / p99 from
 *      bus_producer_send to the stand-in's handler, next to the Kafka
 *      produce→consume round trip measured by bench_floor_kafka.
 *
 * Environment: SLUICE_TEST_ENV_FILE (the broker and Redis, from
 * scripts/test-env.sh), SLUICE_BENCH_NOTIFIER (the binary), and the
 * SLUICE_BENCH_{PATTERNS,EVENTS,RATE} knobs. Prints figures only; never
 * fails on a number. Single-threaded apart from the stand-in's server thread.
 */
#include "bench_floor.h"
#include "bench_proc.h"
#include "bench_stats.h"

#include "sluice/bus_producer.h"
#include "sluice/error.h"
#include "sluice/http_server.h"
#include "sluice/pattern.h"
#include "sluice/time.h"
#include "testenv.h"

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BENCH_EVENT_SHAPES 64

typedef struct receiver {
    pthread_mutex_t lock;
    bench_stats latency;
    atomic_int received;
} receiver;

static int env_int(const char *name, int def)
{
    const char *v = getenv(name);
    char *end = NULL;
    long n = v != NULL ? strtol(v, &end, 10) : 0;
    return v != NULL && end != v && *end == '\0' && n > 0 && n < 1000000 ? (int)n : def;
}

static void on_hook(const http_request *req, http_response *resp, void *ctx)
{
    receiver *r = ctx;
    int64_t now = sluice_time_monotonic_ns();
    json_t *event = json_loadb(req->body, req->body_len, 0, NULL);
    json_t *sent = json_object_get(json_object_get(event, "detail"), "bench-sent-ns");
    if (json_is_integer(sent)) {
        pthread_mutex_lock(&r->lock);
        bench_stats_add(&r->latency, now - (int64_t)json_integer_value(sent));
        pthread_mutex_unlock(&r->lock);
        atomic_fetch_add(&r->received, 1);
    }
    json_decref(event);
    http_response_set_body(resp, 200, "text/plain", "ok", 2);
}

static json_t *make_event(int i, int64_t sent_ns)
{
    static const char *const states[] = {"STARTED", "SUCCEEDED", "FAILED", "SUPERSEDED"};
    static const char *const categories[] = {"Source", "Build", "Deploy", "Approval", "Test"};
    char pipeline[32];
    char id[40];
    snprintf(pipeline, sizeof pipeline, "web-%d", i % 17);
    snprintf(id, sizeof id, "00000000-0000-4000-8000-%012d", i);
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:[s], s:{s:s, s:s, s:s, s:s, s:s, s:i, "
                     "s:{s:s, s:s, s:s, s:s}, s:I}}",
                     "version", "0", "id", id, "detail-type",
                     "CodePipeline Action Execution State Change", "source", "aws.codepipeline",
                     "account", "123456789012", "time", "2026-12-03T10:00:00Z", "region",
                     "us-east-1", "resources", "arn:aws:codepipeline:us-east-1:123456789012:web",
                     "detail", "pipeline", pipeline, "execution-id", id, "stage", "Build", "action",
                     "Compile", "state", states[i % 4], "version", i % 9, "type", "owner", "AWS",
                     "category", categories[i % 5], "provider", "CodeBuild", "version", "1",
                     "bench-sent-ns", (json_int_t)sent_ns);
}

/* Rule number i: one of several shapes, with values that vary. */
static void make_rule(int i, char *out, size_t outlen)
{
    switch (i % 6) {
    case 0:
        snprintf(out, outlen,
                 "{\"source\":[\"aws.codepipeline\"],\"detail\":{\"state\":[\"FAILED\"],"
                 "\"pipeline\":[\"web-%d\"]}}",
                 i % 40);
        break;
    case 1:
        snprintf(out, outlen,
                 "{\"detail-type\":[\"CodePipeline Action Execution State Change\"],"
                 "\"detail\":{\"type\":{\"category\":[\"Deploy\",\"Build\"]},\"pipeline\":"
                 "[{\"prefix\":\"web-%d\"}]}}",
                 i % 30);
        break;
    case 2:
        snprintf(out, outlen,
                 "{\"detail\":{\"$or\":[{\"state\":[\"SUCCEEDED\"]},{\"version\":[{\"numeric\":"
                 "[\">\",%d]}]}],\"stage\":[\"Build\"]}}",
                 i % 12);
        break;
    case 3:
        snprintf(out, outlen,
                 "{\"detail\":{\"state\":[{\"anything-but\":[\"STARTED\",\"RESUMED\"]}],"
                 "\"pipeline\":[{\"wildcard\":\"web-*%d\"}]}}",
                 i % 10);
        break;
    case 4:
        snprintf(out, outlen,
                 "{\"resources\":[{\"suffix\":\":web-%d\"}],\"detail\":{\"action\":"
                 "[{\"equals-ignore-case\":\"compile\"}]}}",
                 i % 50);
        break;
    default:
        snprintf(out, outlen,
                 "{\"account\":[\"123456789012\"],\"detail\":{\"execution-id\":[{\"exists\":"
                 "true}],\"state\":[\"FAILED\",\"STOPPED\"]}}");
        break;
    }
}

static void bench_patterns(int npatterns)
{
    pattern **rules = calloc((size_t)npatterns, sizeof *rules);
    char text[512];
    char err[512];
    for (int i = 0; i < npatterns; i++) {
        make_rule(i, text, sizeof text);
        if (pattern_compile(text, strlen(text), &rules[i], err, sizeof err) != 0) {
            fprintf(stderr, "rule %d: %s\n", i, err);
            exit(1);
        }
    }
    char *events[BENCH_EVENT_SHAPES];
    for (int i = 0; i < BENCH_EVENT_SHAPES; i++) {
        json_t *e = make_event(i, 0);
        events[i] = json_dumps(e, JSON_COMPACT);
        json_decref(e);
    }
    int rounds = 20;
    long matched = 0;
    int64_t parse_ns = 0;
    int64_t match_ns = 0;
    for (int r = 0; r < rounds; r++) {
        for (int i = 0; i < BENCH_EVENT_SHAPES; i++) {
            int64_t t0 = sluice_time_monotonic_ns();
            json_t *e = json_loads(events[i], 0, NULL);
            int64_t t1 = sluice_time_monotonic_ns();
            for (int k = 0; k < npatterns; k++) {
                matched += pattern_match(rules[k], e) ? 1 : 0;
            }
            int64_t t2 = sluice_time_monotonic_ns();
            parse_ns += t1 - t0;
            match_ns += t2 - t1;
            json_decref(e);
        }
    }
    double n = (double)rounds * BENCH_EVENT_SHAPES;
    double per_event_us = (double)match_ns / n / 1000.0;
    double parse_us = (double)parse_ns / n / 1000.0;
    printf("pattern matching (%d rules, %d events of %d shapes, %ld matches)\n", npatterns, (int)n,
           BENCH_EVENT_SHAPES, matched);
    printf("  all rules on one event      %.1f us  (%.0f ns per rule)\n", per_event_us,
           per_event_us * 1000.0 / npatterns);
    printf("  floor: parsing the event    %.1f us\n", parse_us);
    printf("  ratio matching / parsing    %.1fx\n\n", per_event_us / parse_us);
    for (int i = 0; i < npatterns; i++) {
        pattern_free(rules[i]);
    }
    for (int i = 0; i < BENCH_EVENT_SHAPES; i++) {
        free(events[i]);
    }
    free(rules);
}

static void sleep_until(int64_t ns)
{
    int64_t left = ns - sluice_time_monotonic_ns();
    if (left > 0) {
        struct timespec ts = {(time_t)(left / 1000000000LL), (long)(left % 1000000000LL)};
        nanosleep(&ts, NULL);
    }
}

static int bench_end_to_end(int nevents, int rate)
{
    char err[1024];
    const char *brokers = testenv_require("SLUICE_TEST_KAFKA_BROKERS");
    char prefix[64];
    testenv_unique_name("nb", prefix, sizeof prefix);
    size_t plen = strlen(prefix);
    snprintf(prefix + plen, sizeof prefix - plen, ".");
    char events_topic[96];
    char floor_topic[96];
    char dead_topic[96];
    snprintf(events_topic, sizeof events_topic, "%sevents", prefix);
    snprintf(floor_topic, sizeof floor_topic, "%sfloor", prefix);
    snprintf(dead_topic, sizeof dead_topic, "%sdeadletter", prefix);

    bench_stats rtt;
    bench_stats ack;
    bench_stats_init(&rtt);
    bench_stats_init(&ack);
    if (bench_floor_kafka(brokers, floor_topic, dead_topic, 200, 0, &rtt, &ack, err, sizeof err) !=
        0) {
        fprintf(stderr, "kafka floor: %s\n", err);
        return 1;
    }
    bench_summary floor;
    bench_stats_summarize(&rtt, &floor);

    static receiver r;
    pthread_mutex_init(&r.lock, NULL);
    bench_stats_init(&r.latency);
    http_server_config hcfg;
    http_server_config_defaults(&hcfg);
    hcfg.bind_address = "127.0.0.1";
    hcfg.threads = 2;
    http_server *server = http_server_new(&hcfg, err, sizeof err);
    if (server == NULL || http_server_route(server, "POST", "/hook", on_hook, &r) != 0 ||
        http_server_start(server, err, sizeof err) != 0) {
        fprintf(stderr, "stand-in: %s\n", err);
        return 1;
    }
    char dir[] = "/tmp/sluice-notifier-bench-XXXXXX";
    if (mkdtemp(dir) == NULL) {
        return 1;
    }
    char rules_path[256];
    snprintf(rules_path, sizeof rules_path, "%s/rules.json", dir);
    FILE *f = fopen(rules_path, "w");
    if (f == NULL) {
        return 1;
    }
    fprintf(f, "{\"targets\": {\"hook\": {\"type\": \"webhook\", \"url\": {\"env\": "
               "\"BENCH_HOOK_URL\"}, \"concurrency\": 4}},"
               " \"rules\": [{\"name\": \"all\", \"targets\": [\"hook\"], \"eventPattern\":"
               " {\"source\": [\"aws.codepipeline\"]}}]}");
    fclose(f);
    char env_url[128];
    char env_brokers[512];
    char env_prefix[128];
    char env_redis_host[128];
    char env_redis_port[64];
    char env_rules[300];
    char env_group[128];
    char env_port[64];
    snprintf(env_url, sizeof env_url, "BENCH_HOOK_URL=http://127.0.0.1:%u/hook",
             (unsigned)http_server_port(server));
    snprintf(env_brokers, sizeof env_brokers, "SLUICE_KAFKA_BROKERS=%s", brokers);
    snprintf(env_prefix, sizeof env_prefix, "SLUICE_TOPIC_PREFIX=%s", prefix);
    snprintf(env_redis_host, sizeof env_redis_host, "SLUICE_REDIS_HOST=%s",
             testenv_require("SLUICE_TEST_REDIS_HOST"));
    snprintf(env_redis_port, sizeof env_redis_port, "SLUICE_REDIS_PORT=%s",
             testenv_require("SLUICE_TEST_REDIS_PORT"));
    snprintf(env_rules, sizeof env_rules, "SLUICE_NOTIFIER_RULES_FILE=%s", rules_path);
    snprintf(env_group, sizeof env_group, "SLUICE_NOTIFIER_GROUP=%snotifier", prefix);
    int port = 20000 + (int)(getpid() % 20000);
    snprintf(env_port, sizeof env_port, "SLUICE_NOTIFIER_PORT=%d", port);
    const char *env[] = {env_url,
                         env_brokers,
                         env_prefix,
                         env_redis_host,
                         env_redis_port,
                         env_rules,
                         env_group,
                         env_port,
                         "SLUICE_TOPIC_PARTITIONS=3",
                         "SLUICE_LOG_LEVEL=warn",
                         NULL};
    char log_path[300];
    snprintf(log_path, sizeof log_path, "%s/notifier.log", dir);
    const char *binary = getenv("SLUICE_BENCH_NOTIFIER");
    bench_proc proc;
    if (binary == NULL || bench_proc_spawn(&proc, binary, env, log_path, err, sizeof err) != 0) {
        fprintf(stderr, "notifier: %s\n", binary == NULL ? "SLUICE_BENCH_NOTIFIER not set" : err);
        return 1;
    }
    proc.port = port;
    double ready = 0;
    for (int i = 0;
         i < 200 && bench_proc_metric(&proc, "sluice_notifier_events_matched_total", &ready) != 0;
         i++) {
        usleep(50000);
    }

    bus_producer_config pcfg;
    bus_producer_config_init(&pcfg);
    pcfg.brokers = brokers;
    pcfg.linger_ms = 0;
    bus_producer *producer = NULL;
    if (bus_producer_new(&pcfg, &producer, err, sizeof err) != 0) {
        fprintf(stderr, "producer: %s\n", err);
        return 1;
    }
    /* warm-up: the consumer joins its group and gets its partitions */
    json_t *warm = make_event(0, sluice_time_monotonic_ns());
    char *warm_text = json_dumps(warm, JSON_COMPACT);
    (void)bus_producer_send_sync(producer, events_topic, "w", 1, warm_text, strlen(warm_text),
                                 10000);
    free(warm_text);
    json_decref(warm);
    for (int i = 0; i < 600 && atomic_load(&r.received) < 1; i++) {
        usleep(50000);
    }
    pthread_mutex_lock(&r.lock);
    bench_stats_reset(&r.latency);
    pthread_mutex_unlock(&r.lock);
    atomic_store(&r.received, 0);

    int64_t interval = 1000000000LL / rate;
    int64_t start = sluice_time_monotonic_ns();
    for (int i = 1; i <= nevents; i++) {
        sleep_until(start + (int64_t)i * interval);
        json_t *e = make_event(i, sluice_time_monotonic_ns());
        char *text = json_dumps(e, JSON_COMPACT);
        char key[16];
        snprintf(key, sizeof key, "p%d", i % 17);
        (void)bus_producer_send(producer, events_topic, key, strlen(key), text, strlen(text), NULL);
        (void)bus_producer_poll(producer, 0);
        free(text);
        json_decref(e);
    }
    (void)bus_producer_flush(producer, 10000);
    for (int i = 0; i < 600 && atomic_load(&r.received) < nevents; i++) {
        usleep(50000);
    }
    long rss = bench_proc_status_kb(proc.pid, "VmRSS");
    bench_summary s;
    pthread_mutex_lock(&r.lock);
    bench_stats_summarize(&r.latency, &s);
    pthread_mutex_unlock(&r.lock);
    printf("end to end: event produced -> webhook stand-in (%d events at %d/s, %d received)\n",
           nevents, rate, atomic_load(&r.received));
    printf("  p50 %.2f ms   p90 %.2f ms   p99 %.2f ms   max %.2f ms\n", s.p50_ms, s.p90_ms,
           s.p99_ms, s.max_ms);
    printf("  floor: kafka produce->consume p50 %.2f ms, p99 %.2f ms\n", floor.p50_ms,
           floor.p99_ms);
    printf("  ratio p50 / kafka round trip p50  %.1fx\n", s.p50_ms / floor.p50_ms);
    printf("  notifier RSS after the run       %ld KiB\n", rss);
    bus_producer_free(producer);
    (void)bench_proc_stop(&proc, 5000);
    http_server_stop(server);
    http_server_free(server);
    bench_stats_free(&rtt);
    bench_stats_free(&ack);
    bench_stats_free(&r.latency);
    return 0;
}

int main(void)
{
    bench_patterns(env_int("SLUICE_BENCH_PATTERNS", 1000));
    return bench_end_to_end(env_int("SLUICE_BENCH_EVENTS", 1000),
                            env_int("SLUICE_BENCH_RATE", 100));
}
