package io.stickylb.lab;

import java.time.Duration;

/**
 * The virtual client population: how many, how requests are spread over them (uniform, or Zipf with exponent
 * {@code zipfS} over clients ranked in a seeded random order), the total request rate, the think time between one
 * client's requests, the share that keeps cookies, NAT grouping, how their address reaches the proxy, and the
 * load model: open loop (requests at scheduled times, whatever the latency) or closed loop ({@code concurrency}
 * requests in flight, the next drawn when one ends), and how many requests one client may have out at once
 * ({@code maxInFlight}: 1 is a person clicking, more is a browser's parallel connections or an API client).
 */
public record ClientSpec(
        int count,
        RateDistribution distribution,
        double zipfS,
        double totalRps,
        Duration thinkTime,
        double keepCookies,
        int natGroups,
        AddressSource source,
        LoadModel loop,
        int connections,
        int maxInFlight) {

    /** How the total rate is split over clients. */
    public enum RateDistribution { UNIFORM, ZIPF }

    /**
     * {@code forwarded}: X-Forwarded-For from the lab as a trusted proxy; {@code loopback}: real 127.x source
     * addresses.
     */
    public enum AddressSource { FORWARDED, LOOPBACK }

    /** Open loop (arrivals on a schedule) or closed loop (a fixed number of requests in flight). */
    public enum LoadModel { OPEN, CLOSED }

    /**
     * The same population with another size and rate (tests shrink scenarios). NAT groups shrink with it, so the
     * number of distinct addresses, which is what NAT scenarios are about, stays the same.
     */
    public ClientSpec scaled(int newCount, double newTotalRps) {
        int groups = natGroups <= 0 ? 0 : Math.max(1, (int) Math.round((double) natGroups * newCount / count));
        return new ClientSpec(newCount, distribution, zipfS, newTotalRps, thinkTime, keepCookies, groups, source,
                loop, connections, maxInFlight);
    }

    /** The number of distinct client addresses: one per client, or one per NAT group of {@code natGroups} clients. */
    public int addressCount() {
        return natGroups <= 0 ? count : (count + natGroups - 1) / natGroups;
    }

    /** The address group of a client: itself, or its NAT group. */
    public int addressOf(int client) {
        return natGroups <= 0 ? client : client / natGroups;
    }
}
