package io.trailwatch.testsupport;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * An identity provider of the tests' own: an RSA key whose public half the service under test verifies bearer tokens
 * with ({@link #config()}), and RS256-signed JWTs with the claims a real one would put in an access token.
 */
public final class Tokens {

    public static final String ISSUER = "https://idp.trailwatch.test";
    public static final String AUDIENCE = "trailwatch-management";
    private static final String KEY_PROPERTY = "trailwatch.test.idp";

    // One key per JVM, whichever class loader asks first (Quarkus loads test resources and tests apart): kept in
    // system properties, which all of them share.
    private static final KeyPair KEYS = sharedKeys();
    private static final KeyPair STRANGER = rsa();

    private Tokens() {
    }

    /** The service's configuration to trust this provider. */
    public static Map<String, String> config() {
        // the key itself rather than its location: in test mode Quarkus makes up a key of its own unless one is given
        return Map.of("mp.jwt.verify.publickey", Base64.getEncoder().encodeToString(KEYS.getPublic().getEncoded()),
                "mp.jwt.verify.issuer", ISSUER,
                "mp.jwt.verify.audiences", AUDIENCE);
    }

    /** A token of this provider for a subject in the groups, valid for the time given (negative: expired). */
    public static String token(String subject, List<String> groups, Duration validFor) {
        return sign(KEYS, subject, groups, validFor, AUDIENCE);
    }

    /** A token like {@link #token} but for another audience. */
    public static String tokenFor(String audience, String subject, List<String> groups) {
        return sign(KEYS, subject, groups, Duration.ofMinutes(5), audience);
    }

    /** A token signed by a key the service does not trust. */
    public static String forged(String subject, List<String> groups) {
        return sign(STRANGER, subject, groups, Duration.ofMinutes(5), AUDIENCE);
    }

    private static String sign(KeyPair keys, String subject, List<String> groups, Duration validFor, String audience) {
        long now = Instant.now().getEpochSecond();
        String header = "{\"alg\":\"RS256\",\"typ\":\"JWT\"}";
        String payload = "{\"iss\":\"" + ISSUER + "\",\"sub\":\"" + subject + "\",\"upn\":\"" + subject + "\",\"aud\":\"" + audience
                + "\",\"iat\":" + (now - 60) + ",\"exp\":" + (now + validFor.getSeconds()) + ",\"groups\":["
                + groups.stream().map(g -> "\"" + g + "\"").collect(Collectors.joining(",")) + "]}";
        String signingInput = b64(header.getBytes(StandardCharsets.UTF_8)) + "." + b64(payload.getBytes(StandardCharsets.UTF_8));
        try {
            Signature rs256 = Signature.getInstance("SHA256withRSA");
            rs256.initSign(keys.getPrivate());
            rs256.update(signingInput.getBytes(StandardCharsets.US_ASCII));
            return signingInput + "." + b64(rs256.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String b64(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static KeyPair rsa() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(2048);
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static synchronized KeyPair sharedKeys() {
        synchronized (System.getProperties()) {
            try {
                var rsa = java.security.KeyFactory.getInstance("RSA");
                String privateKey = System.getProperty(KEY_PROPERTY + ".private");
                if (privateKey != null) {
                    return new KeyPair(rsa.generatePublic(new java.security.spec.X509EncodedKeySpec(
                            Base64.getDecoder().decode(System.getProperty(KEY_PROPERTY + ".public")))),
                            rsa.generatePrivate(new java.security.spec.PKCS8EncodedKeySpec(Base64.getDecoder().decode(privateKey))));
                }
                KeyPair keys = rsa();
                System.setProperty(KEY_PROPERTY + ".public", Base64.getEncoder().encodeToString(keys.getPublic().getEncoded()));
                System.setProperty(KEY_PROPERTY + ".private", Base64.getEncoder().encodeToString(keys.getPrivate().getEncoded()));
                return keys;
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
