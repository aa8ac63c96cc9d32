package io.stickylb.config;

import java.time.Duration;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads a pool's {@code health:} section: optional active checks, passive outlier detection, panic threshold. */
final class HealthConfigReader {

    private static final Set<String> KEYS = YamlMap.allowed("active", "passive", "panic-threshold");
    private static final Set<String> ACTIVE_KEYS = YamlMap.allowed("type", "path", "interval", "timeout", "rise",
            "fall", "expect", "host", "jitter");
    private static final Set<String> PASSIVE_KEYS = YamlMap.allowed("enabled", "consecutive-failures", "ejection-time",
            "max-ejection-time", "max-ejection-percent", "fail-on-5xx");
    private static final Pattern EXPECT = Pattern.compile("(\\d{3})(?:\\s*-\\s*(\\d{3}))?");

    private HealthConfigReader() {
    }

    static HealthConfig read(YamlNode node) throws ConfigException {
        HealthConfig d = HealthConfig.DEFAULTS;
        if (node == null) {
            return d;
        }
        YamlMap map = node.asMap(KEYS);
        ActiveHealthConfig active = active(map.get("active"));
        PassiveHealthConfig passive = passive(map.get("passive"));
        int panicThreshold = map.integer("panic-threshold", d.panicThreshold());
        return map.build(() -> new HealthConfig(active, passive, panicThreshold));
    }

    /** Absent or {@code off} means no active checks (null); {@code on} means the defaults. */
    private static ActiveHealthConfig active(YamlNode node) throws ConfigException {
        if (node == null) {
            return null;
        }
        if (node.isScalar()) {
            return node.asBoolean() ? ActiveHealthConfig.DEFAULTS : null;
        }
        ActiveHealthConfig d = ActiveHealthConfig.DEFAULTS;
        YamlMap map = node.asMap(ACTIVE_KEYS);
        ActiveHealthConfig.Type type = map.enumValue("type", "check type", ActiveHealthConfig.Type.class, d.type());
        String path = map.string("path", d.path());
        // Both are written into each check's request: a space or a line break there broke every check at run time.
        if (!Scalars.isVisibleAscii(path)) {
            throw map.get("path").error(Scalars.quoted(path) + " is not a request path (expected e.g. /health, with"
                    + " no spaces or control characters; percent-encode them)");
        }
        Duration interval = map.duration("interval", d.interval());
        Duration timeout = map.duration("timeout", d.timeout());
        int rise = map.integer("rise", d.rise());
        int fall = map.integer("fall", d.fall());
        int[] expect = expect(map.get("expect"), d);
        String host = map.string("host", d.host());
        if (host != null && !Scalars.isVisibleAscii(host)) {
            throw map.get("host").error(Scalars.quoted(host) + " is not a Host header value (expected e.g."
                    + " app.example.com, with no spaces or control characters)");
        }
        Duration jitter = map.duration("jitter", d.jitter());
        return map.build(() -> new ActiveHealthConfig(type, path, interval, timeout, rise, fall, expect[0], expect[1],
                host, jitter));
    }

    /** {@code 200-399} or a single code {@code 200}; the record checks the range itself. */
    private static int[] expect(YamlNode node, ActiveHealthConfig d) throws ConfigException {
        if (node == null) {
            return new int[] {d.expectMin(), d.expectMax()};
        }
        String text = node.asString().trim();
        Matcher m = EXPECT.matcher(text);
        if (!m.matches()) {
            throw node.error("'" + text + "' is not a status range (expected e.g. 200-399 or 200)");
        }
        int min = Integer.parseInt(m.group(1));
        return new int[] {min, m.group(2) == null ? min : Integer.parseInt(m.group(2))};
    }

    /** {@code off} keeps the default thresholds but turns detection off. */
    private static PassiveHealthConfig passive(YamlNode node) throws ConfigException {
        PassiveHealthConfig d = PassiveHealthConfig.DEFAULTS;
        if (node == null) {
            return d;
        }
        if (node.isScalar()) {
            boolean enabled = node.asBoolean();
            return new PassiveHealthConfig(enabled, d.consecutiveFailures(), d.ejectionTime(), d.maxEjectionTime(),
                    d.maxEjectionPercent(), d.failOn5xx());
        }
        YamlMap map = node.asMap(PASSIVE_KEYS);
        boolean enabled = map.bool("enabled", d.enabled());
        int failures = map.integer("consecutive-failures", d.consecutiveFailures());
        Duration ejection = map.duration("ejection-time", d.ejectionTime());
        // Unset, the cap follows a longer ejection-time (Envoy's rule): 5m would silently shorten a 10m ejection.
        Duration maxEjection = map.duration("max-ejection-time", ejection.compareTo(d.maxEjectionTime()) > 0
                ? ejection : d.maxEjectionTime());
        int maxPercent = map.integer("max-ejection-percent", d.maxEjectionPercent());
        boolean failOn5xx = map.bool("fail-on-5xx", d.failOn5xx());
        return map.build(() -> new PassiveHealthConfig(enabled, failures, ejection, maxEjection, maxPercent,
                failOn5xx));
    }
}
