package io.stickylb.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code lb reload}: asks a running instance to re-read its config file; an invalid file changes nothing. */
@Command(name = "reload",
        mixinStandardHelpOptions = true,
        description = {"Makes a running instance re-read the config file it was started from.",
            "An invalid file is refused with its file:line error and the running config stays."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:reloaded", "1:the admin API is unreachable",
            "2:refused (invalid file, no config file, wrong token)"})
final class ReloadCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    AdminOptions admin;

    @Override
    public Integer call() {
        return admin.call(spec, (api, out) -> {
            JsonNode r = api.post("api/reload", null);
            out.println("reloaded " + r.path("source").asText() + ": " + count(r.path("pools").asInt(), "pool") + ", "
                    + count(r.path("backends").asInt(), "backend") + " (added: " + list(r.path("added"))
                    + "; removed: " + list(r.path("removed")) + ")");
            for (JsonNode w : r.path("warnings")) {
                out.println("warning: " + w.asText());
            }
            return LbCommand.OK;
        });
    }

    private static String list(JsonNode names) {
        List<String> l = new ArrayList<>();
        names.forEach(n -> l.add(n.asText()));
        return l.isEmpty() ? "none" : String.join(", ", l);
    }

    private static String count(int n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }
}
