package io.stickylb.config;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/** Reads a pool's {@code affinity:} section; absent keys take {@link AffinityConfig#DEFAULTS}. */
final class AffinityConfigReader {

    private static final Set<String> KEYS = YamlMap.allowed("mode", "name", "cookie-name", "secret", "secrets", "path",
            "domain", "http-only", "secure", "same-site", "max-age", "max-idle", "max-life", "max-entries", "ttl");

    private static final List<String> SAME_SITE = List.of("Lax", "Strict", "None");
    /** A cookie's Domain attribute (RFC 6265 §4.1.1): a host name, a leading dot allowed and ignored by browsers. */
    private static final Pattern DOMAIN = Pattern.compile("\\.?[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)*");

    private AffinityConfigReader() {
    }

    static AffinityConfig read(YamlNode node) throws ConfigException {
        AffinityConfig d = AffinityConfig.DEFAULTS;
        if (node == null) {
            return d;
        }
        YamlMap map = node.asMap(KEYS);
        AffinityConfig.Mode mode = map.enumValue("mode", "affinity mode", AffinityConfig.Mode.class, d.mode());
        String name = cookieName(map, "name", d.name());
        String cookieName = cookieName(map, "cookie-name", d.cookieName());
        List<String> secrets = secrets(map);
        String path = map.string("path", d.path());
        if (!path.startsWith("/")) {
            throw map.get("path").error("'" + path + "' (expected to start with /)");
        }
        // Both go into Set-Cookie as written: a ';' or a line break there added attributes or whole header lines.
        if (path.chars().anyMatch(c -> c < ' ' || c == 0x7F || c == ';')) {
            throw map.get("path").error(Scalars.quoted(path) + " (expected a path without ';' or control characters)");
        }
        String domain = map.string("domain", d.domain());
        if (domain != null && !domain.isEmpty() && !DOMAIN.matcher(domain).matches()) {
            throw map.get("domain").error(Scalars.quoted(domain) + " is not a domain name (expected e.g. example.com)");
        }
        boolean httpOnly = map.bool("http-only", d.httpOnly());
        boolean secure = map.bool("secure", d.secure());
        String sameSite = map.choice("same-site", "same-site value", SAME_SITE, d.sameSite());
        if (sameSite.equals("None") && !secure) {
            // Browsers drop SameSite=None cookies that are not Secure; the cookie would silently never stick.
            throw map.get("same-site")
                    .error("None requires secure: true (browsers reject SameSite=None without Secure)");
        }
        Duration maxAge = map.duration("max-age", d.maxAge());
        Duration maxIdle = map.duration("max-idle", d.maxIdle());
        Duration maxLife = map.duration("max-life", d.maxLife());
        int maxEntries = map.integer("max-entries", d.maxEntries());
        Duration ttl = map.duration("ttl", d.ttl());
        return map.build(() -> new AffinityConfig(mode, name, cookieName, secrets, path, domain, httpOnly, secure,
                sameSite, maxAge, maxIdle, maxLife, maxEntries, ttl));
    }

    private static String cookieName(YamlMap map, String key, String fallback) throws ConfigException {
        String value = map.string(key, fallback);
        if (!PoolConfigReader.isToken(value)) {
            throw map.get(key).error("'" + value + "' is not a valid cookie name");
        }
        return value;
    }

    /** {@code secret: X} is shorthand for {@code secrets: [X]}; the first of {@code secrets} signs, all verify. */
    private static List<String> secrets(YamlMap map) throws ConfigException {
        YamlNode one = map.get("secret");
        YamlNode many = map.get("secrets");
        if (one != null && many != null) {
            throw map.keyNode("secrets").error("give either secret or secrets, not both");
        }
        List<YamlNode> nodes = one != null ? List.of(one) : many != null ? many.asList() : List.of();
        List<String> secrets = new ArrayList<>();
        for (YamlNode n : nodes) {
            String secret = n.asString();
            if (secret.isEmpty()) {
                throw n.error("empty secret");
            }
            for (String earlier : secrets) {
                if (!earlier.equals(secret) && keyId(earlier) == keyId(secret)) {
                    // The engine cannot tell which key signed a token then, and refused the pool only when it was
                    // built: lb validate passed the file that lb run and a reload refused, without file or line.
                    throw n.error("shares its key id with secrets[" + secrets.indexOf(earlier)
                            + "] (a token names its key by the first 24 bits of the secret's SHA-256); change one");
                }
            }
            secrets.add(secret);
        }
        return secrets;
    }

    /** A secret's key id as affinity tokens carry it (io.stickylb.strategy.SigningKey): its SHA-256's first 24 bits. */
    private static int keyId(String secret) {
        byte[] f;
        try {
            f = MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is unavailable", e);
        }
        return (f[0] & 0xFF) << 16 | (f[1] & 0xFF) << 8 | f[2] & 0xFF;
    }
}
