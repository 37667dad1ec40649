/*
 * The C ceilings of bench/run: one thread appending fixed-size records to one file, no framing, no
 * checksums, no JVM. What wal4j in Durability.SYNC cannot beat on the same disk.
 *
 *   fsync_loop -f FILE -s RECORD_BYTES -t SECONDS [-n BATCH] [-w WARMUP_SECONDS]
 *              [-m fallocate|overwrite] [-M FILE_MIB] [-l LATENCY_FILE] [-D DEVICE]
 *
 * -n 1 (default): pwrite + fdatasync per record, the single-thread ceiling.
 * -n N: N pwrites (one per record, consecutive offsets) then one fdatasync: the group-commit
 *   ceiling for batches of N records.
 * -m fallocate (default): the file is reserved with fallocate(2) first, as the native layer does
 *   for a new segment; every write then lands in an unwritten extent.
 * -m overwrite: the file is filled with zeros and fsync'ed first, so every write overwrites
 *   initialized blocks: the cheapest case the file system has.
 * -M: file size in MiB (default 256); the loop wraps to offset 0 if it reaches the end (the output
 *   says how many times).
 * -w: seconds of the same loop before the measured window, not counted.
 * -l: write every measured batch's latency (ns, the pwrites and the fdatasync of one batch: what
 *   the batch's first record waits) to this file as native-endian int64s.
 *
 * -D: the block device's name in /proc/diskstats (e.g. vda): the output's device_bytes are the bytes
 *   it wrote over the measured window (the whole device, every writer on it); -1 without -D.
 *
 * Prints one line: "c-fsync-loop mode=... bytes=... batch=... records=... batches=... seconds=...
 * records_per_s=... mb_per_s=... p50_us=... p99_us=... p999_us=... wraps=... device_bytes=..." (MB = 10^6 bytes;
 * percentiles are per batch, nearest rank). The file is deleted at the end.
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

#include "bench_common.h"

int main(int argc, char **argv) {
    struct ceiling_args args;
    if (parse_ceiling_args(argc, argv, 'n', 1, 1L << 20, "[-n BATCH]", &args) != 0) {
        return 2;
    }
    const char *path = args.path;
    const char *mode = args.mode;
    long record = args.record;
    long batch = args.count;
    off_t file_bytes = args.file_bytes;
    double seconds = args.seconds;
    double warmup = args.warmup;
    int fd = prepare_file(&args);
    if (fd < 0) {
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

    size_t batches = 0;
    long wraps = 0;
    off_t at = 0;
    int64_t warm_end = now_ns() + (int64_t)(warmup * 1e9);
    int64_t start = 0;
    int64_t end = 0;
    int measuring = warmup <= 0;
    long long device_before = -1;
    if (measuring) {
        device_before = device_bytes_written(args.device);
        start = now_ns();
        end = start + (int64_t)(seconds * 1e9);
    }
    int64_t t = now_ns();
    for (;;) {
        if (!measuring && t >= warm_end) {
            measuring = 1;
            device_before = device_bytes_written(args.device);
            start = t;
            end = start + (int64_t)(seconds * 1e9);
        }
        if (measuring && t >= end) {
            break;
        }
        if (at + (off_t)record * batch > file_bytes) {
            at = 0;
            wraps++;
        }
        for (long i = 0; i < batch; i++) {
            ssize_t n = pwrite(fd, buf, (size_t)record, at);
            if (n != record) {
                fprintf(stderr, "pwrite: %s\n", n < 0 ? strerror(errno) : "short write");
                unlink(path);
                return 1;
            }
            at += record;
        }
        if (fdatasync(fd) != 0) {
            fprintf(stderr, "fdatasync: %s\n", strerror(errno));
            unlink(path);
            return 1;
        }
        int64_t done = now_ns();
        if (measuring) {
            if (batches == cap) {
                cap *= 2;
                int64_t *grown = realloc(lat, cap * sizeof(int64_t));
                if (grown == NULL) {
                    fprintf(stderr, "out of memory\n");
                    unlink(path);
                    return 1;
                }
                lat = grown;
            }
            lat[batches++] = done - t;
        }
        t = done;
    }
    double elapsed = (double)(t - start) / 1e9;
    long long device_bytes = device_bytes_between(device_before, device_bytes_written(args.device));
    if (write_latencies(args.latency_path, lat, batches) != 0) {
        unlink(path);
        return 1;
    }
    qsort(lat, batches, sizeof(int64_t), compare_i64);
    double records = (double)batches * (double)batch;
    printf("c-fsync-loop mode=%s bytes=%ld batch=%ld records=%.0f batches=%zu seconds=%.3f records_per_s=%.1f "
           "mb_per_s=%.3f p50_us=%.1f p99_us=%.1f p999_us=%.1f wraps=%ld device_bytes=%lld\n",
           mode, record, batch, records, batches, elapsed, records / elapsed, records * (double)record / elapsed / 1e6,
           percentile_us(lat, batches, 0.50), percentile_us(lat, batches, 0.99), percentile_us(lat, batches, 0.999),
           wraps, device_bytes);
    free(lat);
    free(buf);
    close(fd);
    unlink(path);
    return 0;
}
