package io.stickylb.warmup;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class CompilerQuietTest {

    private static final long SECOND = 1_000_000_000L;
    private final AtomicLong compiledMillis = new AtomicLong();
    private final CompilerQuiet quiet = new CompilerQuiet(compiledMillis::get, 1_000, SECOND, 500, 10);

    @Test
    void settlesOnlyAfterAQuietWindowOfBothTimeAndRequestsOnceEnoughWereServed() {
        assertThat(quiet.settled(0, 0)).isFalse();
        compiledMillis.addAndGet(5); // under the 10 ms a window allows
        assertThat(quiet.settled(400, SECOND)).as("too few requests in all").isFalse();
        assertThat(quiet.settled(1_000, SECOND)).as("enough requests and time").isTrue();
    }

    @Test
    void compilingRestartsTheWindow() {
        quiet.settled(0, 0);
        compiledMillis.addAndGet(11);
        assertThat(quiet.settled(2_000, 2 * SECOND)).isFalse();
        assertThat(quiet.settled(2_400, 3 * SECOND)).as("a second, but only 400 requests since").isFalse();
        assertThat(quiet.settled(2_600, 3 * SECOND - 1)).as("500 requests, not yet a second").isFalse();
        assertThat(quiet.settled(2_600, 3 * SECOND)).isTrue();
    }

    @Test
    void aLullAfterADeoptimisationIsNotQuietUntilTheRequestsOfAWindowHavePassed() {
        quiet.settled(0, 0);
        assertThat(quiet.settled(1_000, 10 * SECOND)).isTrue();
        CompilerQuiet again = new CompilerQuiet(compiledMillis::get, 1_000, SECOND, 500, 10);
        again.settled(900, 0);
        compiledMillis.addAndGet(50);
        again.settled(1_000, SECOND / 2);
        // Seconds without compiling, but hardly any requests: the deoptimised methods are not hot again yet.
        assertThat(again.settled(1_200, 5 * SECOND)).isFalse();
        assertThat(again.settled(1_500, 6 * SECOND)).isTrue();
    }

    @Test
    void withoutCompilationTimesOnlyTheRequestCountCounts() {
        CompilerQuiet blind = new CompilerQuiet(null, 1_000, SECOND, 500, 10);
        assertThat(blind.settled(999, 0)).isFalse();
        assertThat(blind.settled(1_000, 0)).isTrue();
    }
}
