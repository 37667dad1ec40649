package io.github.wal4j.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import javax.imageio.ImageIO;

/**
 * Throughput vs threads per implementation for 100 B records, as a PNG drawn with java.awt (headless):
 * log-scale records/s over the thread counts of the run, one line per implementation.
 */
final class Chart {
    private static final Color[] COLORS = {
        new Color(0x333333), new Color(0xd62728), new Color(0x1f77b4), new Color(0x2ca02c), new Color(0x9467bd),
        new Color(0xff7f0e), new Color(0x8c564b), new Color(0xe377c2), new Color(0x17becf), new Color(0xbcbd22)};

    private Chart() {
    }

    /** Draws the chart; false if there is nothing to draw. */
    static boolean draw(Path file, Report report, Options options) throws Exception {
        System.setProperty("java.awt.headless", "true");
        Map<String, Map<Integer, Double>> series = report.throughputByThreads(100);
        TreeSet<Integer> threads = new TreeSet<>();
        double lo = Double.MAX_VALUE;
        double hi = 0;
        for (Map<Integer, Double> s : series.values()) {
            threads.addAll(s.keySet());
            for (double v : s.values()) {
                if (v > 0 && !Double.isNaN(v)) {
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
            }
        }
        if (threads.isEmpty() || hi == 0) {
            return false;
        }
        int width = 1000;
        int height = 620;
        int left = 90;
        int right = 230;
        int top = 70;
        int bottom = 70;
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);

        double logLo = Math.floor(Math.log10(lo));
        double logHi = Math.ceil(Math.log10(hi));
        if (logHi == logLo) {
            logHi++;
        }
        int plotW = width - left - right;
        int plotH = height - top - bottom;
        List<Integer> xs = new ArrayList<>(threads);

        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 17));
        g.setColor(Color.BLACK);
        g.drawString("Durable appends per second vs appending threads, 100 B records", left, 30);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        g.drawString(String.format(Locale.ROOT, "%s mode, mean of %d repetitions, %s; %s CPUs, %s; %s", options.mode,
                options.reps, report.start(), report.machine().get("CPUs (nproc)"),
                report.machine().get("kernel"), fsShort(report.machine().get("file system"))), left, 50);

        // Grid and y labels (decades, with 2x and 5x minor lines).
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        FontMetrics fm = g.getFontMetrics();
        for (double d = logLo; d <= logHi; d++) {
            for (int m : new int[] {1, 2, 5}) {
                double v = Math.log10(m) + d;
                if (v > logHi) {
                    break;
                }
                int y = top + plotH - (int) Math.round((v - logLo) / (logHi - logLo) * plotH);
                g.setColor(m == 1 ? new Color(0xcccccc) : new Color(0xeeeeee));
                g.drawLine(left, y, left + plotW, y);
                if (m == 1 || logHi - logLo <= 3) {
                    String label = label(Math.pow(10, v));
                    g.setColor(Color.DARK_GRAY);
                    g.drawString(label, left - 8 - fm.stringWidth(label), y + 4);
                }
            }
        }
        // X axis: the thread counts, evenly spaced.
        for (int i = 0; i < xs.size(); i++) {
            int x = xAt(i, xs.size(), left, plotW);
            g.setColor(new Color(0xeeeeee));
            g.drawLine(x, top, x, top + plotH);
            g.setColor(Color.DARK_GRAY);
            String label = Integer.toString(xs.get(i));
            g.drawString(label, x - fm.stringWidth(label) / 2, top + plotH + 18);
        }
        g.setColor(Color.BLACK);
        g.drawRect(left, top, plotW, plotH);
        g.drawString("appending threads (C ceiling: N records per fdatasync, N = threads)", left + plotW / 2 - 200,
                top + plotH + 40);
        Graphics2D rotated = (Graphics2D) g.create();
        rotated.rotate(-Math.PI / 2);
        rotated.drawString("records/s (log scale)", -(top + plotH / 2 + 60), 22);
        rotated.dispose();

        int index = 0;
        int legendY = top + 10;
        for (Map.Entry<String, Map<Integer, Double>> s : series.entrySet()) {
            Color color = COLORS[index++ % COLORS.length];
            g.setColor(color);
            g.setStroke(new BasicStroke(s.getKey().startsWith("wal4j") ? 3f : 2f));
            int px = -1;
            int py = -1;
            for (int i = 0; i < xs.size(); i++) {
                Double v = s.getValue().get(xs.get(i));
                if (v == null || Double.isNaN(v) || v <= 0) {
                    px = -1;
                    continue;
                }
                int x = xAt(i, xs.size(), left, plotW);
                int y = top + plotH - (int) Math.round((Math.log10(v) - logLo) / (logHi - logLo) * plotH);
                g.fillOval(x - 4, y - 4, 9, 9);
                if (px >= 0) {
                    g.drawLine(px, py, x, y);
                }
                px = x;
                py = y;
            }
            g.setStroke(new BasicStroke(3f));
            g.drawLine(left + plotW + 15, legendY, left + plotW + 40, legendY);
            g.setColor(Color.BLACK);
            g.drawString(s.getKey(), left + plotW + 46, legendY + 4);
            legendY += 22;
        }
        g.dispose();
        Files.createDirectories(file.toAbsolutePath().getParent());
        ImageIO.write(image, "png", file.toFile());
        return true;
    }

    private static int xAt(int i, int n, int left, int plotW) {
        return n == 1 ? left + plotW / 2 : left + 40 + (int) Math.round(i * (plotW - 80) / (double) (n - 1));
    }

    private static String fsShort(String fs) {
        if (fs == null) {
            return "?";
        }
        int paren = fs.indexOf(" (");
        return paren > 0 ? fs.substring(0, paren) : fs;
    }

    private static String label(double v) {
        if (v >= 1e6) {
            return String.format(Locale.ROOT, "%.0fM", v / 1e6);
        }
        if (v >= 1e3) {
            return String.format(Locale.ROOT, "%.0fk", v / 1e3);
        }
        return String.format(Locale.ROOT, "%.0f", v);
    }
}
