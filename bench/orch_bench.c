/*
 * orch_bench.c — sluice-orchestrator-bench: how fast the orchestrator moves
 * executions from one action to the next, next to what Kafka and Redis cost
 * on their own. Prints figures; it is a benchmark, not a test (nothing here
 * passes or fails on a number).
 *
 * Against the Kafka broker and Redis server named by SLUICE_TEST_ENV_FILE
 * (scripts/test-env.sh writes it; bench/run.sh does everything), in order:
 *   1. floors: Kafka produce→consume round trip, produce→ack and one step's
 *      burst + flush, Redis EVALSHA;
 *   2. start-up probes: sluice-orchestrator started and stopped a few times,
 *      "orchestrator ready in N ms" as logged and exec→ready seen from outside;
 *   3. replica 0 started, its idle RSS read once it joined its group;
 *   4. for 1, then 2 replicas (one consumer group, SLUICE_BENCH_PARTITIONS
 *      partitions): light load (one execution at a time: transition latency),
 *      then a closed loop of pipelines × per-pipeline executions in flight on
 *      a fresh set of pipelines (transitions per second and latency under
 *      load, CPU per process, the replicas' own step counters), a look at
 *      one state document while the load holds, and a drain.
 * The pipelines are V2 PARALLEL with five single-action stages (Source,
 * Build, Test, Package, Deploy); the runner (bench_runner.h) answers every
 * job at once. Settings: the table below (SLUICE_BENCH_*).
 *
 * Single-threaded (librdkafka has its own threads); orchestrators run as
 * child processes and are stopped on every way out.
 */
#include "bench_cpu.h"
#include "bench_floor.h"
#include "bench_proc.h"
#include "bench_runner.h"
#include "bench_state.h"
#include "bench_stats.h"

#include "testenv.h"

#include "sluice/bus_admin.h"
#include "sluice/bus_topics.h"
#include "sluice/config.h"
#include "sluice/error.h"
#include "sluice/log.h"
#include "sluice/protocol_names.h"
#include "sluice/signal.h"
#include "sluice/state_key.h"
#include "sluice/state_redis.h"
#include "sluice/time.h"

#include <inttypes.h>
#include <jansson.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BENCH_MAX_PIPELINES   64
#define BENCH_MAX_REPLICAS    2
#define BENCH_MAX_PROBES      10
#define BENCH_NSTAGES         5
#define BENCH_NAME_MAX        100
#define BENCH_WARMUP_CAP_MS   30000
#define BENCH_PAUSE_MS        1500
#define BENCH_JOIN_TIMEOUT_MS 30000
/* Light executions run, unmeasured, before a light phase: the first few
 * hundred ms after a replica starts (and after the topics were made) are
 * slower in their tail, the last stage's job most: with 5 the light p99 was
 * 4-7x the transition floor, with 50 (about 0.6 s) 2.2-2.6x. */
#define BENCH_LIGHT_WARMUP    50
#define BENCH_EXEC_TIMEOUT_MS 30000
#define BENCH_QUIET_MS        500
#define BENCH_BURSTS          500
#define BENCH_BURST_SIZE      7 /* about what one transition publishes: a job and its events */

typedef struct bench_config {
    int64_t pipelines;
    int64_t per_pipeline;
    int64_t light;
    int64_t warmup_ms;
    int64_t measure_ms;
    int64_t drain_ms;
    int64_t replicas;
    int64_t partitions;
    int64_t kafka_probes;
    int64_t redis_probes;
    int64_t startup_probes;
    int64_t linger_ms;
    char orchestrator[1024];
    char log_dir[1024];
    char perf_dir[1024];
} bench_config;

static const sluice_config_var bench_config_vars[] = {
    SLUICE_CONFIG_INT("SLUICE_BENCH_PIPELINES", bench_config, pipelines, 1, BENCH_MAX_PIPELINES,
                      "20", "pipelines of the load phase"),
    SLUICE_CONFIG_INT("SLUICE_BENCH_PER_PIPELINE", bench_config, per_pipeline, 1, 90, "50",
                      "executions in flight per pipeline in the load phase"),
    SLUICE_CONFIG_INT("SLUICE_BENCH_LIGHT", bench_config, light, 1, 10000, "100",
                      "executions run one at a time in the light phase"),
    SLUICE_CONFIG_INT("SLUICE_BENCH_WARMUP_MS", bench_config, warmup_ms, 0, 60000, "3000",
                      "least warm-up of the load phase (it also waits for every first job)"),
    SLUICE_CONFIG_INT("SLUICE_BENCH_MEASURE_MS", bench_config, measure_ms, 1000, 300000, "10000",
                      "length of the measured window of the load phase"),
    SLUICE_CONFIG_INT("SLUICE_BENCH_DRAIN_MS", bench_config, drain_ms, 1000, 600000, "60000",
                      "longest wait for the executions in flight to finish"),
    SLUICE_CONFIG_INT("SLUICE_BENCH_REPLICAS", bench_config, replicas, 1, BENCH_MAX_REPLICAS, "2",
                      "measure with 1 up to this many orchestrator replicas"),
    SLUICE_CONFIG_INT("SLUICE_BENCH_PARTITIONS", bench_config, partitions, 1, 64, "6",
                      "partitions of the topics"),
    SLUICE_CONFIG_INT("SLUICE_BENCH_KAFKA_PROBES", bench_config, kafka_probes, 10, 100000, "2000",
                      "messages of the Kafka round-trip floor"),
    SLUICE_CONFIG_INT("SLUICE_BENCH_REDIS_PROBES", bench_config, redis_probes, 10, 1000000, "10000",
                      "calls of the Redis EVALSHA floor"),
    SLUICE_CONFIG_INT("SLUICE_BENCH_STARTUP_PROBES", bench_config, startup_probes, 0,
                      BENCH_MAX_PROBES, "3", "extra start/stop cycles timing the start-up"),
    SLUICE_CONFIG_INT("SLUICE_BENCH_LINGER_MS", bench_config, linger_ms, 0, 1000, "0",
                      "linger of the Kafka floor's producer"),
    SLUICE_CONFIG_STR("SLUICE_BENCH_ORCHESTRATOR", bench_config, orchestrator, 0, "",
                      "the sluice-orchestrator binary (default: under SLUICE_BINARY_DIR)"),
    SLUICE_CONFIG_STR("SLUICE_BENCH_LOG_DIR", bench_config, log_dir, 0, "",
                      "where replica logs go (default: SLUICE_BINARY_DIR/bench-logs)"),
    SLUICE_CONFIG_STR("SLUICE_BENCH_PERF_DIR", bench_config, perf_dir, 0, "",
                      "when set: perf record replica 0 during the 1-replica load window"),
};

