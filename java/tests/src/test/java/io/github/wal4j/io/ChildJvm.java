package io.github.wal4j.io;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/** Starts a second JVM running a test class's {@code main}, on this JVM's test class path. */
public final class ChildJvm {

    private ChildJvm() {
    }

    /**
     * A process builder for {@code java -cp <class path> <main> <args>}.
     *
     * @param classPathFilter keeps the class-path entries it accepts
     * @param jvmOptions options placed before the main class, such as {@code -Dkey=value}
     */
    public static ProcessBuilder builder(Class<?> main, Predicate<String> classPathFilter, List<String> jvmOptions,
            String... args) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classPath = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(entry -> !entry.isEmpty())
                .filter(classPathFilter)
                .collect(Collectors.joining(File.pathSeparator));
        List<String> command = new ArrayList<>();
        command.add(java);
        command.add("-XX:TieredStopAtLevel=1"); // starts faster; these children do little work
        command.add("-Xshare:auto");
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(classPath);
        command.add(main.getName());
        command.addAll(Arrays.asList(args));
        return new ProcessBuilder(command);
    }

    /** Whether a class-path entry is the directory of the native library resources (target/native-classes). */
    public static boolean isNativeClasses(String classPathEntry) {
        return Path.of(classPathEntry).getFileName() != null
                && Path.of(classPathEntry).getFileName().toString().equals("native-classes");
    }
}
