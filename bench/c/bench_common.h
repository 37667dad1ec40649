/*
 * What the C ceilings of bench/run share: a monotonic clock, the percentile of a sorted array of
 * latencies, the zero fill of a file (the "overwrite" mode), their options, the file's
 * preparation and the latency file. Static functions, so that each
 * program stays one file to compile.
 */
#ifndef WAL4J_BENCH_COMMON_H
#define WAL4J_BENCH_COMMON_H

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int compare_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a;
    int64_t y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Nearest-rank percentile in microseconds. */
static double percentile_us(const int64_t *sorted, size_t n, double p) {
    if (n == 0) {
        return 0.0;
    }
    double rank = p * (double)n;
    size_t index = (size_t)rank;
    if ((double)index < rank) {
        index++;
    }
    if (index > 0) {
        index--;
    }
    if (index >= n) {
        index = n - 1;
    }
    return (double)sorted[index] / 1000.0;
}

static int fill_zeros(int fd, off_t bytes) {
    static char zeros[1 << 20];
    for (off_t at = 0; at < bytes; at += (off_t)sizeof(zeros)) {
        ssize_t n = pwrite(fd, zeros, sizeof(zeros), at);
        if (n != (ssize_t)sizeof(zeros)) {
            return -1;
        }
    }
    return fsync(fd);
}

/*
 * Bytes written to the block device named `device` (its name in /proc/diskstats, e.g. "vda") since
 * boot: field 10, sectors of 512 bytes. The whole device's count, every writer on the machine in it.
 * -1 without a device or if it is not listed.
 */
static long long device_bytes_written(const char *device) {
    if (device == NULL) {
        return -1;
    }
    FILE *in = fopen("/proc/diskstats", "r");
    if (in == NULL) {
        return -1;
    }
    char line[512];
    long long bytes = -1;
    while (fgets(line, sizeof(line), in) != NULL) {
        unsigned major, minor;
        char name[128];
        unsigned long long f[7];
        if (sscanf(line, " %u %u %127s %llu %llu %llu %llu %llu %llu %llu", &major, &minor, name, &f[0], &f[1],
                   &f[2], &f[3], &f[4], &f[5], &f[6]) == 10 && strcmp(name, device) == 0) {
            bytes = (long long)f[6] * 512;
            break;
        }
    }
    fclose(in);
    return bytes;
}

/* Device bytes between two device_bytes_written() readings, or -1 if either failed. */
static long long device_bytes_between(long long before, long long after) {
    return before < 0 || after < before ? -1 : after - before;
}

/* The options both programs take; "count" is fsync_loop's -n BATCH or group_commit's -T THREADS. */
struct ceiling_args {
    const char *path;
    const char *device;
    const char *latency_path;
    const char *mode;
    long record;
    long count;
    long file_mib;
    double seconds;
    double warmup;
    int overwrite;
    off_t file_bytes;
};

/*
 * Parses -f -s -t -w -m -M -l -D and the count option (count_flag: 'n' or 'T', from 1 to count_max,
 * count_default when absent). Returns 0, or 2 after printing the usage line.
 */
static int parse_ceiling_args(int argc, char **argv, char count_flag, long count_default, long count_max,
                              const char *usage_tail, struct ceiling_args *a) {
    char optstring[] = "f:s:t:?:w:m:M:l:D:";
    optstring[6] = count_flag;
    memset(a, 0, sizeof(*a));
    a->mode = "fallocate";
    a->count = count_default;
    a->file_mib = 256;
    int opt;
    int bad = 0;
    while ((opt = getopt(argc, argv, optstring)) != -1) {
        if (opt == count_flag) {
            a->count = strtol(optarg, NULL, 10);
            continue;
        }
        switch (opt) {
            case 'f': a->path = optarg; break;
            case 's': a->record = strtol(optarg, NULL, 10); break;
            case 't': a->seconds = strtod(optarg, NULL); break;
            case 'w': a->warmup = strtod(optarg, NULL); break;
            case 'm': a->mode = optarg; break;
            case 'M': a->file_mib = strtol(optarg, NULL, 10); break;
            case 'l': a->latency_path = optarg; break;
            case 'D': a->device = optarg; break;
            default: bad = 1; break;
        }
    }
    a->overwrite = strcmp(a->mode, "overwrite") == 0;
    a->file_bytes = (off_t)a->file_mib << 20;
    if (bad || a->path == NULL || a->record <= 0 || a->record > (1L << 24) || a->seconds <= 0 || a->warmup < 0
        || a->count < 1 || a->count > count_max || a->file_mib < 1 || (off_t)a->record * a->count > a->file_bytes
        || (!a->overwrite && strcmp(a->mode, "fallocate") != 0) || optind != argc) {
        fprintf(stderr, "usage: %s -f FILE -s RECORD_BYTES -t SECONDS %s [-w WARMUP_SECONDS] "
                "[-m fallocate|overwrite] [-M FILE_MIB] [-l LATENCY_FILE] [-D DEVICE]\n", argv[0], usage_tail);
        return 2;
    }
    return 0;
}

/* Creates the file and fallocates it or fills it with zeros, then fsyncs it; the descriptor, or -1 after saying why. */
static int prepare_file(const struct ceiling_args *a) {
    int fd = open(a->path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        fprintf(stderr, "open %s: %s\n", a->path, strerror(errno));
        return -1;
    }
    int rc = a->overwrite ? fill_zeros(fd, a->file_bytes) : fallocate(fd, 0, 0, a->file_bytes);
    if (rc != 0 || fsync(fd) != 0) {
        fprintf(stderr, "preparing %s: %s\n", a->path, strerror(errno));
        close(fd);
        unlink(a->path);
        return -1;
    }
    return fd;
}

/* Writes the latencies as native-endian int64s (nothing without a latency file); 0, or -1 after saying why. */
static int write_latencies(const char *path, const int64_t *lat, size_t n) {
    if (path == NULL) {
        return 0;
    }
    FILE *out = fopen(path, "wb");
    if (out == NULL || fwrite(lat, sizeof(int64_t), n, out) != n || fclose(out) != 0) {
        fprintf(stderr, "writing %s: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

#endif
