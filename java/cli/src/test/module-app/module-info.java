/** A user's application on the module path: it names only the library's module (ModulePathTest). */
module io.github.wal4j.example.app {
    requires io.github.wal4j;
}
