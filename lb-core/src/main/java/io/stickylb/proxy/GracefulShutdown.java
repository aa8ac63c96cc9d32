package io.stickylb.proxy;

/** The user event fired on every client channel when graceful shutdown starts: idle connections close at once. */
public final class GracefulShutdown {

    public static final GracefulShutdown EVENT = new GracefulShutdown();

    private GracefulShutdown() {
    }
}
