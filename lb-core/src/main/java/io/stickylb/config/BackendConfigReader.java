package io.stickylb.config;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Reads a pool's {@code backends:} list, checking that ids and route names are unique within the pool. */
final class BackendConfigReader {

    private static final Set<String> KEYS = YamlMap.allowed("id", "address", "weight", "route");

    private BackendConfigReader() {
    }

    static List<BackendConfig> readAll(YamlNode node) throws ConfigException {
        List<YamlNode> items = node.asList();
        if (items.isEmpty()) {
            throw node.error("empty (a pool needs at least one backend)");
        }
        List<BackendConfig> backends = new ArrayList<>();
        // Affinity cookies carry ids and route-suffix carries routes: a duplicate would send clients to the wrong one.
        Map<String, Integer> idLines = new HashMap<>();
        Map<String, Integer> routeLines = new HashMap<>();
        for (YamlNode item : items) {
            YamlMap map = item.asMap(KEYS);
            BackendConfig backend = read(map);
            YamlNode idNode = map.required("id");
            Integer firstId = idLines.putIfAbsent(backend.id(), idNode.line());
            if (firstId != null) {
                throw idNode.error("duplicate backend id '" + backend.id() + "' (first at line " + firstId + ")");
            }
            YamlNode routeNode = map.has("route") ? map.get("route") : idNode;
            Integer firstRoute = routeLines.putIfAbsent(backend.route(), routeNode.line());
            if (firstRoute != null) {
                throw routeNode.error("duplicate route '" + backend.route() + "' (first at line " + firstRoute + ")");
            }
            backends.add(backend);
        }
        return backends;
    }

    private static BackendConfig read(YamlMap map) throws ConfigException {
        String id = map.required("id").asName("backend id");
        Endpoint address = map.required("address").asEndpoint();
        int weight = map.integer("weight", BackendConfig.DEFAULT_WEIGHT);
        YamlNode routeNode = map.get("route");
        String route = routeNode == null ? id : routeNode.asName("route name");
        return map.build(() -> new BackendConfig(id, address, weight, route));
    }
}
