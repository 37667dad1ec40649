package io.github.wal4j.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link FileKeys}: one key per file, whatever path leads there; none for a missing file. */
class FileKeysTest {
    @TempDir
    Path tmp;

    @Test
    void aHardLinkHasTheKeyOfItsFileAndAnotherFileAnother() throws IOException {
        Path file = Files.createFile(tmp.resolve("wal.lock"));
        Path link = Files.createLink(tmp.resolve("alias.lock"), file);
        Path other = Files.createFile(tmp.resolve("other.lock"));
        assertNotNull(FileKeys.of(file));
        assertEquals(FileKeys.of(file), FileKeys.of(link));
        assertNotEquals(FileKeys.of(file), FileKeys.of(other));
    }

    @Test
    void aMissingFileHasNoKey() throws IOException {
        assertNull(FileKeys.of(tmp.resolve("missing")));
    }
}
