package io.stickylb.config;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
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
        Map<String, String> addressFirstUsedBy = new HashMap<>();
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
            warnIfAddressTaken(map.get("address"), backend, addressFirstUsedBy);
            backends.add(backend);
        }
        return backends;
    }

    /**
     * Two ids on one address are almost always a copy-paste slip (HAProxy allows it too): that server then gets the
     * share of two. Allowed, since it can be meant (to double a server's share without weights), but said.
     */
    private static void warnIfAddressTaken(YamlNode addressNode, BackendConfig backend,
            Map<String, String> firstUsedBy) {
        // Host names are case-insensitive; other spellings of one address (a name and its IP) are not caught.
        String key = backend.address().toString().toLowerCase(Locale.ROOT);
        String first = firstUsedBy.putIfAbsent(key, "'" + backend.id() + "' (line " + addressNode.line() + ")");
        if (first != null) {
            addressNode.warn("backends " + first + " and '" + backend.id() + "' have the same address "
                    + backend.address() + " (a copy-paste slip?); that server gets the requests of both");
        }
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
