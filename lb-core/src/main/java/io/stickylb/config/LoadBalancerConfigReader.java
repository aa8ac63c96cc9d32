package io.stickylb.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Reads the top level of the config file into a {@link LoadBalancerConfig}, delegating each section to its reader. */
final class LoadBalancerConfigReader {

    static final Endpoint DEFAULT_LISTEN = new Endpoint("127.0.0.1", 8080);
    private static final int MAX_WORKERS = 256;

    private static final Set<String> KEYS = YamlMap.allowed("listen", "workers", "shutdown-timeout", "trusted-proxies",
            "forwarded-headers", "paths", "proxy-protocol", "tls", "admin", "access-log", "limits", "pools", "routes",
            "transport");

    private LoadBalancerConfigReader() {
    }

    static LoadBalancerConfig read(YamlNode root, Path source) throws ConfigException {
        ScenarioFiles.refuse(root);
        YamlMap map = root.asMap(KEYS);
        Endpoint listen = map.endpoint("listen", DEFAULT_LISTEN);
        int workers = workers(map.get("workers"));
        List<CidrRange> trustedProxies = trustedProxies(map.get("trusted-proxies"));
        YamlNode listenNode = map.get("listen");
        AdminConfig admin = AdminConfigReader.read(map.get("admin"), listen,
                listenNode == null ? "listen's default" : "listen, line " + listenNode.line());
        AccessLogConfig accessLog = AccessLogConfigReader.read(map.get("access-log"));
        LimitsConfig limits = LimitsConfigReader.read(map.get("limits"));
        Map<String, PoolConfig> pools = PoolConfigReader.readAll(map.required("pools"));
        List<RouteConfig> routes = RouteConfigReader.readAll(map, pools);
        // null lets the record apply its default drain time.
        Duration shutdownTimeout = map.duration("shutdown-timeout", null);
        TransportChoice transport = map.enumValue("transport", "transport", TransportChoice.class,
                TransportChoice.AUTO);
        boolean forwardedHeaders = map.bool("forwarded-headers", true);
        PathsConfig paths = PathsConfigReader.read(map.get("paths"));
        boolean proxyProtocol = map.bool("proxy-protocol", false);
        TlsConfig tls = TlsConfigReader.read(map.get("tls"), source);
        return map.build(() -> new LoadBalancerConfig(source, listen, workers, pools, routes, trustedProxies, admin,
                accessLog, limits, shutdownTimeout, transport, forwardedHeaders, paths, proxyProtocol, tls));
    }

    /**
     * {@code auto} (one per core) is stored as 0, the record's "auto". A written 0 is refused, as {@code --workers 0}
     * is: the README documents {@code auto}, and the file and the command line should accept the same values.
     */
    private static int workers(YamlNode node) throws ConfigException {
        if (node == null) {
            return 0;
        }
        if (!node.isScalar()) {
            throw node.wrongType("auto or a number");
        }
        if (node.asString().trim().equalsIgnoreCase("auto")) {
            return 0;
        }
        int workers = node.asInt();
        if (workers < 1 || workers > MAX_WORKERS) {
            throw node.error(workers + " (expected: auto or 1.." + MAX_WORKERS + ")");
        }
        return workers;
    }

    private static List<CidrRange> trustedProxies(YamlNode node) throws ConfigException {
        List<CidrRange> ranges = new ArrayList<>();
        if (node != null) {
            for (YamlNode item : node.asList()) {
                String text = item.asString();
                CidrRange range;
                try {
                    range = CidrRange.parse(text);
                } catch (IllegalArgumentException e) {
                    throw item.error(e.getMessage());
                }
                if (range.hasHostBits()) {
                    item.warn("low address bits of " + range + " are meaningless; it is read as "
                            + range.networkText() + " (write that, or the address alone for one host)");
                }
                ranges.add(range);
            }
        }
        return ranges;
    }
}
