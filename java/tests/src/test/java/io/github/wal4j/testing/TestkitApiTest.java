package io.github.wal4j.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The test kit's public API is what docs/testkit.md documents, and each of its types has a Javadoc
 * contract: every public type of a package the kit's module descriptor exports must be a row of the
 * table under "The API", every row must be such a type, and each must have a doc comment. A fixture
 * of the project's own tests that lands in an exported package fails here, as does an exported
 * package the descriptor gains without its types being documented.
 */
class TestkitApiTest {
    private static final Path ROOT = Path.of(System.getProperty("wal4j.projectRoot", "../..")).toAbsolutePath();
    private static final Path CLASSES = ROOT.resolve("java/testkit/target/classes");
    private static final Path SOURCES = ROOT.resolve("java/testkit/src/main/java");
    private static final Pattern ROW = Pattern.compile("^\\| `(io\\.github\\.wal4j\\.[A-Za-z0-9_.]+)` \\|");

    /** The exported packages, from the compiled module descriptor (what a user's module can read). */
    static Set<String> exportedPackages() throws IOException {
        try (InputStream in = Files.newInputStream(CLASSES.resolve("module-info.class"))) {
            Set<String> exported = new TreeSet<>();
            for (ModuleDescriptor.Exports e : ModuleDescriptor.read(in).exports()) {
                exported.add(e.source());
            }
            return exported;
        }
    }

    /** The canonical names of the public types (top level and nested, all enclosers public) of a package. */
    static Set<String> publicTypes(String pkg) throws IOException, ClassNotFoundException {
        Set<String> types = new TreeSet<>();
        Path dir = CLASSES.resolve(pkg.replace('.', '/'));
        List<Path> files;
        try (Stream<Path> list = Files.list(dir)) {
            files = list.filter(f -> f.getFileName().toString().endsWith(".class")).toList();
        }
        for (Path f : files) {
            String name = f.getFileName().toString();
            Class<?> c = Class.forName(pkg + "." + name.substring(0, name.length() - ".class".length()), false,
                    TestkitApiTest.class.getClassLoader());
            if (c.isSynthetic() || c.isAnonymousClass() || c.isLocalClass() || !reachable(c)) {
                continue;
            }
            types.add(c.getCanonicalName());
        }
        return types;
    }

    private static boolean reachable(Class<?> c) {
        for (Class<?> k = c; k != null; k = k.getEnclosingClass()) {
            if (!Modifier.isPublic(k.getModifiers())) {
                return false;
            }
        }
        return true;
    }

    /** The rows of docs/testkit.md's API table. */
    static Set<String> documentedTypes() throws IOException {
        Set<String> documented = new TreeSet<>();
        for (String line : Files.readAllLines(ROOT.resolve("docs/testkit.md"))) {
            Matcher m = ROW.matcher(line);
            if (m.find()) {
                documented.add(m.group(1));
            }
        }
        return documented;
    }

    /**
     * The doc comment right before the declaration of the type (annotations between them allowed),
     * or null: read from the kit's source, since the class files keep no Javadoc.
     */
    static String javadocOf(String pkg, String canonicalName) throws IOException {
        String nested = canonicalName.substring(pkg.length() + 1);
        String topLevel = nested.contains(".") ? nested.substring(0, nested.indexOf('.')) : nested;
        String simple = nested.substring(nested.lastIndexOf('.') + 1);
        String source = Files.readString(SOURCES.resolve(pkg.replace('.', '/')).resolve(topLevel + ".java"));
        Matcher declaration = Pattern.compile("(?m)^[ \\t]*(?:(?:public|protected|static|final|abstract|sealed|"
                + "non-sealed|strictfp)\\s+)*(?:class|interface|enum|record|@interface)\\s+" + simple + "\\b")
                .matcher(source);
        if (!declaration.find()) {
            throw new AssertionError("no declaration of " + canonicalName + " found in its source");
        }
        List<String> before = new ArrayList<>(List.of(source.substring(0, declaration.start()).split("\n", -1)));
        while (!before.isEmpty() && (before.get(before.size() - 1).isBlank()
                || before.get(before.size() - 1).trim().startsWith("@"))) {
            before.remove(before.size() - 1);
        }
        String text = String.join("\n", before).stripTrailing();
        int open = text.lastIndexOf("/**");
        if (!text.endsWith("*/") || open < 0) {
            return null;
        }
        return text.substring(open + 3, text.length() - 2).replaceAll("(?m)^\\s*\\*", " ").trim();
    }

    @Test
    void everyPublicTypeOfAnExportedPackageIsDocumentedAndNoOtherIs() throws Exception {
        assertTrue(Files.isDirectory(CLASSES), () -> CLASSES + " is not built");
        Set<String> exported = exportedPackages();
        assertTrue(exported.contains("io.github.wal4j.testing"), () -> "module descriptor not understood: " + exported);
        Set<String> actual = new TreeSet<>();
        for (String pkg : exported) {
            actual.addAll(publicTypes(pkg));
        }
        Set<String> documented = documentedTypes();
        assertFalse(documented.isEmpty(), "docs/testkit.md has no API table");
        Set<String> undocumented = new TreeSet<>(actual);
        undocumented.removeAll(documented);
        Set<String> missing = new TreeSet<>(documented);
        missing.removeAll(actual);
        assertEquals(Set.of(), undocumented, "public types of the kit's exported packages " + exported
                + " that docs/testkit.md's API table does not list (document them, or move them out of the"
                + " exported packages)");
        assertEquals(Set.of(), missing, "types docs/testkit.md's API table lists that the kit does not export");
    }

    @Test
    void everyTypeOfTheApiHasAJavadocContract() throws Exception {
        List<String> without = new ArrayList<>();
        for (String pkg : exportedPackages()) {
            for (String type : publicTypes(pkg)) {
                String doc = javadocOf(pkg, type);
                // A contract is at least a sentence: an empty or one-word comment is not one.
                if (doc == null || doc.length() < 20 || !doc.contains(".")) {
                    without.add(type + (doc == null ? " (no doc comment)" : " (doc comment too short: \"" + doc + "\")"));
                }
            }
        }
        assertEquals(List.of(), without, "public types of the kit without a Javadoc contract");
    }
}
