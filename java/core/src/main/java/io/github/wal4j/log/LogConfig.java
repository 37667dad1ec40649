package io.github.wal4j.log;

import io.github.wal4j.Durability;
import io.github.wal4j.DurableWatermark;
import io.github.wal4j.InFlightLimit;
import io.github.wal4j.KeyProvider;
import io.github.wal4j.Protection;
import io.github.wal4j.RecoveryMode;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.Set;

/**
 * What the engine is told when a log opens: the settings of {@code WalOptions} that the log, its
 * directory and its writer act on, already checked (the API validates each value as it is set). The
 * engine takes this instead of the API's options object, so the engine never depends on the API's
 * entry points ({@code ArchitectureTest}); {@code WalOptions} makes one per open.
 *
 * @param durability when an append is acknowledged
 * @param recoveryMode what open does with damage to acknowledged data
 * @param segmentSize the size a segment rotates at
 * @param maxRecordSize the largest payload appended or accepted by recovery
 * @param maxBatchBytes the bytes of records that close a group-commit batch
 * @param lockTimeout how long open waits for another holder of the lock (zero: not at all)
 * @param directIo whether segments are written with O_DIRECT where the layer can
 * @param protection how new segments are protected
 * @param keys the keys of protected segments, or {@code null}
 * @param durableWatermark where the durable mark is also kept outside the log, or {@code null}
 * @param filePermissions the mode of every file the log creates
 * @param directoryPermissions the mode of a directory the log creates
 * @param sharedDirectoryAllowed whether a directory others could change is accepted
 * @param inFlightLimit the bound on queued appends, and what an append does at it
 * @param segmentPreparation whether the next segment's blocks are written ahead of rotation
 * @param segmentRecycling whether segments a checkpoint freed are reused as next segments
 */
public record LogConfig(Durability durability, RecoveryMode recoveryMode, long segmentSize, int maxRecordSize,
        int maxBatchBytes, Duration lockTimeout, boolean directIo, Protection protection, KeyProvider keys,
        DurableWatermark durableWatermark, Set<PosixFilePermission> filePermissions,
        Set<PosixFilePermission> directoryPermissions, boolean sharedDirectoryAllowed, InFlightLimit inFlightLimit,
        boolean segmentPreparation, boolean segmentRecycling) {
}
