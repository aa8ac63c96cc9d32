package io.stickylb.lab;

/** The lab cannot go on: a backend or Redis would not start, a tool is missing. The message says what to do. */
public final class LabException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public LabException(String message) {
        super(message);
    }

    public LabException(String message, Throwable cause) {
        super(message, cause);
    }
}
