package io.stickylb.admin;

import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs the admin requests refused as another site's (CSRF, DNS rebinding): one WARN, then at most one a minute with
 * how many were refused in between, so a hostile page that retries in a loop cannot flood the log; the others at DEBUG.
 */
final class RefusalLog {

    private static final Logger log = LoggerFactory.getLogger(RefusalLog.class);
    private static final long QUIET_NANOS = TimeUnit.MINUTES.toNanos(1);

    private final LongSupplier nanoTime;
    private boolean warned;
    private long lastWarn;
    private long since;

    RefusalLog() {
        this(System::nanoTime);
    }

    /** With the test's clock. */
    RefusalLog(LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
    }

    /** Called on the admin event loop; synchronized all the same, it is only reached by refused requests. */
    synchronized void refused(String remote, String method, String uri, String why) {
        long now = nanoTime.getAsLong();
        if (!warned || now - lastWarn >= QUIET_NANOS) {
            log.warn("admin refused {} {} from {}: {}{}", method, uri, remote, why,
                    since == 0 ? "" : " (" + since + " more since the last warning, logged at DEBUG)");
            warned = true;
            lastWarn = now;
            since = 0;
        } else {
            since++;
            log.debug("admin refused {} {} from {}: {}", method, uri, remote, why);
        }
    }
}
