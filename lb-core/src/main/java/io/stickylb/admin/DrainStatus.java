package io.stickylb.admin;

import java.time.Duration;
import java.time.Instant;

/**
 * What the admin API shows about a drain in progress: when it began, its limits, the sticky requests that reached the
 * backend in the last minute and how long it has been idle (it finishes once idle for {@code untilIdle}).
 */
public record DrainStatus(Instant startedAt, Duration untilIdle, Duration deadline, Instant deadlineAt,
        long stickyRequestsLastMinute, Duration idleFor) {
}