static const char *const bench_stages[BENCH_NSTAGES] = {"Source", "Build", "Test", "Package",
                                                        "Deploy"};

/* Five stages, one action each; V2 PARALLEL: executions neither wait for nor supersede others. */
#define BENCH_ACTION(name, in, out)                                                                \
    "{\"name\":\"" name "\",\"actionTypeId\":{\"category\":\"Build\",\"owner\":\"AWS\","           \
    "\"provider\":\"CodeBuild\",\"version\":\"1\"},\"configuration\":{\"ProjectName\":\"bench\"}," \
    "\"inputArtifacts\":[{\"name\":\"" in "\"}],\"outputArtifacts\":[{\"name\":\"" out "\"}]}"
#define BENCH_STAGE(name, action) "{\"name\":\"" name "\",\"actions\":[" action "]}"
#define BENCH_PIPELINE                                                                                                                                                        \
    "{\"roleArn\":\"arn:aws:iam::123456789012:role/bench\","                                                                                                                  \
    "\"artifactStore\":{\"type\":\"S3\",\"location\":\"artifacts\"},"                                                                                                         \
    "\"pipelineType\":\"V2\",\"executionMode\":\"PARALLEL\",\"stages\":[" BENCH_STAGE(                                                                                        \
        "Source",                                                                                                                                                             \
        "{\"name\":\"Checkout\",\"actionTypeId\":{\"category\":\"Source\",\"owner\":"                                                                                         \
        "\"AWS\",\"provider\":\"CodeCommit\",\"version\":\"1\"},\"configuration\":"                                                                                           \
        "{\"RepositoryName\":\"bench\",\"BranchName\":\"main\"},"                                                                                                             \
        "\"outputArtifacts\":[{\"name\":\"Src\"}]}") "," BENCH_STAGE("Build",                                                                                                 \
                                                                     BENCH_ACTION(                                                                                            \
                                                                         "Compile", "Src",                                                                                    \
                                                                         "Bin")) "," BENCH_STAGE("Test",                                                                      \
                                                                                                 BENCH_ACTION(                                                                \
                                                                                                     "UnitTests",                                                             \
                                                                                                     "Bin",                                                                   \
                                                                                                     "Report")) "," BENCH_STAGE("Package",                                    \
                                                                                                                                BENCH_ACTION(                                 \
                                                                                                                                    "Bundle",                                 \
                                                                                                                                    "Bin",                                    \
                                                                                                                                    "Bundle")) "," BENCH_STAGE("Deploy",      \
                                                                                                                                                               BENCH_ACTION(  \
                                                                                                                                                                   "Release", \
                                                                                                                                                                   "Bundle",  \
                                                                                                                                                                   "Released")) "]}"

/* What the processes did between two snapshots. */
typedef struct bench_usage {
    double seconds;
    double steps_per_s;  /* orchestrator steps (all replicas, from their /metrics) */
    double step_ms;      /* mean time of one step, consume to outbox ack */
    double duplicates;   /* requests skipped as already applied */
    double conflicts;    /* compare-and-set conflicts */
    double machine_busy; /* share of all CPUs busy, 0..1 */
    double replica_cores[BENCH_MAX_REPLICAS]; /* CPU used, in cores */
    double runner_cores;                      /* this process (the runner) */
    double kafka_cores;
    double redis_cores;
    double orch_cpu_ms_per_step;
} bench_usage;

typedef struct bench_snap {
    int64_t ns;
    double steps, step_sum, step_count, duplicates, conflicts;
    double replica_ms[BENCH_MAX_REPLICAS];
    double self_ms, kafka_ms, redis_ms, busy_ms, total_ms;
} bench_snap;

/* What one load phase measured. */
typedef struct bench_load {
    double seconds;
    double transitions_per_s; /* next job observed after a result, per second */
    double steps_per_s;       /* requests stepped by the orchestrators (their /metrics) */
    double warmup_s;
    double drain_s;
    bool drained;
    bench_summary latency;
    bench_state_figures state;
    bool have_state;
    bench_usage usage;
} bench_load;

/* Everything measured at one replica count. */
typedef struct bench_phase {
    int replicas;
    bench_summary light;
    bench_usage light_usage;
    bench_state_figures light_state;
    bool have_light_state;
    bench_load load;
} bench_phase;

