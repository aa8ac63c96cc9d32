package io.stickylb.sample.capacity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class ServiceTimeTest {

    @Test
    void fixedIsConstantAndZeroIsNone() {
        ServiceTime fixed = ServiceTime.of(Duration.ofMillis(5), ServiceTimeDistribution.FIXED, 1);
        assertThat(fixed.nextNanos()).isEqualTo(5_000_000);
        assertThat(fixed.nextNanos()).isEqualTo(5_000_000);
        assertThat(ServiceTime.of(Duration.ZERO, ServiceTimeDistribution.EXPONENTIAL, 1).nextNanos()).isZero();
    }

    @Test
    void exponentialHasTheMeanAndRepeatsWithTheSeed() {
        ServiceTime a = ServiceTime.exponential(Duration.ofMillis(10), 42);
        ServiceTime b = ServiceTime.exponential(Duration.ofMillis(10), 42);
        long[] first = LongStream.range(0, 50_000).map(i -> a.nextNanos()).toArray();
        long[] second = LongStream.range(0, 50_000).map(i -> b.nextNanos()).toArray();
        assertThat(first).isEqualTo(second);
        assertThat(LongStream.of(first).allMatch(n -> n >= 0)).isTrue();
        double mean = LongStream.of(first).average().orElseThrow();
        assertThat(mean).isCloseTo(10_000_000, within(500_000.0));
        ServiceTime other = ServiceTime.exponential(Duration.ofMillis(10), 43);
        assertThat(LongStream.range(0, 10).map(i -> other.nextNanos()).toArray())
                .isNotEqualTo(java.util.Arrays.copyOf(first, 10));
    }
}
