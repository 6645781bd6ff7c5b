package io.trailwatch.devkit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.zip.GZIPOutputStream;

/**
 * Plays CloudTrail with log file validation on, for tests: delivers log files and hourly digests to an S3 server
 * exactly as AWS documents them ("CloudTrail digest file structure", "Custom implementations of CloudTrail log file
 * integrity validation"), signed with an RSA key pair generated here. Written from the documentation, independently
 * of the validator it tests.
 */
public final class CloudTrailDigests {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HexFormat HEX = HexFormat.of();
    private static final DateTimeFormatter NAME_TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter KEY_DATE = DateTimeFormatter.ofPattern("yyyy/MM/dd").withZone(ZoneOffset.UTC);
    private static final Map<String, KeyPair> SHARED = new java.util.HashMap<>();

    private CloudTrailDigests() {
    }

    /** A 2048-bit RSA key pair, made once per JVM and region: the region's signing key. */
    public static synchronized KeyPair signingKey(String region) {
        return SHARED.computeIfAbsent(region, r -> newKeyPair());
    }

    /** A fresh 2048-bit RSA key pair. */
    public static KeyPair newKeyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The key as ListPublicKeys returns it: DER of PKCS#1 {@code RSAPublicKey ::= SEQUENCE { n INTEGER, e INTEGER }}. */
    public static byte[] pkcs1Der(RSAPublicKey key) {
        byte[] n = derInteger(key.getModulus());
        byte[] e = derInteger(key.getPublicExponent());
        var body = new ByteArrayOutputStream();
        body.writeBytes(n);
        body.writeBytes(e);
        return tlv(0x30, body.toByteArray());
    }

