package io.stickylb.server;

import io.stickylb.config.AdminConfig;
import io.stickylb.config.LoadBalancerConfig;
import java.util.List;

/**
 * The settings a reload cannot change on a running instance (its listeners, event loops and transport): the config a
 * reload applies keeps them as they run, and each one the file changes is a warning that names the key.
 */
final class RestartOnly {

    private RestartOnly() {
    }

    /** {@code next} with the running values of the restart-only settings; adds a warning for each that differs. */
    static LoadBalancerConfig keep(LoadBalancerConfig running, LoadBalancerConfig next, List<String> warnings) {
        if (!running.listen().equals(next.listen())) {
            warnings.add("listen changed to " + next.listen() + "; still listening on " + running.listen()
                    + " until restarted");
        }
        if (running.workers() != next.workers()) {
            warnings.add("workers changed; the number of event loops changes at the next restart");
        }
        if (running.transport() != next.transport()) {
            warnings.add("transport changed to " + next.transport().configName() + "; it takes effect at the next"
                    + " restart");
        }
        // The running values, not the file's, so that config() tells what is in force and the next reload warns again.
        return next.withListen(running.listen()).withWorkers(running.workers()).withTransport(running.transport())
                .withAdmin(admin(running.admin(), next.admin(), warnings));
    }

    /**
     * The admin listener stays where it started (or off), but its token follows the file: rotating a leaked token must
     * not wait for a restart, and the check reads the token per request anyway.
     */
    private static AdminConfig admin(AdminConfig running, AdminConfig next, List<String> warnings) {
        if (!running.enabled()) {
            if (next.enabled()) {
                warnings.add("admin added (admin.listen " + next.listen() + "); the admin API starts at the next"
                        + " restart");
            }
            return running;
        }
        if (!next.enabled()) {
            warnings.add("admin removed; the admin API still listens on " + running.listen() + " until restarted");
            return running;
        }
        if (!next.listen().equals(running.listen())) {
            warnings.add("admin.listen changed to " + next.listen() + "; the admin API still listens on "
                    + running.listen() + " until restarted");
        }
        if (next.token() == null && !running.listen().isLoopback()) {
            // Moved to loopback without a token: until the restart moves it, the listener is still reachable.
            warnings.add("admin.token removed; the old token stays required until restarted, since the admin API"
                    + " still listens on " + running.listen() + ", which is not loopback");
            return running;
        }
        return new AdminConfig(running.listen(), next.token());
    }
}
