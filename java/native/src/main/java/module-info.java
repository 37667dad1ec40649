/**
 * The native I/O layer of wal4j: libwal4j ({@code fdatasync}, {@code flock} and OFD locks,
 * {@code fallocate}, {@code O_DIRECT}) through JNA, offered to the library as the
 * {@link io.github.wal4j.spi.StorageProvider} named {@code native}. The library itself comes in
 * the platform jar ({@code wal4j-native-<version>-linux-x86_64.jar}).
 */
module io.github.wal4j.nativeio {
    requires io.github.wal4j;
    requires com.sun.jna;

    // JNA binds the native methods of LibWal4j reflectively.
    opens io.github.wal4j.io.nativeio to com.sun.jna;

    provides io.github.wal4j.spi.StorageProvider with io.github.wal4j.io.nativeio.NativeStorageProvider;
}
