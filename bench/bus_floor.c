/*
 * bus_floor.c — prints the Kafka floor on its own, for benchmarks written as
 * scripts (bench/source_bench.py): COUNT (argv[1], default 200) messages sent
 * one at a time with libs/bus and consumed by a group consumer in this
 * process (bench_floor_kafka), then one line of figures:
 *
 *   kafka_roundtrip count=200 p50_ms=1.234 p99_ms=2.345 ack_p50_ms=0.9
 *
 * Environment: SLUICE_TEST_ENV_FILE (scripts/test-env.sh's broker). Topics
 * get names of their own (testenv_unique_name); the broker creates them.
 * Exit 0 with the line, 1 with the reason on stderr.
 */
#include "bench_floor.h"
#include "bench_stats.h"

#include "testenv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    char *end = NULL;
    long count = argc > 1 ? strtol(argv[1], &end, 10) : 200;
    if ((argc > 1 && (end == argv[1] || *end != '\0')) || count < 10 || count > 100000) {
        fprintf(stderr, "usage: bus-floor [COUNT 10..100000]\n");
        return 1;
    }
    char prefix[64];
    char topic[96];
    char dead[96];
    testenv_unique_name("floor", prefix, sizeof prefix);
    snprintf(topic, sizeof topic, "%s.floor", prefix);
    snprintf(dead, sizeof dead, "%s.deadletter", prefix);
    bench_stats rtt;
    bench_stats ack;
    bench_stats_init(&rtt);
    bench_stats_init(&ack);
    char err[1024] = "";
    int rc = bench_floor_kafka(testenv_require("SLUICE_TEST_KAFKA_BROKERS"), topic, dead,
                               (int)count, 0, &rtt, &ack, err, sizeof err);
    if (rc == 0) {
        bench_summary r;
        bench_summary a;
        bench_stats_summarize(&rtt, &r);
        bench_stats_summarize(&ack, &a);
        printf("kafka_roundtrip count=%zu p50_ms=%.3f p99_ms=%.3f ack_p50_ms=%.3f\n", r.count,
               r.p50_ms, r.p99_ms, a.p50_ms);
    } else {
        fprintf(stderr, "bus-floor: %s\n", err);
    }
    bench_stats_free(&rtt);
    bench_stats_free(&ack);
    return rc == 0 ? 0 : 1;
}
