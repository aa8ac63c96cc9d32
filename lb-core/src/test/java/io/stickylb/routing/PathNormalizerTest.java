package io.stickylb.routing;

import static org.assertj.core.api.Assertions.assertThat;

import io.stickylb.config.PathsConfig;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PathNormalizerTest {

    /** Normalising with slashes kept, to check dot segments beside empty ones. */
    private final PathNormalizer normalizer = PathNormalizer.of(new PathsConfig(true, false));
    private final PathNormalizer merging = PathNormalizer.of(PathsConfig.DEFAULTS);

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = ' ', value = {
            // RFC 3986 §5.2.4 and §5.4 (dot segments in an absolute path)
            "/a/b/c/./../../g /a/g",
            "/a/b/c/. /a/b/c/",
            "/a/b/c/.. /a/b/",
            "/a/./b /a/b",
            "/./ /",
            "/.. /",
            "/../../x /x",
            "/a//../b /a/b",
            "/a//. /a//",
            "/api/../admin/users /admin/users",
            // escapes of unreserved characters are decoded (§6.2.2.2), other escapes' hex is upper-cased (§6.2.2.1)
            "/%61dmin/x /admin/x",
            "/api/%2e%2e/admin /admin",
            "/api/%2E%2E/admin /admin",
            "/a%7eb /a~b",
            "/a%2fb /a%2Fb",
            "/a%20b /a%20b",
            "/caf%c3%a9 /caf%C3%A9",
            // not an escape: left as it came
            "/a%zz /a%zz",
            "/a% /a%",
            "/a%4 /a%4",
            // a dot segment with parameters is one too (servlet containers strip ;params before resolving dots)
            "/api/..;/admin /admin",
            "/api/..;x=1/admin /admin",
            "/a/.;x/b /a/b",
            // the query is not the path
            "/a/../b?x=/../y&z=%61 /b?x=/../y&z=%61",
            "/a?%2e%2e /a?%2e%2e",
            // absolute-form: only the path after the authority
            "http://h:8080/a/../b?q http://h:8080/b?q",
            "HTTP://h/%61 HTTP://h/a",
    })
    void pathsAreMadeCanonical(String target, String expected) {
        assertThat(normalizer.normalize(target)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = ' ', value = {
            "/", "/a/b/c", "/a//b", "/a/b/", "/.well-known/acme-challenge/t", "/a/..b/c", "/a/b..", "/a/.b",
            "/app/page;jsessionid=ABC", "/a%20b", "/x?y=/../z", "*", "http://h", "http://h?q", "http://h/a",
            "/a/...", "/a/.../b",
    })
    void canonicalTargetsComeBackAsTheSameString(String target) {
        assertThat(normalizer.normalize(target)).isSameAs(target);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = ' ', value = {
            "/a//b /a/b",
            "//a///b// /a/b/",
            "// /",
            "/a//./..//b /b",
            "http://h//a http://h/a",
    })
    void mergeSlashesFoldsRunsOfSlashes(String target, String expected) {
        assertThat(merging.normalize(target)).isEqualTo(expected);
    }

    /**
     * It runs on every request: a canonical path costs a scan and nothing else, escapes included (non-ASCII paths, a
     * {@code %20}, an encoded slash are everyday targets, not rarities).
     */
    @Test
    void canonicalTargetsWithEscapesAllocateNothing() {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        String[] targets = {"/caf%C3%A9/men%C3%BC", "/files/a%20b.pdf", "/a%2Fb?q=%61", "/a%zz/%", "/x/%E2%9C%93;p=1",
                "/plain/path/index.html"};
        long allocated = Long.MAX_VALUE;
        // The least of a few rounds: a GC or the JIT's own work on this thread must not fail the test.
        for (int round = 0; round < 5; round++) {
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 2_000; i++) {
                for (String t : targets) {
                    if (normalizer.normalize(t) != t) {
                        throw new AssertionError(t);
                    }
                }
            }
            allocated = Math.min(allocated, threads.getCurrentThreadAllocatedBytes() - before);
        }
        assertThat(allocated).as("bytes allocated by 12,000 canonical targets").isLessThan(1_000);
    }

    @Test
    void offLeavesEverythingAsItCame() {
        PathNormalizer off = PathNormalizer.of(PathsConfig.AS_RECEIVED);
        for (String target : new String[] {"/api/../admin", "/%61", "/a//b", "/..;/x"}) {
            assertThat(off.normalize(target)).isSameAs(target);
        }
    }
}
