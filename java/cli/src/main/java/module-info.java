/** The wal4j command-line tool ({@code inspect}, {@code verify}, {@code dump}, {@code repair}) and the recover-verify demo. */
module io.github.wal4j.cli {
    requires io.github.wal4j;
    // The native layer (wal4j-native) is found at run time as a StorageProvider of the core, not named here.
    requires info.picocli;
    requires java.logging; // the tool prints what the library would log itself, so it turns the library's logger down

    // picocli reads the commands' annotated fields reflectively.
    opens io.github.wal4j.cli to info.picocli;
}
