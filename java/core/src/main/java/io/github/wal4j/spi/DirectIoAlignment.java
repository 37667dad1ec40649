package io.github.wal4j.spi;

/**
 * What direct I/O ({@code O_DIRECT}) on one file needs, as the I/O layer found it when it opened the
 * file.
 *
 * @param offset the alignment of file offsets and lengths, in bytes (the logical sector size)
 * @param memory the alignment of buffer addresses, in bytes
 * @param fromStatx whether the file system reported both ({@code statx STATX_DIOALIGN}); else both
 *     are the file's {@code st_blksize}
 */
public record DirectIoAlignment(int offset, int memory, boolean fromStatx) {
}
