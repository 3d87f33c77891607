/*
 * bench_cpu.h — where the CPU time went: per process and for the machine.
 *
 * Reads /proc/<pid>/stat (utime + stime) and the "cpu" line of /proc/stat,
 * so a benchmark can tell, for a window, how busy the machine was and how
 * much of it each process took (the orchestrator replicas, the benchmark's
 * own runner, the Kafka broker, Redis). Linux only. Pure reads; thread-safe.
 */
#ifndef SLUICE_BENCH_CPU_H
#define SLUICE_BENCH_CPU_H

#include <sys/types.h>

/* CPU time (user + system) pid has used, in milliseconds; -1 when unknown. */
double bench_cpu_process_ms(pid_t pid);

/*
 * Busy and total CPU time of the whole machine since boot, in milliseconds
 * summed over all CPUs (idle and iowait count as not busy). 0, or -1 when
 * /proc/stat cannot be read.
 */
int bench_cpu_machine_ms(double *busy_ms, double *total_ms);

/* The pid written in file (e.g. a server's pid file) if that process lives, or -1. */
pid_t bench_cpu_pid_from_file(const char *file);

#endif
