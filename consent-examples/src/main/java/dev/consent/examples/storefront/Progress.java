package dev.consent.examples.storefront;

import java.io.PrintStream;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * The storefront's progress lines, so that no phase of a run at scale stays silent for long: a counted loop says
 * {@code ... 20000/100000} at every step it passes, and a single long call (the dry run's plan, a campaign's filter)
 * says what it is doing when it starts and again every tick until it returns ({@code ... planning: 4 s}). Plain text,
 * one line each, in the story's indentation. Below the scale a small run has (the five named customers), nothing is
 * printed, so the short story reads as before.
 */
final class Progress {
    private final PrintStream out;
    private final int from;
    private final int step;
    private final Duration tick;
    private int lastCount;

    /**
     * @param out where the lines go
     * @param from the size above which a phase reports progress (a run of this many customers or fewer is silent)
     * @param step a counted loop reports each time it passes a multiple of this, and at its end
     * @param tick how often a long single call says it is still running
     */
    Progress(PrintStream out, int from, int step, Duration tick) {
        if (from < 0 || step < 1 || tick.isNegative() || tick.isZero()) {
            throw new IllegalArgumentException("progress: from " + from + " must be at least 0, step " + step
                    + " at least 1 and tick " + tick + " positive");
        }
        this.out = out;
        this.from = from;
        this.step = step;
        this.tick = tick;
    }

    /** The storefront's own: runs of more than 2,000 customers report every 10,000 and every 2 seconds. */
    static Progress of(PrintStream out) {
        return new Progress(out, 2_000, 10_000, Duration.ofSeconds(2));
    }

    /**
     * A counted loop's progress: prints {@code ... done/total} when {@code done} has passed a multiple of the step
     * since the last line (or reached {@code total}), for totals above the scale.
     *
     * @param done how many are done, never decreasing within one loop
     * @param total how many there are
     */
    void count(int done, int total) {
        if (total <= from || done <= 0) {
            return;
        }
        int before = done < lastCount ? 0 : lastCount; // a smaller count than the last one is a new loop
        lastCount = done;
        if (done == total ? before != total : done / step > before / step) {
            out.printf("   ... %d/%d%n", done, total);
        }
    }

    /**
     * Runs one long call and, when {@code size} is above the scale, says what it does when it starts and every tick
     * until it returns; the last line is printed before this method returns, never after.
     *
     * @param what what the call does, e.g. "planning"
     * @param size how many things the call goes through (customers, recipients), to judge the scale
     * @param call the call
     * @param <T> what it returns
     * @return what the call returned
     */
    <T> T during(String what, int size, Supplier<T> call) {
        if (size <= from) {
            return call.get();
        }
        out.println("   ... " + what);
        long start = System.nanoTime();
        Thread ticker = new Thread(() -> {
            try {
                while (true) {
                    Thread.sleep(tick.toMillis(), tick.toNanosPart() % 1_000_000);
                    out.printf("   ... %s: %d s%n", what, (System.nanoTime() - start) / 1_000_000_000);
                }
            } catch (InterruptedException stopped) {
                // the call returned
            }
        }, "storefront-progress");
        ticker.setDaemon(true);
        ticker.start();
        try {
            return call.get();
        } finally {
            ticker.interrupt();
            try {
                ticker.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
