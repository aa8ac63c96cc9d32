package io.stickylb.server;

import java.nio.channels.UnresolvedAddressException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A listener could not bind for a reason other than a taken port (an address not on this host, a name unknown). */
public final class ListenerBindException extends RuntimeException {

    private static final long serialVersionUID = 1L;
    /** Netty's native transports prefix the OS's reason with the call and errno, which say nothing to an operator. */
    private static final Pattern NATIVE_PREFIX =
            Pattern.compile("^\\w+\\(\\.\\.\\) failed(?: with error\\(-?\\d+\\))?: ");

    public ListenerBindException(String what, Object address, String host, Throwable cause) {
        super(what + " address " + address + " cannot be bound: " + reason(host, cause), cause);
    }

    private static String reason(String host, Throwable cause) {
        if (cause instanceof UnresolvedAddressException || cause.getCause() instanceof UnresolvedAddressException) {
            return "host name '" + host + "' does not resolve";
        }
        String message = cause.getMessage();
        if (message == null || message.isBlank()) {
            return cause.getClass().getSimpleName();
        }
        Matcher m = NATIVE_PREFIX.matcher(message);
        return m.find() ? message.substring(m.end()) : message;
    }
}
