package io.stickylb.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.stickylb.config.Durations;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code lb status}: the pools and backends of a running instance, from its admin API, as a table or JSON. On a
 * terminal the states are colored (see {@link Ansi}); {@code --watch} redraws the table every {@code --interval}
 * until Ctrl-C (exit 0), and SHARE is then each backend's share of its pool's requests since the previous refresh
 * (on a single run, or the first refresh: of all requests so far).
 */
@Command(name = "status",
        mixinStandardHelpOptions = true,
        description = "Shows the pools and backends of a running instance (state, weight, traffic, errors).",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:ok (also after Ctrl-C in --watch)", "1:the admin API is unreachable",
            "2:the admin API refused (e.g. wrong token), or a bad option"})
final class StatusCommand implements Callable<Integer> {

    static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(1);
    static final Duration MIN_INTERVAL = Duration.ofMillis(100);

    private static final String[] HEADER = {"POOL", "BACKEND", "STATE", "WEIGHT", "SHARE", "INFLIGHT", "REQUESTS",
        "ERRORS", "AFFINITY BROKEN"};

    @Spec
    CommandSpec spec;

    @ParentCommand
    LbCommand parent;

    @Mixin
    AdminOptions admin;

    @Option(names = "--json", description = "Print the admin API's JSON instead of a table (with --watch: one line "
            + "per refresh).")
    boolean json;

    @Option(names = "--watch", description = "Refresh every --interval until Ctrl-C; SHARE is then the share of the "
            + "requests since the previous refresh.")
    boolean watch;

    @Option(names = "--interval", paramLabel = "DURATION", converter = IntervalConverter.class,
            description = "With --watch: time between refreshes, e.g. 500ms, 2s (default: 1s).")
    Duration interval;

    @Option(names = "--count", paramLabel = "N",
            description = "With --watch: stop after N refreshes (default: until Ctrl-C).")
    Integer count;

    @Option(names = "--color", paramLabel = "WHEN", defaultValue = "auto", converter = ColorConverter.class,
            description = "Color the states: auto (on a terminal, unless NO_COLOR is set), always or never "
                    + "(default: ${DEFAULT-VALUE}).")
    Ansi.Mode color;

    @Override
    public Integer call() {
        if (!watch && (interval != null || count != null)) {
            throw new ParameterException(spec.commandLine(), "--interval and --count apply only with --watch");
        }
        if (count != null && count < 1) {
            throw new ParameterException(spec.commandLine(), "--count: " + count + " (expected: at least 1)");
        }
        Ansi ansi = json ? Ansi.PLAIN : Ansi.detect(color, System.console() != null, System.getenv());
        if (watch) {
            return admin.call(spec, (api, out) -> watch(api, out, ansi));
        }
        return admin.call(spec, (api, out) -> {
            JsonNode pools = api.get("api/pools");
            if (json) {
                out.println(pretty(pools));
            } else {
                render(pools, null, ansi).forEach(out::println);
            }
            return LbCommand.OK;
        });
    }

