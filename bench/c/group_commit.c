/*
 * The C group commit of bench/run: T pthreads, each appending one fixed-size record at a time and
 * waiting until it is durable, with a flush leader as PostgreSQL's WAL writer does it: the first
 * thread that finds its record not yet durable and no flush running becomes the leader, takes
 * every pending record, writes them with one pwrite and one fdatasync, publishes the new durable
 * mark and wakes the others. What a careful C log pays for the same thread wake-ups wal4j pays; the
 * single-thread batch of fsync_loop is the bare device.
 *
 *   group_commit -f FILE -s RECORD_BYTES -t SECONDS -T THREADS [-w WARMUP_SECONDS]
 *                [-m fallocate|overwrite] [-M FILE_MIB] [-l LATENCY_FILE] [-D DEVICE]
 *
 * -m as in fsync_loop: fallocate (default) reserves the file with fallocate(2), overwrite fills it
 *   with zeros and fsyncs it first.
 * -l: every measured commit's latency (ns, from the copy into the pending buffer to the wake-up
 *   after the fdatasync that covered it) as native-endian int64s.
 * -D as in fsync_loop: device_bytes, what the device wrote from the window's start until every
 *   thread stopped (-1 without -D).
 *
 * Prints one line in fsync_loop's form: "c-group-commit mode=... bytes=... threads=... records=...
 * batches=... seconds=... records_per_s=... mb_per_s=... p50_us=... p99_us=... p999_us=... wraps=...
 * device_bytes=..."
 * (batches = fdatasyncs in the measured window; percentiles per commit, nearest rank).
 */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench_common.h"

/* Everything the threads share, guarded by lock except where a field says otherwise. */
struct log {
    pthread_mutex_t lock;
    pthread_cond_t durable_changed;
    int fd;
    long record;
    off_t file_bytes;
    char *pending;        /* records appended since the last flush took the buffer */
    char *spare;          /* the leader's buffer while it writes (owned by the leader, unlocked) */
    size_t pending_bytes;
    uint64_t appended;    /* sequence of the last appended record */
    uint64_t durable;     /* sequence of the last record an fdatasync covered */
    int flushing;
    off_t at;             /* next write offset: touched by the leader only */
    long wraps;
    size_t syncs_measured;
    int failed;
    int64_t start;        /* measured window, set before the threads start (read-only after) */
    int64_t end;
};

struct worker {
    struct log *log;
    pthread_t thread;
    int64_t *latencies;
    size_t count;
    size_t cap;
    int oom;
};

/* Called with the lock held by the leader; returns with it held. */
static void flush_pending(struct log *log) {
    log->flushing = 1;
    char *buf = log->pending;
    size_t n = log->pending_bytes;
    uint64_t upto = log->appended;
    log->pending = log->spare;
    log->spare = buf;
    log->pending_bytes = 0;
    pthread_mutex_unlock(&log->lock);

    if (log->at + (off_t)n > log->file_bytes) {
        log->at = 0;
        log->wraps++;
    }
    int ok = pwrite(log->fd, buf, n, log->at) == (ssize_t)n && fdatasync(log->fd) == 0;
    log->at += (off_t)n;
    int64_t done = now_ns();

    pthread_mutex_lock(&log->lock);
    if (!ok) {
        log->failed = errno == 0 ? EIO : errno;
    }
    if (done >= log->start && done < log->end) {
        log->syncs_measured++;
    }
    log->durable = upto;
    log->flushing = 0;
    pthread_cond_broadcast(&log->durable_changed);
}

static void *run_worker(void *arg) {
    struct worker *w = arg;
    struct log *log = w->log;
    char *record = malloc((size_t)log->record);
    if (record == NULL) {
        w->oom = 1;
        return NULL;
    }
    memset(record, 'w', (size_t)log->record);
    for (;;) {
        int64_t began = now_ns();
        if (began >= log->end) {
            break;
        }
        pthread_mutex_lock(&log->lock);
        if (log->failed) {
            pthread_mutex_unlock(&log->lock);
            break;
        }
        memcpy(log->pending + log->pending_bytes, record, (size_t)log->record);
        log->pending_bytes += (size_t)log->record;
        uint64_t mine = ++log->appended;
        while (log->durable < mine && !log->failed) {
            if (!log->flushing) {
                flush_pending(log);
            } else {
                pthread_cond_wait(&log->durable_changed, &log->lock);
            }
        }
        pthread_mutex_unlock(&log->lock);
        int64_t done = now_ns();
        if (began >= log->start && done < log->end) {
            if (w->count == w->cap) {
                size_t cap = w->cap == 0 ? 1 << 14 : w->cap * 2;
                int64_t *grown = realloc(w->latencies, cap * sizeof(int64_t));
                if (grown == NULL) {
                    w->oom = 1;
                    break;
                }
                w->latencies = grown;
                w->cap = cap;
            }
            w->latencies[w->count++] = done - began;
        }
    }
    free(record);
    return NULL;
}

