/*
 * worker_bench.c — what sluice-worker costs to start a job's command, beside
 * the floors measured in the same run.
 *
 *   1. Job → first command: the real worker (a child process, with the
 *      artifact store it writes the action logs to, also a child) and
 *      JOBS (default 200) Commands jobs sent one at a time to the jobs
 *      topic, signed as the orchestrator signs them. Each job's one command
 *      writes its number to a FIFO this process reads; the time from
 *      bus_producer_send to that read is the latency: intake, the claim in
 *      Redis, the job record and its credentials, the workspace, the log
 *      opened, fork/exec of the wrapper and the command. p50 / p99 beside
 *      the floors: the Kafka produce→consume round trip (bench_floor_kafka)
 *      and the same fork/exec of /bin/sh writing to the FIFO, from here.
 *   2. Throughput: ROUNDS (default 10) of 20 trivial jobs sent at once to a
 *      worker of 20 slots (2 cores here); a round ends when every job's
 *      finished marker is in Redis (written after its result was sent).
 *      Jobs per second, beside 20 concurrent fork/execs of the same command
 *      from here; the worker's RSS (VmRSS, VmHWM) afterwards.
 *
 * Environment: SLUICE_TEST_ENV_FILE (the broker, Redis and the bus key
 * file, from scripts/test-env.sh), SLUICE_BENCH_WORKER and
 * SLUICE_BENCH_ARTIFACTS (the binaries), SLUICE_BENCH_JOBS and
 * SLUICE_BENCH_ROUNDS. Prints figures only; never fails on a number.
 * Single-threaded.
 */
#include "bench_envelope.h"
#include "bench_floor.h"
#include "bench_proc.h"
#include "bench_stats.h"

#include "sluice/bus_envelope.h"
#include "sluice/bus_producer.h"
#include "sluice/error.h"
#include "sluice/id.h"
#include "sluice/protocol_arn.h"
#include "sluice/protocol_names.h"
#include "sluice/state_redis.h"
#include "sluice/time.h"
#include "testenv.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BENCH_CONCURRENT 20
#define BENCH_ACCOUNT    BENCH_ENVELOPE_ACCOUNT
#define BENCH_REGION     BENCH_ENVELOPE_REGION

typedef struct bench {
    const char *brokers;
    char prefix[64];
    char jobs_topic[96];
    char pipeline[64];
    char dir[64];
    char fifo[128];
    int fifo_fd;
    char line[4096]; /* what was read from the FIFO and not yet taken */
    size_t line_len;
    bus_producer *producer;
    state_redis *redis;
    char execution[SLUICE_UUID_LEN + 1];
} bench;

