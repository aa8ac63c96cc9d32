package io.stickylb.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.stickylb.config.AdminConfig;
import io.stickylb.config.Endpoint;
import io.stickylb.config.LoadBalancerConfig;
import io.stickylb.testing.TestConfigs;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link RestartOnly}: what a reload keeps of the running admin listener, and the warnings it gives. */
class RestartOnlyTest {

    private static final Endpoint PUBLIC = new Endpoint("0.0.0.0", 9090);
    private static final Endpoint LOOPBACK = new Endpoint("127.0.0.1", 9090);

    private final List<String> warnings = new ArrayList<>();

    private static LoadBalancerConfig with(AdminConfig admin) {
        return TestConfigs.roundRobin(9001).withAdmin(admin);
    }

    @Test
    void anAdminApiTurnedOnByTheFileStaysOffUntilRestarted() {
        LoadBalancerConfig applied = RestartOnly.keep(with(AdminConfig.DISABLED), with(new AdminConfig(LOOPBACK, null)),
                warnings);

        assertThat(applied.admin()).isEqualTo(AdminConfig.DISABLED);
        assertThat(warnings).containsExactly(
                "admin added (admin.listen 127.0.0.1:9090); the admin API starts at the next restart");
    }

    @Test
    void aTokenFollowsTheFileOnTheRunningAddress() {
        LoadBalancerConfig applied = RestartOnly.keep(with(new AdminConfig(PUBLIC, "old")),
                with(new AdminConfig(PUBLIC, "new")), warnings);

        assertThat(applied.admin()).isEqualTo(new AdminConfig(PUBLIC, "new"));
        assertThat(warnings).isEmpty();
    }

    @Test
    void aTokenDroppedWithAMoveToLoopbackStaysWhileThePublicListenerRuns() {
        LoadBalancerConfig applied = RestartOnly.keep(with(new AdminConfig(PUBLIC, "old")),
                with(new AdminConfig(LOOPBACK, null)), warnings);

        assertThat(applied.admin()).isEqualTo(new AdminConfig(PUBLIC, "old"));
        assertThat(warnings).containsExactly(
                "admin.listen changed to 127.0.0.1:9090; the admin API still listens on 0.0.0.0:9090 until restarted",
                "admin.token removed; the old token stays required until restarted, since the admin API still"
                        + " listens on 0.0.0.0:9090, which is not loopback");
    }
}
