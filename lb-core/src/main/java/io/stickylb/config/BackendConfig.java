package io.stickylb.config;

import java.util.Objects;

/**
 * One backend server of a pool. The {@code id} is its stable identity (affinity cookies carry it, never the
 * address); {@code route} is the suffix used by route-suffix affinity and defaults to the id.
 */
public record BackendConfig(String id, Endpoint address, int weight, String route) {

    public static final int MIN_WEIGHT = 1;
    public static final int MAX_WEIGHT = 1000;
    public static final int DEFAULT_WEIGHT = 1;

    public BackendConfig {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(address, "address");
        if (address.port() == 0) {
            // Port 0 means "any free port" to bind, and nothing can be connected to: the backend could only be DOWN.
            throw new IllegalArgumentException("address: '" + address + "' has port 0 (expected: 1..65535)");
        }
        if (weight < MIN_WEIGHT || weight > MAX_WEIGHT) {
            throw new IllegalArgumentException(
                    "weight: " + weight + " (expected: " + MIN_WEIGHT + ".." + MAX_WEIGHT + ")");
        }
        if (route == null || route.isEmpty()) {
            route = id;
        }
    }

    public BackendConfig(String id, Endpoint address, int weight) {
        this(id, address, weight, id);
    }
}