typedef struct bench {
    bench_config cfg;
    const char *brokers;
    const char *redis_host;
    int redis_port;
    char unique[64];
    char prefix[80];
    bus_topics topics;
    state_redis *redis;
    bench_runner *runner;
    /* [0] the light pipeline, then one fresh set of load pipelines per replica count */
    char names[1 + BENCH_MAX_REPLICAS * BENCH_MAX_PIPELINES][BENCH_NAME_MAX + 1];
    const char *name_ptrs[1 + BENCH_MAX_REPLICAS * BENCH_MAX_PIPELINES];
    size_t npipelines;
    bench_proc replicas[BENCH_MAX_REPLICAS];
    bench_stats startup_logged; /* ns, from "ready in N ms" */
    bench_stats startup_outside;
    long idle_rss_kb;
    long idle_hwm_kb;
    bench_summary kafka_rtt;
    bench_summary kafka_ack;
    bench_summary kafka_burst;
    bench_summary redis_rtt;
    bench_phase phases[BENCH_MAX_REPLICAS];
    int nphases;
    pid_t kafka_pid;
    pid_t redis_pid;
    double load_before[3];
    double load_after[3];
} bench;

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void say(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("bench: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static void bench_sleep_ms(int64_t ms)
{
    struct timespec ts = {.tv_sec = (time_t)(ms / 1000), .tv_nsec = (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static bool bench_stopped(void)
{
    return sluice_signal_stop_requested();
}

static void bench_loadavg(double out[3])
{
    out[0] = out[1] = out[2] = -1;
    FILE *f = fopen("/proc/loadavg", "r");
    if (f != NULL) {
        if (fscanf(f, "%lf %lf %lf", &out[0], &out[1], &out[2]) != 3) {
            out[0] = out[1] = out[2] = -1;
        }
        fclose(f);
    }
}

static void bench_cpu_model(char *out, size_t outlen)
{
    snprintf(out, outlen, "unknown");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f == NULL) {
        return;
    }
    char line[512];
    while (fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, "model name", 10) == 0) {
            const char *colon = strchr(line, ':');
            if (colon != NULL) {
                snprintf(out, outlen, "%s", colon + 2);
                out[strcspn(out, "\n")] = '\0';
            }
            break;
        }
    }
    fclose(f);
}

/* ---- orchestrator replicas ---------------------------------------------------- */

/* Starts an orchestrator in group (instance id instance); logs to log_dir/<name>.log. */
static int bench_spawn(bench *b, bench_proc *p, const char *name, const char *group,
                       const char *instance)
{
    char env[15][1100];
    snprintf(env[0], sizeof env[0], "SLUICE_KAFKA_BROKERS=%s", b->brokers);
    snprintf(env[1], sizeof env[1], "SLUICE_TOPIC_PREFIX=%s", b->prefix);
    snprintf(env[2], sizeof env[2], "SLUICE_TOPIC_PARTITIONS=%" PRId64, b->cfg.partitions);
    snprintf(env[3], sizeof env[3], "SLUICE_REDIS_HOST=%s", b->redis_host);
    snprintf(env[4], sizeof env[4], "SLUICE_REDIS_PORT=%d", b->redis_port);
    snprintf(env[5], sizeof env[5], "SLUICE_ORCHESTRATOR_PORT=0");
    snprintf(env[6], sizeof env[6], "SLUICE_ORCHESTRATOR_GROUP=%s", group);
    snprintf(env[7], sizeof env[7], "SLUICE_ORCHESTRATOR_INSTANCE=%s", instance);
    snprintf(env[8], sizeof env[8], "SLUICE_LOG_LEVEL=info");
    snprintf(env[9], sizeof env[9], "SLUICE_KAFKA_SESSION_TIMEOUT_MS=6000");
    snprintf(env[10], sizeof env[10], "SLUICE_CONFIG_FILE=");
    snprintf(env[11], sizeof env[11], "SLUICE_REDIS_PASSWORD=");
    snprintf(env[12], sizeof env[12], "SLUICE_CLOCK_OFFSET_MS=0");
    snprintf(env[13], sizeof env[13], "SLUICE_BUS_KEY_FILE=%s",
             testenv_require("SLUICE_TEST_BUS_KEY_FILE"));
    snprintf(env[14], sizeof env[14], "SLUICE_ORCHESTRATOR_ID_KEY_FILE=%s",
             testenv_require("SLUICE_TEST_ORCHESTRATOR_ID_KEY_FILE"));
    const char *envp[16];
    for (int i = 0; i < 15; i++) {
        envp[i] = env[i];
    }
    envp[15] = NULL;
    char log[1200];
    snprintf(log, sizeof log, "%s/%s%s.log", b->cfg.log_dir, b->prefix, name);
    char err[512];
    if (bench_proc_spawn(p, b->cfg.orchestrator, envp, log, err, sizeof err) != 0) {
        say("cannot start %s: %s", b->cfg.orchestrator, err);
        return -1;
    }
    return 0;
}

/* Waits for the ready line; records the logged and the outside start-up times. */
static int bench_wait_ready(bench *b, bench_proc *p)
{
    char line[1024];
    int64_t seen = 0;
    if (bench_proc_wait_log(p, "orchestrator ready in", 1, BENCH_JOIN_TIMEOUT_MS, &seen, line,
                            sizeof line) != 0) {
        say("the orchestrator did not get ready; see %s", p->log);
        return -1;
    }
    bench_stats_add(&b->startup_outside, seen - p->spawned_ns);
    const char *url = strstr(line, "http://127.0.0.1:");
    if (url != NULL) {
        p->port = (int)strtol(url + strlen("http://127.0.0.1:"), NULL, 10);
    }
    const char *at = strstr(line, "ready in ");
    if (at != NULL) {
        long ms = strtol(at + strlen("ready in "), NULL, 10);
        bench_stats_add(&b->startup_logged, (int64_t)ms * 1000000);
    }
    return 0;
}

static int bench_startup_probes(bench *b)
{
    char group[128];
    snprintf(group, sizeof group, "%s-probe", b->unique);
    for (int64_t i = 0; i < b->cfg.startup_probes && !bench_stopped(); i++) {
        bench_proc p;
        char name[32];
        snprintf(name, sizeof name, "probe%" PRId64, i);
        if (bench_spawn(b, &p, name, group, "") != 0) {
            return -1;
        }
        int rc = bench_wait_ready(b, &p);
        bench_proc_stop(&p, 10000);
        if (rc != 0) {
            return -1;
        }
    }
    return 0;
}

/* Starts replica slot and waits until it is ready and every replica has its partitions. */
static int bench_replica_start(bench *b, int slot)
{
    char group[128];
    char instance[32];
    char name[32];
    snprintf(group, sizeof group, "%s-orch", b->unique);
    snprintf(instance, sizeof instance, "replica%d", slot);
    snprintf(name, sizeof name, "replica%d", slot);
    int before[BENCH_MAX_REPLICAS] = {0};
    for (int i = 0; i < slot; i++) {
        before[i] = bench_proc_log_count(&b->replicas[i], "assigned", NULL, 0);
    }
    if (bench_spawn(b, &b->replicas[slot], name, group, instance) != 0 ||
        bench_wait_ready(b, &b->replicas[slot]) != 0) {
        return -1;
    }
    for (int i = 0; i <= slot; i++) {
        if (bench_proc_wait_log(&b->replicas[i], "assigned", before[i] + 1, BENCH_JOIN_TIMEOUT_MS,
                                NULL, NULL, 0) != 0) {
            say("replica %d did not get its partitions; see %s", i, b->replicas[i].log);
            return -1;
        }
    }
    return 0;
}

/* ---- pipelines ------------------------------------------------------------------- */

static int bench_define(bench *b)
{
    json_error_t jerr;
    for (size_t i = 0; i < b->npipelines; i++) {
        json_t *decl = json_loads(BENCH_PIPELINE, 0, &jerr);
        if (decl == NULL) {
            say("the pipeline declaration does not parse: %s", jerr.text);
            return -1;
        }
        json_object_set_new(decl, "name", json_string(b->names[i]));
        json_object_set_new(decl, "version", json_integer(1));
        json_t *doc = json_pack("{s:o}", "pipeline", decl);
        char *text = json_dumps(doc, JSON_COMPACT);
        json_decref(doc);
        char key[STATE_KEY_MAX + 1];
        char suffix[32];
        snprintf(suffix, sizeof suffix, "%s:v1", STATE_KEY_DEFINITION);
        redisReply *reply = NULL;
        int rc = state_key_build(key, sizeof key, b->names[i], suffix);
        if (rc == SLUICE_OK && text != NULL) {
            rc = state_redis_command(b->redis, STATE_REDIS_RETRY, &reply, "SET %s %s", key, text);
        }
        if (reply != NULL) {
            freeReplyObject(reply);
        }
        free(text);
        json_t *detail =
            json_pack("{s:s, s:i}", "type", PROTOCOL_REQUEST_PIPELINE_UPDATED, "version", 1);
        if (rc != SLUICE_OK || bench_runner_request(b->runner, i, detail) != 0) {
            json_decref(detail);
            say("cannot define %s", b->names[i]);
            return -1;
        }
        json_decref(detail);
    }
    /* Defined once every pipeline has a state record. */
    int64_t deadline = sluice_time_monotonic_ms() + BENCH_JOIN_TIMEOUT_MS;
    for (size_t i = 0; i < b->npipelines; i++) {
        char key[STATE_KEY_MAX + 1];
        state_key_build(key, sizeof key, b->names[i], STATE_KEY_STATE);
        for (;;) {
            redisReply *reply = NULL;
            long long exists = 0;
            if (state_redis_command(b->redis, STATE_REDIS_RETRY, &reply, "EXISTS %s", key) ==
                SLUICE_OK) {
                exists = reply->type == REDIS_REPLY_INTEGER ? reply->integer : 0;
                freeReplyObject(reply);
            }
            if (exists) {
                break;
            }
            if (sluice_time_monotonic_ms() > deadline || bench_stopped()) {
                say("pipeline %s was not installed in time", b->names[i]);
                return -1;
            }
            bench_runner_pump(b->runner, 10);
        }
    }
    return 0;
}

/* ---- where the time goes -------------------------------------------------------- */

static double bench_metric(const bench_proc *p, const char *name)
{
    double v = 0;
    return bench_proc_metric(p, name, &v) == 0 ? v : 0;
}

static void bench_snap_take(const bench *b, bench_snap *s)
{
    memset(s, 0, sizeof *s);
    for (int i = 0; i < BENCH_MAX_REPLICAS; i++) {
        const bench_proc *p = &b->replicas[i];
        if (p->pid <= 0) {
            continue;
        }
        s->steps += bench_metric(p, "sluice_orchestrator_steps_total");
        s->step_sum += bench_metric(p, "sluice_orchestrator_batch_seconds_sum");
        s->step_count += bench_metric(p, "sluice_orchestrator_batch_seconds_count");
        s->duplicates += bench_metric(p, "sluice_orchestrator_duplicates_total");
        s->conflicts += bench_metric(p, "sluice_orchestrator_conflicts_total");
        s->replica_ms[i] = bench_cpu_process_ms(p->pid);
    }
    s->self_ms = bench_cpu_process_ms(getpid());
    s->kafka_ms = b->kafka_pid > 0 ? bench_cpu_process_ms(b->kafka_pid) : 0;
    s->redis_ms = b->redis_pid > 0 ? bench_cpu_process_ms(b->redis_pid) : 0;
    if (bench_cpu_machine_ms(&s->busy_ms, &s->total_ms) != 0) {
        s->busy_ms = s->total_ms = 0;
    }
    s->ns = sluice_time_monotonic_ns();
}

static void bench_usage_between(const bench_snap *a, const bench_snap *z, bench_usage *u)
{
    memset(u, 0, sizeof *u);
    u->seconds = (double)(z->ns - a->ns) / 1e9;
    if (u->seconds <= 0) {
        return;
    }
    double wall_ms = u->seconds * 1000.0;
    double steps = z->steps - a->steps;
    u->steps_per_s = steps / u->seconds;
    double count = z->step_count - a->step_count;
    u->step_ms = count > 0 ? (z->step_sum - a->step_sum) * 1000.0 / count : 0;
    u->duplicates = z->duplicates - a->duplicates;
    u->conflicts = z->conflicts - a->conflicts;
    double total = z->total_ms - a->total_ms;
    u->machine_busy = total > 0 ? (z->busy_ms - a->busy_ms) / total : 0;
    double orch_ms = 0;
    for (int i = 0; i < BENCH_MAX_REPLICAS; i++) {
        u->replica_cores[i] = (z->replica_ms[i] - a->replica_ms[i]) / wall_ms;
        orch_ms += z->replica_ms[i] - a->replica_ms[i];
    }
    u->runner_cores = (z->self_ms - a->self_ms) / wall_ms;
    u->kafka_cores = (z->kafka_ms - a->kafka_ms) / wall_ms;
    u->redis_cores = (z->redis_ms - a->redis_ms) / wall_ms;
    u->orch_cpu_ms_per_step = steps > 0 ? orch_ms / steps : 0;
}

/* ---- phases ------------------------------------------------------------------- */

/* Pumps until the runner has completed target executions; false on timeout or stop. */
static bool bench_pump_until_completed(bench *b, uint64_t target, int timeout_ms)
{
    int64_t deadline = sluice_time_monotonic_ms() + timeout_ms;
    for (;;) {
        bench_runner_counters c;
        bench_runner_counters_get(b->runner, &c);
        if (c.completed >= target) {
            return true;
        }
        if (sluice_time_monotonic_ms() > deadline || bench_stopped()) {
            return false;
        }
        if (bench_runner_pump(b->runner, 50) < 0) {
            return false;
        }
    }
}

/*
 * Writes the light phase's transitions in the order they were seen to
 * log_dir/<prefix>light-replicas<N>.tsv: milliseconds since the first one,
 * the transition's number in its execution (1..4) and its latency in ms.
 */
static void bench_light_write(const bench *b, int replicas, const bench_stats *lat,
                              const bench_stats *at)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%slight-replicas%d.tsv", b->cfg.log_dir, b->prefix, replicas);
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        say("cannot write %s", path);
        return;
    }
    fprintf(f, "at_ms\ttransition\tlatency_ms\n");
    size_t per_execution = BENCH_NSTAGES - 1;
    for (size_t i = 0; i < lat->count && i < at->count; i++) {
        fprintf(f, "%.3f\t%zu\t%.3f\n", (double)(at->ns[i] - at->ns[0]) / 1e6,
                i % per_execution + 1, (double)lat->ns[i] / 1e6);
    }
    fclose(f);
}

