package io.stickylb.config;

/**
 * A configuration that cannot be used. The message names the file, line and key path, e.g.
 * {@code config/lb.yaml:7: pools.app.backends[1].weight: 0 (expected: 1..1000)}.
 */
public final class ConfigException extends Exception {

    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
