package io.stickylb.cli;

import io.stickylb.config.BackendConfig;
import io.stickylb.config.StrategyNames;
import java.io.PrintWriter;
import java.util.List;
import java.util.stream.Collectors;

/** The block {@code lb demo} prints once it runs: what listens where, and what to try with the strategy in use. */
final class DemoHints {

    private DemoHints() {
    }

    static void print(PrintWriter out, int port, String strategy, List<BackendConfig> backends) {
        String url = "http://127.0.0.1:" + port + "/";
        String ids = backends.stream().map(BackendConfig::id).collect(Collectors.joining(", "));
        out.println();
        out.println("stickylb demo: " + url + " -> " + ids + " (strategy " + strategy + ")");
        for (BackendConfig b : backends) {
            out.println("  backend " + b.id() + " at http://" + b.address() + "/");
        }
        out.println();
        out.println("Try:");
        out.println("  curl -i " + url);
        out.println("      " + withoutCookies(strategy, ids));
        out.println("  curl -i -c /tmp/stickylb-jar -b /tmp/stickylb-jar " + url);
        out.println("      " + withCookies(strategy));
        out.println("  open " + url + " in a browser and reload");
        out.println("  a WebSocket client at ws://127.0.0.1:" + port + "/ws: each message is answered with the backend"
                + " and session it reached");
        out.println();
        out.println("Ctrl-C stops the proxy, then the backends.");
        out.println();
        out.flush();
    }

    private static String withoutCookies(String strategy, String ids) {
        return switch (strategy) {
            case StrategyNames.ROUND_ROBIN -> "repeat it and watch X-Backend-Id rotate over " + ids;
            case StrategyNames.LEAST_CONNECTIONS -> "repeat it: with no load every backend is least loaded, so "
                    + "X-Backend-Id moves around";
            case StrategyNames.IP_HASH -> "repeat it: every request from your address lands on the same backend "
                    + "(X-Backend-Id)";
            case StrategyNames.COOKIE -> "repeat it: without the affinity cookie each request is placed anew "
                    + "(X-Backend-Id)";
            default -> "repeat it and watch X-Backend-Id";
        };
    }

    private static String withCookies(String strategy) {
        return switch (strategy) {
            case StrategyNames.ROUND_ROBIN, StrategyNames.LEAST_CONNECTIONS -> "keeps the session cookie, but "
                    + strategy + " ignores it: the next request lands on another backend and the session is lost"
                    + " (\"sessionLost\": true); lb demo --strategy cookie keeps it";
            case StrategyNames.COOKIE -> "keeps the cookies: the affinity cookie holds the client on its backend and"
                    + " the session survives (\"sessionLost\": false)";
            case StrategyNames.IP_HASH -> "keeps the session cookie; the address hash already holds the client on"
                    + " one backend, so the session survives";
            default -> "keeps the cookies; whether the session survives depends on the strategy (\"sessionLost\")";
        };
    }
}
