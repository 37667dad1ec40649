/*
 * What the C ceilings of bench/run share: a monotonic clock, the percentile of a sorted array of
 * latencies, and the zero fill of a file (the "overwrite" mode). Static functions, so that each
 * program stays one file to compile.
 */
#ifndef WAL4J_BENCH_COMMON_H
#define WAL4J_BENCH_COMMON_H

#include <stdint.h>
#include <stdlib.h>
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

#endif
