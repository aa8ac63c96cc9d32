package io.stickylb.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.stickylb.codec.HeadCodecBenchmark;
import io.stickylb.codec.RequestPathBenchmark;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Runs every JMH benchmark method a few thousand times, once per value of its {@code @Param}, the way JMH's harness
 * would call it (set-up, the method, tear-down), so a change in lb-core that breaks a benchmark fails the build
 * instead of the next person who measures. It times nothing.
 */
class BenchmarksRunTest {

    private static final List<Class<? extends HotPathBenchmark>> BENCHMARKS = List.of(HeadCodecBenchmark.class,
            RequestPathBenchmark.class, CookieBenchmark.class, StrategyBenchmark.class);
    private static final int CALLS = 5_000;

    static Stream<Arguments> everyBenchmarkAndParam() {
        List<Arguments> all = new ArrayList<>();
        for (Class<? extends HotPathBenchmark> type : BENCHMARKS) {
            Field param = Arrays.stream(type.getDeclaredFields()).filter(f -> f.isAnnotationPresent(Param.class))
                    .findFirst().orElse(null);
            String[] values = param == null ? new String[] {null} : param.getAnnotation(Param.class).value();
            for (Method m : type.getMethods()) {
                if (m.isAnnotationPresent(Benchmark.class)) {
                    for (String value : values) {
                        all.add(Arguments.of(type.getSimpleName() + "." + m.getName()
                                + (value == null ? "" : " [" + value + "]"), type, m, param, value));
                    }
                }
            }
        }
        return all.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("everyBenchmarkAndParam")
    void runsAsTheHarnessWouldRunIt(String name, Class<?> type, Method benchmark, Field param, String value)
            throws Exception {
        Object state = type.getDeclaredConstructor().newInstance();
        if (param != null) {
            param.setAccessible(true);
            param.set(state, value);
        }
        invokeAll(state, Setup.class);
        try {
            for (int i = 0; i < CALLS; i++) {
                benchmark.invoke(state);
            }
        } catch (InvocationTargetException e) {
            throw new AssertionError(name + " failed", e.getCause());
        } finally {
            invokeAll(state, TearDown.class);
        }
        assertThat(benchmark.getReturnType()).as(name + " returns its result, so JIT cannot drop the work")
                .isNotEqualTo(void.class);
    }

    private static void invokeAll(Object state, Class<? extends java.lang.annotation.Annotation> phase)
            throws Exception {
        for (Method m : state.getClass().getMethods()) {
            if (m.isAnnotationPresent(phase)) {
                m.invoke(state);
            }
        }
    }
}
