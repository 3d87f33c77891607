/*
 * libs/bus against a real broker: a consumer process killed with SIGKILL in
 * the middle of a stream, then restarted in the same group, resumes after
 * its last committed offsets — every message is processed at least once and
 * the only duplicates are the uncommitted tail of each partition. The
 * restarted process then stops on SIGTERM with a clean close that commits
 * everything it did.
 */
#include "kit.h"
#include "sluice/error.h"
#include "sluice_test.h"

#include <librdkafka/rdkafka.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TOTAL           3000
#define KEYS            6
#define PARTITIONS      3
#define KILL_AFTER      1000
#define HELPER_DELAY_US "500"

typedef struct record {
    int partition;
    long offset;
    long seq;
} record;

typedef struct run_log {
    record *records;
    size_t n;
} run_log;

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static pid_t spawn_helper(const char *topic, const char *dl, const char *group, const char *out)
{
    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive the test */
        /* Writable copies for execv's argv; the child execs or exits at once. */
        char *const argv[] = {strdup(BUS_CONSUME_HELPER),
                              strdup(kit_brokers()),
                              strdup(topic),
                              strdup(dl),
                              strdup(group),
                              strdup(out),
                              strdup(HELPER_DELAY_US),
                              NULL};
        execv(BUS_CONSUME_HELPER, argv);
        _exit(127);
    }
    return pid;
}

/* Reads a helper's output; complete lines only (a SIGKILL cannot cut a write(2), but be safe). */
static void read_log(const char *path, run_log *log)
{
    log->n = 0;
    FILE *fp = fopen(path, "r");
    if (fp == NULL) {
        return;
    }
    record rec;
    while (log->n < 4 * TOTAL &&
           fscanf(fp, "%d %ld %ld\n", &rec.partition, &rec.offset, &rec.seq) == 3) {
        log->records[log->n++] = rec;
    }
    fclose(fp);
}

static size_t distinct_seqs(const run_log *a, const run_log *b)
{
    static unsigned char seen[TOTAL];
    memset(seen, 0, sizeof seen);
    size_t distinct = 0;
    const run_log *logs[] = {a, b};
    for (int l = 0; l < 2; l++) {
        for (size_t i = 0; i < logs[l]->n; i++) {
            long seq = logs[l]->records[i].seq;
            if (seq >= 0 && seq < TOTAL && !seen[seq]) {
                seen[seq] = 1;
                distinct++;
            }
        }
    }
    return distinct;
}

/* First and last offset a run processed on partition, and whether they were contiguous. */
static bool run_range(const run_log *log, int partition, long *first, long *last)
{
    bool contiguous = true;
    *first = -1;
    *last = -1;
    for (size_t i = 0; i < log->n; i++) {
        if (log->records[i].partition != partition) {
            continue;
        }
        long offset = log->records[i].offset;
        if (*first == -1) {
            *first = offset;
        } else if (offset != *last + 1) {
            contiguous = false;
        }
        *last = offset;
    }
    return contiguous;
}

