/*
 * The physical reference for bench/run: one thread appending fixed-size records to one file with
 * pwrite + fdatasync per record, no framing, no checksums, no JVM. What wal4j in Durability.SYNC
 * with one appending thread cannot beat on the same disk.
 *
 *   fsync_loop FILE RECORD_BYTES SECONDS [fallocate|overwrite]
 *
 * fallocate (default): the file is reserved with fallocate(2) first, as the native layer does for
 *   a new segment; every write then lands in an unwritten extent.
 * overwrite: the file is filled with zeros and fsync'ed first, so every write overwrites
 *   initialized blocks: the cheapest case the file system has.
 *
 * Prints one line: "c-fsync-loop mode=... bytes=... records=... seconds=... records_per_s=...
 * mb_per_s=... p50_us=... p99_us=..." (MB = 10^6 bytes). The file is deleted at the end.
 */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Room reserved ahead of the writes; the loop wraps around to offset 0 if it ever gets there. */
#define FILE_BYTES ((off_t)256 << 20)

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

static double percentile_us(const int64_t *sorted, size_t n, double p) {
    if (n == 0) {
        return 0.0;
    }
    size_t index = (size_t)(p * (double)(n - 1) + 0.5);
    return (double)sorted[index] / 1000.0;
}

static int fill_zeros(int fd) {
    static char zeros[1 << 20];
    for (off_t at = 0; at < FILE_BYTES; at += (off_t)sizeof(zeros)) {
        ssize_t n = pwrite(fd, zeros, sizeof(zeros), at);
        if (n != (ssize_t)sizeof(zeros)) {
            return -1;
        }
    }
    return fsync(fd);
}

int main(int argc, char **argv) {
    if (argc < 4 || argc > 5) {
        fprintf(stderr, "usage: %s FILE RECORD_BYTES SECONDS [fallocate|overwrite]\n", argv[0]);
        return 2;
    }
    const char *path = argv[1];
    long record = strtol(argv[2], NULL, 10);
    double seconds = strtod(argv[3], NULL);
    const char *mode = argc == 5 ? argv[4] : "fallocate";
    int overwrite = strcmp(mode, "overwrite") == 0;
    if (record <= 0 || record > (1L << 24) || seconds <= 0 || (!overwrite && strcmp(mode, "fallocate") != 0)) {
        fprintf(stderr, "bad arguments\n");
        return 2;
    }

    int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        fprintf(stderr, "open %s: %s\n", path, strerror(errno));
        return 1;
    }
    int rc = overwrite ? fill_zeros(fd) : fallocate(fd, 0, 0, FILE_BYTES);
    if (rc != 0 || fsync(fd) != 0) {
        fprintf(stderr, "preparing %s: %s\n", path, strerror(errno));
        unlink(path);
        return 1;
    }

    char *buf = malloc((size_t)record);
    size_t cap = 1 << 16;
    int64_t *lat = malloc(cap * sizeof(int64_t));
    if (buf == NULL || lat == NULL) {
        fprintf(stderr, "out of memory\n");
        unlink(path);
        return 1;
    }
    memset(buf, 'w', (size_t)record);

    size_t count = 0;
    off_t at = 0;
    int64_t start = now_ns();
    int64_t end = start + (int64_t)(seconds * 1e9);
    int64_t t = start;
    while (t < end) {
        if (at + record > FILE_BYTES) {
            at = 0;
        }
        ssize_t n = pwrite(fd, buf, (size_t)record, at);
        if (n != record) {
            fprintf(stderr, "pwrite: %s\n", n < 0 ? strerror(errno) : "short write");
            unlink(path);
            return 1;
        }
        if (fdatasync(fd) != 0) {
            fprintf(stderr, "fdatasync: %s\n", strerror(errno));
            unlink(path);
            return 1;
        }
        at += record;
        int64_t done = now_ns();
        if (count == cap) {
            cap *= 2;
            int64_t *grown = realloc(lat, cap * sizeof(int64_t));
            if (grown == NULL) {
                fprintf(stderr, "out of memory\n");
                unlink(path);
                return 1;
            }
            lat = grown;
        }
        lat[count++] = done - t;
        t = done;
    }
    double elapsed = (double)(t - start) / 1e9;
    qsort(lat, count, sizeof(int64_t), compare_i64);
    printf("c-fsync-loop mode=%s bytes=%ld records=%zu seconds=%.3f records_per_s=%.1f mb_per_s=%.3f "
           "p50_us=%.1f p99_us=%.1f\n",
           mode, record, count, elapsed, (double)count / elapsed, (double)count * (double)record / elapsed / 1e6,
           percentile_us(lat, count, 0.50), percentile_us(lat, count, 0.99));
    free(lat);
    free(buf);
    close(fd);
    unlink(path);
    return 0;
}
