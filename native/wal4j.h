/*
 * libwal4j: the thin native I/O layer of wal4j.
 *
 * Every function is a direct wrapper of one system call (or a fixed short sequence of them) and
 * holds no policy: it returns a value >= 0 on success and -errno on failure. Callers (the Java
 * bindings in io.github.wal4j.io.nativeio) turn negative results into exceptions.
 *
 * Sizes and offsets are int64_t so that the Java side can pass a Java long without caring about
 * the width of size_t/off_t. Negative sizes or offsets give -EINVAL.
 */
#ifndef WAL4J_H
#define WAL4J_H

#include <stdint.h>

#if defined(__GNUC__)
#define WAL4J_EXPORT __attribute__((visibility("default")))
#else
#define WAL4J_EXPORT
#endif

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The version of this interface; the Java bindings refuse a library whose version differs.
 * Bump it on any change of a signature, a flag value or a return convention.
 */
#define WAL4J_ABI_VERSION 2

/*
 * Portable open flags, mapped to the platform's O_* values inside wal4j_open. O_CLOEXEC is
 * always added. The access mode is WAL4J_O_RDONLY (0) unless WAL4J_O_RDWR is given.
 */
#define WAL4J_O_RDONLY 0x00
#define WAL4J_O_RDWR 0x01
#define WAL4J_O_CREAT 0x02
#define WAL4J_O_EXCL 0x04
#define WAL4J_O_DIRECT 0x08
#define WAL4J_O_DSYNC 0x10
#define WAL4J_O_NOFOLLOW 0x20
#define WAL4J_O_DIRECTORY 0x40
#define WAL4J_O_ALL 0x7f

/* Results of wal4j_dio_alignment, telling where the numbers came from. */
#define WAL4J_DIO_FALLBACK 0 /* st_blksize (see wal4j_dio_alignment) */
#define WAL4J_DIO_STATX 1    /* statx(STATX_DIOALIGN) */

/* Returns WAL4J_ABI_VERSION of the compiled library. */
WAL4J_EXPORT int wal4j_abi_version(void);

/*
 * open(2) with portable flags (WAL4J_O_*); mode is used only with WAL4J_O_CREAT.
 * Returns the file descriptor, or -errno; -EINVAL for unknown flag bits.
 */
WAL4J_EXPORT int wal4j_open(const char *path, int flags, int mode);

/* close(2). Never retried on EINTR (on Linux the descriptor is gone either way). */
WAL4J_EXPORT int wal4j_close(int fd);

/* One pread(2) of up to count bytes at offset (retried on EINTR). Returns the count read, 0 at EOF. */
WAL4J_EXPORT int64_t wal4j_pread(int fd, void *buf, int64_t count, int64_t offset);

/* One pwrite(2) of up to count bytes at offset (retried on EINTR). Returns the count written. */
WAL4J_EXPORT int64_t wal4j_pwrite(int fd, const void *buf, int64_t count, int64_t offset);

/* fdatasync(2) and fsync(2). Never retried: a failed sync is reported as is. */
WAL4J_EXPORT int wal4j_fdatasync(int fd);
WAL4J_EXPORT int wal4j_fsync(int fd);

/*
 * flock(fd, LOCK_EX | LOCK_NB): 0 when taken, -EWOULDBLOCK (== -EAGAIN on Linux) when another
 * open file description holds it. flock(fd, LOCK_UN) releases it.
 */
WAL4J_EXPORT int wal4j_flock_exclusive_nb(int fd);
WAL4J_EXPORT int wal4j_flock_unlock(int fd);

/*
 * fcntl(fd, F_OFD_SETLK) of a write lock (F_WRLCK) on the whole file (l_whence SEEK_SET, l_start 0,
 * l_len 0): an open file description lock (Linux >= 3.15). fd must be open for writing.
 *
 * 0 when taken; -EAGAIN or -EACCES when a conflicting lock is held: an OFD lock of another open
 * file description, or a classic POSIX record lock (fcntl F_SETLK) of any process, this one
 * included. Java's FileChannel.lock/tryLock takes the classic kind on Linux, and flock(2) locks do
 * not conflict with either, which is why wal4j's native layer takes this lock besides its flock.
 * -EINVAL on a kernel without OFD locks.
 *
 * Released by wal4j_ofd_unlock (F_UNLCK) or when the last descriptor of the open file description
 * is closed; never by closing another descriptor of the same file, unlike a classic POSIX lock.
 */
WAL4J_EXPORT int wal4j_ofd_lock_exclusive_nb(int fd);
WAL4J_EXPORT int wal4j_ofd_unlock(int fd);

/*
 * fcntl(fd, F_OFD_GETLK) for a write lock on the whole file: who would make
 * wal4j_ofd_lock_exclusive_nb(fd) fail. Writes to *pid 0 when nobody would, -1 when an OFD lock of
 * another open file description would, and the holder's process id when a classic POSIX lock
 * would (that id may be this process's own: closing ANY descriptor of the file in that process
 * drops its classic locks, so the caller must then keep its descriptor open). Returns 0 or -errno.
 */
WAL4J_EXPORT int wal4j_ofd_lock_holder(int fd, int32_t *pid);

/* fallocate(fd, 0, offset, len): reserves blocks and extends the size if offset + len is past it. */
WAL4J_EXPORT int wal4j_fallocate(int fd, int64_t offset, int64_t len);

/* ftruncate(2). */
WAL4J_EXPORT int wal4j_ftruncate(int fd, int64_t size);

/* st_size of fstat(2). */
WAL4J_EXPORT int64_t wal4j_file_size(int fd);

/* Opens the directory O_RDONLY|O_DIRECTORY, fsyncs it and closes it; the first error wins. */
WAL4J_EXPORT int wal4j_fsync_dir(const char *path);

/*
 * posix_memalign(3): on success writes the block to *out and returns 0. alignment must be a power
 * of two and a multiple of sizeof(void *); size must be > 0. Free it with wal4j_aligned_free.
 */
WAL4J_EXPORT int wal4j_aligned_alloc(void **out, int64_t alignment, int64_t size);
WAL4J_EXPORT void wal4j_aligned_free(void *block);

/*
 * The alignment O_DIRECT needs on fd: *mem_align for buffer addresses, *offset_align for file
 * offsets and lengths.
 *
 * Uses statx(STATX_DIOALIGN) (Linux >= 6.1) and returns WAL4J_DIO_STATX when the file system
 * reports it; both numbers are then 0 if the file does not support direct I/O at all.
 *
 * Otherwise (older kernel, or a file system that does not report it, such as tmpfs) returns
 * WAL4J_DIO_FALLBACK with both numbers set to st_blksize when that is a power of two between
 * 512 and 65536, else to 4096. Rationale: the logical block size of the device (BLKSSZGET) cannot
 * be asked through a descriptor of a regular file, but the file system block size, which
 * st_blksize reports on block file systems, is always a multiple of it; 512 alone would be too
 * small for 4Kn drives. A larger alignment than needed is never wrong, only less flexible.
 */
WAL4J_EXPORT int wal4j_dio_alignment(int fd, uint32_t *mem_align, uint32_t *offset_align);

/*
 * The symbolic name of an errno value ("EIO" for 5, "ENOSPC" for 28, ...), or NULL if unknown.
 * Accepts the value with either sign. Static storage: never free it.
 */
WAL4J_EXPORT const char *wal4j_errno_name(int errnum);

#ifdef __cplusplus
}
#endif

#endif /* WAL4J_H */
