package io.trailwatch.cli;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The checkout this command line belongs to: where the packaged services are and local state is kept. */
final class Project {

    /** Overrides where the checkout is. */
    static final String ROOT_PROPERTY = "trailwatch.root";

    private Project() {
    }

    /**
     * The checkout: {@value #ROOT_PROPERTY} when set, else the directory above this module, found from where this class
     * was loaded ({@code cli/target/trailwatch-cli.jar} or {@code cli/target/classes}).
     */
    static Path root() {
        String configured = System.getProperty(ROOT_PROPERTY);
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured).toAbsolutePath().normalize();
        }
        try {
            Path here = Path.of(Project.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            for (Path p = here; p != null; p = p.getParent()) {
                if (Files.isRegularFile(p.resolve("cli/pom.xml")) && Files.isRegularFile(p.resolve("pom.xml"))) {
                    return p;
                }
            }
        } catch (URISyntaxException | RuntimeException e) {
            // fall through: the working directory
        }
        return Path.of("").toAbsolutePath();
    }

    /** A service's packaged jar, {@code <module>/target/quarkus-app/quarkus-run.jar}, which must exist. */
    static Path serviceJar(String module) {
        Path jar = root().resolve(module).resolve("target/quarkus-app/quarkus-run.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: ./trailwatch build (or ./mvnw package) builds it");
        }
        return jar;
    }
}
