package io.stickylb.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.net.httpserver.HttpServer;
import io.stickylb.backend.AdminState;
import io.stickylb.config.AdminConfig;
import io.stickylb.config.Endpoint;
import io.stickylb.server.LoadBalancer;
import io.stickylb.testing.FakeBackend;
import io.stickylb.testing.TestConfigs;
import java.io.File;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The attacks themselves, in a real headless Chromium against an admin without a token: a page of another site
 * (served from {@code localhost}, another site than {@code 127.0.0.1}) fires a {@code no-cors} fetch and a form POST
 * at the admin, and a name the browser resolves to 127.0.0.1 ({@code --host-resolver-rules}, as a rebound DNS name
 * would) loads the dashboard and calls the API. Neither gets through; the dashboard at {@code localhost} still acts.
 * Skipped where Chromium is not installed, as {@link DashboardBrowserTest}.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class AdminCrossSiteBrowserTest {

    private static final Duration WAIT = Duration.ofSeconds(15);

    private FakeBackend one;
    private FakeBackend two;
    private LoadBalancer lb;
    private HttpServer attacker;
    private ChromeDriver driver;
    private Path profile;

    @BeforeAll
    static void needsChromium() {
        assumeTrue(Files.isExecutable(DashboardBrowserTest.CHROMIUM)
                && Files.isExecutable(DashboardBrowserTest.CHROMEDRIVER), "skipping: Chromium is not installed");
    }

    @BeforeEach
    void start() throws Exception {
        one = FakeBackend.ok("one");
        two = FakeBackend.ok("two");
        lb = new LoadBalancer(TestConfigs.roundRobin(one.port(), two.port())
                .withAdmin(new AdminConfig(new Endpoint("127.0.0.1", 0), null))).start();
        profile = Files.createTempDirectory("stickylb-chromium-");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(DashboardBrowserTest.CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--disable-extensions", "--user-data-dir=" + profile,
                "--host-resolver-rules=MAP rebound.example 127.0.0.1");
        System.setProperty("webdriver.chrome.driver", DashboardBrowserTest.CHROMEDRIVER.toString());
        driver = new ChromeDriver(new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(DashboardBrowserTest.CHROMEDRIVER.toString()))
                .usingAnyFreePort().build(), options);
    }

    @AfterEach
    void stop() throws Exception {
        if (driver != null) {
            driver.quit();
        }
        if (attacker != null) {
            attacker.stop(0);
        }
        if (lb != null) {
            lb.close();
        }
        one.close();
        two.close();
        if (profile != null) {
            try (var paths = Files.walk(profile)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private String admin() {
        return "http://127.0.0.1:" + lb.adminAddress().getPort();
    }

    private AdminState adminState(String id) {
        return lb.upstreams().pool("app").backend(id).orElseThrow().adminState();
    }

    private <T> T wait(java.util.function.Function<? super WebDriver, T> condition) {
        return new WebDriverWait(driver, WAIT, Duration.ofMillis(100)).until(condition);
    }

    /** Serves {@code html} as the only page of another site, on loopback; returns its URL (named localhost). */
    private String serve(String html) throws Exception {
        attacker = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        byte[] bytes = html.getBytes(StandardCharsets.UTF_8);
        attacker.createContext("/", exchange -> {
            exchange.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
            exchange.sendResponseHeaders(200, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        });
        attacker.start();
        return "http://localhost:" + attacker.getAddress().getPort() + "/";
    }

    @Test
    void anotherSitesPageCannotActOnTheAdmin() throws Exception {
        String page = serve("""
                <!doctype html><title>cat pictures</title>
                <form id="f" method="post" action="%1$s/api/pools/app/backends/b2/maintenance"></form>
                <script>
                  fetch('%1$s/api/pools/app/backends/b1/maintenance', {method: 'POST', mode: 'no-cors'})
                    .then(() => { document.title = 'sent'; }, e => { document.title = 'failed: ' + e; });
                </script>
                """.formatted(admin()));
        driver.get(page);
        wait(d -> d.getTitle().equals("sent") || d.getTitle().startsWith("failed") ? d.getTitle() : null);
        assertThat(driver.getTitle()).isEqualTo("sent");
        assertThat(adminState("b1")).isEqualTo(AdminState.ENABLED);

        driver.executeScript("document.getElementById('f').submit()");
        wait(d -> d.getCurrentUrl().endsWith("/b2/maintenance") ? true : null);
        assertThat(driver.findElement(By.tagName("body")).getText()).contains("cross-site request refused");
        assertThat(adminState("b2")).isEqualTo(AdminState.ENABLED);
    }

    @Test
    void aReboundNameGetsNeitherTheDashboardNorTheApi() {
        String rebound = "http://rebound.example:" + lb.adminAddress().getPort();
        driver.get(rebound + "/");
        assertThat(driver.findElement(By.tagName("body")).getText())
                .contains("Host 'rebound.example:" + lb.adminAddress().getPort() + "' is not this admin listener");
        // Same origin as far as the browser knows: the page's own fetches go out, and are refused.
        Object status = driver.executeAsyncScript("const done = arguments[arguments.length - 1];"
                + "fetch('/api/pools').then(r => done(r.status), e => done(String(e)));");
        assertThat(status).isEqualTo(403L);
        Object post = driver.executeAsyncScript("const done = arguments[arguments.length - 1];"
                + "fetch('/api/pools/app/backends/b1/maintenance', {method: 'POST'})"
                + ".then(r => done(r.status), e => done(String(e)));");
        assertThat(post).isEqualTo(403L);
        assertThat(adminState("b1")).isEqualTo(AdminState.ENABLED);
    }

    @Test
    void theDashboardAtLocalhostStillActs() {
        driver.get("http://localhost:" + lb.adminAddress().getPort() + "/");
        By button = By.cssSelector("button[data-action='maintenance'][data-backend='b1']");
        wait(d -> d.findElements(button).isEmpty() ? null : true);
        driver.findElement(button).click();
        wait(d -> adminState("b1") == AdminState.MAINTENANCE ? true : null);
    }
}
