/** A SQLite database whose changes are made durable in a wal4j log first and applied exactly once. */
module io.github.wal4j.sqlite {
    requires transitive io.github.wal4j;
    requires transitive java.sql;
    requires org.xerial.sqlitejdbc;

    exports io.github.wal4j.sqlite;
}
