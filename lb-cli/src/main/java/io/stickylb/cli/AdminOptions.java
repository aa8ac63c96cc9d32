package io.stickylb.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URISyntaxException;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/**
 * The options every admin-API command shares ({@code --admin URL}, {@code --token T}), and how such a command ends:
 * 0 when the API did it, 1 when the API is unreachable (one line), 2 when the API refused (its error is printed).
 */
final class AdminOptions {

    static final String DEFAULT_URL = "http://127.0.0.1:9090";
    static final String TOKEN_ENV = "LB_ADMIN_TOKEN";

    /** What a command does with the API once it is reachable; returns the exit code. */
    @FunctionalInterface
    interface Call {
        int run(AdminApi api, PrintWriter out) throws AdminApi.UnreachableException, AdminApi.RefusedException;
    }

    @Option(names = "--admin", paramLabel = "URL", defaultValue = DEFAULT_URL, converter = UrlConverter.class,
            // The URL on a line of its own: the help's line breaking would otherwise split it after "http:".
            description = "The admin API of the running instance%n(default: ${DEFAULT-VALUE}).")
    URI admin;

    @Option(names = "--token", paramLabel = "TOKEN", defaultValue = "${env:" + TOKEN_ENV + "}",
            description = "The admin token, if the instance requires one (default: $" + TOKEN_ENV + ").")
    String token;

    int call(CommandSpec spec, Call call) {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try {
            return call.run(new AdminApi(admin, token), out);
        } catch (AdminApi.UnreachableException e) {
            err.println("error: " + e.getMessage());
            return LbCommand.FAILURE;
        } catch (AdminApi.RefusedException e) {
            String hint = e.status() == 401 ? " (pass --token or set " + TOKEN_ENV + ")" : "";
            err.println("error: " + e.getMessage() + hint);
            return e.status() < 500 ? LbCommand.BAD_CONFIG : LbCommand.FAILURE;
        } finally {
            out.flush();
            err.flush();
        }
    }

    /** The backend's JSON in one line: {@code app/b1: DRAINING, weight 1}. */
    static String describe(String pool, JsonNode backend) {
        StringBuilder sb = new StringBuilder(pool).append('/').append(backend.path("id").asText()).append(": ")
                .append(backend.path("state").asText());
        int weight = backend.path("weight").asInt();
        int configured = backend.path("configuredWeight").asInt();
        sb.append(", weight ").append(weight);
        if (weight != configured) {
            sb.append(" (configured ").append(configured).append(')');
        }
        JsonNode drain = backend.path("drain");
        if (drain.isObject()) {
            sb.append(", goes to maintenance once idle for ").append(drain.path("untilIdle").asText())
                    .append(" (deadline ").append(drain.path("deadline").asText()).append(')');
        }
        return sb.toString();
    }

    /** {@code http://host:port} (a trailing path is kept as the API's base). */
    static final class UrlConverter implements ITypeConverter<URI> {
        @Override
        public URI convert(String value) {
            try {
                URI uri = new URI(value.endsWith("/") ? value : value + "/");
                if (!"http".equalsIgnoreCase(uri.getScheme()) && !"https".equalsIgnoreCase(uri.getScheme())
                        || uri.getHost() == null) {
                    throw new TypeConversionException("'" + value + "' (expected e.g. " + DEFAULT_URL + ")");
                }
                return uri;
            } catch (URISyntaxException e) {
                throw new TypeConversionException("'" + value + "' is not a URL (expected e.g. " + DEFAULT_URL + ")");
            }
        }
    }
}