static int env_int(const char *name, int def)
{
    const char *v = getenv(name);
    char *end = NULL;
    long n = v != NULL ? strtol(v, &end, 10) : 0;
    return v != NULL && end != v && *end == '\0' && n > 0 && n < 1000000 ? (int)n : def;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Waits up to timeout_ms for one line from the FIFO; its number, or -1. */
static long fifo_next(bench *b, int timeout_ms)
{
    int64_t until = sluice_time_monotonic_ms() + timeout_ms;
    for (;;) {
        char *nl = memchr(b->line, '\n', b->line_len);
        if (nl != NULL) {
            long n = strtol(b->line, NULL, 10);
            size_t used = (size_t)(nl - b->line) + 1;
            memmove(b->line, b->line + used, b->line_len - used);
            b->line_len -= used;
            return n;
        }
        int left = (int)(until - sluice_time_monotonic_ms());
        if (left <= 0) {
            return -1;
        }
        struct pollfd pfd = {.fd = b->fifo_fd, .events = POLLIN};
        if (poll(&pfd, 1, left) > 0) {
            ssize_t r = read(b->fifo_fd, b->line + b->line_len, sizeof b->line - b->line_len);
            if (r > 0) {
                b->line_len += (size_t)r;
            }
        }
    }
}

/* Sends Commands job number n (its id into job_id) to the jobs topic. */
static int send_job(bench *b, long n, char *job_id)
{
    char action_id[SLUICE_UUID_LEN + 1];
    char command[256];
    char deadline[32];
    sluice_uuid_v4(job_id);
    sluice_uuid_v4(action_id);
    snprintf(command, sizeof command, "echo %ld > %s", n, b->fifo);
    time_t later = time(NULL) + 600;
    struct tm tm;
    gmtime_r(&later, &tm);
    strftime(deadline, sizeof deadline, "%Y-%m-%dT%H:%M:%SZ", &tm);
    json_t *detail = json_pack(
        "{s:s, s:s, s:i, s:s, s:s, s:s, s:s, s:{s:s, s:s, s:s, s:s}, s:{}, s:[s], s:s}", "jobId",
        job_id, "pipeline", b->pipeline, "pipelineVersion", 1, "pipelineExecutionId", b->execution,
        "stage", "Run", "action", "Bench", "actionExecutionId", action_id, "actionTypeId",
        "category", "Compute", "owner", "AWS", "provider", "Commands", "version", "1",
        "configuration", "commands", command, "deadline", deadline);
    char id[SLUICE_UUID_LEN + 1];
    char arn[PROTOCOL_ARN_MAX];
    (void)protocol_arn_pipeline(arn, sizeof arn, BENCH_REGION, BENCH_ACCOUNT, b->pipeline);
    const char *resources[1] = {arn};
    bus_envelope_spec spec = {
        .detail_type = PROTOCOL_DETAIL_JOB,
        .source = "sluice.orchestrator",
        .account = BENCH_ACCOUNT,
        .region = BENCH_REGION,
        .resources = resources,
        .nresources = 1,
        .detail = detail,
    };
    sluice_buf text;
    sluice_buf_init(&text, BUS_ENVELOPE_MAX_BYTES);
    int rc = bench_envelope_encode(&spec, id, &text);
    rc = rc ? rc
            : bus_producer_send(b->producer, b->jobs_topic, b->pipeline, strlen(b->pipeline),
                                text.data, text.len, NULL);
    (void)bus_producer_poll(b->producer, 0);
    sluice_buf_free(&text);
    json_decref(detail);
    return rc;
}

/* True once job_id's finished marker exists. */
static bool job_done(bench *b, const char *job_id)
{
    char key[256];
    snprintf(key, sizeof key, "sluice:{%s}:worker:done:%s", b->pipeline, job_id);
    const char *argv[] = {"EXISTS", key};
    redisReply *reply = NULL;
    if (state_redis_commandv(b->redis, STATE_REDIS_RETRY, 2, argv, NULL, &reply) != 0) {
        return false;
    }
    bool done = reply->type == REDIS_REPLY_INTEGER && reply->integer == 1;
    freeReplyObject(reply);
    return done;
}

/* fork/exec of /bin/sh -c "echo n > fifo" from here, as the floor of a command's start. */
static pid_t spawn_floor(bench *b, long n)
{
    char command[256];
    snprintf(command, sizeof command, "echo %ld > %s", n, b->fifo);
    pid_t pid = fork();
    if (pid == 0) {
        char sh[] = "/bin/sh";
        char dash_c[] = "-c";
        char *const argv[] = {sh, dash_c, command, NULL};
        char path[] = "PATH=/usr/bin:/bin";
        char *const envp[] = {path, NULL};
        execve("/bin/sh", argv, envp);
        _exit(127);
    }
    return pid;
}

static bool port_open(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool ok = fd >= 0 && connect(fd, (struct sockaddr *)&addr, sizeof addr) == 0;
    if (fd >= 0) {
        close(fd);
    }
    return ok;
}

static int write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        return -1;
    }
    ssize_t n = write(fd, text, strlen(text));
    close(fd);
    return n == (ssize_t)strlen(text) ? 0 : -1;
}

