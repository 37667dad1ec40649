package io.github.wal4j.io.nativeio;

import java.io.File;
import java.io.IOException;
import java.net.URL;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Whether libwal4j, the native I/O library, can be used in this JVM, and why not.
 *
 * <p>Availability is computed once, when this class initializes: the OS must be Linux, JNA must be
 * on the class path, the library must load ({@code linux-x86-64/libwal4j.so} from the platform
 * jar {@code wal4j-<version>-linux-x86_64.jar}, or anything JNA finds on {@code jna.library.path})
 * and its ABI version must match. Nothing here throws; {@link #unavailabilityCause()} keeps the
 * reason, as in netty's {@code Epoll}.
 */
public final class NativeIo {

    /** The ABI version this code was written against ({@code WAL4J_ABI_VERSION} in wal4j.h). */
    public static final int ABI_VERSION = 2;

    // Portable open flags, the WAL4J_O_* values of wal4j.h.
    static final int O_RDONLY = 0x00;
    static final int O_RDWR = 0x01;
    static final int O_CREAT = 0x02;
    static final int O_EXCL = 0x04;
    static final int O_DIRECT = 0x08;
    static final int O_NOFOLLOW = 0x20;
    static final int O_DIRECTORY = 0x40;

    /** Mode of every file the native layer creates: rw------- (before the umask). */
    static final int MODE_OWNER_ONLY = 0600;

    private static final int MAX_REASON = 300;

    private static final Throwable UNAVAILABILITY_CAUSE;
    private static final String LIBRARY_LOCATION;
    private static final Charset PATH_CHARSET = pathCharset();

    static {
        Throwable cause = null;
        String location = null;
        String os = System.getProperty("os.name", "");
        if (!os.toLowerCase(Locale.ROOT).startsWith("linux")) {
            cause = new UnsupportedOperationException("unsupported OS: " + os + " (libwal4j is built for Linux only)");
        } else {
            try {
                int abi = LibWal4j.wal4j_abi_version(); // initializes LibWal4j, which loads the library
                location = describeLocation(LibWal4j.LIBRARY.getFile());
                if (abi != ABI_VERSION) {
                    cause = new UnsatisfiedLinkError("libwal4j at " + location + " has ABI version " + abi
                            + ", this wal4j needs " + ABI_VERSION);
                    location = null;
                }
            } catch (ExceptionInInitializerError e) {
                cause = e.getCause() != null ? e.getCause() : e;
            } catch (Throwable e) { // UnsatisfiedLinkError, NoClassDefFoundError (no JNA), ...
                cause = e;
            }
        }
        UNAVAILABILITY_CAUSE = cause;
        LIBRARY_LOCATION = location;
    }

    private NativeIo() {
    }

    /** Whether libwal4j is loaded and usable. */
    public static boolean isAvailable() {
        return UNAVAILABILITY_CAUSE == null;
    }

    /** Why libwal4j cannot be used, or {@code null} if it can. */
    public static Throwable unavailabilityCause() {
        return UNAVAILABILITY_CAUSE;
    }

    /**
     * A one-line account of {@link #unavailabilityCause()} for logs ({@code "UnsatisfiedLinkError:
     * Unable to load library 'wal4j': ..."}), or {@code null} when available.
     */
    public static String unavailabilityReason() {
        return UNAVAILABILITY_CAUSE == null ? null : describe(UNAVAILABILITY_CAUSE);
    }

    /** The file the library was loaded from (an extracted copy when it came from a jar), or {@code null}. */
    public static String libraryLocation() {
        return LIBRARY_LOCATION;
    }

    /**
     * The class-path resource JNA loads libwal4j from on this platform (for example
     * {@code linux-x86-64/libwal4j.so}), or {@code null} when this class loader has no such resource
     * or JNA is missing.
     */
    public static URL libraryResource() {
        try {
            String name = com.sun.jna.Platform.RESOURCE_PREFIX + "/" + System.mapLibraryName("wal4j");
            ClassLoader loader = NativeIo.class.getClassLoader();
            return loader == null ? ClassLoader.getSystemResource(name) : loader.getResource(name);
        } catch (LinkageError e) {
            return null;
        }
    }

    /** Throws an {@link IOException} naming the cause unless the library is usable. */
    public static void ensureAvailable() throws IOException {
        if (UNAVAILABILITY_CAUSE != null) {
            throw new IOException("the native I/O layer is unavailable: " + unavailabilityReason(), UNAVAILABILITY_CAUSE);
        }
    }

    /**
     * The symbolic name of an errno value ({@code "EIO"} for 5), as compiled into libwal4j;
     * {@code null} if unknown or if the library is unavailable. Accepts either sign.
     */
    public static String errnoName(int errno) {
        if (UNAVAILABILITY_CAUSE != null) {
            return null;
        }
        return LibWal4j.wal4j_errno_name(errno);
    }

    /** Where the library came from: its file, or the jar resource and the copy JNA extracted from it. */
    private static String describeLocation(File file) {
        if (file == null) {
            return LibWal4j.LIBRARY.getName();
        }
        URL resource = libraryResource();
        if (resource != null && !"file".equals(resource.getProtocol())
                && !file.getName().equals(System.mapLibraryName("wal4j"))) {
            return resource + " (extracted to " + file.getAbsolutePath() + ")";
        }
        return file.getAbsolutePath();
    }

    /** The path as the NUL-terminated bytes open(2) wants, in the encoding the JDK uses for file names. */
    static byte[] nativePath(Path path) {
        byte[] chars = path.toString().getBytes(PATH_CHARSET);
        byte[] terminated = new byte[chars.length + 1];
        System.arraycopy(chars, 0, terminated, 0, chars.length);
        return terminated;
    }

    private static Charset pathCharset() {
        String name = System.getProperty("sun.jnu.encoding");
        try {
            return name != null ? Charset.forName(name) : Charset.defaultCharset();
        } catch (IllegalArgumentException e) {
            return StandardCharsets.UTF_8;
        }
    }

    /** One line, at most {@value #MAX_REASON} characters (JNA's messages list every path it searched). */
    static String describe(Throwable t) {
        String message = t.getMessage();
        String text = message == null ? t.getClass().getSimpleName() : t.getClass().getSimpleName() + ": " + message;
        text = text.strip().replaceAll("[\\s;:]*\\R\\s*", "; ");
        return text.length() <= MAX_REASON ? text : text.substring(0, MAX_REASON - 3) + "...";
    }

}
