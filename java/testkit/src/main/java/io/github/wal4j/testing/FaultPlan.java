package io.github.wal4j.testing;

import io.github.wal4j.io.JavaStorage;
import io.github.wal4j.spi.ForwardingStorage;
import io.github.wal4j.spi.ForwardingStorageFile;
import io.github.wal4j.spi.Storage;
import io.github.wal4j.spi.StorageFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A plan of I/O errors for a file layer: "the 3rd sync fails with EIO", "the 5th write and every
 * write after it fail with ENOSPC", "the first rename fails". {@link #over(Storage)} gives the layer
 * that carries the plan out over another one (a {@link SimulatedDisk}, or the real one a log would
 * use), to open a log on with {@code WalOptions.withStorage}. Each kind of operation is counted from
 * 1, over every file whose path the plan's filter accepts (all by default), from the moment the layer
 * is made.
 *
 * <p>A failed operation throws {@link InjectedIoException} and has no effect, as a call that fails
 * before the kernel touched anything; except a write, which may first write a prefix of its bytes
 * ({@link #partialWrites}), as a write cut short by ENOSPC or EIO does. A failed sync did not sync.
 * A transient fault fails one operation; a permanent one ({@link #failFrom}) fails that one and
 * every later one of its kind, as a dead disk or a full one does.
 *
 * <p>A plan is fixed when its layer is made; a test that must fail an operation at a point it
 * reaches at run time arms it on the layer instead ({@link FaultyStorage#failNext}), and may hold
 * that failure until it has queued work behind it ({@link FaultyStorage#holdNextFailure}).
 *
 * <p>Thread-safe: the counters are shared by every thread and file of the layer.
 */
public final class FaultPlan {

    /** The operations a plan can fail. */
    public enum Operation {
        /** {@link StorageFile#write}. */
        WRITE,
        /** {@link StorageFile#sync} (fdatasync). */
        SYNC,
        /** {@link Storage#create} and {@link Storage#createDirect}. */
        CREATE,
        /** {@link Storage#rename}. */
        RENAME,
        /** {@link Storage#delete}. */
        DELETE,
        /** {@link Storage#syncDirectory}. */
        SYNC_DIRECTORY,
        /** {@link StorageFile#truncate}. */
        TRUNCATE,
        /**
         * {@link StorageFile#preallocate} (fallocate). As the SPI says of a real layer, ENOSPC and
         * EDQUOT are a refusal, not a failure: the call returns false and reserves nothing; the
         * other errors throw.
         */
        PREALLOCATE
    }

    /** The error a failed operation reports, with the errno name and the text strerror(3) gives it. */
    public enum Errno {
        EIO("Input/output error"),
        ENOSPC("No space left on device"),
        EDQUOT("Disk quota exceeded"),
        EROFS("Read-only file system");

        private final String text;

        Errno(String text) {
            this.text = text;
        }

        /** What strerror(3) says for it. */
        public String text() {
            return text;
        }
    }

    /** The exception a failed operation throws: its errno, the operation, its number, the path. */
    public static final class InjectedIoException extends IOException {
        private static final long serialVersionUID = 1L;
        private final Errno errno;
        private final Operation operation;
        private final long number;

        InjectedIoException(Errno errno, Operation operation, long number, Path path) {
            super(path + ": " + errno.text() + " (" + errno + ", injected into " + operation + " number " + number + ")");
            this.errno = errno;
            this.operation = operation;
            this.number = number;
        }

        public Errno errno() {
            return errno;
        }

        public Operation operation() {
            return operation;
        }

        /** Which operation of its kind this was, counted from 1. */
        public long number() {
            return number;
        }
    }

    private record Fault(long from, boolean permanent, Errno errno) {
    }

    private final Map<Operation, List<Fault>> faults = new EnumMap<>(Operation.class);
    private Predicate<Path> filter = path -> true;
    private int partialWriteBytes;

    private FaultPlan() {
    }

    /** A plan without faults yet. */
    public static FaultPlan create() {
        return new FaultPlan();
    }

    /** Operation number {@code n} (from 1) of kind {@code operation} fails with {@code errno}; the others go through. */
    public FaultPlan fail(Operation operation, long n, Errno errno) {
        return add(operation, n, false, errno);
    }

    /** Operation number {@code n} of kind {@code operation} and every later one fail with {@code errno}. */
    public FaultPlan failFrom(Operation operation, long n, Errno errno) {
        return add(operation, n, true, errno);
    }

    private FaultPlan add(Operation operation, long n, boolean permanent, Errno errno) {
        Objects.requireNonNull(operation, "operation");
        Objects.requireNonNull(errno, "errno");
        if (n < 1) {
            throw new IllegalArgumentException("operations are counted from 1: " + n);
        }
        faults.computeIfAbsent(operation, k -> new ArrayList<>()).add(new Fault(n, permanent, errno));
        return this;
    }

    /** Counts and fails only operations on paths {@code filter} accepts (for example segments: names ending ".wal"). */
    public FaultPlan only(Predicate<Path> filter) {
        this.filter = Objects.requireNonNull(filter, "filter");
        return this;
    }

    /** A failing write first writes this many of its bytes (0, the default: none). */
    public FaultPlan partialWrites(int bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("bytes must not be negative: " + bytes);
        }
        this.partialWriteBytes = bytes;
        return this;
    }

    /**
     * The layer that carries this plan out over {@code storage}. The plan is copied: changing it
     * afterwards does not change the layer.
     */
    public FaultyStorage over(Storage storage) {
        Map<Operation, List<Fault>> copy = new EnumMap<>(Operation.class);
        faults.forEach((k, v) -> copy.put(k, List.copyOf(v)));
        return new FaultyStorage(storage, copy, filter, partialWriteBytes);
    }

    /** The layer that carries this plan out over the real files, through the pure-Java layer. */
    public FaultyStorage overJavaLayer() {
        return over(new JavaStorage());
    }

    /**
     * A file layer carrying out a {@link FaultPlan} over another: see the plan for what fails. It
     * counts what it saw and what it failed, so a test can check that its fault happened.
     */
    public static final class FaultyStorage extends ForwardingStorage {
        private final Map<Operation, List<Fault>> faults;
        private final Predicate<Path> filter;
        private final int partialWriteBytes;
        private final long[] seen = new long[Operation.values().length];
        private final long[] failed = new long[Operation.values().length];
        /** Faults armed at run time by {@link #failNext}, by absolute operation number; each fails once. */
        private final Map<Operation, List<Fault>> armed = new EnumMap<>(Operation.class);
        private final Map<Operation, FailureHold> holds = new EnumMap<>(Operation.class);

        private FaultyStorage(Storage delegate, Map<Operation, List<Fault>> faults, Predicate<Path> filter,
                int partialWriteBytes) {
            super(delegate);
            this.faults = faults;
            this.filter = filter;
            this.partialWriteBytes = partialWriteBytes;
        }

        /**
         * {@inheritDoc} Here: on the calling thread, at once. A plan fails the n-th operation of a
         * kind, so the log's work ahead of need (preparing the next segment) must come at a fixed
         * point among the writer's operations, never on a thread of its own.
         */
        @Override
        public Executor backgroundExecutor() {
            return Runnable::run;
        }

        /** How many operations of this kind the plan's filter accepted so far, failed ones included. */
        public synchronized long seen(Operation operation) {
            return seen[operation.ordinal()];
        }

        /** How many operations of this kind were failed on purpose. */
        public synchronized long failed(Operation operation) {
            return failed[operation.ordinal()];
        }

        /**
         * Fails the {@code n}-th operation of this kind from now (1: the next one) that the plan's
         * filter accepts, with {@code errno}, once; beside the plan's own faults.
         *
         * @return this layer
         * @throws IllegalArgumentException if {@code n < 1}
         */
        public synchronized FaultyStorage failNext(Operation operation, long n, Errno errno) {
            Objects.requireNonNull(operation, "operation");
            Objects.requireNonNull(errno, "errno");
            if (n < 1) {
                throw new IllegalArgumentException("operations are counted from 1: " + n);
            }
            armed.computeIfAbsent(operation, k -> new ArrayList<>())
                    .add(new Fault(seen[operation.ordinal()] + n, false, errno));
            return this;
        }

        /**
         * Holds the next failure of this kind: the failing call, once entered, waits until
         * {@link FailureHold#release()} (at most 10 s) before it throws, so that a test can queue
         * work behind an operation it knows will fail.
         */
        public synchronized FailureHold holdNextFailure(Operation operation) {
            FailureHold hold = new FailureHold(false);
            holds.put(Objects.requireNonNull(operation, "operation"), hold);
            return hold;
        }

        /**
         * Holds the next operation of this kind that the plan's filter accepts, whether it fails or
         * not: once entered, it waits until {@link FailureHold#release()} (at most 10 s) before it
         * runs, so that a test can look at what the log does while, say, an fdatasync is under way.
         * Replaces a {@link #holdNextFailure} of the same kind not yet used.
         */
        public synchronized FailureHold holdNext(Operation operation) {
            FailureHold hold = new FailureHold(true);
            holds.put(Objects.requireNonNull(operation, "operation"), hold);
            return hold;
        }

        /** Counts {@code operation} on {@code path}; throws if the plan fails it. */
        private void check(Operation operation, Path path) throws InjectedIoException {
            InjectedIoException fault = next(operation, path);
            if (fault != null) {
                throw fault;
            }
        }

        /** The fault for this operation, if any, after waiting out a hold on it (outside the lock). */
        private InjectedIoException next(Operation operation, Path path) {
            FailureHold hold;
            InjectedIoException fault;
            synchronized (this) {
                fault = decide(operation, path);
                FailureHold armedHold = holds.get(operation);
                boolean holdIt = armedHold != null && (fault != null || (armedHold.any && filter.test(path)));
                hold = holdIt ? holds.remove(operation) : null;
            }
            if (hold != null) {
                hold.hold();
            }
            return fault;
        }

        private InjectedIoException decide(Operation operation, Path path) {
            if (!filter.test(path)) {
                return null;
            }
            long n = ++seen[operation.ordinal()];
            for (Fault f : faults.getOrDefault(operation, List.of())) {
                if (n == f.from() || (f.permanent() && n > f.from())) {
                    failed[operation.ordinal()]++;
                    return new InjectedIoException(f.errno(), operation, n, path);
                }
            }
            List<Fault> pending = armed.getOrDefault(operation, List.of());
            for (Fault f : pending) {
                if (n == f.from()) {
                    pending.remove(f);
                    failed[operation.ordinal()]++;
                    return new InjectedIoException(f.errno(), operation, n, path);
                }
            }
            return null;
        }

        @Override
        protected StorageFile wrap(Path path, StorageFile file) {
            return new ForwardingStorageFile(file) {
                @Override
                public void write(ByteBuffer src, long position) throws IOException {
                    InjectedIoException fault = next(Operation.WRITE, path);
                    if (fault != null) {
                        int prefix = Math.min(partialWriteBytes, src.remaining());
                        if (prefix > 0) {
                            ByteBuffer part = src.duplicate();
                            part.limit(part.position() + prefix);
                            super.write(part, position);
                        }
                        throw fault;
                    }
                    super.write(src, position);
                }

                @Override
                public void sync() throws IOException {
                    check(Operation.SYNC, path);
                    super.sync();
                }

                @Override
                public void truncate(long size) throws IOException {
                    check(Operation.TRUNCATE, path);
                    super.truncate(size);
                }

                @Override
                public boolean preallocate(long size) throws IOException {
                    InjectedIoException fault = next(Operation.PREALLOCATE, path);
                    if (fault != null) {
                        if (fault.errno() == Errno.ENOSPC || fault.errno() == Errno.EDQUOT) {
                            return false;
                        }
                        throw fault;
                    }
                    return super.preallocate(size);
                }
            };
        }

        @Override
        public StorageFile create(Path path) throws IOException {
            check(Operation.CREATE, path);
            return super.create(path);
        }

        @Override
        public StorageFile createDirect(Path path) throws IOException {
            check(Operation.CREATE, path);
            return super.createDirect(path);
        }

        @Override
        public void rename(Path source, Path target) throws IOException {
            check(Operation.RENAME, target);
            super.rename(source, target);
        }

        @Override
        public void delete(Path path) throws IOException {
            check(Operation.DELETE, path);
            super.delete(path);
        }

        @Override
        public void syncDirectory(Path dir) throws IOException {
            check(Operation.SYNC_DIRECTORY, dir);
            super.syncDirectory(dir);
        }
    }

    /**
     * A call held by {@link FaultyStorage#holdNextFailure} (a failing one) or
     * {@link FaultyStorage#holdNext} (any): the call signals when it is entered and goes on (throws,
     * or runs) once released, or after 10 s if the test never releases it.
     */
    public static final class FailureHold {
        private final CountDownLatch entered = new CountDownLatch(1);
        private final CountDownLatch released = new CountDownLatch(1);
        /** Whether it holds the next call whether or not it fails. */
        private final boolean any;

        private FailureHold(boolean any) {
            this.any = any;
        }

        /** Waits until the held call is inside its hold. */
        public boolean awaitEntered(long timeout, TimeUnit unit) throws InterruptedException {
            return entered.await(timeout, unit);
        }

        /** Lets the held call go on: throw its failure, or run. */
        public void release() {
            released.countDown();
        }

        private void hold() {
            entered.countDown();
            try {
                released.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
