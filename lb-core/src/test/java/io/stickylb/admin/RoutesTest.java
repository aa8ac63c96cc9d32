package io.stickylb.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.HttpMethod;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** Route matching: templates bind decoded segments; a known path with another method is a 405, not a 404. */
class RoutesTest {

    private final Routes.Handler ok = r -> CompletableFuture.completedFuture(null);
    private final Routes routes = new Routes()
            .get("/api/pools", ok)
            .get("/api/pools/{pool}", ok)
            .put("/api/pools/{pool}/backends/{id}/weight", ok);

    @Test
    void templatesBindDecodedSegments() {
        Routes.Match m = routes.match(HttpMethod.PUT, "/api/pools/my%20pool/backends/b%2F1/weight?x=1");
        assertThat(m.found()).isTrue();
        assertThat(m.params()).containsEntry("pool", "my pool").containsEntry("id", "b/1");
    }

    @Test
    void aTrailingSlashIsOptional() {
        assertThat(routes.match(HttpMethod.GET, "/api/pools/").found()).isTrue();
    }

    @Test
    void aKnownPathWithTheWrongMethodListsTheAllowedOnes() {
        Routes.Match m = routes.match(HttpMethod.POST, "/api/pools/app/backends/b1/weight");
        assertThat(m.found()).isFalse();
        assertThat(m.allowed()).containsExactly(HttpMethod.PUT);
    }

    @Test
    void anUnknownPathAllowsNothing() {
        assertThat(routes.match(HttpMethod.GET, "/api/pools/app/extra").allowed()).isEmpty();
        assertThat(routes.match(HttpMethod.GET, "/").allowed()).isEmpty();
    }
}