int main(void)
{
    int njobs = env_int("SLUICE_BENCH_JOBS", 200);
    int rounds = env_int("SLUICE_BENCH_ROUNDS", 10);
    const char *worker_bin = getenv("SLUICE_BENCH_WORKER");
    const char *artifacts_bin = getenv("SLUICE_BENCH_ARTIFACTS");
    if (worker_bin == NULL || artifacts_bin == NULL) {
        fprintf(stderr, "SLUICE_BENCH_WORKER and SLUICE_BENCH_ARTIFACTS must name the binaries\n");
        return 2;
    }
    static bench b;
    char err[1024];
    b.brokers = testenv_require("SLUICE_TEST_KAFKA_BROKERS");
    const char *bus_key_file = testenv_require("SLUICE_TEST_BUS_KEY_FILE");
    testenv_unique_name("wb", b.prefix, sizeof b.prefix);
    size_t plen = strlen(b.prefix);
    snprintf(b.prefix + plen, sizeof b.prefix - plen, ".");
    snprintf(b.jobs_topic, sizeof b.jobs_topic, "%sjobs", b.prefix);
    testenv_unique_name("bench", b.pipeline, sizeof b.pipeline);
    sluice_uuid_v4(b.execution);
    snprintf(b.dir, sizeof b.dir, "/tmp/sluice-worker-bench-XXXXXX");
    if (mkdtemp(b.dir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(b.fifo, sizeof b.fifo, "%s/started", b.dir);
    if (mkfifo(b.fifo, 0600) != 0) {
        perror("mkfifo");
        return 1;
    }
    b.fifo_fd = open(b.fifo, O_RDWR | O_NONBLOCK | O_CLOEXEC); /* never EOF */
    char keys_path[160];
    snprintf(keys_path, sizeof keys_path, "%s/job-keys", b.dir);
    if (b.fifo_fd < 0 ||
        write_file(keys_path, "bench 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e"
                              "1f\n") != 0) {
        perror("setup");
        return 1;
    }

    /* floors: Kafka round trip, fork/exec from here */
    bench_stats rtt, ack, exec_floor, latency;
    bench_stats_init(&rtt);
    bench_stats_init(&ack);
    bench_stats_init(&exec_floor);
    bench_stats_init(&latency);
    char floor_topic[96], dead_topic[96];
    snprintf(floor_topic, sizeof floor_topic, "%sfloor", b.prefix);
    snprintf(dead_topic, sizeof dead_topic, "%sdeadletter", b.prefix);
    if (bench_floor_kafka(b.brokers, floor_topic, dead_topic, 200, 0, &rtt, &ack, err,
                          sizeof err) != 0) {
        fprintf(stderr, "kafka floor: %s\n", err);
        return 1;
    }
    for (long i = 0; i < 100; i++) {
        int64_t t0 = sluice_time_monotonic_ns();
        pid_t pid = spawn_floor(&b, i);
        long got = fifo_next(&b, 5000);
        bench_stats_add(&exec_floor, sluice_time_monotonic_ns() - t0);
        (void)waitpid(pid, NULL, 0);
        (void)got;
    }
    int64_t f0 = sluice_time_monotonic_ns();
    for (int r = 0; r < rounds; r++) {
        pid_t pids[BENCH_CONCURRENT];
        for (int i = 0; i < BENCH_CONCURRENT; i++) {
            pids[i] = spawn_floor(&b, i);
        }
        for (int i = 0; i < BENCH_CONCURRENT; i++) {
            (void)fifo_next(&b, 5000);
            (void)waitpid(pids[i], NULL, 0);
        }
    }
    double floor_per_s =
        (double)rounds * BENCH_CONCURRENT / ((double)(sluice_time_monotonic_ns() - f0) / 1e9);

    /* the artifact store (the logs) and the worker */
    int port_base = 20000 + (int)(getpid() % 20000);
    char a_port[64], a_dir[200], a_keys[200], w_brokers[512], w_prefix[128], w_redis_host[128],
        w_redis_port[64], w_bus[300], w_keys[200], w_endpoint[128], w_ws[200], w_group[128],
        w_port[64];
    snprintf(a_port, sizeof a_port, "SLUICE_ARTIFACTS_PORT=%d", port_base);
    snprintf(a_dir, sizeof a_dir, "SLUICE_ARTIFACTS_DIR=%s/artifacts", b.dir);
    snprintf(a_keys, sizeof a_keys, "SLUICE_JOB_CREDENTIAL_KEYS_FILE=%s", keys_path);
    const char *a_env[] = {a_port,
                           a_dir,
                           a_keys,
                           "SLUICE_ARTIFACTS_MIN_FREE_BYTES=0",
                           "SLUICE_ARTIFACTS_BUCKETS=sluice-artifacts",
                           "SLUICE_ARTIFACTS_CREDENTIALS=AKIDBENCH:bench-secret-xxxxxxxxxxxx:admin:"
                           "admin",
                           "SLUICE_LOG_LEVEL=warn",
                           NULL};
    char log_path[200];
    snprintf(log_path, sizeof log_path, "%s/artifacts.log", b.dir);
    bench_proc artifacts;
    if (bench_proc_spawn(&artifacts, artifacts_bin, a_env, log_path, err, sizeof err) != 0) {
        fprintf(stderr, "artifacts: %s\n", err);
        return 1;
    }
    for (int i = 0; i < 200 && !port_open(port_base); i++) {
        sleep_ms(50);
    }
    snprintf(w_brokers, sizeof w_brokers, "SLUICE_KAFKA_BROKERS=%s", b.brokers);
    snprintf(w_prefix, sizeof w_prefix, "SLUICE_TOPIC_PREFIX=%s", b.prefix);
    snprintf(w_redis_host, sizeof w_redis_host, "SLUICE_REDIS_HOST=%s",
             testenv_require("SLUICE_TEST_REDIS_HOST"));
    snprintf(w_redis_port, sizeof w_redis_port, "SLUICE_REDIS_PORT=%s",
             testenv_require("SLUICE_TEST_REDIS_PORT"));
    snprintf(w_bus, sizeof w_bus, "SLUICE_BUS_KEY_FILE=%s", bus_key_file);
    snprintf(w_keys, sizeof w_keys, "SLUICE_JOB_CREDENTIAL_KEYS_FILE=%s", keys_path);
    snprintf(w_endpoint, sizeof w_endpoint, "SLUICE_ARTIFACTS_ENDPOINT=http://127.0.0.1:%d",
             port_base);
    snprintf(w_ws, sizeof w_ws, "SLUICE_WORKER_WORKSPACES=%s/workspaces", b.dir);
    snprintf(w_group, sizeof w_group, "SLUICE_WORKER_GROUP=%sworker", b.prefix);
    snprintf(w_port, sizeof w_port, "SLUICE_WORKER_PORT=%d", port_base + 1);
    const char *w_env[] = {w_brokers,
                           w_prefix,
                           w_redis_host,
                           w_redis_port,
                           w_bus,
                           w_keys,
                           w_endpoint,
                           w_ws,
                           w_group,
                           w_port,
                           "SLUICE_WORKER_SLOTS=20",
                           "SLUICE_TOPIC_PARTITIONS=3",
                           "SLUICE_LOG_LEVEL=warn",
                           NULL};
    snprintf(log_path, sizeof log_path, "%s/worker.log", b.dir);
    bench_proc worker;
    if (bench_proc_spawn(&worker, worker_bin, w_env, log_path, err, sizeof err) != 0) {
        fprintf(stderr, "worker: %s\n", err);
        return 1;
    }
    worker.port = port_base + 1;
    double slots = 0;
    for (int i = 0; i < 400 && bench_proc_metric(&worker, "sluice_worker_slots", &slots) != 0;
         i++) {
        sleep_ms(50);
    }

    bus_producer_config pcfg;
    bus_producer_config_init(&pcfg);
    pcfg.brokers = b.brokers;
    pcfg.linger_ms = 0;
    pcfg.signer = testenv_bus_keys();
    state_redis_config rcfg;
    state_redis_config_init(&rcfg);
    rcfg.host = testenv_require("SLUICE_TEST_REDIS_HOST");
    rcfg.port = (int)strtol(testenv_require("SLUICE_TEST_REDIS_PORT"), NULL, 10);
    if (bus_producer_new(&pcfg, &b.producer, err, sizeof err) != 0 ||
        state_redis_new(&rcfg, &b.redis, err, sizeof err) != 0) {
        fprintf(stderr, "clients: %s\n", err);
        return 1;
    }
    /* warm-up: the worker joins its group and gets the partitions */
    char job_id[SLUICE_UUID_LEN + 1];
    long warm = -1;
    for (int attempt = 0; attempt < 6 && warm < 0; attempt++) {
        if (send_job(&b, 999999, job_id) != 0) {
            fprintf(stderr, "cannot send a job\n");
            return 1;
        }
        (void)bus_producer_flush(b.producer, 5000);
        warm = fifo_next(&b, 10000);
    }
    if (warm < 0) {
        fprintf(stderr, "the worker ran no job (its log: %s)\n", log_path);
        return 1;
    }
    sleep_ms(200);

    /* 1. one job at a time */
    int lost = 0;
    for (long i = 0; i < njobs; i++) {
        int64_t t0 = sluice_time_monotonic_ns();
        (void)send_job(&b, i, job_id);
        long got = fifo_next(&b, 5000);
        if (got == i) {
            bench_stats_add(&latency, sluice_time_monotonic_ns() - t0);
        } else {
            lost++;
        }
        for (int k = 0; k < 100 && !job_done(&b, job_id); k++) {
            sleep_ms(1);
        }
    }

    /* 2. 20 at once */
    int64_t t0 = sluice_time_monotonic_ns();
    int finished = 0;
    for (int r = 0; r < rounds; r++) {
        char ids[BENCH_CONCURRENT][SLUICE_UUID_LEN + 1];
        for (int i = 0; i < BENCH_CONCURRENT; i++) {
            (void)send_job(&b, i, ids[i]);
        }
        (void)bus_producer_flush(b.producer, 5000);
        for (int i = 0; i < BENCH_CONCURRENT; i++) {
            int64_t until = sluice_time_monotonic_ms() + 20000;
            while (!job_done(&b, ids[i]) && sluice_time_monotonic_ms() < until) {
                sleep_ms(1);
            }
            finished += job_done(&b, ids[i]) ? 1 : 0;
        }
    }
    double secs = (double)(sluice_time_monotonic_ns() - t0) / 1e9;
    while (fifo_next(&b, 0) >= 0) {
    }
    long rss = bench_proc_status_kb(worker.pid, "VmRSS");
    long hwm = bench_proc_status_kb(worker.pid, "VmHWM");

    bench_summary lat, net, fork_exec;
    bench_stats_summarize(&latency, &lat);
    bench_stats_summarize(&rtt, &net);
    bench_stats_summarize(&exec_floor, &fork_exec);
    printf("job on %s -> first command running (%d jobs one at a time, %d lost; logs stored)\n",
           "sluice.jobs", njobs, lost);
    printf("  p50 %.2f ms   p90 %.2f ms   p99 %.2f ms   max %.2f ms\n", lat.p50_ms, lat.p90_ms,
           lat.p99_ms, lat.max_ms);
    printf("  floor: kafka produce->consume   p50 %.2f ms, p99 %.2f ms\n", net.p50_ms, net.p99_ms);
    printf("  floor: fork/exec of the command p50 %.2f ms, p99 %.2f ms\n", fork_exec.p50_ms,
           fork_exec.p99_ms);
    printf("  ratio p50 / (kafka + fork/exec) p50  %.1fx\n",
           lat.p50_ms / (net.p50_ms + fork_exec.p50_ms));
    printf("%d concurrent trivial jobs (%d rounds, 20 slots, %ld cores online)\n", BENCH_CONCURRENT,
           rounds, sysconf(_SC_NPROCESSORS_ONLN));
    printf("  %.0f jobs/s (%d of %d finished in %.2f s)\n", finished / secs, finished,
           rounds * BENCH_CONCURRENT, secs);
    printf("  floor: the same commands forked from here  %.0f commands/s\n", floor_per_s);
    printf("  ratio floor / worker                       %.1fx\n", floor_per_s / (finished / secs));
    printf("  worker RSS after the run  %ld KiB (peak %ld KiB)\n", rss, hwm);

    bus_producer_free(b.producer);
    state_redis_free(b.redis);
    (void)bench_proc_stop(&worker, 5000);
    (void)bench_proc_stop(&artifacts, 5000);
    close(b.fifo_fd);
    char rm[128];
    snprintf(rm, sizeof rm, "rm -rf '%s'", b.dir);
    if (system(rm) != 0) {
        fprintf(stderr, "%s left behind\n", b.dir);
    }
    bench_stats_free(&rtt);
    bench_stats_free(&ack);
    bench_stats_free(&exec_floor);
    bench_stats_free(&latency);
    return 0;
}