/* One execution at a time on the light pipeline: the latency of an unloaded orchestrator. */
static int bench_light(bench *b, int replicas, bench_summary *out, bench_usage *usage)
{
    bench_stats lat;
    bench_stats at;
    bench_stats_init(&lat);
    bench_stats_init(&at);
    bench_snap s1;
    bench_snap s2;
    int rc = -1;
    for (int64_t i = 0; i < BENCH_LIGHT_WARMUP + b->cfg.light; i++) {
        if (i == BENCH_LIGHT_WARMUP) {
            bench_snap_take(b, &s1);
        }
        bench_runner_record_at(b->runner, i >= BENCH_LIGHT_WARMUP ? &lat : NULL, &at);
        bench_runner_counters c;
        bench_runner_counters_get(b->runner, &c);
        if (bench_runner_start(b->runner, 0) != 0 ||
            !bench_pump_until_completed(b, c.completed + 1, BENCH_EXEC_TIMEOUT_MS)) {
            say("light execution %" PRId64 " did not complete", i);
            goto out;
        }
    }
    bench_snap_take(b, &s2);
    bench_usage_between(&s1, &s2, usage);
    bench_light_write(b, replicas, &lat, &at);
    rc = 0;
out:
    bench_runner_record(b->runner, NULL);
    bench_stats_summarize(&lat, out);
    bench_stats_free(&lat);
    bench_stats_free(&at);
    return rc;
}

