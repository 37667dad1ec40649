/**
 * The test kit for an application's recovery on wal4j: the crash loop over a power-cut simulated disk,
 * fault plans, kill loops with acknowledgement files, damage to closed logs, and the power-cut file
 * system (FUSE) for whole processes. Its API is the two exported packages, as docs/testkit.md lists
 * them; {@code io.github.wal4j.testing.internal} holds what those classes and the project's own tests
 * share (child JVMs, acknowledgement files, file damage, segment layouts, log directories), without
 * a stable contract, and is exported to no one.
 */
module io.github.wal4j.testkit {
    requires transitive io.github.wal4j;
    requires static transitive org.junit.jupiter.api;
    requires com.sun.jna;

    exports io.github.wal4j.testing;
    exports io.github.wal4j.testing.fuse;

    // JNA binds the native methods of the FUSE server's libc calls reflectively.
    opens io.github.wal4j.testing.fuse to com.sun.jna;
}
