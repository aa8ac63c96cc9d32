package io.stickylb.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.DefaultEventLoopGroup;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.ScheduledFuture;
import io.stickylb.testing.TestConfigs;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class TimerSentinelTest {

    @Test
    void everyLoopGetsATimerThatNeverFallsDueUntilRemoved() {
        EventLoopGroup loops = new DefaultEventLoopGroup(2);
        try {
            TimerSentinel sentinel = TimerSentinel.place(loops);

            assertThat(sentinel.timers()).hasSize(2)
                    .allMatch(t -> !t.isDone() && t.getDelay(TimeUnit.DAYS) > 3000)
                    .allMatch(t -> t.getDelay(TimeUnit.SECONDS) < Integer.MAX_VALUE);

            sentinel.remove();
            assertThat(sentinel.timers()).allMatch(ScheduledFuture::isCancelled);
        } finally {
            loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @Test
    void aRunningProxyHasOneOnEachOfItsLoops() {
        LoadBalancer lb = new LoadBalancer(TestConfigs.roundRobin(1).withWorkers(2)).start();
        try {
            assertThat(lb.timerSentinel().timers()).hasSize(2).noneMatch(ScheduledFuture::isDone);
        } finally {
            lb.close();
        }
        assertThat(lb.timerSentinel().timers()).allMatch(ScheduledFuture::isCancelled);
    }
}
