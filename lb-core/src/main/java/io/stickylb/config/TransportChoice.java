package io.stickylb.config;

/**
 * The I/O transport the config asks for ({@code transport:}). {@code auto} takes native epoll where it loads and
 * NIO elsewhere; {@code io-uring} is never chosen by itself (docs/benchmarks.md, "io_uring").
 */
public enum TransportChoice {
    AUTO, EPOLL, IO_URING, NIO;

    /** The spelling the config file uses. */
    public String configName() {
        return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
}
