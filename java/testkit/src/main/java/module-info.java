/** The crash loop for testing an application's recovery, and the fault-injecting disk, file damage, crash children and acknowledgement files of wal4j's tests. */
module io.github.wal4j.testkit {
    requires transitive io.github.wal4j;
    requires static transitive org.junit.jupiter.api;

    exports io.github.wal4j.testing;
}
