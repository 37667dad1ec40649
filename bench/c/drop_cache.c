/*
 * Evicts files from the page cache for bench/run's cold-cache recovery runs, without root:
 * fdatasync (dirty pages cannot be dropped), then posix_fadvise(POSIX_FADV_DONTNEED) on the whole
 * file, then counts with mincore(2) how many of the file's pages are still resident, so the caller
 * can tell whether the cache really is cold instead of assuming it.
 *
 *   drop_cache FILE...
 *
 * Prints one line per file: "FILE pages=P resident_before=B resident_after=A" and exits 0, or 1 if
 * any file could not be opened, synced or advised.
 */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* Resident pages of fd's first `size` bytes, or -1. */
static long resident(int fd, off_t size, long page, long *pages) {
    *pages = (long)((size + page - 1) / page);
    if (size == 0) {
        return 0;
    }
    void *map = mmap(NULL, (size_t)size, PROT_READ, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED) {
        return -1;
    }
    unsigned char *vec = malloc((size_t)*pages);
    long count = -1;
    if (vec != NULL && mincore(map, (size_t)size, vec) == 0) {
        count = 0;
        for (long i = 0; i < *pages; i++) {
            count += vec[i] & 1;
        }
    }
    free(vec);
    munmap(map, (size_t)size);
    return count;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE...\n", argv[0]);
        return 2;
    }
    long page = sysconf(_SC_PAGESIZE);
    int failed = 0;
    for (int i = 1; i < argc; i++) {
        int fd = open(argv[i], O_RDONLY | O_CLOEXEC);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) != 0) {
            fprintf(stderr, "%s: %s\n", argv[i], strerror(errno));
            failed = 1;
            if (fd >= 0) {
                close(fd);
            }
            continue;
        }
        long pages;
        long before = resident(fd, st.st_size, page, &pages);
        int rc = fdatasync(fd);
        if (rc == 0) {
            rc = posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
            if (rc != 0) {
                errno = rc;
                rc = -1;
            }
        }
        if (rc != 0) {
            fprintf(stderr, "%s: %s\n", argv[i], strerror(errno));
            failed = 1;
        }
        long after = resident(fd, st.st_size, page, &pages);
        printf("%s pages=%ld resident_before=%ld resident_after=%ld\n", argv[i], pages, before, after);
        close(fd);
    }
    return failed;
}
