/**
 * The wal4j log contract ({@link io.github.wal4j.DurableLog}) replicated on Apache BookKeeper:
 * {@link io.github.wal4j.bookkeeper.BookKeeperLog}, its options, and the two failures only a
 * replicated log has ({@link io.github.wal4j.bookkeeper.WalFencedException}: another writer took the
 * log over; {@link io.github.wal4j.bookkeeper.WalMetadataException}: ZooKeeper failed or expired the
 * session). Deployment, promises per failure and the metadata layout: docs/replication.md.
 *
 * <p>The module has no {@code module-info.java}: BookKeeper 4.17's jars have no module descriptors
 * and split packages between them ({@code org.apache.bookkeeper.util} is in both bookkeeper-server
 * and bookkeeper-common, {@code org.apache.bookkeeper.proto} in bookkeeper-server and
 * bookkeeper-proto), so as automatic modules they cannot be resolved together and no descriptor that
 * requires them compiles. The jar declares {@code Automatic-Module-Name: io.github.wal4j.bookkeeper};
 * {@code io.github.wal4j.bookkeeper.internal} is not API (left out of the Javadoc).
 */
package io.github.wal4j.bookkeeper;
