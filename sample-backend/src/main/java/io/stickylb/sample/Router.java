package io.stickylb.sample;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.FullHttpResponse;

/** Maps a request to its endpoint; any path not listed is the application page. */
final class Router {

    private static final String STATUS_PREFIX = "/status/";

    private Router() {
    }

    static Route route(HttpRequest request) {
        String path = RequestPath.forRouting(request.uri());
        HttpMethod method = request.method();
        boolean read = HttpMethod.GET.equals(method) || HttpMethod.HEAD.equals(method);
        switch (path) {
            case "/health":
                return Route.control(read ? HealthEndpoints::health : notAllowed("GET, HEAD"));
            case "/control/health":
                return Route.control(HttpMethod.POST.equals(method) ? HealthEndpoints::control : notAllowed("POST"));
            case "/stats":
                return Route.control(read ? StatsEndpoint::handle : notAllowed("GET, HEAD"));
            case "/close":
                return Route.control(Exchange::closeWithoutAnswer);
            case "/slow":
                return Route.work(AppEndpoint.SLOW);
            case "/bytes":
                return Route.work(read ? ByteStream::handle : notAllowed("GET, HEAD"));
            case "/echo":
                return HttpMethod.POST.equals(method) || HttpMethod.PUT.equals(method)
                        ? Route.streaming(EchoStream::handle)
                        : Route.control(notAllowed("POST, PUT"));
            default:
                break;
        }
        if (path.startsWith(STATUS_PREFIX)) {
            String code = path.substring(STATUS_PREFIX.length());
            return Route.work(exchange -> StatusEndpoint.handle(exchange, code));
        }
        return Route.work(AppEndpoint.PAGE);
    }

    private static Endpoint notAllowed(String allow) {
        return exchange -> {
            FullHttpResponse response = exchange.json(HttpResponseStatus.METHOD_NOT_ALLOWED,
                    new Json().field("backend", exchange.backend().id)
                            .field("error", exchange.request().method() + " not allowed here").toString());
            response.headers().set(HttpHeaderNames.ALLOW, allow);
            exchange.respond(response);
        };
    }
}
