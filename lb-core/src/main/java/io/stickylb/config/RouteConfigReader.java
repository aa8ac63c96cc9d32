package io.stickylb.config;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Reads {@code routes:}, or makes the catch-all route when it is absent and exactly one pool exists. */
final class RouteConfigReader {

    private static final Set<String> KEYS = YamlMap.allowed("host", "path-prefix", "pool");

    private RouteConfigReader() {
    }

    static List<RouteConfig> readAll(YamlMap root, Map<String, PoolConfig> pools) throws ConfigException {
        YamlNode node = root.get("routes");
        if (node == null) {
            if (pools.size() == 1) {
                return List.of(new RouteConfig("*", "/", pools.keySet().iterator().next()));
            }
            throw root.node().source().error(root.node().line(), "routes", "missing (with more than one pool,"
                    + " routes must say which requests go where; pools: " + String.join(", ", pools.keySet()) + ")");
        }
        List<YamlNode> items = node.asList();
        if (items.isEmpty()) {
            throw node.error("empty (expected at least one route, e.g. { host: \"*\", path-prefix: /, pool: "
                    + pools.keySet().iterator().next() + " })");
        }
        List<RouteConfig> routes = new ArrayList<>();
        // Two routes with the same host and prefix: the second could never match, so it is surely a mistake.
        Map<String, Integer> seen = new HashMap<>();
        for (YamlNode item : items) {
            RouteConfig route = read(item.asMap(KEYS), pools);
            Integer first = seen.putIfAbsent(route.host() + " " + route.pathPrefix(), item.line());
            if (first != null) {
                throw item.error("duplicate route for host '" + route.host() + "' and path-prefix '"
                        + route.pathPrefix() + "' (first at line " + first + ")");
            }
            routes.add(route);
        }
        return routes;
    }

    private static RouteConfig read(YamlMap map, Map<String, PoolConfig> pools) throws ConfigException {
        String host = map.string("host", "*");
        String pathPrefix = map.string("path-prefix", "/");
        YamlNode poolNode = map.required("pool");
        String pool = poolNode.asString();
        if (!pools.containsKey(pool)) {
            String hint = DidYouMean.suggest(pool, pools.keySet()).map(s -> "did you mean '" + s + "'?; ").orElse("");
            throw poolNode.error("no pool named '" + pool + "' (" + hint + "pools: "
                    + String.join(", ", pools.keySet()) + ")");
        }
        return map.build(() -> new RouteConfig(host, pathPrefix, pool));
    }
}
