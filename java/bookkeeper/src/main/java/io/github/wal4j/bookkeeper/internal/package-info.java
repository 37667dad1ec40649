/**
 * Internals of wal4j-bookkeeper (the ledger-list layout and the entry layout): not API, not in the
 * Javadoc, may change in any release.
 */
package io.github.wal4j.bookkeeper.internal;
