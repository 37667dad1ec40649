package io.github.wal4j.bench;

import java.nio.file.Path;

/** Opens a {@link Subject} on a fresh, empty directory for records of {@code recordSize} bytes. */
@FunctionalInterface
public interface SubjectFactory {
    Subject open(Path dir, int recordSize) throws Exception;
}
