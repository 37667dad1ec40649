/*
 * libwal4j: see wal4j.h. Linux only (fallocate, O_DIRECT, statx); every function returns -errno on
 * failure and holds no policy.
 */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64

#include "wal4j.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#ifndef STATX_DIOALIGN
#define STATX_DIOALIGN 0x00002000U
#endif

/*
 * glibc floor 2.17 (RHEL/CentOS 7, Amazon Linux 2, Ubuntu 20.04 and later; the first glibc with
 * aarch64). A glibc newer than that binds some calls to symbols its predecessors lack: fstat to
 * fstat64@GLIBC_2.33, fcntl to fcntl64@GLIBC_2.28 (with 64-bit offsets). Those two go through
 * syscall(2) instead, which every glibc has; the build refuses a library that needs any symbol
 * versioned above the floor (cmake/check_glibc_floor.cmake). On x86-64 and aarch64 the kernel's
 * struct stat and struct flock are glibc's, so the system calls fill them as the wrappers would.
 */
#if defined(__x86_64__)
_Static_assert(sizeof(struct stat) == 144, "glibc's struct stat is the kernel's on x86-64");
#elif defined(__aarch64__)
_Static_assert(sizeof(struct stat) == 128, "glibc's struct stat is the kernel's on aarch64");
#else
#error "libwal4j is built for x86-64 and aarch64 only: check struct stat and struct flock first"
#endif
_Static_assert(sizeof(off_t) == 8 && sizeof(long) == 8, "64-bit offsets, LP64");

static int fstat_sys(int fd, struct stat *st) {
    return syscall(SYS_fstat, fd, st) < 0 ? -errno : 0;
}

static int fcntl_lock_sys(int fd, int cmd, struct flock *lock) {
    long rc;
    do {
        rc = syscall(SYS_fcntl, fd, cmd, lock);
    } while (rc < 0 && errno == EINTR);
    return rc < 0 ? -errno : 0;
}

/* Largest count handed to one read/write call; Linux caps a single transfer near 2 GiB anyway. */
#define WAL4J_MAX_IO ((int64_t)0x7ffff000)

int wal4j_abi_version(void) {
    return WAL4J_ABI_VERSION;
}

static int to_os_flags(int flags, int *out) {
    if ((flags & ~WAL4J_O_ALL) != 0) {
        return -EINVAL;
    }
    int os = O_CLOEXEC;
    os |= (flags & WAL4J_O_RDWR) ? O_RDWR : O_RDONLY;
    if (flags & WAL4J_O_CREAT) {
        os |= O_CREAT;
    }
    if (flags & WAL4J_O_EXCL) {
        os |= O_EXCL;
    }
    if (flags & WAL4J_O_DIRECT) {
        os |= O_DIRECT;
    }
    if (flags & WAL4J_O_DSYNC) {
        os |= O_DSYNC;
    }
    if (flags & WAL4J_O_NOFOLLOW) {
        os |= O_NOFOLLOW;
    }
    if (flags & WAL4J_O_DIRECTORY) {
        os |= O_DIRECTORY;
    }
    *out = os;
    return 0;
}

int wal4j_open(const char *path, int flags, int mode) {
    int os_flags;
    if (path == NULL) {
        return -EFAULT;
    }
    int rc = to_os_flags(flags, &os_flags);
    if (rc < 0) {
        return rc;
    }
    int fd;
    do {
        fd = open(path, os_flags, (mode_t)mode);
    } while (fd < 0 && errno == EINTR);
    return fd < 0 ? -errno : fd;
}

int wal4j_close(int fd) {
    /* POSIX leaves the descriptor state unspecified after EINTR; Linux always frees it. */
    return close(fd) < 0 ? -errno : 0;
}

int64_t wal4j_pread(int fd, void *buf, int64_t count, int64_t offset) {
    if (count < 0 || offset < 0) {
        return -EINVAL;
    }
    if (count > WAL4J_MAX_IO) {
        count = WAL4J_MAX_IO;
    }
    ssize_t n;
    do {
        n = pread(fd, buf, (size_t)count, (off_t)offset);
    } while (n < 0 && errno == EINTR);
    return n < 0 ? -errno : (int64_t)n;
}

