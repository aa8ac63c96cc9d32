package io.stickylb.cli;

import io.stickylb.config.ConfigException;
import io.stickylb.config.ConfigLoader;
import io.stickylb.config.LoadBalancerConfig;
import java.nio.file.Path;

/** Loading a config file for a command, and the one-line summary the commands print about it. */
final class ConfigFiles {

    private ConfigFiles() {
    }

    /** Loads and validates {@code file}; the exception's message names file, line and key path. */
    static LoadBalancerConfig load(Path file) throws ConfigException {
        return ConfigLoader.load(file);
    }

    /** {@code 2 pools, 5 backends, 3 routes}. */
    static String summary(LoadBalancerConfig config) {
        int backends = config.pools().values().stream().mapToInt(p -> p.backends().size()).sum();
        return count(config.pools().size(), "pool") + ", " + count(backends, "backend") + ", "
                + count(config.routes().size(), "route");
    }

    private static String count(int n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }
}
