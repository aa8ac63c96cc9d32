package io.stickylb.warmup;

import io.stickylb.config.AffinityConfig;
import io.stickylb.config.LoadBalancerConfig;
import io.stickylb.config.PoolConfig;
import io.stickylb.config.RouteConfig;
import io.stickylb.config.StrategyNames;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The requests of the {@link JitWarmup} clients: every route of the proxy being warmed (a host its pattern matches, a
 * path under its prefix), in the shapes real clients send. Most are a bare GET, as API clients and load generators
 * send; one in {@link #SHAPES} is curl's, one a browser's with cookies, one a small form POST. Rare but present, those
 * branches and types are profiled and compiled as cold paths, so the first browser after start-up finds no unprofiled
 * branch, while the common case keeps code specialised for it (an even mix cost 6 % of throughput on bare GETs).
 * A bare GET returns the client's affinity cookies (see {@link #affinityCookies}), as a sticky client does on every
 * request: without them, seven in eight warm-up requests of a cookie pool were new clients given a new cookie, and
 * real sticky traffic ran on code compiled for that (0.92 × round robin's throughput instead of 0.99 ×,
 * docs/benchmarks.md, "Stop 32").
 */
final class WarmupTraffic {

    /** A path segment the responder answers slowly (the client leaves before the answer). */
    static final String SLOW_MARK = "stickylb-warmup-slow";
    /** A path segment, followed by a token, whose answer the responder hands to a {@link ResetRace}. */
    static final String RACE_MARK = "stickylb-warmup-race-";
    static final int SHAPES = 16;
    private static final int CURL = 5;
    private static final int BROWSER = 9;
    private static final int FORM_POST = 13;
    private static final int MAX_TARGETS = 32;
    private static final String FORM = "user=warmup&password=not-a-secret&remember=on";

    private final List<Target> targets;
    private final Set<String> affinityCookies;

    /** Where a request goes: its Host field and a path its route takes. */
    record Target(String host, String prefix) {
        String path(String leaf) {
            return prefix.endsWith("/") ? prefix + leaf : prefix + "/" + leaf;
        }
    }

    WarmupTraffic(LoadBalancerConfig config, int port) {
        List<Target> list = new ArrayList<>();
        for (RouteConfig r : config.routes()) {
            if (r.host().equals("*")) {
                list.add(new Target("127.0.0.1:" + port, r.pathPrefix()));
                list.add(new Target("localhost:" + port, r.pathPrefix()));
            } else if (r.host().startsWith("*.")) {
                list.add(new Target("www" + r.host().substring(1), r.pathPrefix()));
            } else {
                list.add(new Target(r.host(), r.pathPrefix()));
            }
        }
        if (list.isEmpty()) {
            list.add(new Target("127.0.0.1:" + port, "/"));
        }
        this.targets = List.copyOf(list.subList(0, Math.min(MAX_TARGETS, list.size())));
        this.affinityCookies = affinityCookies(config);
    }

    /**
     * The names of the cookies that carry a cookie pool's affinity, which a sticky client sends with every request:
     * insert mode's own cookie, or the application's session cookie the other modes read.
     */
    static Set<String> affinityCookies(LoadBalancerConfig config) {
        Set<String> names = new LinkedHashSet<>();
        for (PoolConfig p : config.pools().values()) {
            if (StrategyNames.COOKIE.equals(p.strategy())) {
                AffinityConfig a = p.affinity();
                names.add(a.mode() == AffinityConfig.Mode.INSERT ? a.name() : a.cookieName());
            }
        }
        return Set.copyOf(names);
    }

    /** True when {@code cookie} carries a pool's affinity (see {@link #affinityCookies(LoadBalancerConfig)}). */
    boolean isAffinityCookie(String cookie) {
        return affinityCookies.contains(cookie);
    }

    /**
     * The session cookies the responder hands out, as an application server would: the application cookie of every
     * pool whose affinity follows one, and Tomcat's {@code JSESSIONID}.
     */
    static List<String> sessionCookies(LoadBalancerConfig config) {
        Set<String> names = new LinkedHashSet<>();
        if (config != null) {
            for (PoolConfig p : config.pools().values()) {
                if (p.affinity().mode() != AffinityConfig.Mode.INSERT) {
                    names.add(p.affinity().cookieName());
                }
            }
        }
        names.add("JSESSIONID");
        return List.copyOf(names);
    }

    List<Target> targets() {
        return targets;
    }

    /**
     * Request {@code n} of a client: its target and shape follow from {@code n}. {@code cookies} (all the client
     * keeps, for the browser's and the form's shapes) and {@code affinity} (those of them that carry affinity, for
     * the bare GET) may be empty.
     */
    byte[] request(long n, String cookies, String affinity) {
        Target t = target(n);
        StringBuilder b = new StringBuilder(512);
        switch ((int) (n % SHAPES)) {
            case CURL -> b.append("GET ").append(t.path("items?id=")).append(n % 97).append(" HTTP/1.1\r\nHost: ")
                    .append(t.host()).append("\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n");
            case BROWSER -> {
                b.append("GET ").append(t.path("index.html")).append(" HTTP/1.1\r\nHost: ").append(t.host())
                        .append("\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Firefox/128.0")
                        .append("\r\nAccept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
                        .append("\r\nAccept-Language: en-US,en;q=0.5\r\nAccept-Encoding: gzip, deflate, br")
                        .append("\r\nConnection: keep-alive\r\n");
                appendCookies(b, cookies);
            }
            case FORM_POST -> {
                b.append("POST ").append(t.path("login")).append(" HTTP/1.1\r\nHost: ").append(t.host())
                        .append("\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ")
                        .append(FORM.length()).append("\r\n");
                appendCookies(b, cookies);
                b.append("\r\n").append(FORM);
                return b.toString().getBytes(StandardCharsets.US_ASCII);
            }
            default -> {
                b.append("GET ").append(t.prefix()).append(" HTTP/1.1\r\n");
                // Every other one names the cookie first: wrk's header order changes from one run to the next (the
                // order of a Lua table), and a pool that strips its cookie before forwarding leaves a removed line
                // that the Host lookup walks past; unprofiled, the first such request threw away the request path
                // (docs/benchmarks.md, *Stop 44*).
                boolean cookieFirst = (n / SHAPES) % 2 == 1;
                if (cookieFirst) {
                    appendAffinity(b, affinity);
                }
                b.append("Host: ").append(t.host()).append("\r\n");
                if (!cookieFirst) {
                    appendAffinity(b, affinity);
                }
            }
        }
        return b.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** The target of request {@code n}: the host it is for tells which cookies a browser would send with it. */
    Target target(long n) {
        return targets.get((int) ((n + n / SHAPES) % targets.size()));
    }

    /** Whether request number {@code n} carries all the client's cookies (the browser's and the form's shapes). */
    static boolean sendsCookies(long n) {
        long shape = n % SHAPES;
        return shape == BROWSER || shape == FORM_POST;
    }

    /** Whether request number {@code n} carries the client's affinity cookies alone (the bare GET). */
    static boolean sendsAffinityCookies(long n) {
        long shape = n % SHAPES;
        return shape != CURL && !sendsCookies(n);
    }

    /** A request the responder answers after a few milliseconds, to the first target. */
    byte[] slowRequest() {
        Target t = targets.get(0);
        return ("GET " + t.path(SLOW_MARK) + " HTTP/1.1\r\nHost: " + t.host() + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
    }

    /** A bare GET, to the first target, whose answer goes to the {@link ResetRace} that {@code token} names. */
    byte[] raceRequest(String token) {
        Target t = targets.get(0);
        return ("GET " + t.path(RACE_MARK + token) + " HTTP/1.1\r\nHost: " + t.host() + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
    }

    /** The race token in a request line, or null when it is not a {@link #raceRequest}. */
    static String raceToken(String requestLine) {
        int i = requestLine.indexOf(RACE_MARK);
        if (i < 0) {
            return null;
        }
        int start = i + RACE_MARK.length();
        int end = requestLine.indexOf(' ', start);
        return requestLine.substring(start, end < 0 ? requestLine.length() : end);
    }

    private static void appendAffinity(StringBuilder b, String affinity) {
        if (!affinity.isEmpty()) {
            b.append("Cookie: ").append(affinity).append("\r\n");
        }
    }

    /** A browser sends its own cookies besides the session's. */
    private static void appendCookies(StringBuilder b, String cookies) {
        b.append("Cookie: ");
        if (!cookies.isEmpty()) {
            b.append(cookies).append("; ");
        }
        b.append("theme=dark\r\n");
    }
}
