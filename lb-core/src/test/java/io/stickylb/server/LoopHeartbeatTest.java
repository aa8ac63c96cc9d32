package io.stickylb.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.channel.DefaultEventLoopGroup;
import io.netty.channel.EventLoopGroup;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class LoopHeartbeatTest {

    @Test
    void itBeatsOnEveryLoopUntilStopped() throws Exception {
        EventLoopGroup loops = new DefaultEventLoopGroup(2);
        try {
            LoopHeartbeat heartbeat = LoopHeartbeat.start(loops, 10);
            // Two loops, each beating every 10 ms.
            await().atMost(Duration.ofSeconds(5)).until(() -> heartbeat.beats() >= 20);

            heartbeat.stop();
            Thread.sleep(50); // a beat already running when stopped still counts
            long after = heartbeat.beats();
            Thread.sleep(100);
            assertThat(heartbeat.beats()).isEqualTo(after);
        } finally {
            loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