    /** A hex fingerprint of the key (MD5 of its PKCS#1 DER), as digests name their key. */
    public static String fingerprint(RSAPublicKey key) {
        try {
            return HEX.formatHex(MessageDigest.getInstance("MD5").digest(pkcs1Der(key)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One {@code PublicKeyList} entry as the CloudTrail API's JSON carries it (Value base64, times in epoch seconds). */
    public static ObjectNode publicKeyEntry(RSAPublicKey key, Instant from, Instant to) {
        ObjectNode entry = JSON.createObjectNode();
        entry.put("Value", Base64.getEncoder().encodeToString(pkcs1Der(key)));
        entry.put("ValidityStartTime", from.getEpochSecond());
        entry.put("ValidityEndTime", to.getEpochSecond());
        entry.put("Fingerprint", fingerprint(key));
        return entry;
    }

    /** A ListPublicKeys response body (or {@code aws cloudtrail list-public-keys} output) with these entries. */
    public static String listPublicKeys(ObjectNode... entries) {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode list = root.putArray("PublicKeyList");
        for (ObjectNode e : entries) {
            list.add(e);
        }
        return root.toString();
    }

    /**
     * A log file as delivered.
     *
     * @param key    its key
     * @param sha256 hex SHA-256 of its uncompressed content
     */
    public record LogFile(String bucket, String key, String sha256, Instant oldest, Instant newest) {
    }

    /**
     * A digest as delivered.
     *
     * @param key       its key
     * @param signature the hex signature in its metadata
     * @param content   its uncompressed JSON
     * @param logFiles  the log files it lists
     */
    public record Digest(String bucket, String key, String signature, byte[] content, List<LogFile> logFiles) {
        public String text() {
            return new String(content, StandardCharsets.UTF_8);
        }
    }

    /** Where a trail delivers: S3, or a map in unit tests. */
    @FunctionalInterface
    public interface Store {
        void put(String bucket, String key, byte[] content, Map<String, String> metadata);

        /** An S3 server's bucket. */
        static Store of(S3Client s3) {
            return (bucket, key, content, metadata) -> s3.putObject(b -> b.bucket(bucket).key(key).metadata(metadata),
                    RequestBody.fromBytes(content));
        }
    }

    /** One trail in one account and region, delivering to a bucket. Not thread-safe. */
    public static final class Trail {
        private final Store s3;
        private final String bucket;
        private final String account;
        private final String region;
        private final String name;
        private final KeyPair keys;
        private final List<LogFile> pending = new ArrayList<>();
        private Digest previous;
        private Instant lastEnd;

        public Trail(S3Client s3, String bucket, String account, String region, String name, KeyPair keys) {
            this(Store.of(s3), bucket, account, region, name, keys);
        }

        public Trail(Store s3, String bucket, String account, String region, String name, KeyPair keys) {
            this.s3 = s3;
            this.bucket = bucket;
            this.account = account;
            this.region = region;
            this.name = name;
            this.keys = keys;
        }

        /** Delivers a log file of these records at {@code at}; the next digest lists it. */
        public LogFile log(Instant at, List<ObjectNode> records) {
            byte[] json = CloudTrailLogs.file(records, false);
            String key = CloudTrailLogs.key(account, region, at, UUID.randomUUID().toString().replace("-", "").substring(0, 16));
            s3.put(bucket, key, gzip(json), Map.of());
            Instant oldest = records.stream().map(r -> Instant.parse(r.get("eventTime").asText())).min(Instant::compareTo).orElse(at);
            Instant newest = records.stream().map(r -> Instant.parse(r.get("eventTime").asText())).max(Instant::compareTo).orElse(at);
            var file = new LogFile(bucket, key, sha256Hex(json), oldest, newest);
            pending.add(file);
            return file;
        }

        /**
         * Notes a log file delivered by someone else (already in the bucket under {@code key}), so the next digest
         * lists it. The bytes may be gzipped.
         */
        public LogFile delivered(String key, byte[] file) {
            byte[] json = gunzipIfGzip(file);
            Instant oldest = null;
            Instant newest = null;
            try {
                for (var r : JSON.readTree(json).path("Records")) {
                    Instant t = Instant.parse(r.get("eventTime").asText());
                    oldest = oldest == null || t.isBefore(oldest) ? t : oldest;
                    newest = newest == null || t.isAfter(newest) ? t : newest;
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Instant now = Instant.now();
            var logFile = new LogFile(bucket, key, sha256Hex(json), oldest == null ? now : oldest, newest == null ? now : newest);
            pending.add(logFile);
            return logFile;
        }

        /** Delivers the digest of the hour ending at {@code end}, signed with the trail's key. */
        public Digest digest(Instant end) {
            return digest(end, keys.getPrivate());
        }

        /** Delivers the digest of the hour ending at {@code end}, signed with {@code signer}. */
        public Digest digest(Instant end, PrivateKey signer) {
            String key = "AWSLogs/" + account + "/CloudTrail-Digest/" + region + "/" + KEY_DATE.format(end) + "/" + account
                    + "_CloudTrail-Digest_" + region + "_" + name + "_" + region + "_" + NAME_TIME.format(end) + ".json.gz";
            String endTime = DateTimeFormatter.ISO_INSTANT.format(end);
            ObjectNode d = JSON.createObjectNode();
            d.put("awsAccountId", account);
            d.put("digestStartTime", DateTimeFormatter.ISO_INSTANT.format(lastEnd == null ? end.minusSeconds(3600) : lastEnd));
            d.put("digestEndTime", endTime);
            d.put("digestS3Bucket", bucket);
            d.put("digestS3Object", key);
            d.put("digestPublicKeyFingerprint", fingerprint((RSAPublicKey) keys.getPublic()));
            d.put("digestSignatureAlgorithm", "SHA256withRSA");
            if (pending.isEmpty()) {
                d.putNull("newestEventTime");
                d.putNull("oldestEventTime");
            } else {
                d.put("newestEventTime", pending.stream().map(LogFile::newest).max(Instant::compareTo).orElseThrow().toString());
                d.put("oldestEventTime", pending.stream().map(LogFile::oldest).min(Instant::compareTo).orElseThrow().toString());
            }
            if (previous == null) {
                d.putNull("previousDigestS3Bucket");
                d.putNull("previousDigestS3Object");
                d.putNull("previousDigestHashValue");
                d.putNull("previousDigestHashAlgorithm");
                d.putNull("previousDigestSignature");
            } else {
                d.put("previousDigestS3Bucket", previous.bucket());
                d.put("previousDigestS3Object", previous.key());
                d.put("previousDigestHashValue", sha256Hex(previous.content()));
                d.put("previousDigestHashAlgorithm", "SHA-256");
                d.put("previousDigestSignature", previous.signature());
            }
            ArrayNode files = d.putArray("logFiles");
            for (LogFile f : pending) {
                ObjectNode o = files.addObject();
                o.put("s3Bucket", f.bucket());
                o.put("s3Object", f.key());
                o.put("hashValue", f.sha256());
                o.put("hashAlgorithm", "SHA-256");
                o.put("newestEventTime", f.newest().toString());
                o.put("oldestEventTime", f.oldest().toString());
            }
            byte[] content = d.toString().getBytes(StandardCharsets.UTF_8);
            String toSign = endTime + "\n" + bucket + "/" + key + "\n" + sha256Hex(content) + "\n"
                    + (previous == null ? "null" : previous.signature());
            String signature;
            try {
                Signature rsa = Signature.getInstance("SHA256withRSA");
                rsa.initSign(signer);
                rsa.update(toSign.getBytes(StandardCharsets.UTF_8));
                signature = HEX.formatHex(rsa.sign());
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
            s3.put(bucket, key, gzip(content), Map.of("signature", signature, "signature-algorithm", "SHA256withRSA"));
            var digest = new Digest(bucket, key, signature, content, List.copyOf(pending));
            pending.clear();
            previous = digest;
            lastEnd = end;
            return digest;
        }
    }

    /** Hex SHA-256. */
    public static String sha256Hex(byte[] bytes) {
        try {
            return HEX.formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] gunzipIfGzip(byte[] bytes) {
        if (bytes.length < 2 || (bytes[0] & 0xff) != 0x1f || (bytes[1] & 0xff) != 0x8b) {
            return bytes;
        }
        try (var in = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(bytes))) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static byte[] gzip(byte[] bytes) {
        var out = new ByteArrayOutputStream();
        try (var gz = new GZIPOutputStream(out)) {
            gz.write(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static byte[] derInteger(BigInteger value) {
        return tlv(0x02, value.toByteArray());
    }

    private static byte[] tlv(int tag, byte[] content) {
        var out = new ByteArrayOutputStream();
        out.write(tag);
        int len = content.length;
        if (len < 0x80) {
            out.write(len);
        } else if (len < 0x100) {
            out.write(0x81);
            out.write(len);
        } else {
            out.write(0x82);
            out.write(len >> 8);
            out.write(len & 0xff);
        }
        out.writeBytes(content);
        return out.toByteArray();
    }
}
