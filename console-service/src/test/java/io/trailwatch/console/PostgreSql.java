package io.trailwatch.console;

import org.postgresql.ds.PGSimpleDataSource;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A real PostgreSQL server for the console's tests, one per test JVM: Debian's {@code postgresql} package (installed
 * with apt-get when missing, as the browser tests install Chromium), a new cluster in a temporary directory, listening
 * on a free loopback port with password (SCRAM) authentication, stopped and deleted when the JVM exits. As root the
 * server runs as the package's {@code postgres} user, since PostgreSQL refuses to run as root.
 */
public final class PostgreSql {

    public static final String USER = "trailwatch";
    public static final String PASSWORD = "trailwatch-test-password";

    private static PostgreSql shared;

    private final Path bin;
    private final Path data;
    private final int port;
    private final List<String> asServerUser;
    private final AtomicInteger databases = new AtomicInteger();

    private PostgreSql(Path bin, Path data, int port, List<String> asServerUser) {
        this.bin = bin;
        this.data = data;
        this.port = port;
        this.asServerUser = asServerUser;
    }

    /** The JVM's server, started on first use. */
    public static synchronized PostgreSql shared() {
        if (shared == null) {
            try {
                shared = start();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        return shared;
    }

    /** A new, empty database of its own, owned by {@link #USER}; returns its JDBC URL. */
    public String newDatabase() {
        String name = "console_" + ProcessHandle.current().pid() + "_" + databases.incrementAndGet();
        try (Connection c = dataSource("postgres").getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name + " OWNER " + USER);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create database " + name, e);
        }
        return jdbcUrl(name);
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    /** A plain (unpooled) data source on {@code database} as {@link #USER}. */
    public PGSimpleDataSource dataSource(String database) {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setUrl(jdbcUrl(database));
        ds.setUser(USER);
        ds.setPassword(PASSWORD);
        return ds;
    }

    /** A data source on a new database of its own. */
    public PGSimpleDataSource newDataSource() {
        String url = newDatabase();
        return dataSource(url.substring(url.lastIndexOf('/') + 1));
    }

    private static PostgreSql start() throws IOException, InterruptedException {
        Path bin = installWhenMissing();
        boolean root = "root".equals(System.getProperty("user.name"));
        List<String> asServerUser = root ? List.of("runuser", "-u", "postgres", "--") : List.of();
        Path home = Files.createTempDirectory("trailwatch-postgresql");
        Path data = home.resolve("data");
        Path passwordFile = home.resolve("password");
        Files.writeString(passwordFile, PASSWORD + "\n");
        if (root) {
            giveToPostgres(home);
            giveToPostgres(passwordFile);
        }
        run(asServerUser, bin.resolve("initdb").toString(), "-D", data.toString(), "-U", USER,
                "--pwfile=" + passwordFile, "--auth=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync");
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        PostgreSql server = new PostgreSql(bin, data, port, asServerUser);
        // a throwaway cluster: durability off, the socket beside the data rather than in /var/run
        String options = "-c listen_addresses=127.0.0.1 -c port=" + port + " -c unix_socket_directories=" + home
                + " -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=60";
        run(asServerUser, bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-l", home.resolve("server.log").toString(),
                "-o", options, "-w", "-t", "60", "start");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> server.stop(home), "postgresql-stop"));
        return server;
    }

    private void stop(Path home) {
        try {
            run(asServerUser, bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-m", "immediate", "-w", "stop");
        } catch (IOException | RuntimeException e) {
            System.err.println("could not stop the test PostgreSQL in " + data + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (Stream<Path> files = Files.walk(home)) {
            files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
        } catch (IOException e) {
            // a temporary directory: left for the system to clean
        }
    }

    /** The newest installed server's bin directory, after installing Debian's postgresql package if there is none. */
    private static Path installWhenMissing() throws IOException, InterruptedException {
        Path found = newestServer();
        if (found != null) {
            return found;
        }
        List<String> sudo = "root".equals(System.getProperty("user.name")) ? List.of() : List.of("sudo", "-n");
        run(sudo, "apt-get", "update", "-qq");
        run(sudo, "apt-get", "install", "-y", "-qq", "postgresql");
        found = newestServer();
        if (found == null) {
            throw new IllegalStateException("apt-get did not install a PostgreSQL server under /usr/lib/postgresql;"
                    + " the console's PostgreSQL tests need Debian's postgresql package");
        }
        return found;
    }

    private static Path newestServer() throws IOException {
        Path root = Path.of("/usr/lib/postgresql");
        if (!Files.isDirectory(root)) {
            return null;
        }
        try (Stream<Path> versions = Files.list(root)) {
            return versions.map(v -> v.resolve("bin"))
                    .filter(b -> Files.isExecutable(b.resolve("postgres")) && Files.isExecutable(b.resolve("initdb"))
                            && Files.isExecutable(b.resolve("pg_ctl")))
                    .max(Comparator.comparingInt(b -> version(b.getParent().getFileName().toString())))
                    .orElse(null);
        }
    }

    private static int version(String name) {
        try {
            return Integer.parseInt(name);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static void giveToPostgres(Path path) throws IOException {
        UserPrincipalLookupService users = path.getFileSystem().getUserPrincipalLookupService();
        PosixFileAttributeView view = Files.getFileAttributeView(path, PosixFileAttributeView.class);
        view.setOwner(users.lookupPrincipalByName("postgres"));
        GroupPrincipal group = users.lookupPrincipalByGroupName("postgres");
        view.setGroup(group);
    }

    private static void run(List<String> prefix, String... command) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.addAll(List.of(command));
        File log = new File(System.getProperty("java.io.tmpdir"), "trailwatch-postgresql-setup.log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log));
        pb.environment().put("DEBIAN_FRONTEND", "noninteractive");
        Process p = pb.start();
        if (!p.waitFor(15, TimeUnit.MINUTES) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException(String.join(" ", cmd) + " failed (see " + log + ")");
        }
    }
}
