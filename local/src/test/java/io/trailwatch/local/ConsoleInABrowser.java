package io.trailwatch.local;

import com.fasterxml.jackson.databind.JsonNode;
import org.awaitility.Awaitility;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.interactions.Actions;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The console of a running local platform, driven in headless Chromium as a person would use it: the steps of
 * PlatformIT's console cases. Screenshots go to {@code target/console-screenshots/}.
 */
final class ConsoleInABrowser implements AutoCloseable {

    static final Path SHOTS = Path.of("target", "console-screenshots");
    private static final Duration WAIT = Duration.ofMinutes(2);

    final ChromeDriver browser;
    final String console;

    private ConsoleInABrowser(ChromeDriver browser, String console) {
        this.browser = browser;
        this.console = console;
    }

    /** Signed in with the local login link, as {@code ./trailwatch local} prints it: the operator. */
    static ConsoleInABrowser operator(JsonNode endpoints) throws IOException, InterruptedException {
        var b = new ConsoleInABrowser(Browser.start(1400, 1000), endpoints.get("services").get("console").asText());
        b.browser.get(endpoints.get("consoleUrl").asText());
        return b;
    }

    /** Signed in as the local viewer, by HTTP basic credentials (as a user of the chart's console would be). */
    static ConsoleInABrowser viewer(JsonNode endpoints) throws IOException, InterruptedException {
        String console = endpoints.get("services").get("console").asText();
        JsonNode viewer = endpoints.get("managementUsers").get("viewer");
        URI uri = URI.create(console);
        var b = new ConsoleInABrowser(Browser.start(1400, 1000), console);
        b.browser.get(uri.getScheme() + "://" + viewer.get("user").asText() + ":" + viewer.get("password").asText() + "@"
                + uri.getAuthority() + "/findings");
        return b;
    }

    void open(String path) {
        browser.get(console + path);
    }

    /** An element's text (read again when live updates replaced the element meanwhile). */
    String text(String css) {
        for (int attempt = 0; ; attempt++) {
            try {
                return browser.findElement(By.cssSelector(css)).getText().strip();
            } catch (org.openqa.selenium.StaleElementReferenceException e) {
                if (attempt == 5) {
                    throw e;
                }
            }
        }
    }

    /** A row of a table as the page shows it now: its text, its severity badge's, its first link's text and target. */
    record Row(String text, String severity, String title, String href) {
    }

    /** The rows of a table, read at once (live updates may replace the table any moment). */
    @SuppressWarnings("unchecked")
    List<Row> rows(String table) {
        Object rows = browser.executeScript("return Array.from(document.querySelectorAll('table.' + arguments[0] + ' tbody tr'))"
                + ".map(function (r) { var a = r.querySelector('td a'); var s = r.querySelector('.sev');"
                + " return [r.innerText, s ? s.innerText : '', a ? a.innerText : '', a ? a.getAttribute('href') : '']; });", table);
        return ((List<List<String>>) rows).stream().map(r -> new Row(r.get(0), r.get(1).strip(), r.get(2).strip(), r.get(3))).toList();
    }

    /** Waits until the list narrowed to an account says it holds as many findings as the topic has (asked each time). */
    void awaitTotal(String account, java.util.concurrent.Callable<Integer> onTheTopic) {
        Awaitility.await("the console shows every finding of " + account + " on the topic").atMost(WAIT)
                .pollInterval(Duration.ofSeconds(2)).until(() -> {
                    open("/findings?account=" + account);
                    int n = onTheTopic.call();
                    return n > 3 && text(".counts .total").equals(n + " in all");
                });
    }

    /** Whether the page scrolls sideways (its content wider than the window): unreadable when zoomed. */
    boolean scrollsSideways() {
        Object wider = browser.executeScript(
                "return document.documentElement.scrollWidth > document.documentElement.clientWidth + 1;");
        return Boolean.TRUE.equals(wider);
    }

    /** The window as a 1400-pixel-wide screen shows it at 200% zoom: 700 CSS pixels. */
    void zoom200() {
        browser.manage().window().setSize(new Dimension(700, 1000));
    }

    /** Presses Tab and says what has the focus: its tag, id and text. */
    String tab() {
        new Actions(browser).sendKeys(Keys.TAB).perform();
        WebElement focused = browser.switchTo().activeElement();
        return focused.getTagName() + "#" + focused.getAttribute("id") + " " + focused.getText().strip();
    }

    /** A POST from the page's own script, with the page's credentials: its HTTP status. */
    long postFromThePage(String path, String form) {
        Object status = browser.executeAsyncScript("var done = arguments[arguments.length - 1];"
                + "fetch(arguments[0], {method: 'POST', credentials: 'same-origin',"
                + " headers: {'Content-Type': 'application/x-www-form-urlencoded'}, body: arguments[1]})"
                + ".then(function (r) { done(r.status); }, function () { done(-1); });", path, form);
        return ((Number) status).longValue();
    }

    void screenshot(String name) throws IOException {
        Files.createDirectories(SHOTS);
        Path file = browser.getScreenshotAs(OutputType.FILE).toPath();
        Files.copy(file, SHOTS.resolve(name), StandardCopyOption.REPLACE_EXISTING);
    }

    @Override
    public void close() {
        browser.quit();
    }
}
