package io.trailwatch.cloudtrail.digest;

import io.trailwatch.devkit.CloudTrailDigests;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** CloudTrail's public keys, in the forms ListPublicKeys and the AWS CLI give them. */
class PublicKeysTest {

    private final RSAPublicKey key = (RSAPublicKey) CloudTrailDigests.newKeyPair().getPublic();

    @Test
    void pkcs1Der_asListPublicKeysReturnsIt_isTheSameKey() throws Exception {
        assertThat(PublicKeys.fromDer(CloudTrailDigests.pkcs1Der(key))).isEqualTo(key);
    }

    @Test
    void x509Der_andPem_areReadToo() throws Exception {
        assertThat(PublicKeys.fromDer(key.getEncoded())).isEqualTo(key);
        String pem = "-----BEGIN PUBLIC KEY-----\n" + Base64.getMimeEncoder().encodeToString(key.getEncoded())
                + "\n-----END PUBLIC KEY-----\n";
        assertThat(PublicKeys.fromText(pem)).isEqualTo(key);
        String rsaPem = "-----BEGIN RSA PUBLIC KEY-----\n" + Base64.getEncoder().encodeToString(CloudTrailDigests.pkcs1Der(key))
                + "\n-----END RSA PUBLIC KEY-----";
        assertThat(PublicKeys.fromText(rsaPem)).isEqualTo(key);
    }

    @Test
    void garbage_isNoKey() {
        assertThatThrownBy(() -> PublicKeys.fromText("bm90IGEga2V5")).isInstanceOf(java.security.GeneralSecurityException.class);
        assertThatThrownBy(() -> PublicKeys.fromText("%%%")).isInstanceOf(java.security.GeneralSecurityException.class);
    }

    @Test
    void cliOutput_withIsoOrEpochTimes_andSeveralRegions(@TempDir Path dir) throws Exception {
        var other = (RSAPublicKey) CloudTrailDigests.newKeyPair().getPublic();
        var iso = CloudTrailDigests.publicKeyEntry(key, Instant.EPOCH, Instant.EPOCH);
        iso.put("ValidityStartTime", "2026-03-01T00:00:00+00:00");
        iso.put("ValidityEndTime", "2026-04-01T00:00:00+00:00");
        iso.put("Fingerprint", iso.get("Fingerprint").asText().toUpperCase());
        var epoch = CloudTrailDigests.publicKeyEntry(other, Instant.parse("2026-04-01T00:00:00Z"), Instant.parse("2026-05-01T00:00:00Z"));
        Path file = dir.resolve("keys.json");
        Files.writeString(file, "[" + CloudTrailDigests.listPublicKeys(iso) + "," + CloudTrailDigests.listPublicKeys(epoch) + "]");

        var keys = PublicKeys.readFile(file);

        assertThat(keys).hasSize(2);
        assertThat(keys.get(0).key()).isEqualTo(key);
        assertThat(keys.get(0).fingerprint()).isEqualTo(CloudTrailDigests.fingerprint(key));
        assertThat(keys.get(0).validAt(Instant.parse("2026-03-15T00:00:00Z"))).isTrue();
        assertThat(keys.get(0).validAt(Instant.parse("2026-04-15T00:00:00Z"))).isFalse();
        assertThat(keys.get(1).key()).isEqualTo(other);
        assertThat(keys.get(1).validAt(Instant.parse("2026-04-15T00:00:00Z"))).isTrue();
    }

    @Test
    void entryWithoutFingerprint_isAnError(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("keys.json");
        Files.writeString(file, "{\"PublicKeyList\":[{\"Value\":\"AAAA\"}]}");

        assertThatThrownBy(() -> PublicKeys.readFile(file)).hasMessageContaining("Fingerprint");
    }
}
