package io.stickylb.config;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Reads {@code pools:}, a mapping of pool name to pool settings, into {@link PoolConfig}s. */
final class PoolConfigReader {

    private static final Set<String> KEYS = YamlMap.allowed("strategy", "fallback", "hash", "balance-factor",
            "hash-header", "hash-cookie", "affinity", "on-unavailable", "return-home", "change-cookie-on-failure",
            "retries", "retry-on", "retry-non-idempotent", "retry-buffer", "slow-start", "timeouts", "health",
            "backends");

    /** The settings that only some strategies read, with those strategies (the rest apply to every pool). */
    private static final Map<String, List<String>> USED_BY = usedBy();

    private static final Set<String> TIMEOUT_KEYS = YamlMap.allowed("connect", "response", "idle", "tunnel");

    private PoolConfigReader() {
    }

    private static Map<String, List<String>> usedBy() {
        List<String> affinity = List.of(StrategyNames.IP_HASH, StrategyNames.HEADER_HASH, StrategyNames.COOKIE);
        List<String> hashing = List.of(StrategyNames.IP_HASH, StrategyNames.HEADER_HASH);
        List<String> cookie = List.of(StrategyNames.COOKIE);
        Map<String, List<String>> m = new LinkedHashMap<>();
        m.put("fallback", affinity);
        m.put("hash", hashing);
        m.put("balance-factor", affinity);
        m.put("hash-header", List.of(StrategyNames.HEADER_HASH));
        m.put("hash-cookie", List.of(StrategyNames.HEADER_HASH));
        m.put("affinity", cookie);
        m.put("on-unavailable", affinity);
        m.put("return-home", cookie);
        m.put("change-cookie-on-failure", cookie);
        return Collections.unmodifiableMap(m);
    }

    /** All pools in file order (routes and error messages list them that way). */
    static Map<String, PoolConfig> readAll(YamlNode node) throws ConfigException {
        YamlMap map = node.asMap();
        if (map.keys().isEmpty()) {
            throw node.error("no pools defined (expected at least one, e.g. app: { backends: [...] })");
        }
        Map<String, PoolConfig> pools = new LinkedHashMap<>();
        for (String name : map.keys()) {
            map.keyNode(name).asKeyName("pool name");
            YamlNode value = map.get(name);
            if (value == null) {
                throw map.keyNode(name).error("empty pool (expected a mapping with at least 'backends')");
            }
            pools.put(name, read(name, value));
        }
        return pools;
    }

    static PoolConfig read(String name, YamlNode node) throws ConfigException {
        YamlMap map = node.asMap(KEYS);
        String strategy = map.choice("strategy", "strategy", StrategyNames.STRATEGIES, StrategyNames.ROUND_ROBIN);
        String fallback = map.choice("fallback", "fallback strategy", StrategyNames.FALLBACK_STRATEGIES, null);
        String hash = map.choice("hash", "hash", StrategyNames.HASHES, null);
        double balanceFactor = map.number("balance-factor", 0);
        String hashHeader = map.string("hash-header", null);
        String hashCookie = map.string("hash-cookie", null);
        checkHashSource(map, strategy, hashHeader, hashCookie);
        warnUnused(map, strategy);
        AffinityConfig affinity = AffinityConfigReader.read(map.get("affinity"));
        var onUnavailable = map.enumValue("on-unavailable", "on-unavailable policy", PoolConfig.OnUnavailable.class,
                null);
        var returnHome = map.enumValue("return-home", "return-home policy", PoolConfig.ReturnHome.class, null);
        boolean changeCookie = map.bool("change-cookie-on-failure", true);
        RetryConfig retry = RetryConfigReader.read(map);
        Duration slowStart = map.duration("slow-start", null);
        TimeoutConfig timeouts = timeouts(map.get("timeouts"));
        HealthConfig health = HealthConfigReader.read(map.get("health"));
        List<BackendConfig> backends = BackendConfigReader.readAll(map.required("backends"));
        return map.build(() -> new PoolConfig(name, strategy, backends, timeouts, hash, balanceFactor, hashHeader,
                hashCookie, affinity, fallback, onUnavailable, returnHome, changeCookie, retry, slowStart, health));
    }

    /**
     * Warns of each setting the pool's strategy never reads: {@code affinity} on a round-robin pool looks like sticky
     * sessions in review and routes nothing. A warning, not an error, so a strategy can be switched for a trial
     * without deleting the other's settings.
     */
    private static void warnUnused(YamlMap map, String strategy) {
        for (String key : map.keys()) {
            List<String> strategies = USED_BY.get(key);
            if (strategies != null && !strategies.contains(strategy)) {
                int last = strategies.size() - 1;
                String names = last == 0 ? strategies.get(0)
                        : String.join(", ", strategies.subList(0, last)) + " and " + strategies.get(last);
                map.get(key).warn("ignored: strategy is " + strategy + ", and " + key + " applies only to " + names);
            }
        }
    }

    /** header-hash hashes exactly one thing; silently picking one of two would surprise someone. */
    private static void checkHashSource(YamlMap map, String strategy, String header, String cookie)
            throws ConfigException {
        if (header != null && cookie != null) {
            throw map.get("hash-cookie").error("give either hash-header or hash-cookie, not both");
        }
        if (strategy.equals(StrategyNames.HEADER_HASH) && header == null && cookie == null) {
            throw map.get("strategy").error("header-hash needs hash-header (a header name) or hash-cookie"
                    + " (a cookie name) to hash");
        }
        if (header != null && !isToken(header)) {
            throw map.get("hash-header").error("'" + header + "' is not a valid header name");
        }
        if (cookie != null && !isToken(cookie)) {
            throw map.get("hash-cookie").error("'" + cookie + "' is not a valid cookie name");
        }
    }

    /** An RFC 9110 token: what header and cookie names are made of. */
    static boolean isToken(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean alnum = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9';
            if (!alnum && "!#$%&'*+-.^_`|~".indexOf(c) < 0) {
                return false;
            }
        }
        return true;
    }

    private static TimeoutConfig timeouts(YamlNode node) throws ConfigException {
        TimeoutConfig d = TimeoutConfig.DEFAULTS;
        if (node == null) {
            return d;
        }
        YamlMap map = node.asMap(TIMEOUT_KEYS);
        Duration connect = map.duration("connect", d.connect());
        Duration response = map.duration("response", d.response());
        Duration idle = map.duration("idle", d.idle());
        Duration tunnel = map.duration("tunnel", d.tunnel());
        return map.build(() -> new TimeoutConfig(connect, response, idle, tunnel));
    }
}
