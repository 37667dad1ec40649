package io.github.wal4j.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.Random;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;

/**
 * A JUnit 5 extension that hands a test method a fresh {@link SimulatedDisk} (a parameter of that
 * type; 512-byte blocks, or {@link Block @Block(4096)}), a {@link Random}, and its seed (a
 * {@code long} parameter marked {@link Seed @Seed}); and, when the test fails, adds the seed and how
 * to run the test with it again to the failure. The seed is {@code -Dwal4j.seed} if set, else drawn
 * from the clock, once per test method; the {@code Random} and the disks' crashes should come from
 * it so that the seed replays the test.
 *
 * <pre>{@code
 * @ExtendWith(SimulatedDiskExtension.class)
 * class MyRecoveryTest {
 *     @Test
 *     void survivesAPowerCut(SimulatedDisk disk, Random random) throws Exception { ... }
 * }
 * }</pre>
 *
 * <p>The kit depends on JUnit optionally: this class needs {@code junit-jupiter-api} on the class
 * path; nothing else of the kit's public API does.
 */
public final class SimulatedDiskExtension implements ParameterResolver, TestExecutionExceptionHandler {

    /** Marks a {@code long} parameter that receives the test's seed. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.PARAMETER)
    public @interface Seed {
    }

    /** The block size of a {@link SimulatedDisk} parameter: 512 (the default) or 4096. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.PARAMETER)
    public @interface Block {
        int value();
    }

    /** Added to a failed test's exception: the seed it ran with. */
    public static final class SeedReport extends Throwable {
        private static final long serialVersionUID = 1L;
        private final long seed;

        SeedReport(long seed, String test) {
            super("wal4j test kit: " + test + " ran with seed " + seed + "; run it again with -Dwal4j.seed=" + seed,
                    null, false, false);
            this.seed = seed;
        }

        public long seed() {
            return seed;
        }
    }

    private static final ExtensionContext.Namespace NAMESPACE =
            ExtensionContext.Namespace.create(SimulatedDiskExtension.class);

    /** Made by JUnit, for {@code @ExtendWith(SimulatedDiskExtension.class)}. */
    public SimulatedDiskExtension() {
    }

    private static long seed(ExtensionContext context) {
        return context.getStore(NAMESPACE).getOrComputeIfAbsent("seed", key -> {
            String property = System.getProperty("wal4j.seed");
            return property != null ? Long.parseLong(property.strip()) : System.nanoTime();
        }, Long.class);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        return type == SimulatedDisk.class || type == Random.class
                || (type == long.class && parameter.isAnnotated(Seed.class));
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        long seed = seed(context);
        if (type == long.class) {
            return seed;
        }
        if (type == Random.class) {
            return new Random(seed);
        }
        int block = parameter.findAnnotation(Block.class).map(Block::value).orElse(512);
        if (block != 512 && block != 4096) {
            throw new org.junit.jupiter.api.extension.ParameterResolutionException(
                    "@Block must be 512 or 4096, not " + block);
        }
        return new SimulatedDisk(block);
    }

    @Override
    public void handleTestExecutionException(ExtensionContext context, Throwable throwable) throws Throwable {
        throwable.addSuppressed(new SeedReport(seed(context), context.getDisplayName()));
        throw throwable;
    }
}
