package io.github.wal4j.testing;

import io.github.wal4j.spi.ForwardingStorage;
import io.github.wal4j.spi.ForwardingStorageFile;
import io.github.wal4j.spi.Storage;
import io.github.wal4j.spi.StorageFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks, for a protected log, the rule that keeps AES-GCM nonces unique (docs/security/threat-model.md,
 * section 4): a segment is written only by the open of the log that created it, never by a later
 * one. A later session that wrote into an older segment would seal sequence numbers that a torn,
 * cut write may already have sealed under that segment's key: the data still reads back, so no
 * check on recovered records can see it, but the nonce was reused.
 *
 * <p>Use one {@link #session(Storage)} per {@code WriteAheadLog.open}, and
 * {@link #assertNoViolation()} at the end. Truncating (recovery cutting a torn tail) and syncing
 * are allowed; writing is not.
 */
public final class SegmentWriterAudit {
    private static final Pattern SEGMENT = Pattern.compile("\\d{16}\\.wal(\\.tmp)?");

    private final List<String> violations = new ArrayList<>();
    private int sessions;

    /** An audit with no session and no violation yet. */
    public SegmentWriterAudit() {
    }

    /** {@code storage} as seen by one open of the log (one writer session). */
    public synchronized Storage session(Storage storage) {
        return new Session(storage, ++sessions);
    }

    /** Throws if any session wrote to a segment it did not create. */
    public synchronized void assertNoViolation() {
        if (!violations.isEmpty()) {
            throw new AssertionError("a protected segment was written by a later session than the one that "
                    + "created it (a nonce may be reused): " + violations);
        }
    }

    private synchronized void violation(String what) {
        if (violations.size() < 10) {
            violations.add(what);
        }
    }

    private final class Session extends ForwardingStorage {
        private final int number;
        private final Set<String> created = new HashSet<>();

        Session(Storage delegate, int number) {
            super(delegate);
            this.number = number;
        }

        private static String key(Path path) {
            return path.toAbsolutePath().normalize().toString();
        }

        @Override
        public StorageFile create(Path path) throws IOException {
            synchronized (created) {
                created.add(key(path));
            }
            return super.create(path);
        }

        @Override
        public void rename(Path source, Path target) throws IOException {
            super.rename(source, target);
            synchronized (created) {
                if (created.contains(key(source))) {
                    created.add(key(target));
                }
            }
        }

        @Override
        protected StorageFile wrap(Path path, StorageFile file) {
            boolean own;
            synchronized (created) {
                own = created.contains(key(path));
            }
            if (own || !SEGMENT.matcher(path.getFileName().toString()).matches()) {
                return file;
            }
            return new ForwardingStorageFile(file) {
                @Override
                public void write(ByteBuffer src, long position) throws IOException {
                    violation("session " + number + " wrote " + src.remaining() + " bytes at " + position + " of "
                            + path.getFileName());
                    super.write(src, position);
                }
            };
        }
    }
}
