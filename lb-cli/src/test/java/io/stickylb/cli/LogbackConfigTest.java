package io.stickylb.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.AsyncAppender;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.status.Status;
import java.net.URL;
import org.junit.jupiter.api.Test;

/** The shipped {@code logback.xml} (tests run with logback-test.xml, so it is loaded here into its own context). */
class LogbackConfigTest {

    @Test
    void theShippedConfigParsesAndSendsTheAccessLogThroughANonBlockingAsyncAppender() throws Exception {
        URL xml = LbCommand.class.getResource("/logback.xml");
        assertThat(xml).isNotNull();
        LoggerContext context = new LoggerContext();
        try {
            JoranConfigurator configurator = new JoranConfigurator();
            configurator.setContext(context);
            configurator.doConfigure(xml);

            assertThat(context.getStatusManager().getCopyOfStatusList())
                    .noneMatch(s -> s.getEffectiveLevel() >= Status.WARN);
            assertThat(context.getLogger(Logger.ROOT_LOGGER_NAME).getLevel()).isEqualTo(Level.INFO);
            assertThat(context.getLogger("io.netty").getEffectiveLevel()).isEqualTo(Level.WARN);

            Logger access = context.getLogger("stickylb.access");
            assertThat(access.isAdditive()).isFalse();
            assertThat(access.getEffectiveLevel()).isEqualTo(Level.INFO);
            assertThat(access.getAppender("ACCESS")).isInstanceOfSatisfying(AsyncAppender.class,
                    async -> assertThat(async.isNeverBlock()).isTrue());
        } finally {
            context.stop();
        }
    }
}
