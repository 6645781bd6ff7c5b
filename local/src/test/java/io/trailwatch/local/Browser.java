package io.trailwatch.local;

import io.trailwatch.devkit.Scratch;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Headless Chromium for the console's browser tests: Debian's {@code chromium} and {@code chromium-driver}, installed
 * with apt-get when missing (as root, or through {@code sudo -n}); a browser never downloads itself here.
 */
final class Browser {

    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path DRIVER = Path.of("/usr/bin/chromedriver");

    private Browser() {
    }

    /** A new headless browser with a window of {@code width} x {@code height} CSS pixels and its own profile. */
    static ChromeDriver start(int width, int height) throws IOException, InterruptedException {
        installWhenMissing();
        Path profile = Files.createTempDirectory("trailwatch-chromium");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                Scratch.delete(profile);
            } catch (IOException e) {
                // the temporary directory's own clean-up takes it then
            }
        }, "chromium-profile-delete"));
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        // as root Chromium needs --no-sandbox; the network flags keep it from calling home on a machine that cannot
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=" + width + "," + height,
                "--user-data-dir=" + profile);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(DRIVER.toFile())
                .usingAnyFreePort().build();
        ChromeDriver driver = new ChromeDriver(service, options);
        driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(60));
        return driver;
    }

    private static synchronized void installWhenMissing() throws IOException, InterruptedException {
        if (Files.isExecutable(CHROMIUM) && Files.isExecutable(DRIVER)) {
            return;
        }
        List<String> sudo = "root".equals(System.getProperty("user.name")) ? List.of() : List.of("sudo", "-n");
        run(sudo, "apt-get", "update", "-qq");
        run(sudo, "apt-get", "install", "-y", "-qq", "chromium", "chromium-driver");
        if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(DRIVER)) {
            throw new IllegalStateException("apt-get did not install " + CHROMIUM + " and " + DRIVER
                    + "; install Debian's chromium and chromium-driver packages");
        }
    }

    private static void run(List<String> prefix, String... command) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.addAll(List.of(command));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(new File(System.getProperty("java.io.tmpdir"), "trailwatch-apt.log"));
        pb.environment().put("DEBIAN_FRONTEND", "noninteractive");
        Process p = pb.start();
        if (!p.waitFor(15, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " failed (see " + System.getProperty("java.io.tmpdir")
                    + "/trailwatch-apt.log): the console's browser tests need Debian's chromium and chromium-driver");
        }
    }
}
