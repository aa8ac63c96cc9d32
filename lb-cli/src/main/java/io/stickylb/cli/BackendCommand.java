package io.stickylb.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code lb backend drain|maintenance|enable|weight POOL ID ...}: an operator's action on one backend of a running
 * instance, through its admin API. Prints the backend's new state in one line.
 */
@Command(name = "backend",
        mixinStandardHelpOptions = true,
        description = "Drains, disables, enables or re-weights one backend of a running instance.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:done", "1:the admin API is unreachable",
            "2:the admin API refused (unknown pool or backend, bad value, wrong token)"})
final class BackendCommand {

    @Spec
    CommandSpec spec;

    @Command(name = "drain", mixinStandardHelpOptions = true,
            description = {"Stops sending new clients to the backend; its sticky clients stay.",
                "It goes to maintenance by itself once no sticky request came for --until-idle, or at --deadline."})
    int drain(@Mixin AdminOptions admin,
            @Parameters(index = "0", paramLabel = "POOL") String pool,
            @Parameters(index = "1", paramLabel = "ID") String id,
            @Option(names = "--until-idle", paramLabel = "DURATION",
                    description = "Finish once idle this long (default: 2m).") String untilIdle,
            @Option(names = "--deadline", paramLabel = "DURATION",
                    description = "Finish at the latest after this long (default: 30m).") String deadline) {
        ObjectNode body = AdminApi.JSON.createObjectNode();
        if (untilIdle != null) {
            body.put("untilIdle", untilIdle);
        }
        if (deadline != null) {
            body.put("deadline", deadline);
        }
        return admin.call(spec, (api, out) -> {
            out.println(AdminOptions.describe(pool, api.post(path(pool, id, "drain"), body)));
            return LbCommand.OK;
        });
    }

    @Command(name = "maintenance", mixinStandardHelpOptions = true,
            description = "Takes the backend out of traffic at once, sticky clients included.")
    int maintenance(@Mixin AdminOptions admin,
            @Parameters(index = "0", paramLabel = "POOL") String pool,
            @Parameters(index = "1", paramLabel = "ID") String id) {
        return admin.call(spec, (api, out) -> {
            out.println(AdminOptions.describe(pool, api.post(path(pool, id, "maintenance"), null)));
            return LbCommand.OK;
        });
    }

    @Command(name = "enable", mixinStandardHelpOptions = true,
            description = "Puts the backend back into traffic (ends a drain or maintenance).")
    int enable(@Mixin AdminOptions admin,
            @Parameters(index = "0", paramLabel = "POOL") String pool,
            @Parameters(index = "1", paramLabel = "ID") String id) {
        return admin.call(spec, (api, out) -> {
            out.println(AdminOptions.describe(pool, api.post(path(pool, id, "enable"), null)));
            return LbCommand.OK;
        });
    }

    @Command(name = "weight", mixinStandardHelpOptions = true,
            description = "Sets the backend's weight until the next restart: 1..1000, or 0 for the configured weight.")
    int weight(@Mixin AdminOptions admin,
            @Parameters(index = "0", paramLabel = "POOL") String pool,
            @Parameters(index = "1", paramLabel = "ID") String id,
            @Parameters(index = "2", paramLabel = "N") int weight) {
        ObjectNode body = AdminApi.JSON.createObjectNode().put("weight", weight);
        return admin.call(spec, (api, out) -> {
            out.println(AdminOptions.describe(pool, api.put(path(pool, id, "weight"), body)));
            return LbCommand.OK;
        });
    }

    private static String path(String pool, String id, String action) {
        return "api/pools/" + AdminApi.segment(pool) + "/backends/" + AdminApi.segment(id) + "/" + action;
    }
}
