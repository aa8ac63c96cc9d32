package io.stickylb.config;

/**
 * How request paths are made canonical before routing and forwarding: {@code normalize} decodes percent-encoded
 * unreserved characters and removes dot segments (RFC 3986 §6.2.2), {@code mergeSlashes} also folds runs of
 * {@code /} into one. Both on by default, as servlet containers read paths that way, so a route and the backend
 * behind it read a path the same way.
 */
public record PathsConfig(boolean normalize, boolean mergeSlashes) {

    public static final PathsConfig DEFAULTS = new PathsConfig(true, true);

    /** Paths forwarded exactly as they came, and matched as they came. */
    public static final PathsConfig AS_RECEIVED = new PathsConfig(false, false);
}
