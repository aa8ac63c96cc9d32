package io.stickylb.sample;

/** The backend could not bind because its address is taken; the message names host and port. */
public final class PortInUseException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int port;

    public PortInUseException(String host, int port, Throwable cause) {
        super("port " + port + " is already in use (" + host + ":" + port + ")", cause);
        this.port = port;
    }

    /** The port that was taken. */
    public int port() {
        return port;
    }
}