/* Records replica 0 with perf for the measured window, when asked to. */
static pid_t bench_perf_start(bench *b, int replicas)
{
    if (b->cfg.perf_dir[0] == '\0' || b->replicas[0].pid <= 0) {
        return 0;
    }
    char out[1200];
    char pid[32];
    char seconds[32];
    snprintf(out, sizeof out, "%s/perf-replicas%d.data", b->cfg.perf_dir, replicas);
    snprintf(pid, sizeof pid, "%ld", (long)b->replicas[0].pid);
    snprintf(seconds, sizeof seconds, "%.1f", (double)b->cfg.measure_ms / 1000.0);
    char words[][24] = {"perf", "record", "-q", "-F",   "299", "--call-graph=dwarf,8192",
                        "-o",   "-p",     "--", "sleep"};
    char *const argv[] = {words[0], words[1], words[2], words[3], words[4], words[5], words[6],
                          out,      words[7], pid,      words[8], words[9], seconds,  NULL};
    extern char **environ;
    pid_t child = 0;
    if (posix_spawnp(&child, "perf", NULL, NULL, argv, environ) != 0) {
        say("cannot run perf; recording skipped");
        return 0;
    }
    return child;
}

static void bench_pump_for(bench *b, int64_t ms)
{
    int64_t until = sluice_time_monotonic_ms() + ms;
    while (sluice_time_monotonic_ms() < until && !bench_stopped()) {
        if (bench_runner_pump(b->runner, 20) < 0) {
            return;
        }
    }
}

/* Pumps until the replicas' step counters stood still for BENCH_QUIET_MS (or timeout_ms). */
static void bench_quiesce(bench *b, int timeout_ms)
{
    int64_t deadline = sluice_time_monotonic_ms() + timeout_ms;
    bench_snap last;
    bench_snap_take(b, &last);
    int64_t still_since = sluice_time_monotonic_ms();
    while (sluice_time_monotonic_ms() < deadline && !bench_stopped()) {
        bench_pump_for(b, 100);
        bench_snap now;
        bench_snap_take(b, &now);
        if (now.steps != last.steps) {
            still_since = sluice_time_monotonic_ms();
            last = now;
        } else if (sluice_time_monotonic_ms() - still_since >= BENCH_QUIET_MS) {
            return;
        }
    }
}

/* The closed loop: pipelines × per_pipeline executions in flight for the measured window. */
static int bench_load_phase(bench *b, int replicas, bench_load *out)
{
    memset(out, 0, sizeof *out);
    /* A fresh set per replica count: every load phase starts from the same state sizes. */
    size_t first = 1 + (size_t)(replicas - 1) * (size_t)b->cfg.pipelines;
    size_t end = first + (size_t)b->cfg.pipelines;
    uint64_t total = (uint64_t)b->cfg.pipelines * (uint64_t)b->cfg.per_pipeline;
    bench_runner_counters c0;
    bench_runner_counters_get(b->runner, &c0);
    bench_runner_refill(b->runner, true);
    for (int64_t k = 0; k < b->cfg.per_pipeline; k++) {
        for (size_t p = first; p < end; p++) {
            if (bench_runner_start(b->runner, p) != 0) {
                return -1;
            }
        }
    }
    /* Warm-up: every execution has shown its first job, and the least warm-up passed. */
    int64_t started = sluice_time_monotonic_ms();
    for (;;) {
        bench_runner_counters c;
        bench_runner_counters_get(b->runner, &c);
        int64_t elapsed = sluice_time_monotonic_ms() - started;
        if ((c.executions - c0.executions >= total && elapsed >= b->cfg.warmup_ms) ||
            elapsed >= BENCH_WARMUP_CAP_MS || bench_stopped()) {
            break;
        }
        if (bench_runner_pump(b->runner, 20) < 0) {
            return -1;
        }
    }
    out->warmup_s = (double)(sluice_time_monotonic_ms() - started) / 1000.0;

    bench_stats lat;
    bench_stats_init(&lat);
    bench_runner_counters c1;
    bench_runner_counters c2;
    pid_t perf = replicas == 1 ? bench_perf_start(b, replicas) : 0;
    bench_snap s1;
    bench_snap s2;
    bench_snap_take(b, &s1);
    bench_runner_counters_get(b->runner, &c1);
    bench_runner_record(b->runner, &lat);
    int64_t t1 = sluice_time_monotonic_ns();
    bench_pump_for(b, b->cfg.measure_ms);
    int64_t t2 = sluice_time_monotonic_ns();
    bench_runner_record(b->runner, NULL);
    bench_runner_counters_get(b->runner, &c2);
    bench_snap_take(b, &s2);
    bench_usage_between(&s1, &s2, &out->usage);
    if (perf > 0) {
        int status;
        waitpid(perf, &status, 0);
    }
    out->seconds = (double)(t2 - t1) / 1e9;
    out->transitions_per_s = (double)(c2.transitions - c1.transitions) / out->seconds;
    out->steps_per_s = out->usage.steps_per_s;
    bench_stats_summarize(&lat, &out->latency);
    bench_stats_free(&lat);

    /* Stop answering for a moment: the orchestrators finish what is queued, then one
       state document (with its executions still in flight) is taken apart. */
    bench_runner_refill(b->runner, false);
    bench_sleep_ms(BENCH_PAUSE_MS);
    char err[256];
    if (bench_state_measure(b->redis, b->names[first], 20, &out->state, err, sizeof err) == 0) {
        out->have_state = true;
    } else {
        say("state document: %s", err);
    }

    int64_t drain_start = sluice_time_monotonic_ms();
    while (bench_runner_active(b->runner) > 0 && !bench_stopped() &&
           sluice_time_monotonic_ms() - drain_start < b->cfg.drain_ms) {
        if (bench_runner_pump(b->runner, 20) < 0) {
            return -1;
        }
    }
    out->drained = bench_runner_active(b->runner) <= 0;
    /* The runner is done when it answered every last job; the replicas when they stepped
       those answers too. The next phase starts on quiet replicas. */
    if (out->drained) {
        bench_quiesce(b, (int)b->cfg.drain_ms);
    }
    out->drain_s = (double)(sluice_time_monotonic_ms() - drain_start) / 1000.0;
    if (!out->drained) {
        say("%" PRId64 " executions still in flight after the drain",
            bench_runner_active(b->runner));
    }
    return out->drained ? 0 : -1;
}

