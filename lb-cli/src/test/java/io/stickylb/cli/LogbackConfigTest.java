package io.stickylb.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.AsyncAppender;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.core.status.Status;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The {@code lb} command's logging setup ({@link LogSetup}), applied to a context of its own. */
class LogbackConfigTest {

    @Test
    void theSetupSendsTheAccessLogThroughANonBlockingAsyncAppenderOfItsOwn() {
        LoggerContext context = new LoggerContext();
        try {
            LogSetup.apply(context);

            assertThat(context.getStatusManager().getCopyOfStatusList())
                    .noneMatch(s -> s.getEffectiveLevel() >= Status.WARN);
            assertThat(context.getLogger(Logger.ROOT_LOGGER_NAME).getLevel()).isEqualTo(Level.INFO);
            assertThat(context.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("CONSOLE")).isNotNull();
            assertThat(context.getLogger("io.netty").getEffectiveLevel()).isEqualTo(Level.WARN);

            Logger access = context.getLogger(LogSetup.ACCESS_LOGGER);
            assertThat(access.isAdditive()).isFalse();
            assertThat(access.getEffectiveLevel()).isEqualTo(Level.INFO);
            assertThat(access.getAppender("ACCESS")).isInstanceOfSatisfying(AsyncAppender.class, async -> {
                assertThat(async.isNeverBlock()).isTrue();
                assertThat(async.isStarted()).isTrue();
            });
        } finally {
            context.stop();
        }
    }

    @Test
    void itIsRegisteredWithLogbackAndStepsAsideForAnOperatorsOwnFile() throws Exception {
        try (InputStream in = LogSetup.class.getResourceAsStream(
                "/META-INF/services/ch.qos.logback.classic.spi.Configurator")) {
            assertThat(in).isNotNull();
            assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8).trim()).isEqualTo(LogSetup.class.getName());
        }
        // Tests carry a logback-test.xml, which must win just as -Dlogback.configurationFile does.
        LoggerContext context = new LoggerContext();
        try {
            LogSetup setup = new LogSetup();
            setup.setContext(context);
            assertThat(setup.configure(context)).isEqualTo(Configurator.ExecutionStatus.INVOKE_NEXT_IF_ANY);
            assertThat(context.getLogger(LogSetup.ACCESS_LOGGER).getAppender("ACCESS")).isNull();
        } finally {
            context.stop();
        }
    }
}
