package io.github.wal4j.bench;

import java.util.Collection;
import java.util.Locale;
import java.util.Map;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/** Runs {@link CodecBench} through the JMH API with the GC profiler ({@code -prof gc}) and reports ns/op and B/op. */
final class Jmh {
    /** One benchmark x parameter. {@code size} is -1 for the batch header. */
    record Row(String benchmark, int size, double nsPerOp, double error, double allocPerOp) {
    }

    private Jmh() {
    }

    @SuppressWarnings("rawtypes")
    static void run(Options o, Report report) throws Exception {
        ChainedOptionsBuilder b = new OptionsBuilder()
                .include(CodecBench.class.getName() + "\\.")
                .addProfiler(GCProfiler.class)
                .forks(1)
                .jvmArgsAppend("-Xms1g", "-Xmx1g")
                .shouldFailOnError(true);
        String settings;
        if (!o.jmhFull) {
            b.exclude("encodeSealed");
        }
        if (o.jmhFull) {
            b.warmupIterations(3).warmupTime(TimeValue.seconds(1)).measurementIterations(5)
                    .measurementTime(TimeValue.seconds(1));
            settings = "1 fork, 3 x 1 s warm-up, 5 x 1 s measurement iterations, record sizes 100 B, 1 KiB, 64 KiB, "
                    + "sealed encode with AES-256-GCM and the HMAC chain";
        } else {
            b.warmupIterations(1).warmupTime(TimeValue.seconds(1)).measurementIterations(2)
                    .measurementTime(TimeValue.seconds(1)).param("size", "100");
            settings = "1 fork, 1 x 1 s warm-up, 2 x 1 s measurement iterations, record size 100 B (no sealed encode)";
        }
        System.out.println();
        System.out.println("# JMH: " + settings);
        Collection<RunResult> results = new Runner(b.build()).run();
        report.jmhNote("JMH 1.37 through its API (`" + CodecBench.class.getSimpleName() + "`, `-prof gc`, `-Xmx1g`): "
                + settings + ". Mode: average time per operation. alloc B/op is JMH's `gc.alloc.rate.norm`.");
        for (RunResult r : results) {
            String name = r.getParams().getBenchmark();
            name = name.substring(name.lastIndexOf('.') + 1);
            String sizeParam = r.getParams().getParam("size");
            int size = name.equals("batchHeaderRoundTrip") || sizeParam == null ? -1 : Integer.parseInt(sizeParam);
            Result<?> primary = r.getPrimaryResult();
            double alloc = Double.NaN;
            for (Map.Entry<String, Result> e : r.getSecondaryResults().entrySet()) {
                if (e.getKey().endsWith("gc.alloc.rate.norm")) {
                    alloc = e.getValue().getScore();
                }
            }
            String sealing = r.getParams().getParam("protection");
            if (sealing != null) {
                name = name + " (" + sealing + ")";
            }
            Row row = new Row(name, size, primary.getScore(), primary.getScoreError(), alloc);
            if (size < 0 && sizeParam != null && !sizeParam.equals("100")) {
                continue; // the batch header does not depend on the record size: report it once
            }
            report.addJmh(row);
            System.out.printf(Locale.ROOT, "jmh %-22s %6s %10.1f ns/op  %8.1f B/op%n", name, size < 0 ? "-" : size,
                    row.nsPerOp(), alloc);
        }
    }
}