int64_t wal4j_pwrite(int fd, const void *buf, int64_t count, int64_t offset) {
    if (count < 0 || offset < 0) {
        return -EINVAL;
    }
    if (count > WAL4J_MAX_IO) {
        count = WAL4J_MAX_IO;
    }
    ssize_t n;
    do {
        n = pwrite(fd, buf, (size_t)count, (off_t)offset);
    } while (n < 0 && errno == EINTR);
    return n < 0 ? -errno : (int64_t)n;
}

int wal4j_fdatasync(int fd) {
    return fdatasync(fd) < 0 ? -errno : 0;
}

int wal4j_fsync(int fd) {
    return fsync(fd) < 0 ? -errno : 0;
}

int wal4j_flock_exclusive_nb(int fd) {
    int rc;
    do {
        rc = flock(fd, LOCK_EX | LOCK_NB);
    } while (rc < 0 && errno == EINTR);
    return rc < 0 ? -errno : 0;
}

int wal4j_flock_unlock(int fd) {
    int rc;
    do {
        rc = flock(fd, LOCK_UN);
    } while (rc < 0 && errno == EINTR);
    return rc < 0 ? -errno : 0;
}

/* F_OFD_SETLK on the whole file with the given lock type (F_WRLCK or F_UNLCK). */
static int ofd_setlk(int fd, short type) {
    struct flock lock;
    memset(&lock, 0, sizeof(lock));
    lock.l_type = type;
    lock.l_whence = SEEK_SET;
    lock.l_start = 0;
    lock.l_len = 0; /* to the end of the file, however far it grows */
    lock.l_pid = 0; /* must be 0 for OFD locks */
    return fcntl_lock_sys(fd, F_OFD_SETLK, &lock);
}

int wal4j_ofd_lock_exclusive_nb(int fd) {
    return ofd_setlk(fd, F_WRLCK);
}

int wal4j_ofd_unlock(int fd) {
    return ofd_setlk(fd, F_UNLCK);
}

int wal4j_ofd_lock_holder(int fd, int32_t *pid) {
    if (pid == NULL) {
        return -EFAULT;
    }
    struct flock lock;
    memset(&lock, 0, sizeof(lock));
    lock.l_type = F_WRLCK;
    lock.l_whence = SEEK_SET;
    int rc = fcntl_lock_sys(fd, F_OFD_GETLK, &lock);
    if (rc < 0) {
        return rc;
    }
    *pid = lock.l_type == F_UNLCK ? 0 : (int32_t)lock.l_pid; /* l_pid is -1 for an OFD lock */
    return 0;
}

int wal4j_fallocate(int fd, int64_t offset, int64_t len) {
    if (offset < 0 || len <= 0) {
        return -EINVAL;
    }
    int rc;
    do {
        rc = fallocate(fd, 0, (off_t)offset, (off_t)len);
    } while (rc < 0 && errno == EINTR);
    return rc < 0 ? -errno : 0;
}

int wal4j_ftruncate(int fd, int64_t size) {
    if (size < 0) {
        return -EINVAL;
    }
    int rc;
    do {
        rc = ftruncate(fd, (off_t)size);
    } while (rc < 0 && errno == EINTR);
    return rc < 0 ? -errno : 0;
}

int64_t wal4j_file_size(int fd) {
    struct stat st;
    int rc = fstat_sys(fd, &st);
    if (rc < 0) {
        return rc;
    }
    return (int64_t)st.st_size;
}

int wal4j_fsync_dir(const char *path) {
    int fd = wal4j_open(path, WAL4J_O_RDONLY | WAL4J_O_DIRECTORY, 0);
    if (fd < 0) {
        return fd;
    }
    int rc = wal4j_fsync(fd);
    int close_rc = wal4j_close(fd);
    return rc < 0 ? rc : close_rc;
}

int wal4j_aligned_alloc(void **out, int64_t alignment, int64_t size) {
    if (out == NULL) {
        return -EFAULT;
    }
    *out = NULL;
    if (alignment < (int64_t)sizeof(void *) || (alignment & (alignment - 1)) != 0 || size <= 0
        || (uint64_t)size > (uint64_t)SIZE_MAX || (uint64_t)alignment > (uint64_t)SIZE_MAX) {
        return -EINVAL;
    }
    void *block = NULL;
    int rc = posix_memalign(&block, (size_t)alignment, (size_t)size); /* returns the error */
    if (rc != 0) {
        return -rc;
    }
    *out = block;
    return 0;
}

