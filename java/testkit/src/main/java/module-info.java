/** The crash loop for testing an application's recovery, and the fault-injecting disk, file damage, crash children and acknowledgement files of wal4j's tests, and the power-cut file system (FUSE) for whole processes. */
module io.github.wal4j.testkit {
    requires transitive io.github.wal4j;
    requires static transitive org.junit.jupiter.api;
    requires com.sun.jna;

    exports io.github.wal4j.testing;
    exports io.github.wal4j.testing.fuse;

    // JNA binds the native methods of the FUSE server's libc calls reflectively.
    opens io.github.wal4j.testing.fuse to com.sun.jna;
}
