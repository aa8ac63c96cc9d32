package io.stickylb.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.stickylb.backend.BackendState;
import io.stickylb.config.AdminConfig;
import io.stickylb.config.Endpoint;
import io.stickylb.config.PoolConfig;
import io.stickylb.server.LoadBalancer;
import io.stickylb.testing.FakeBackend;
import io.stickylb.testing.RawHttp;
import io.stickylb.testing.TestConfigs;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard end to end in a real headless Chromium (Debian's {@code chromium} and {@code chromium-driver}, driven
 * through Selenium with both paths given, so Selenium Manager never runs and nothing is downloaded): a proxy with a
 * token in front of three backends under traffic; the page asks for the token, shows the backends, drains b2 on a
 * click (the API agrees), shows a killed backend DOWN, and logs no console error. Leaves a screenshot in
 * {@code target/dashboard.png}. Skipped, with the reason, where Chromium is not installed.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class DashboardBrowserTest {

    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    static final Path SCREENSHOT = Path.of("target", "dashboard.png");
    private static final String TOKEN = "dash-t0ken";
    private static final Duration WAIT = Duration.ofSeconds(15);
    /**
     * Selenium's CDP bindings trail Debian's Chromium by a few versions and warn about it when executeCdpCommand is
     * used; the one command this test sends (addScriptToEvaluateOnNewDocument) is stable. Held so it is not collected.
     */
    private static final Logger CDP_VERSION_WARNINGS =
            Logger.getLogger("org.openqa.selenium.devtools.CdpVersionFinder");

    /** Installed before the page's own scripts: collects uncaught errors, rejections, console.error and CSP reports. */
    private static final String ERROR_HOOK = """
            window.__errors = [];
            window.addEventListener('error', e => window.__errors.push('error: ' + e.message));
            window.addEventListener('unhandledrejection', e => window.__errors.push('rejection: ' + e.reason));
            document.addEventListener('securitypolicyviolation',
                e => window.__errors.push('csp: ' + e.violatedDirective + ' ' + e.blockedURI));
            for (const level of ['error', 'warn']) {
              const original = console[level].bind(console);
              console[level] = (...args) => { window.__errors.push(level + ': ' + args.join(' ')); original(...args); };
            }
            """;

    private final List<FakeBackend> backends = new ArrayList<>();
    private final List<LogRecord> seleniumLogs = Collections.synchronizedList(new ArrayList<>());
    private Handler seleniumLogHandler;
    private LoadBalancer lb;
    private ChromeDriver driver;
    private Thread traffic;
    private volatile boolean sending = true;
    private Path profile;

    @BeforeAll
    static void needsChromium() {
        CDP_VERSION_WARNINGS.setLevel(Level.SEVERE);
        assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "skipping the dashboard's browser test: " + CHROMIUM + " and " + CHROMEDRIVER + " are needed "
                        + "(Debian packages chromium and chromium-driver; .ci/run installs them)");
    }

    @BeforeEach
    void start() throws Exception {
        for (String name : List.of("one", "two", "three")) {
            backends.add(FakeBackend.okOrWebSocket(name));
        }
        PoolConfig pool = PoolConfig.of("app", "round-robin", List.of(
                TestConfigs.backend("b1", backends.get(0).port(), 3),
                TestConfigs.backend("b2", backends.get(1).port(), 2),
                TestConfigs.backend("b3", backends.get(2).port(), 1)));
        lb = new LoadBalancer(TestConfigs.single(pool)
                .withAdmin(new AdminConfig(new Endpoint("127.0.0.1", 0), TOKEN))).start();
        traffic = new Thread(this::sendTraffic, "dashboard-traffic");
        traffic.setDaemon(true);
        traffic.start();

        // Selenium logs through java.util.logging; its DriverFinder says when it skips Selenium Manager.
        seleniumLogHandler = new Handler() {
            @Override
            public void publish(LogRecord r) {
                seleniumLogs.add(r);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        seleniumLogHandler.setLevel(Level.ALL);
        Logger selenium = Logger.getLogger("org.openqa.selenium");
        selenium.setLevel(Level.FINE);
        selenium.addHandler(seleniumLogHandler);

        System.setProperty("webdriver.chrome.driver", CHROMEDRIVER.toString());
        profile = Files.createTempDirectory("stickylb-chromium-");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--disable-extensions", "--window-size=1440,1180",
                "--user-data-dir=" + profile);
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability(ChromeOptions.LOGGING_PREFS, logs);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(CHROMEDRIVER.toString()))
                .usingAnyFreePort()
                .build();
        driver = new ChromeDriver(service, options);
        driver.executeCdpCommand("Page.addScriptToEvaluateOnNewDocument", Map.of("source", ERROR_HOOK));
    }

    @AfterEach
    void stop() throws Exception {
        sending = false;
        if (traffic != null) {
            traffic.join(5000);
        }
        if (driver != null) {
            driver.quit();
        }
        if (lb != null) {
            lb.close();
        }
        for (FakeBackend b : backends) {
            b.close();
        }
        if (seleniumLogHandler != null) {
            Logger.getLogger("org.openqa.selenium").removeHandler(seleniumLogHandler);
        }
        if (profile != null) {
            deleteTree(profile);
        }
    }

    @Test
    void theDashboardShowsTheBackendsActsOnThemAndFollowsTheirState() throws Exception {
        assertThat(seleniumLogs).extracting(LogRecord::getMessage)
                .noneMatch(m -> m != null && m.startsWith("Executing Process"))
                .anyMatch(m -> m != null && m.startsWith("Skipping Selenium Manager"));
        String admin = "http://127.0.0.1:" + lb.adminAddress().getPort();
        AdminClient api = new AdminClient(lb.adminAddress(), TOKEN);
        driver.get(admin + "/");

        // The page knows a token is required and asks for it before calling the API (no 401 provoked).
        WebElement input = wait(ExpectedConditions.visibilityOfElementLocated(By.id("token-input")));
        assertThat(driver.findElement(By.id("token-message")).getText()).contains("requires its admin token");
        assertThat(driver.findElements(By.cssSelector("tr[data-backend]"))).isEmpty();
        input.sendKeys(TOKEN);
        driver.findElement(By.id("token-submit")).click();

        wait(d -> d.findElements(By.cssSelector("section[data-pool='app'] tr[data-backend]")).size() == 3);
        assertThat(driver.findElement(By.id("token-overlay")).isDisplayed()).isFalse();
        assertThat(driver.executeScript("return sessionStorage.getItem('stickylb.adminToken')")).isEqualTo(TOKEN);
        for (String id : List.of("b1", "b2", "b3")) {
            assertThat(badge(id)).isEqualTo("UP");
        }
        assertThat(cell("b1", 2)).isEqualTo("3 / 3");
        wait(d -> driver.findElement(By.id("clients")).getText()
                .matches("clients: \\d+ open of 10000 · [1-9]\\d* accepted · 0 refused"));
        // Shares come from successive polls: wait until the 10 s share shows a percentage for every backend.
        wait(d -> List.of("b1", "b2", "b3").stream().allMatch(id -> cell(id, 3).endsWith("%")));

        // An open WebSocket tunnel shows in its backend's in-flight cell.
        try (RawHttp ws = new RawHttp(lb.port())) {
            ws.send("GET /ws HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n");
            assertThat(ws.read().status()).isEqualTo(101);
            wait(d -> List.of("b1", "b2", "b3").stream().anyMatch(id -> cell(id, 7).endsWith("(1 ws)")));
        }
        wait(d -> List.of("b1", "b2", "b3").stream().noneMatch(id -> cell(id, 7).contains("ws")));

        // Drain b2 with its button: the API says DRAINING, and so does the page.
        driver.findElement(By.cssSelector("button[data-action='drain'][data-backend='b2']")).click();
        wait(d -> "DRAINING".equals(apiState(api, "b2")));
        wait(d -> "DRAINING".equals(badge("b2")));
        assertThat(driver.findElement(By.cssSelector("button[data-action='drain'][data-backend='b2']")).isEnabled())
                .isFalse();
        assertThat(lb.upstreams().pool("app").backend("b2").orElseThrow().state()).isEqualTo(BackendState.DRAINING);

        // Kill b3 and mark it DOWN (as its health check would): the page turns it red.
        backends.get(2).close();
        lb.upstreams().pool("app").setState("b3", BackendState.DOWN, "killed by the test");
        wait(d -> "DOWN".equals(badge("b3")));
        wait(d -> driver.findElement(By.id("events")).getText().contains("app/b3: UP → DOWN"));
        assertThat(driver.findElement(By.id("events")).getText()).contains("app/b2: UP → DRAINING");
        assertThat(cell("b3", 10)).contains("unhealthy");

        // Let the chart gather a few seconds of the new shares, then keep a picture of the page.
        Thread.sleep(4000);
        Files.createDirectories(SCREENSHOT.getParent());
        Files.write(SCREENSHOT, driver.getScreenshotAs(OutputType.BYTES));
        assertThat(Files.size(SCREENSHOT)).isGreaterThan(10_000);

        assertThat(browserErrors()).as("console errors of the page").isEmpty();
        assertThat(((JavascriptExecutor) driver).executeScript("return window.__errors"))
                .as("errors caught in the page").isEqualTo(List.of());
    }

    @Test
    void aRefusedTokenIsAskedForAgainAndTheRetryWorks() {
        String admin = "http://127.0.0.1:" + lb.adminAddress().getPort();
        driver.get(admin + "/");
        wait(ExpectedConditions.visibilityOfElementLocated(By.id("token-input"))).sendKeys("wrong");
        driver.findElement(By.id("token-submit")).click();

        wait(d -> driver.findElement(By.id("token-message")).getText().contains("refused"));
        WebElement input = wait(ExpectedConditions.visibilityOfElementLocated(By.id("token-input")));
        assertThat(driver.findElement(By.id("token-message")).getText()).contains("wrong admin token");
        input.sendKeys(TOKEN);
        driver.findElement(By.id("token-submit")).click();
        wait(d -> d.findElements(By.cssSelector("tr[data-backend]")).size() == 3);

        // The only console errors: Chromium's own report of the refused request(s).
        assertThat(browserErrors()).isNotEmpty().allMatch(m -> m.contains("401"));
        assertThat(((JavascriptExecutor) driver).executeScript("return window.__errors")).isEqualTo(List.of());
    }

    /** Severe and warning entries of the browser's console (each call returns what is new since the last). */
    private List<String> browserErrors() {
        List<String> out = new ArrayList<>();
        for (LogEntry e : driver.manage().logs().get(LogType.BROWSER)) {
            if (e.getLevel().intValue() >= Level.WARNING.intValue()) {
                out.add(e.getLevel() + " " + e.getMessage());
            }
        }
        return out;
    }

    private String badge(String id) {
        return driver.findElement(By.cssSelector("tr[data-backend='" + id + "'] .badge")).getText();
    }

    /** The text of one cell of a backend's row (0 = backend, 1 = state, 2 = weight, 3 = share 10 s, ...). */
    private String cell(String id, int column) {
        return driver.findElements(By.cssSelector("tr[data-backend='" + id + "'] > td")).get(column).getText();
    }

    private static String apiState(AdminClient api, String id) {
        try {
            for (JsonNode b : api.get("/api/pools").json().get("pools").get(0).get("backends")) {
                if (b.get("id").asText().equals(id)) {
                    return b.get("state").asText();
                }
            }
            return null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private <T> T wait(java.util.function.Function<? super org.openqa.selenium.WebDriver, T> condition) {
        return new WebDriverWait(driver, WAIT, Duration.ofMillis(100)).until(condition);
    }

    /** A steady trickle of requests through the proxy, so the shares and the chart have something to show. */
    private void sendTraffic() {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2)).build();
        URI uri = URI.create("http://127.0.0.1:" + lb.port() + "/");
        while (sending) {
            try {
                http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
                        HttpResponse.BodyHandlers.discarding());
                Thread.sleep(15);
            } catch (IOException e) {
                // A backend being killed: the next request goes on.
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