void wal4j_aligned_free(void *block) {
    free(block);
}

/*
 * The kernel's struct statx (include/uapi/linux/stat.h), declared here because glibc's copy of it
 * (<bits/types/struct_statx.h>) predates stx_dio_mem_align and stx_dio_offset_align. The kernel
 * writes at most sizeof(struct statx) = 0x100 bytes.
 */
struct wal4j_statx {
    uint32_t stx_mask;
    uint32_t stx_blksize;
    uint64_t stx_attributes;
    uint32_t stx_nlink;
    uint32_t stx_uid;
    uint32_t stx_gid;
    uint16_t stx_mode;
    uint16_t spare0;
    uint64_t stx_ino;
    uint64_t stx_size;
    uint64_t stx_blocks;
    uint64_t stx_attributes_mask;
    uint64_t timestamps[8]; /* atime, btime, ctime, mtime: 16 bytes each */
    uint32_t stx_rdev_major;
    uint32_t stx_rdev_minor;
    uint32_t stx_dev_major;
    uint32_t stx_dev_minor;
    uint64_t stx_mnt_id;
    uint32_t stx_dio_mem_align;
    uint32_t stx_dio_offset_align;
    uint64_t spare3[12];
};

_Static_assert(sizeof(struct wal4j_statx) == 0x100, "struct statx is 256 bytes");
_Static_assert(offsetof(struct wal4j_statx, stx_dio_mem_align) == 0x98, "stx_dio_mem_align at 0x98");

static int is_sane_alignment(long value) {
    return value >= 512 && value <= 65536 && (value & (value - 1)) == 0;
}

int wal4j_dio_alignment(int fd, uint32_t *mem_align, uint32_t *offset_align) {
    if (mem_align == NULL || offset_align == NULL) {
        return -EFAULT;
    }
#ifdef SYS_statx
    struct wal4j_statx stx;
    memset(&stx, 0, sizeof(stx));
    if (syscall(SYS_statx, fd, "", AT_EMPTY_PATH, STATX_DIOALIGN, &stx) == 0
        && (stx.stx_mask & STATX_DIOALIGN) != 0) {
        *mem_align = stx.stx_dio_mem_align;
        *offset_align = stx.stx_dio_offset_align;
        return WAL4J_DIO_STATX;
    }
    /* ENOSYS (kernel < 4.11), EPERM (seccomp) or no DIOALIGN in the answer: fall back. */
#endif
    struct stat st;
    int rc = fstat_sys(fd, &st);
    if (rc < 0) {
        return rc;
    }
    uint32_t align = is_sane_alignment((long)st.st_blksize) ? (uint32_t)st.st_blksize : 4096U;
    *mem_align = align;
    *offset_align = align;
    return WAL4J_DIO_FALLBACK;
}

#define WAL4J_ERRNO_CASE(name) \
    case name:                 \
        return #name;

