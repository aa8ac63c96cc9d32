package io.stickylb.pool;

/** The configured transport cannot load on this machine; the message names it and Netty's reason. */
public final class TransportUnavailableException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    TransportUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
