package io.github.wal4j.testing;

/**
 * A try of a {@link CrashLoop} failed: its message says which, where the power was cut, and how
 * to replay it; the cause is what the workload or the recovery threw.
 */
public final class CrashLoopFailure extends AssertionError {
    private static final long serialVersionUID = 1L;
    private final long trySeed;
    private final long cut;
    private final long operations;

    CrashLoopFailure(int index, long trySeed, int blockSize, long cut, long operations, String what, Throwable cause) {
        super((index >= 0 ? "try " + (index + 1) + ", " : "replayed try, ") + "seed " + trySeed + ": " + what
                + (cut == 0 ? "" : cut > operations
                        ? " (power cut after the workload ended, its " + operations + " disk operations done)"
                        : " (power cut at disk operation " + cut + " of " + operations + ")")
                + "; replay with CrashLoop.replay(" + trySeed + "L, " + blockSize + ", scenarios): " + cause, cause);
        this.trySeed = trySeed;
        this.cut = cut;
        this.operations = operations;
    }

    /** The seed of the failed try: {@link CrashLoop#replay} runs it again. */
    public long trySeed() {
        return trySeed;
    }

    /** The disk operation at which the power went off (operations + 1: after the workload), or 0 if before any cut. */
    public long cut() {
        return cut;
    }

    /** How many disk operations the workload made with the power on. */
    public long operations() {
        return operations;
    }
}
