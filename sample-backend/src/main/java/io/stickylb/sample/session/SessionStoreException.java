package io.stickylb.sample.session;

/** A session store could not be opened or reached; the message says which one and why. */
public final class SessionStoreException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public SessionStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