/* The group's committed offsets and the partitions' end offsets, via plain librdkafka. */
static void committed_offsets(const char *topic, const char *group, long committed[PARTITIONS],
                              long end[PARTITIONS])
{
    char errstr[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", kit_brokers(), errstr, sizeof errstr);
    rd_kafka_conf_set(conf, "group.id", group, errstr, sizeof errstr);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
    rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(PARTITIONS);
    for (int p = 0; p < PARTITIONS; p++) {
        rd_kafka_topic_partition_list_add(list, topic, p);
        int64_t low = 0;
        int64_t high = -1;
        rd_kafka_query_watermark_offsets(rk, topic, p, &low, &high, 10000);
        end[p] = (long)high;
    }
    if (rd_kafka_committed(rk, list, 10000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        for (int p = 0; p < PARTITIONS; p++) {
            committed[p] = (long)list->elems[p].offset;
        }
    }
    rd_kafka_topic_partition_list_destroy(list);
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
}

static void test_kill_and_resume(void)
{
    char topic[KIT_NAME_MAX];
    char dl[KIT_NAME_MAX];
    char group[KIT_NAME_MAX];
    kit_topic("bus-resume", PARTITIONS, topic, sizeof topic);
    kit_topic("bus-resume-dl", 1, dl, sizeof dl);
    kit_group("bus-resume-group", group, sizeof group);

    bus_producer *p = kit_producer(NULL, NULL);
    sluice_buf buf;
    sluice_buf_init(&buf, BUS_ENVELOPE_MAX_BYTES);
    for (long i = 0; i < TOTAL; i++) {
        char key[32];
        snprintf(key, sizeof key, "pipeline-%ld", i % KEYS);
        kit_envelope(key, i, &buf);
        REQUIRE(bus_producer_send(p, topic, key, strlen(key), buf.data, buf.len, NULL) == 0);
    }
    REQUIRE(bus_producer_flush(p, 30000) == SLUICE_OK);
    sluice_buf_free(&buf);
    bus_producer_free(p);

    char out1[256];
    char out2[256];
    snprintf(out1, sizeof out1, "/tmp/%s.run1", group);
    snprintf(out2, sizeof out2, "/tmp/%s.run2", group);
    run_log run1 = {calloc(4 * TOTAL, sizeof(record)), 0};
    run_log run2 = {calloc(4 * TOTAL, sizeof(record)), 0};
    REQUIRE(run1.records != NULL && run2.records != NULL);

    /* Run 1: killed once it has done a third of the stream. */
    int64_t start = kit_now_ms();
    pid_t pid = spawn_helper(topic, dl, group, out1);
    REQUIRE(pid > 0);
    int64_t deadline = kit_now_ms() + 30000;
    while (run1.n < KILL_AFTER && kit_now_ms() < deadline) {
        sleep_ms(20);
        read_log(out1, &run1);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    read_log(out1, &run1);
    fprintf(stderr, "run 1 processed %zu messages before SIGKILL (%lld ms)\n", run1.n,
            (long long)(kit_now_ms() - start));
    REQUIRE(run1.n >= KILL_AFTER);
    REQUIRE(run1.n < TOTAL);

    /* Run 2: the same group picks up; it waits out the dead member's session (6 s). */
    start = kit_now_ms();
    pid = spawn_helper(topic, dl, group, out2);
    REQUIRE(pid > 0);
    deadline = kit_now_ms() + 45000;
    while (distinct_seqs(&run1, &run2) < TOTAL && kit_now_ms() < deadline) {
        sleep_ms(50);
        read_log(out2, &run2);
    }
    fprintf(stderr, "run 2 processed %zu messages (%lld ms)\n", run2.n,
            (long long)(kit_now_ms() - start));
    kill(pid, SIGTERM);
    int status = -1;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status));
    CHECK_INT_EQ(WEXITSTATUS(status), 0);
    read_log(out2, &run2);

    /* Nothing lost. */
    CHECK_INT_EQ(distinct_seqs(&run1, &run2), TOTAL);

    /* Per partition: run 1 did [0..a], run 2 did [b..end] with 0 < b <= a + 1 somewhere. */
    long duplicates = 0;
    bool resumed_from_commit = false;
    for (int part = 0; part < PARTITIONS; part++) {
        long first1, last1, first2, last2;
        CHECK(run_range(&run1, part, &first1, &last1));
        CHECK(run_range(&run2, part, &first2, &last2));
        if (first1 == -1) {
            CHECK_INT_EQ(first2, 0); /* run 1 never got here: run 2 starts at the beginning */
            continue;
        }
        CHECK_INT_EQ(first1, 0);
        if (first2 == -1) {
            continue; /* run 1 finished this partition and committed it all */
        }
        CHECK(first2 <= last1 + 1); /* no gap */
        if (first2 > 0) {
            resumed_from_commit = true;
        }
        if (first2 <= last1) {
            duplicates += last1 - first2 + 1;
        }
    }
    CHECK(resumed_from_commit);
    fprintf(stderr, "duplicates (the uncommitted tail): %ld\n", duplicates);
    CHECK_INT_EQ((long)(run1.n + run2.n) - TOTAL, duplicates);

    /* The clean close committed everything run 2 did. */
    long committed[PARTITIONS] = {-9, -9, -9};
    long end[PARTITIONS] = {-1, -1, -1};
    committed_offsets(topic, group, committed, end);
    long sum = 0;
    for (int part = 0; part < PARTITIONS; part++) {
        CHECK_INT_EQ(committed[part], end[part]);
        sum += end[part];
    }
    CHECK_INT_EQ(sum, TOTAL);

    unlink(out1);
    unlink(out2);
    free(run1.records);
    free(run2.records);
}

int main(void)
{
    RUN_TEST(test_kill_and_resume);
    return sluice_test_report();
}