const char *wal4j_errno_name(int errnum) {
    if (errnum < 0) {
        if (errnum == INT_MIN) {
            return NULL;
        }
        errnum = -errnum;
    }
    switch (errnum) {
        WAL4J_ERRNO_CASE(EPERM)
        WAL4J_ERRNO_CASE(ENOENT)
        WAL4J_ERRNO_CASE(ESRCH)
        WAL4J_ERRNO_CASE(EINTR)
        WAL4J_ERRNO_CASE(EIO)
        WAL4J_ERRNO_CASE(ENXIO)
        WAL4J_ERRNO_CASE(E2BIG)
        WAL4J_ERRNO_CASE(ENOEXEC)
        WAL4J_ERRNO_CASE(EBADF)
        WAL4J_ERRNO_CASE(ECHILD)
        WAL4J_ERRNO_CASE(EAGAIN)
#if defined(EWOULDBLOCK) && EWOULDBLOCK != EAGAIN
        WAL4J_ERRNO_CASE(EWOULDBLOCK)
#endif
        WAL4J_ERRNO_CASE(ENOMEM)
        WAL4J_ERRNO_CASE(EACCES)
        WAL4J_ERRNO_CASE(EFAULT)
#ifdef ENOTBLK
        WAL4J_ERRNO_CASE(ENOTBLK)
#endif
        WAL4J_ERRNO_CASE(EBUSY)
        WAL4J_ERRNO_CASE(EEXIST)
        WAL4J_ERRNO_CASE(EXDEV)
        WAL4J_ERRNO_CASE(ENODEV)
        WAL4J_ERRNO_CASE(ENOTDIR)
        WAL4J_ERRNO_CASE(EISDIR)
        WAL4J_ERRNO_CASE(EINVAL)
        WAL4J_ERRNO_CASE(ENFILE)
        WAL4J_ERRNO_CASE(EMFILE)
        WAL4J_ERRNO_CASE(ENOTTY)
        WAL4J_ERRNO_CASE(ETXTBSY)
        WAL4J_ERRNO_CASE(EFBIG)
        WAL4J_ERRNO_CASE(ENOSPC)
        WAL4J_ERRNO_CASE(ESPIPE)
        WAL4J_ERRNO_CASE(EROFS)
        WAL4J_ERRNO_CASE(EMLINK)
        WAL4J_ERRNO_CASE(EPIPE)
        WAL4J_ERRNO_CASE(EDOM)
        WAL4J_ERRNO_CASE(ERANGE)
        WAL4J_ERRNO_CASE(EDEADLK)
        WAL4J_ERRNO_CASE(ENAMETOOLONG)
        WAL4J_ERRNO_CASE(ENOLCK)
        WAL4J_ERRNO_CASE(ENOSYS)
        WAL4J_ERRNO_CASE(ENOTEMPTY)
        WAL4J_ERRNO_CASE(ELOOP)
        WAL4J_ERRNO_CASE(ENOMSG)
        WAL4J_ERRNO_CASE(EIDRM)
#ifdef ENODATA
        WAL4J_ERRNO_CASE(ENODATA)
#endif
#ifdef ETIME
        WAL4J_ERRNO_CASE(ETIME)
#endif
        WAL4J_ERRNO_CASE(ENOLINK)
        WAL4J_ERRNO_CASE(EPROTO)
        WAL4J_ERRNO_CASE(EBADMSG)
        WAL4J_ERRNO_CASE(EOVERFLOW)
        WAL4J_ERRNO_CASE(EILSEQ)
        WAL4J_ERRNO_CASE(ENOTSOCK)
        WAL4J_ERRNO_CASE(EOPNOTSUPP)
#if defined(ENOTSUP) && ENOTSUP != EOPNOTSUPP
        WAL4J_ERRNO_CASE(ENOTSUP)
#endif
        WAL4J_ERRNO_CASE(EADDRINUSE)
        WAL4J_ERRNO_CASE(ENETDOWN)
        WAL4J_ERRNO_CASE(ENETUNREACH)
        WAL4J_ERRNO_CASE(ECONNABORTED)
        WAL4J_ERRNO_CASE(ECONNRESET)
        WAL4J_ERRNO_CASE(ENOBUFS)
        WAL4J_ERRNO_CASE(ENOTCONN)
        WAL4J_ERRNO_CASE(ETIMEDOUT)
        WAL4J_ERRNO_CASE(ECONNREFUSED)
        WAL4J_ERRNO_CASE(EHOSTUNREACH)
        WAL4J_ERRNO_CASE(EALREADY)
        WAL4J_ERRNO_CASE(EINPROGRESS)
        WAL4J_ERRNO_CASE(ESTALE)
#ifdef EUCLEAN
        WAL4J_ERRNO_CASE(EUCLEAN)
#endif
#ifdef EREMOTEIO
        WAL4J_ERRNO_CASE(EREMOTEIO)
#endif
        WAL4J_ERRNO_CASE(EDQUOT)
#ifdef ENOMEDIUM
        WAL4J_ERRNO_CASE(ENOMEDIUM)
#endif
#ifdef EMEDIUMTYPE
        WAL4J_ERRNO_CASE(EMEDIUMTYPE)
#endif
        WAL4J_ERRNO_CASE(ECANCELED)
#ifdef ENOKEY
        WAL4J_ERRNO_CASE(ENOKEY)
#endif
        WAL4J_ERRNO_CASE(EOWNERDEAD)
        WAL4J_ERRNO_CASE(ENOTRECOVERABLE)
#ifdef EHWPOISON
        WAL4J_ERRNO_CASE(EHWPOISON)
#endif
    default:
        return NULL;
    }
}
