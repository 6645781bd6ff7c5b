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
 * server runs as the package's {@code postgres} user, since PostgreSQL refuses to run as root. The tests connect as
 * {@link #USER}, who is no superuser: each new database is theirs, as a deployment's database is its application's.
 */
public final class PostgreSql {

    /** The role the tests use: owns their databases, nothing more. */
    public static final String USER = "trailwatch";
    public static final String PASSWORD = "trailwatch-test-password";
    /** The cluster's superuser, for creating databases and roles. */
    private static final String ADMIN = "admin";
    /** PostgreSQL refuses to run as root: then its commands run as the package's postgres user. */
    private static final boolean ROOT = "root".equals(System.getProperty("user.name"));

    private static PostgreSql shared;
    private static RuntimeException failed;

    private final Path bin;
    /** The cluster's directory: its data, logs and socket. */
    private final Path home;
    private final int port;
    private final AtomicInteger databases = new AtomicInteger();

    private PostgreSql(Path bin, Path home, int port) {
        this.bin = bin;
        this.home = home;
        this.port = port;
    }

    /** The JVM's server, started on first use. */
    public static synchronized PostgreSql shared() {
        if (failed != null) {
            throw failed; // once: not apt-get and initdb again for every test
        }
        if (shared == null) {
            try {
                shared = start();
            } catch (IOException e) {
                failed = new UncheckedIOException(e);
                throw failed;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failed = new IllegalStateException(e);
                throw failed;
            } catch (RuntimeException e) {
                failed = e;
                throw e;
            }
        }
        return shared;
    }

    /** A new, empty database of its own, owned by {@link #USER}; returns its name. */
    public String newDatabase() {
        String name = "console_" + ProcessHandle.current().pid() + "_" + databases.incrementAndGet();
        try (Connection c = admin("postgres"); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name + " OWNER " + USER);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create database " + name, e);
        }
        return name;
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

    /** A connection to {@code database} as the cluster's superuser. */
    public Connection admin(String database) throws SQLException {
        return java.sql.DriverManager.getConnection(jdbcUrl(database), ADMIN, PASSWORD);
    }

    /** A data source on a new database of its own. */
    public PGSimpleDataSource newDataSource() {
        return dataSource(newDatabase());
    }

    private static PostgreSql start() throws IOException, InterruptedException {
        Path bin = installWhenMissing();
        Path home = Files.createTempDirectory("trailwatch-postgresql");
        Path data = home.resolve("data");
        Path log = home.resolve("setup.log");
        Path passwordFile = home.resolve("password");
        Files.writeString(passwordFile, PASSWORD + "\n");
        if (ROOT) {
            giveToPostgres(home);
            giveToPostgres(passwordFile);
        }
        // run from the cluster's own directory: initdb and pg_ctl change back to where they were started, and the
        // postgres user may not enter the checkout (under /root, say)
        run(home, log, asServerUser(), bin.resolve("initdb").toString(), "-D", data.toString(), "-U", ADMIN,
                "--pwfile=" + passwordFile, "--auth=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync");
        IllegalStateException last = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            int port;
            try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
                port = s.getLocalPort();
            }
            PostgreSql server = new PostgreSql(bin, home, port);
            Thread stop = new Thread(server::stop, "postgresql-stop");
            Runtime.getRuntime().addShutdownHook(stop); // before the start: a start that times out may leave a server
            // a throwaway cluster: durability off, the socket beside the data rather than in /var/run
            String options = "-c listen_addresses=127.0.0.1 -c port=" + port + " -c unix_socket_directories=" + home
                    + " -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=60";
            try {
                run(home, log, asServerUser(), bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-l",
                        home.resolve("server.log").toString(), "-o", options, "-w", "-t", "60", "start");
            } catch (IllegalStateException e) {
                last = e; // most likely the port was taken in between: another one
                Runtime.getRuntime().removeShutdownHook(stop);
                server.stopServer();
                continue;
            }
            try (Connection c = server.admin("postgres"); Statement s = c.createStatement()) {
                s.execute("CREATE ROLE " + USER + " LOGIN PASSWORD '" + PASSWORD + "'");
            } catch (SQLException e) {
                throw new IllegalStateException("cannot create the tests' role on the test PostgreSQL", e);
            }
            return server;
        }
        throw new IllegalStateException("the test PostgreSQL did not start (see " + home.resolve("server.log") + ")", last);
    }

    private void stop() {
        stopServer();
        try (Stream<Path> files = Files.walk(home)) {
            files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
        } catch (IOException e) {
            // a temporary directory: left for the system to clean
        }
    }

    /** Stops the server if it runs (immediately: the cluster is thrown away). */
    private void stopServer() {
        Path data = home.resolve("data");
        if (!Files.exists(data.resolve("postmaster.pid"))) {
            return;
        }
        try {
            run(home, home.resolve("setup.log"), asServerUser(), bin.resolve("pg_ctl").toString(),
                    "-D", data.toString(), "-m", "immediate", "-w", "stop");
        } catch (IOException | RuntimeException e) {
            System.err.println("could not stop the test PostgreSQL in " + data + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The newest installed server's bin directory, after installing Debian's postgresql package if there is none. */
    private static Path installWhenMissing() throws IOException, InterruptedException {
        Path found = newestServer();
        if (found != null) {
            return found;
        }
        List<String> sudo = ROOT ? List.of() : List.of("sudo", "-n");
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        Path log = Files.createTempFile("trailwatch-postgresql-apt", ".log");
        run(tmp, log, sudo, "apt-get", "-o", "DPkg::Lock::Timeout=300", "update", "-qq");
        run(tmp, log, sudo, "apt-get", "-o", "DPkg::Lock::Timeout=300", "install", "-y", "-qq", "postgresql");
        found = newestServer();
        if (found == null) {
            throw new IllegalStateException("apt-get did not install a PostgreSQL server under /usr/lib/postgresql;"
                    + " the console's PostgreSQL tests need Debian's postgresql package");
        }
        // the package makes and starts a cluster of its own (port 5432); the tests have theirs
        try {
            run(tmp, log, sudo, "pg_dropcluster", "--stop", found.getParent().getFileName().toString(), "main");
        } catch (IllegalStateException e) {
            // none was made (a container without an init system, or a machine that says not to): nothing to drop
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

    private static List<String> asServerUser() {
        return ROOT ? List.of("runuser", "-u", "postgres", "--") : List.of();
    }

    private static void giveToPostgres(Path path) throws IOException {
        UserPrincipalLookupService users = path.getFileSystem().getUserPrincipalLookupService();
        PosixFileAttributeView view = Files.getFileAttributeView(path, PosixFileAttributeView.class);
        view.setOwner(users.lookupPrincipalByName("postgres"));
        GroupPrincipal group = users.lookupPrincipalByGroupName("postgres");
        view.setGroup(group);
    }

    private static void run(Path directory, Path log, List<String> prefix, String... command) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.addAll(List.of(command));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(directory.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().put("DEBIAN_FRONTEND", "noninteractive");
        Process p = pb.start();
        if (!p.waitFor(15, TimeUnit.MINUTES) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException(String.join(" ", cmd) + " failed (see " + log + ")");
        }
    }
}