static int bench_phase_run(bench *b, int replicas, bench_phase *ph)
{
    ph->replicas = replicas;
    say("%d replica(s): light load, %" PRId64 " executions one at a time", replicas, b->cfg.light);
    if (bench_light(b, replicas, &ph->light, &ph->light_usage) != 0) {
        return -1;
    }
    char err[256];
    ph->have_light_state =
        bench_state_measure(b->redis, b->names[0], 20, &ph->light_state, err, sizeof err) == 0;
    say("%d replica(s): %" PRId64 " executions in flight (%" PRId64 " pipelines x %" PRId64 ")",
        replicas, b->cfg.pipelines * b->cfg.per_pipeline, b->cfg.pipelines, b->cfg.per_pipeline);
    return bench_load_phase(b, replicas, &ph->load);
}

/* ---- report ------------------------------------------------------------------- */

static void print_summary(const char *what, const bench_summary *s)
{
    printf("  %-44s n=%-6zu p50 %7.3f  p90 %7.3f  p99 %7.3f  max %8.3f ms\n", what, s->count,
           s->p50_ms, s->p90_ms, s->p99_ms, s->max_ms);
}

static void print_state(const char *what, const bench_state_figures *st)
{
    printf("  %s: %zu bytes, %zu executions (%zu active); load %.3f, parse %.3f, render %.3f, "
           "save %.3f ms\n",
           what, st->bytes, st->executions, st->active, st->load_ms, st->parse_ms, st->render_ms,
           st->save_ms);
}

static void print_usage(const bench_usage *u)
{
    printf("    steps/s %.0f, mean batch %.3f ms (consume to outbox ack), %.2f ms orchestrator CPU "
           "per step; duplicates %.0f, conflicts %.0f\n",
           u->steps_per_s, u->step_ms, u->orch_cpu_ms_per_step, u->duplicates, u->conflicts);
    printf("    CPU: machine %.0f%% busy; in cores: replica0 %.2f, replica1 %.2f, runner %.2f, "
           "kafka %.2f, redis %.2f\n",
           u->machine_busy * 100.0, u->replica_cores[0], u->replica_cores[1], u->runner_cores,
           u->kafka_cores, u->redis_cores);
}

static void print_ratio(const char *what, double value, double bound, bool at_most,
                        const char *unit)
{
    bool met = at_most ? value <= bound : value >= bound;
    printf("  %-58s %7.2f%s %s %.2f%s  %s\n", what, value, unit, at_most ? "<=" : ">=", bound, unit,
           met ? "met" : "NOT met");
}

/*
 * The ratios issue 8 asks for, against this run's own floor and phases: the
 * light-load transition p50 and p99 over the transition floor (p50-based:
 * 2 x Kafka round-trip p50 + 3 x Redis p50), the p99 also over the floor's
 * own p99 (2 x Kafka round-trip p99 + 3 x Redis p99: issue 8 says only
 * "p99 <= 3x floor"), the
 * orchestrator CPU per step with every execution in flight, that CPU over the
 * light phase's (50 active executions per pipeline against 1), and the
 * throughput of the largest replica count over one replica's.
 */
static void bench_report_ratios(const bench *b, double floor_ms, double floor_p99_ms)
{
    const bench_phase *one = NULL;
    const bench_phase *two = NULL;
    for (int i = 0; i < b->nphases; i++) {
        if (b->phases[i].replicas == 1) {
            one = &b->phases[i];
        } else if (b->phases[i].replicas >= 2) {
            two = &b->phases[i];
        }
    }
    printf("\nissue 8 ratios (this run)\n");
    for (int i = 0; i < b->nphases && floor_ms > 0; i++) {
        const bench_phase *ph = &b->phases[i];
        char what[96];
        snprintf(what, sizeof what, "%d replica(s): light p50 / transition floor", ph->replicas);
        print_ratio(what, ph->light.p50_ms / floor_ms, 1.5, true, "x");
        snprintf(what, sizeof what, "%d replica(s): light p99 / transition floor (p50-based)",
                 ph->replicas);
        print_ratio(what, ph->light.p99_ms / floor_ms, 3.0, true, "x");
        if (floor_p99_ms > 0) {
            snprintf(what, sizeof what, "%d replica(s): light p99 / transition floor's p99",
                     ph->replicas);
            print_ratio(what, ph->light.p99_ms / floor_p99_ms, 3.0, true, "x");
        }
        snprintf(what, sizeof what, "%d replica(s): CPU per step, %" PRId64 " in flight",
                 ph->replicas, b->cfg.pipelines * b->cfg.per_pipeline);
        print_ratio(what, ph->load.usage.orch_cpu_ms_per_step, 0.2, true, " ms");
        if (ph->light_usage.orch_cpu_ms_per_step > 0) {
            snprintf(what, sizeof what,
                     "%d replica(s): CPU per step, %" PRId64 " active / 1 active per pipeline",
                     ph->replicas, b->cfg.per_pipeline);
            print_ratio(what,
                        ph->load.usage.orch_cpu_ms_per_step / ph->light_usage.orch_cpu_ms_per_step,
                        1.2, true, "x");
        }
    }
    if (one != NULL && two != NULL && one->load.transitions_per_s > 0) {
        char what[96];
        snprintf(what, sizeof what, "transitions/s, %d replicas / 1 replica", two->replicas);
        print_ratio(what, two->load.transitions_per_s / one->load.transitions_per_s, 1.8, false,
                    "x");
    }
}