    /** Refreshes until Ctrl-C (or {@code --count}); an API that stops answering is shown and retried. */
    private int watch(AdminApi api, PrintWriter out, Ansi ansi)
            throws AdminApi.UnreachableException, AdminApi.RefusedException {
        Duration every = interval != null ? interval : DEFAULT_INTERVAL;
        Lifecycle lifecycle = parent.lifecycle();
        // Ctrl-C and SIGTERM become a stop request that ends the loop, so the exit code is 0 and not 130.
        lifecycle.begin(() -> { }, false);
        try {
            Map<String, Long> previous = null;
            for (int n = 1; ; n++) {
                List<String> screen = new ArrayList<>();
                try {
                    JsonNode pools = api.get("api/pools");
                    if (json) {
                        screen.add(pools.toString());
                    } else {
                        screen.add(title(every, previous != null, ansi));
                        screen.addAll(render(pools, previous, ansi));
                    }
                    previous = counts(pools);
                } catch (AdminApi.UnreachableException e) {
                    if (n == 1) {
                        throw e;
                    }
                    screen.add(title(every, false, ansi));
                    screen.add(ansi.paint(Ansi.RED, "error: " + e.getMessage()) + " (retrying)");
                    previous = null;
                }
                out.print(json ? "" : ansi.clear());
                screen.forEach(out::println);
                out.flush();
                if (count != null && n >= count) {
                    return LbCommand.OK;
                }
                if (lifecycle.next(every) == Lifecycle.Request.STOP) {
                    return LbCommand.OK;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return LbCommand.OK;
        } finally {
            lifecycle.end();
        }
    }

    private String title(Duration every, boolean sincePrevious, Ansi ansi) {
        String base = admin.admin.toString();
        return ansi.paint(Ansi.BOLD, "lb status") + "  " + base.substring(0, base.length() - 1) + "  every "
                + Durations.format(every) + "  " + LocalTime.now().truncatedTo(ChronoUnit.SECONDS) + "  "
                + ansi.paint(Ansi.GREY, (sincePrevious ? "SHARE: since the previous refresh" : "SHARE: of all requests")
                        + "; Ctrl-C quits");
    }

    /** The table and its notes; SHARE is of the requests since {@code previous}, or of all requests when null. */
    static List<String> render(JsonNode pools, Map<String, Long> previous, Ansi ansi) {
        List<String[]> rows = new ArrayList<>();
        rows.add(HEADER);
        List<String> notes = new ArrayList<>();
        for (JsonNode pool : pools.path("pools")) {
            String name = pool.path("name").asText();
            if (pool.path("panic").asBoolean()) {
                notes.add(ansi.paint(Ansi.RED, name + ": panic mode (too few healthy backends; traffic spreads over "
                        + "all of them)"));
            }
            Map<String, Long> requests = new HashMap<>();
            long total = 0;
            for (JsonNode b : pool.path("backends")) {
                long r = delta(b.path("requests").asLong(), previous == null ? null
                        : previous.getOrDefault(key(name, b.path("id").asText()), 0L));
                requests.put(b.path("id").asText(), r);
                total += r;
            }
            for (JsonNode b : pool.path("backends")) {
                String id = b.path("id").asText();
                int weight = b.path("weight").asInt();
                int configured = b.path("configuredWeight").asInt();
                long errors = sum(b.path("errors"), "");
                long broken = sum(b.path("affinity"), "broken:");
                rows.add(new String[] {name, id, ansi.state(b.path("state").asText()),
                    weight == configured ? String.valueOf(weight) : weight + " (" + configured + ")",
                    share(requests.get(id), total),
                    inFlight(b), b.path("requests").asText(),
                    errors > 0 ? ansi.paint(Ansi.RED, String.valueOf(errors)) : "0",
                    broken > 0 ? ansi.paint(Ansi.YELLOW, String.valueOf(broken)) : "0"});
                JsonNode drain = b.path("drain");
                if (drain.isObject()) {
                    notes.add(ansi.paint(Ansi.YELLOW, name + "/" + id + " draining: "
                            + drain.path("stickyRequestsLastMinute").asLong()
                            + " sticky request(s) in the last minute, idle "
                            + drain.path("idleFor").asText() + "; maintenance once idle for "
                            + drain.path("untilIdle").asText() + " or at " + drain.path("deadlineAt").asText()));
                }
            }
        }
        List<String> lines = table(rows, ansi);
        lines.addAll(notes);
        JsonNode clients = pools.path("clients");
        if (clients.isObject()) {
            long refused = clients.path("refused").asLong();
            lines.add("clients: " + clients.path("open").asLong() + " open (max-connections "
                    + clients.path("maxConnections").asLong() + "), " + clients.path("accepted").asLong()
                    + " accepted, " + (refused > 0 ? ansi.paint(Ansi.RED, refused + " refused") : "0 refused")
                    + " since start");
        }
        return lines;
    }

    /** Requests since the previous count; a counter that went back (backend re-created by a reload) restarts. */
    private static long delta(long now, Long before) {
        if (before == null) {
            return now;
        }
        return now >= before ? now - before : now;
    }

    private static String share(long requests, long total) {
        return total == 0 ? "-" : String.format(Locale.ROOT, "%.1f%%", 100.0 * requests / total);
    }

    /** Each backend's request counter, to compute the next refresh's shares. */
    static Map<String, Long> counts(JsonNode pools) {
        Map<String, Long> counts = new HashMap<>();
        for (JsonNode pool : pools.path("pools")) {
            for (JsonNode b : pool.path("backends")) {
                counts.put(key(pool.path("name").asText(), b.path("id").asText()), b.path("requests").asLong());
            }
        }
        return counts;
    }

    private static String key(String pool, String id) {
        return pool + '\u0000' + id;
    }

    /**
     * In flight, with those among them waiting in line for a connection and the open WebSocket tunnels named:
     * "5 (2 waiting, 1 ws)".
     */
    private static String inFlight(JsonNode backend) {
        long waiting = backend.path("waiting").asLong();
        long tunnels = backend.path("tunnels").asLong();
        String n = backend.path("inFlight").asText();
        if (waiting == 0 && tunnels == 0) {
            return n;
        }
        List<String> among = new ArrayList<>(2);
        if (waiting > 0) {
            among.add(waiting + " waiting");
        }
        if (tunnels > 0) {
            among.add(tunnels + " ws");
        }
        return n + " (" + String.join(", ", among) + ")";
    }

    /** The sum of an object's numeric fields whose names start with {@code prefix}. */
    private static long sum(JsonNode counters, String prefix) {
        long total = 0;
        for (Map.Entry<String, JsonNode> e : counters.properties()) {
            if (e.getKey().startsWith(prefix)) {
                total += e.getValue().asLong();
            }
        }
        return total;
    }

    /** Left-aligned columns two spaces apart; widths count what shows, not the color escapes. */
    private static List<String> table(List<String[]> rows, Ansi ansi) {
        int[] width = new int[HEADER.length];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                width[i] = Math.max(width[i], Ansi.visible(row[i]).length());
            }
        }
        List<String> lines = new ArrayList<>();
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.length; i++) {
                line.append(i == 0 ? "" : "  ").append(i == row.length - 1 ? row[i] : pad(row[i], width[i]));
            }
            String text = line.toString().stripTrailing();
            lines.add(row == HEADER ? ansi.paint(Ansi.BOLD, text) : text);
        }
        return lines;
    }

    private static String pad(String s, int width) {
        return s + " ".repeat(width - Ansi.visible(s).length());
    }

    private static String pretty(JsonNode node) {
        try {
            return AdminApi.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node);
        } catch (JsonProcessingException e) {
            return node.toString();
        }
    }

    /** {@code auto}, {@code always} or {@code never}, in any case. */
    static final class ColorConverter implements ITypeConverter<Ansi.Mode> {
        @Override
        public Ansi.Mode convert(String value) {
            try {
                return Ansi.Mode.valueOf(value.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException("'" + value + "' (expected: auto, always or never)");
            }
        }
    }

    /** A {@code --interval}: a duration of at least 100ms. */
    static final class IntervalConverter implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            Duration d = Converters.duration(value);
            if (d.compareTo(MIN_INTERVAL) < 0) {
                throw new TypeConversionException("'" + value + "' (expected: at least 100ms)");
            }
            return d;
        }
    }
}
