package io.stickylb.cli;

import io.stickylb.config.ConfigException;
import io.stickylb.config.ConfigLoader;
import io.stickylb.config.LoadBalancerConfig;
import java.nio.file.Path;
import java.util.function.Consumer;

/** Loading a config file for a command, and the one-line summary the commands print about it. */
final class ConfigFiles {

    private ConfigFiles() {
    }

    /**
     * Loads and validates {@code file}; the exception's message names file, line and key path, and so does each
     * warning handed to {@code warnings} (a valid file that is probably not what was meant).
     */
    static LoadBalancerConfig load(Path file, Consumer<String> warnings) throws ConfigException {
        return ConfigLoader.load(file, warnings);
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