static void bench_report(const bench *b)
{
    char cpu[256];
    bench_cpu_model(cpu, sizeof cpu);
    bench_summary logged, outside;
    bench_stats_summarize(&b->startup_logged, &logged);
    bench_stats_summarize(&b->startup_outside, &outside);
    double floor_ms = 2 * b->kafka_rtt.p50_ms + 3 * b->redis_rtt.p50_ms;
    double floor_p99_ms = 2 * b->kafka_rtt.p99_ms + 3 * b->redis_rtt.p99_ms;

    printf("\nSluice orchestrator benchmark\n");
    printf("machine: %ld CPUs online, %s; load average %.2f before, %.2f after\n",
           sysconf(_SC_NPROCESSORS_ONLN), cpu, b->load_before[0], b->load_after[0]);
    printf("pipeline: V2 PARALLEL, 5 stages x 1 action; runner answers at once; %" PRId64
           " partitions\n\n",
           b->cfg.partitions);
    printf("floors\n");
    print_summary("kafka produce->consume round trip", &b->kafka_rtt);
    print_summary("kafka produce->ack (send_sync)", &b->kafka_ack);
    print_summary("kafka 7-message burst + flush (linger 1 ms)", &b->kafka_burst);
    print_summary("redis EVALSHA round trip", &b->redis_rtt);
    printf("  transition floor (2 x kafka p50 + 3 x redis p50)  %.3f ms\n", floor_ms);
    printf("  transition floor's p99 (2 x kafka p99 + 3 x redis p99)  %.3f ms\n\n", floor_p99_ms);

    printf("orchestrator process\n");
    printf("  start-up, logged \"ready in N ms\"               n=%-6zu median %6.1f  max %6.1f "
           "ms\n",
           logged.count, logged.p50_ms, logged.max_ms);
    printf("  start-up, exec -> ready line seen outside      n=%-6zu median %6.1f  max %6.1f ms\n",
           outside.count, outside.p50_ms, outside.max_ms);
    printf("  idle RSS (VmRSS, ready and joined, idle 1 s)   %.1f MiB (VmHWM %.1f MiB)\n",
           (double)b->idle_rss_kb / 1024.0, (double)b->idle_hwm_kb / 1024.0);
    for (int i = 0; i < BENCH_MAX_REPLICAS; i++) {
        if (b->replicas[i].pid > 0) {
            long rss = bench_proc_status_kb(b->replicas[i].pid, "VmRSS");
            long hwm = bench_proc_status_kb(b->replicas[i].pid, "VmHWM");
            printf("  replica %d after the load: VmRSS %.1f MiB, peak VmHWM %.1f MiB\n", i,
                   (double)rss / 1024.0, (double)hwm / 1024.0);
        }
    }
    for (int i = 0; i < b->nphases; i++) {
        const bench_phase *ph = &b->phases[i];
        const bench_load *ld = &ph->load;
        printf("\n%d replica%s\n", ph->replicas, ph->replicas > 1 ? "s" : "");
        print_summary("transition, light load (1 execution at a time)", &ph->light);
        if (b->kafka_rtt.p50_ms > 0) {
            printf("    p50 / kafka round trip p50 = %.1fx, p50 / transition floor = %.1fx\n",
                   ph->light.p50_ms / b->kafka_rtt.p50_ms, ph->light.p50_ms / floor_ms);
        }
        print_usage(&ph->light_usage);
        if (ph->have_light_state) {
            print_state("state document of the light pipeline", &ph->light_state);
        }
        char what[96];
        snprintf(what, sizeof what, "transition, %" PRId64 " in flight",
                 b->cfg.pipelines * b->cfg.per_pipeline);
        print_summary(what, &ld->latency);
        printf("  transitions/s %.0f   orchestrator steps/s %.0f   (window %.1f s after %.1f s "
               "warm-up; drain %.1f s%s)\n",
               ld->transitions_per_s, ld->steps_per_s, ld->seconds, ld->warmup_s, ld->drain_s,
               ld->drained ? "" : ", NOT drained");
        print_usage(&ld->usage);
        if (ld->have_state) {
            print_state("state document of a load pipeline", &ld->state);
        }
    }
    printf("\ntargets: transition p50 <= 2 ms, p99 <= 10 ms, >= 1000 transitions/s on 2 cores; "
           "idle RSS < 16 MiB; start-up < 200 ms\n");
    bench_report_ratios(b, floor_ms, floor_p99_ms);
    fflush(stdout);
}

/* ---- main -------------------------------------------------------------------- */

static int bench_setup(bench *b)
{
    char err[1024];
    b->brokers = testenv_require("SLUICE_TEST_KAFKA_BROKERS");
    b->redis_host = testenv_require("SLUICE_TEST_REDIS_HOST");
    b->redis_port = (int)strtol(testenv_require("SLUICE_TEST_REDIS_PORT"), NULL, 10);
    char pidfile[1200];
    const char *kafka_dir = testenv_get("SLUICE_TEST_KAFKA_DIR");
    const char *redis_dir = testenv_get("SLUICE_TEST_REDIS_DIR");
    b->kafka_pid = -1;
    b->redis_pid = -1;
    if (kafka_dir != NULL) {
        snprintf(pidfile, sizeof pidfile, "%s/kafka.pid", kafka_dir);
        b->kafka_pid = bench_cpu_pid_from_file(pidfile);
    }
    if (redis_dir != NULL) {
        snprintf(pidfile, sizeof pidfile, "%s/redis.pid", redis_dir);
        b->redis_pid = bench_cpu_pid_from_file(pidfile);
    }
    if (b->cfg.orchestrator[0] == '\0') {
        snprintf(b->cfg.orchestrator, sizeof b->cfg.orchestrator,
                 "%s/services/orchestrator/sluice-orchestrator", testenv_binary_dir());
    }
    if (b->cfg.log_dir[0] == '\0') {
        snprintf(b->cfg.log_dir, sizeof b->cfg.log_dir, "%s/bench-logs", testenv_binary_dir());
    }
    mkdir(b->cfg.log_dir, 0755);
    if (access(b->cfg.orchestrator, X_OK) != 0) {
        say("%s is not an executable; build sluice_orchestrator first", b->cfg.orchestrator);
        return -1;
    }
    testenv_unique_name("bench", b->unique, sizeof b->unique);
    snprintf(b->prefix, sizeof b->prefix, "%s.", b->unique);
    if (bus_topics_init(&b->topics, b->prefix, err, sizeof err) != SLUICE_OK) {
        say("topics: %s", err);
        return -1;
    }
    const char *all[BUS_TOPICS_COUNT];
    for (int i = 0; i < BUS_TOPICS_COUNT; i++) {
        all[i] = bus_topics_get(&b->topics, (bus_topics_kind)i);
    }
    char floor_topic[128];
    char burst_topic[128];
    snprintf(floor_topic, sizeof floor_topic, "%sfloor", b->prefix);
    snprintf(burst_topic, sizeof burst_topic, "%sburst", b->prefix);
    const char *floor_topics[1] = {floor_topic};
    const char *burst_topics[1] = {burst_topic};
    if (bus_admin_create_topics(b->brokers, all, BUS_TOPICS_COUNT, (int)b->cfg.partitions, 1, 30000,
                                err, sizeof err) != SLUICE_OK ||
        bus_admin_create_topics(b->brokers, floor_topics, 1, 1, 1, 30000, err, sizeof err) !=
            SLUICE_OK ||
        bus_admin_create_topics(b->brokers, burst_topics, 1, (int)b->cfg.partitions, 1, 30000, err,
                                sizeof err) != SLUICE_OK) {
        say("creating topics: %s", err);
        return -1;
    }
    state_redis_config rcfg;
    state_redis_config_init(&rcfg);
    rcfg.host = b->redis_host;
    rcfg.port = b->redis_port;
    if (state_redis_new(&rcfg, &b->redis, err, sizeof err) != SLUICE_OK) {
        say("redis: %s", err);
        return -1;
    }
    /* Pipeline names: the light one first, then a set of load ones per replica count. */
    b->npipelines = 1 + (size_t)b->cfg.replicas * (size_t)b->cfg.pipelines;
    for (size_t i = 0; i < b->npipelines; i++) {
        if (i == 0) {
            snprintf(b->names[i], sizeof b->names[i], "%s-light", b->unique);
        } else {
            size_t set = (i - 1) / (size_t)b->cfg.pipelines;
            size_t n = (i - 1) % (size_t)b->cfg.pipelines;
            snprintf(b->names[i], sizeof b->names[i], "%s-r%zu-p%02zu", b->unique, set + 1, n);
        }
        b->name_ptrs[i] = b->names[i];
    }
    return 0;
}

