package io.stickylb.routing;

import static org.assertj.core.api.Assertions.assertThat;

import io.stickylb.config.RouteConfig;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RouterTest {

    private final Router<String> router = new Router<>(List.of(
            new RouteConfig("*", "/", "default"),
            new RouteConfig("*", "/static", "static"),
            new RouteConfig("*.example.com", "/", "wildcard"),
            new RouteConfig("*.eu.example.com", "/", "eu"),
            new RouteConfig("api.example.com", "/", "api"),
            new RouteConfig("api.example.com", "/v2/", "api-v2")), name -> name);

    @ParameterizedTest(name = "{0}{1} -> {2}")
    @CsvSource({
            "other.org, /, default",
            "other.org, /static/app.js, static",
            "other.org, /static, static",
            "other.org, /staticky, default",
            "www.example.com, /static/x, wildcard",
            "shop.eu.example.com, /, eu",
            "example.com, /, default",
            "api.example.com, /v1, api",
            "API.Example.COM:8443, /v2/users, api-v2",
            "api.example.com, /v2, api",
            "[::1]:8080, /, default",
    })
    void theMostSpecificRouteWins(String host, String path, String expected) {
        assertThat(router.route(host, path)).isEqualTo(expected);
    }

    @Test
    void requestsWithoutHostOnlyMatchCatchAllRoutes() {
        assertThat(router.route(null, "/static/a")).isEqualTo("static");
    }

    /**
     * Servlet containers (Tomcat, Jetty, Spring's UrlPathHelper) drop every segment's {@code ;} parameters before
     * they serve a path, so {@code /admin;x/users} is {@code /admin/users} to them: matched by its raw bytes it would
     * slip past an {@code /admin/} or {@code /api/admin} route to a wider pool.
     */
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "/admin;x/users, admin",
            "/admin;/users, admin",
            "/admin;jsessionid=A1/, admin",
            "/api;v=1/admin/keys, api-admin",
            "/api;a/admin;b, api-admin",
            "/api;a/admin;b?q=1, api-admin",
            "/api;x/adminx, api",
            "/api;x/other, api",
            "/adm;x/in/users, default",
            "/a;x, default",
            "/x?q=/admin;/users, default",
            "/admin;x, default",
            "/semi;colon/x, literal",
    })
    void aSegmentsParametersAreIgnoredAsServletContainersDo(String path, String expected) {
        Router<String> r = new Router<>(List.of(
                new RouteConfig("*", "/", "default"),
                new RouteConfig("*", "/admin/", "admin"),
                new RouteConfig("*", "/api", "api"),
                new RouteConfig("*", "/api/admin", "api-admin"),
                new RouteConfig("*", "/semi;colon", "literal")), n -> n);
        assertThat(r.route("h", path)).isEqualTo(expected);
    }

    @Test
    void noMatchGivesNull() {
        Router<String> only = new Router<>(List.of(new RouteConfig("a.com", "/x", "p")), n -> n);
        assertThat(only.route("b.com", "/x")).isNull();
        assertThat(only.route("a.com", "/y")).isNull();
        assertThat(only.route("a.com", "/x?y=1")).isEqualTo("p");
    }
}
