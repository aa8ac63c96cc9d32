package io.stickylb.config;

/** The access log: off, or one line per request as common-log-like text or JSON, written asynchronously. */
public record AccessLogConfig(boolean enabled, Format format) {

    /** Line format. */
    public enum Format { TEXT, JSON }

    public static final AccessLogConfig DEFAULTS = new AccessLogConfig(true, Format.TEXT);
    public static final AccessLogConfig OFF = new AccessLogConfig(false, Format.TEXT);

    public AccessLogConfig {
        format = format == null ? Format.TEXT : format;
    }
}
