/*
 * bench_cpu.c — CPU accounting from /proc (see bench_cpu.h).
 */
#include "bench_cpu.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

double bench_cpu_process_ms(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        return -1;
    }
    char line[1024];
    double ms = -1;
    if (fgets(line, sizeof line, f) != NULL) {
        /* The command name may hold spaces: fields are counted after its ')'. */
        const char *p = strrchr(line, ')');
        unsigned long long utime = 0;
        unsigned long long stime = 0;
        if (p != NULL && sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
                                &utime, &stime) == 2) {
            ms = (double)(utime + stime) * 1000.0 / (double)sysconf(_SC_CLK_TCK);
        }
    }
    fclose(f);
    return ms;
}

int bench_cpu_machine_ms(double *busy_ms, double *total_ms)
{
    FILE *f = fopen("/proc/stat", "r");
    if (f == NULL) {
        return -1;
    }
    unsigned long long v[8] = {0};
    int n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
                   &v[4], &v[5], &v[6], &v[7]);
    fclose(f);
    if (n < 5) {
        return -1;
    }
    unsigned long long total = 0;
    for (int i = 0; i < 8; i++) {
        total += v[i];
    }
    double tick_ms = 1000.0 / (double)sysconf(_SC_CLK_TCK);
    *total_ms = (double)total * tick_ms;
    *busy_ms = (double)(total - v[3] - v[4]) * tick_ms;
    return 0;
}

pid_t bench_cpu_pid_from_file(const char *file)
{
    FILE *f = fopen(file, "r");
    if (f == NULL) {
        return -1;
    }
    long pid = -1;
    if (fscanf(f, "%ld", &pid) != 1 || pid <= 0 || kill((pid_t)pid, 0) != 0) {
        pid = -1;
    }
    fclose(f);
    return (pid_t)pid;
}
