package io.trailwatch.devkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A certificate authority of its own and the certificates a {@link KafkaBroker} with client authentication needs: the
 * broker's (for 127.0.0.1 and localhost) and a client certificate per name ({@code CN=<name>}), as PKCS#12 keystores
 * with one password, made with the JDK's keytool. Made once per directory and reused; the CA and the keys never leave it.
 */
public final class KafkaTls {

    static final String BROKER = "broker";

    private final Path dir;
    private final String password;

    private KafkaTls(Path dir, String password) {
        this.dir = dir;
        this.password = password;
    }

    /** The CA, the broker's certificate and one client certificate per name, in {@code dir} (made when missing). */
    public static KafkaTls create(Path dir, Collection<String> clients) {
        try {
            Files.createDirectories(dir);
            Path passwordFile = dir.resolve("password");
            if (!Files.exists(passwordFile)) {
                byte[] random = new byte[18];
                new SecureRandom().nextBytes(random);
                Files.writeString(passwordFile, HexFormat.of().formatHex(random));
            }
            var tls = new KafkaTls(dir, Files.readString(passwordFile).trim());
            if (!Files.exists(tls.truststore())) {
                tls.keytool("-genkeypair", "-keystore", "ca.p12", "-storetype", "PKCS12", "-alias", "ca",
                        "-dname", "CN=trailwatch-local-ca", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "3650",
                        "-ext", "bc:c");
                tls.keytool("-exportcert", "-keystore", "ca.p12", "-alias", "ca", "-rfc", "-file", "ca.pem");
                tls.keytool("-importcert", "-keystore", "truststore.p12", "-storetype", "PKCS12", "-alias", "ca",
                        "-file", "ca.pem", "-noprompt");
            }
            tls.certificate(BROKER, "CN=localhost", "SAN=ip:127.0.0.1,dns:localhost");
            for (String client : clients) {
                tls.certificate(client, "CN=" + client, null);
            }
            return tls;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The keystores' and truststore's password. */
    public String password() {
        return password;
    }

    /** The truststore holding the CA's certificate. */
    public Path truststore() {
        return dir.resolve("truststore.p12");
    }

    /** The broker's keystore. */
    public Path brokerKeystore() {
        return keystore(BROKER);
    }

    /** A client's keystore (its key and its certificate, signed by the CA). */
    public Path keystore(String name) {
        return dir.resolve(name + ".p12");
    }

    private void certificate(String name, String dname, String san) throws IOException {
        if (Files.exists(keystore(name))) {
            return;
        }
        String store = name + ".p12";
        keytool("-genkeypair", "-keystore", store, "-storetype", "PKCS12", "-alias", name, "-dname", dname,
                "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "3650");
        keytool("-certreq", "-keystore", store, "-alias", name, "-file", name + ".csr");
        List<String> sign = new ArrayList<>(List.of("-gencert", "-keystore", "ca.p12", "-alias", "ca", "-infile", name + ".csr",
                "-outfile", name + ".pem", "-rfc", "-validity", "3650", "-ext", "eku=serverAuth,clientAuth"));
        if (san != null) {
            sign.addAll(List.of("-ext", san));
        }
        keytool(sign.toArray(String[]::new));
        keytool("-importcert", "-keystore", store, "-alias", "ca", "-file", "ca.pem", "-noprompt");
        keytool("-importcert", "-keystore", store, "-alias", name, "-file", name + ".pem", "-noprompt");
    }

    private void keytool(String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        cmd.addAll(List.of(args));
        cmd.addAll(List.of("-storepass", password)); // PKCS#12: the keys take the store's password
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException("keytool " + args[0] + " failed: " + output);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }
}
