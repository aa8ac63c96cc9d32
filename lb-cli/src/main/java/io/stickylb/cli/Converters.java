package io.stickylb.cli;

import io.stickylb.config.Durations;
import io.stickylb.config.Endpoint;
import java.time.Duration;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Command-line value converters; a bad value becomes a usage error (exit code 2) with the reason. */
final class Converters {

    private Converters() {
    }

    /** {@code HOST:PORT}, {@code [::1]:PORT}, parsed the way config files are. */
    static final class EndpointConverter implements ITypeConverter<Endpoint> {
        @Override
        public Endpoint convert(String value) {
            try {
                return Endpoint.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /** {@code auto} (one event loop per core, 0 in the config) or 1..256. */
    static final class WorkersConverter implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            if (value.equalsIgnoreCase("auto")) {
                return 0;
            }
            try {
                int n = Integer.parseInt(value.trim());
                if (n >= 1 && n <= 256) {
                    return n;
                }
            } catch (NumberFormatException e) {
                // fall through to the message below
            }
            throw new TypeConversionException("'" + value + "' (expected: auto or 1..256)");
        }
    }

    /** A duration in config syntax; a bad one is a usage error naming the expected form. */
    static Duration duration(String value) {
        try {
            return Durations.parse(value);
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException(e.getMessage());
        }
    }

    /** A duration in config syntax ({@code 250ms}, {@code 3s}, {@code 0}), at most a minute. */
    static final class WarmupConverter implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            Duration d = duration(value);
            if (d.compareTo(Duration.ofMinutes(1)) > 0) {
                throw new TypeConversionException("'" + value + "' (expected 0 to turn it off, or up to 1m)");
            }
            return d;
        }
    }
}
