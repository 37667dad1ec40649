/**
 * What the kit's public classes and the project's own tests share, and no API: child JVMs
 * ({@code CrashJvm}, {@code ChildSupport}), acknowledgement files ({@code AckFile}), byte-level file
 * damage and segment layouts ({@code FileDamage}, {@code SegmentLayout}), log directories, records,
 * keys and seeds for tests, and the crash scenarios that tests in several modules run
 * ({@code SnapshotKillScenario}). The module descriptor exports this package to no one and docs/testkit.md
 * does not document it: it changes without notice. Applications use the exported packages
 * ({@code io.github.wal4j.testing}, {@code io.github.wal4j.testing.fuse}).
 */
package io.github.wal4j.testing.internal;