static int bench_floors(bench *b)
{
    char err[512];
    bench_stats rtt, ack, redis, burst;
    bench_stats_init(&burst);
    bench_stats_init(&rtt);
    bench_stats_init(&ack);
    bench_stats_init(&redis);
    char floor_topic[128];
    snprintf(floor_topic, sizeof floor_topic, "%sfloor", b->prefix);
    say("floors: redis EVALSHA x %" PRId64 ", kafka round trip x %" PRId64, b->cfg.redis_probes,
        b->cfg.kafka_probes);
    int rc = bench_floor_redis(b->redis, (int)b->cfg.redis_probes, &redis, err, sizeof err);
    if (rc == 0) {
        rc = bench_floor_kafka(
            b->brokers, floor_topic, bus_topics_get(&b->topics, BUS_TOPICS_DEADLETTER),
            (int)b->cfg.kafka_probes, (int)b->cfg.linger_ms, &rtt, &ack, err, sizeof err);
    }
    if (rc == 0) {
        char burst_topic[128];
        snprintf(burst_topic, sizeof burst_topic, "%sburst", b->prefix);
        rc = bench_floor_kafka_burst(b->brokers, burst_topic, BENCH_BURSTS, BENCH_BURST_SIZE,
                                     &burst, err, sizeof err);
    }
    if (rc != 0) {
        say("floors: %s", err);
    }
    bench_stats_summarize(&burst, &b->kafka_burst);
    bench_stats_free(&burst);
    bench_stats_summarize(&rtt, &b->kafka_rtt);
    bench_stats_summarize(&ack, &b->kafka_ack);
    bench_stats_summarize(&redis, &b->redis_rtt);
    bench_stats_free(&rtt);
    bench_stats_free(&ack);
    bench_stats_free(&redis);
    return rc;
}

static int bench_run(bench *b)
{
    char err[1024];
    if (bench_floors(b) != 0) {
        return -1;
    }
    say("start-up: %" PRId64 " probes", b->cfg.startup_probes);
    if (bench_startup_probes(b) != 0) {
        return -1;
    }
    say("starting replica 0");
    if (bench_replica_start(b, 0) != 0) {
        return -1;
    }
    bench_sleep_ms(1000); /* idle: joined, nothing to do */
    b->idle_rss_kb = bench_proc_status_kb(b->replicas[0].pid, "VmRSS");
    b->idle_hwm_kb = bench_proc_status_kb(b->replicas[0].pid, "VmHWM");

    char group[128];
    snprintf(group, sizeof group, "%s-runner", b->unique);
    bench_runner_config rcfg = {
        .brokers = b->brokers,
        .topics = &b->topics,
        .group = group,
        .pipelines = b->name_ptrs,
        .npipelines = b->npipelines,
        .stages = bench_stages,
        .nstages = BENCH_NSTAGES,
        .account = "123456789012",
        .region = "us-east-1",
        .signer = testenv_bus_keys(),
    };
    if (bench_runner_new(&rcfg, &b->runner, err, sizeof err) != 0) {
        say("runner: %s", err);
        return -1;
    }
    say("defining %zu pipelines", b->npipelines);
    if (bench_define(b) != 0) {
        return -1;
    }
    for (int replicas = 1; replicas <= b->cfg.replicas && !bench_stopped(); replicas++) {
        if (replicas > 1) {
            say("starting replica %d", replicas - 1);
            if (bench_replica_start(b, replicas - 1) != 0) {
                return -1;
            }
        }
        if (bench_phase_run(b, replicas, &b->phases[b->nphases]) != 0) {
            b->nphases++;
            return -1;
        }
        b->nphases++;
    }
    return bench_stopped() ? -1 : 0;
}

int main(void)
{
    static bench b; /* large: not on the stack */
    char err[1024];
    if (sluice_config_load_env(bench_config_vars,
                               sizeof bench_config_vars / sizeof bench_config_vars[0], &b.cfg, err,
                               sizeof err) != SLUICE_OK) {
        fprintf(stderr, "bench: configuration: %s\n", err);
        return 2;
    }
    sluice_log_set_service("bench");
    if (sluice_signal_install() != SLUICE_OK) {
        return 1;
    }
    bench_stats_init(&b.startup_logged);
    bench_stats_init(&b.startup_outside);
    bench_loadavg(b.load_before);
    int rc = bench_setup(&b) == 0 ? bench_run(&b) : -1;
    bench_loadavg(b.load_after);
    if (b.nphases > 0 || b.kafka_rtt.count > 0) {
        bench_report(&b);
    }
    bench_runner_free(b.runner);
    for (int i = BENCH_MAX_REPLICAS - 1; i >= 0; i--) {
        bench_proc_stop(&b.replicas[i], 15000);
    }
    state_redis_free(b.redis);
    bench_stats_free(&b.startup_logged);
    bench_stats_free(&b.startup_outside);
    if (rc != 0) {
        say("the benchmark did not complete; logs of the replicas are in %s", b.cfg.log_dir);
        return 1;
    }
    return 0;
}
