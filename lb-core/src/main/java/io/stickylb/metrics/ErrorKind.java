package io.stickylb.metrics;

/** Why a request to a backend failed. */
public enum ErrorKind {
    /** The connection could not be opened (refused, unreachable, connect timeout). */
    CONNECT,
    /** The connection was reset or closed before a complete response head arrived. */
    RESET,
    /** No response head within the response timeout. */
    TIMEOUT,
    /** The backend stopped sending mid-body (closed or idle); the client connection was closed. */
    TRUNCATED,
    /** The backend sent something that is not valid HTTP. */
    PROTOCOL;

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