int main(int argc, char **argv) {
    struct ceiling_args args;
    if (parse_ceiling_args(argc, argv, 'T', 0, 4096, "-T THREADS", &args) != 0) {
        return 2;
    }
    const char *path = args.path;
    const char *mode = args.mode;
    long record = args.record;
    long threads = args.count;
    double seconds = args.seconds;

    struct log log;
    memset(&log, 0, sizeof(log));
    pthread_mutex_init(&log.lock, NULL);
    pthread_cond_init(&log.durable_changed, NULL);
    log.record = record;
    log.file_bytes = args.file_bytes;
    log.fd = prepare_file(&args);
    if (log.fd < 0) {
        return 1;
    }
    /* Each thread has at most one record pending, so T records fill a buffer. */
    log.pending = malloc((size_t)record * (size_t)threads);
    log.spare = malloc((size_t)record * (size_t)threads);
    struct worker *workers = calloc((size_t)threads, sizeof(struct worker));
    if (log.pending == NULL || log.spare == NULL || workers == NULL) {
        fprintf(stderr, "out of memory\n");
        unlink(path);
        return 1;
    }
    log.start = now_ns() + (int64_t)(args.warmup * 1e9);
    log.end = log.start + (int64_t)(seconds * 1e9);
    for (long i = 0; i < threads; i++) {
        workers[i].log = &log;
        if (pthread_create(&workers[i].thread, NULL, run_worker, &workers[i]) != 0) {
            fprintf(stderr, "pthread_create failed\n");
            unlink(path);
            return 1;
        }
    }
    /* The main thread only waits: it reads the device's count when the window opens. */
    int64_t until_start = log.start - now_ns();
    if (until_start > 0) {
        struct timespec pause = {until_start / 1000000000LL, until_start % 1000000000LL};
        nanosleep(&pause, NULL);
    }
    long long device_before = device_bytes_written(args.device);
    size_t total = 0;
    int oom = 0;
    for (long i = 0; i < threads; i++) {
        pthread_join(workers[i].thread, NULL);
        total += workers[i].count;
        oom |= workers[i].oom;
    }
    long long device_bytes = device_bytes_between(device_before, device_bytes_written(args.device));
    if (log.failed || oom) {
        fprintf(stderr, "%s\n", oom ? "out of memory" : strerror(log.failed));
        unlink(path);
        return 1;
    }
    int64_t *lat = malloc((total == 0 ? 1 : total) * sizeof(int64_t));
    if (lat == NULL) {
        fprintf(stderr, "out of memory\n");
        unlink(path);
        return 1;
    }
    size_t k = 0;
    for (long i = 0; i < threads; i++) {
        memcpy(lat + k, workers[i].latencies, workers[i].count * sizeof(int64_t));
        k += workers[i].count;
        free(workers[i].latencies);
    }
    if (write_latencies(args.latency_path, lat, total) != 0) {
        unlink(path);
        return 1;
    }
    qsort(lat, total, sizeof(int64_t), compare_i64);
    printf("c-group-commit mode=%s bytes=%ld threads=%ld records=%zu batches=%zu seconds=%.3f records_per_s=%.1f "
           "mb_per_s=%.3f p50_us=%.1f p99_us=%.1f p999_us=%.1f wraps=%ld device_bytes=%lld\n",
           mode, record, threads, total, log.syncs_measured, seconds, (double)total / seconds,
           (double)total * (double)record / seconds / 1e6, percentile_us(lat, total, 0.50),
           percentile_us(lat, total, 0.99), percentile_us(lat, total, 0.999), log.wraps, device_bytes);
    free(lat);
    free(workers);
    free(log.pending);
    free(log.spare);
    close(log.fd);
    unlink(path);
    return 0;
}
