package dev.consent.examples.storefront;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The storefront's progress lines: counted steps, ticks during a long call, silence below the scale. */
class ProgressTest {
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();

    @Test
    void aCountedLoopSaysEachStepItPassesAndItsEnd() {
        Progress progress = new Progress(print(), 100, 1_000, Duration.ofSeconds(2));
        for (int done : new int[] {400, 999, 1_000, 1_500, 2_600, 2_700, 2_700}) {
            progress.count(done, 2_700);
        }
        for (int done = 500; done <= 1_000; done += 500) { // a new loop starts lower
            progress.count(done, 1_000);
        }
        assertThat(text()).isEqualTo("""
                   ... 1000/2700
                   ... 2600/2700
                   ... 2700/2700
                   ... 1000/1000
                """);
    }

    @Test
    void belowTheScaleNothingIsSaid() {
        Progress progress = new Progress(print(), 2_000, 10, Duration.ofMillis(1));
        for (int done = 1; done <= 2_000; done++) {
            progress.count(done, 2_000);
        }
        assertThat(progress.during("planning", 2_000, () -> "plan")).isEqualTo("plan");
        assertThat(text()).isEmpty();
    }

    /** The call waits until the ticker has spoken twice, so the test does not depend on the machine's speed. */
    @Test
    void aLongCallSaysWhatItDoesAndKeepsSayingItUntilItReturns() throws Exception {
        CountDownLatch twoTicks = new CountDownLatch(2);
        PrintStream print = new PrintStream(buffer, true, StandardCharsets.UTF_8) {
            @Override
            public PrintStream printf(String format, Object... args) {
                super.printf(format, args);
                twoTicks.countDown();
                return this;
            }
        };
        Progress progress = new Progress(print, 0, 10, Duration.ofMillis(5));
        String result = progress.during("planning", 1, () -> {
            try {
                return twoTicks.await(30, TimeUnit.SECONDS) ? "plan" : "no tick";
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(result).isEqualTo("plan");
        String after = text();
        assertThat(after).startsWith("   ... planning\n");
        assertThat(after.lines()).hasSizeGreaterThanOrEqualTo(3);
        assertThat(after.lines()).allMatch(l -> l.matches("   \\.\\.\\. planning(: \\d+ s)?"));
        Thread.sleep(50);
        assertThat(text()).as("nothing is printed after the call returned").isEqualTo(after);
    }

    @Test
    void aScaleStepOrTickThatMeansNothingIsRefused() {
        assertThatThrownBy(() -> new Progress(print(), 0, 0, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("step 0");
        assertThatThrownBy(() -> new Progress(print(), 0, 1, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tick PT0S");
    }

    private PrintStream print() {
        return new PrintStream(buffer, true, StandardCharsets.UTF_8);
    }

    private String text() {
        return buffer.toString(StandardCharsets.UTF_8);
    }
}
