/*
 * machine.c - /proc readers for the benchmark report (see machine.h).
 */
#include "machine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The value after the ':' of the first line of path starting with key, with
 * surrounding blanks removed. */
static bool proc_field(const char *path, const char *key, char *out, size_t outlen)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    char line[512];
    size_t key_len = strlen(key);
    bool found = false;
    while (!found && fgets(line, sizeof line, f)) {
        if (strncmp(line, key, key_len) != 0)
            continue;
        const char *colon = strchr(line + key_len, ':');
        if (!colon || strspn(line + key_len, " \t") != (size_t)(colon - line - key_len))
            continue;                          /* a longer key with the same start */
        const char *value = colon + 1 + strspn(colon + 1, " \t");
        snprintf(out, outlen, "%.*s", (int)strcspn(value, "\n"), value);
        found = true;
    }
    fclose(f);
    return found;
}

static int64_t kib_value(const char *text)
{
    return strtoll(text, NULL, 10);             /* "123456 kB" */
}

void bench_machine_describe(bench_machine *out)
{
    out->cpus = sysconf(_SC_NPROCESSORS_ONLN);
    if (!proc_field("/proc/cpuinfo", "model name", out->cpu_model, sizeof out->cpu_model))
        snprintf(out->cpu_model, sizeof out->cpu_model, "unknown");
    char value[128];
    out->ram_kib = proc_field("/proc/meminfo", "MemTotal", value, sizeof value) ? kib_value(value) : 0;
}

bool bench_process_memory(long pid, int64_t *peak_kib, int64_t *current_kib)
{
    char path[64], value[128];
    snprintf(path, sizeof path, "/proc/%ld/status", pid);
    if (!proc_field(path, "VmHWM", value, sizeof value))
        return false;
    *peak_kib = kib_value(value);
    *current_kib = proc_field(path, "VmRSS", value, sizeof value) ? kib_value(value) : 0;
    return true;
}
