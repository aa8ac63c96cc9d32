package io.stickylb.server;

/** The listener could not bind because the address is taken; the message names it. */
public final class PortInUseException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public PortInUseException(String what, Object address, Throwable cause) {
        super(what + " address " + address + " is already in use", cause);
    }
}
