package io.stickylb.proxy;

import io.stickylb.config.AccessLogConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes one line per finished request to the {@code stickylb.access} logger (Logback makes it asynchronous).
 * When disabled, nothing is formatted: the cost is one branch.
 */
public final class AccessLog {

    private static final Logger log = LoggerFactory.getLogger("stickylb.access");

    private final boolean enabled;
    private final boolean json;

    public AccessLog(AccessLogConfig config) {
        this.enabled = config.enabled() && log.isInfoEnabled();
        this.json = config.format() == AccessLogConfig.Format.JSON;
    }

    public boolean enabled() {
        return enabled;
    }

    /** Logs one finished request; the caller checks {@link #enabled()} first. */
    public void log(AccessRecord r) {
        log.info(json ? r.toJson() : r.toText());
    }
}
