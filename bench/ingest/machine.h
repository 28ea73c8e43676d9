/*
 * machine.h - what the figures were measured on, and the broker's memory.
 */
#ifndef BENCH_MACHINE_H
#define BENCH_MACHINE_H

#include <stdbool.h>
#include <stdint.h>

typedef struct bench_machine {
    long cpus;                 /* online processors */
    char cpu_model[128];       /* "model name" of /proc/cpuinfo, or "unknown" */
    int64_t ram_kib;           /* MemTotal, 0 if unknown */
} bench_machine;

void bench_machine_describe(bench_machine *out);

/* VmHWM (peak resident set) and VmRSS of a process, in KiB. False when the
 * process or the fields cannot be read. */
bool bench_process_memory(long pid, int64_t *peak_kib, int64_t *current_kib);

#endif
