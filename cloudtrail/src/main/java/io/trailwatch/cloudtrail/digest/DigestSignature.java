package io.trailwatch.cloudtrail.digest;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.Signature;
import java.util.HexFormat;

/**
 * Checks a digest's signature the way AWS documents it ("Custom implementations of CloudTrail log file integrity
 * validation"). CloudTrail signs, with SHA256withRSA and the region's private key, the string
 * <pre>
 *   digestEndTime \n digestS3Bucket/digestS3Object \n hex(SHA-256(uncompressed digest)) \n previousDigestSignature
 * </pre>
 * where the previous signature is {@code null} for the first digest of a chain, and puts the hex signature in the
 * digest object's {@code x-amz-meta-signature} metadata.
 */
public final class DigestSignature {

    /** The S3 user-metadata names (without {@code x-amz-meta-}) CloudTrail writes on a digest object. */
    public static final String METADATA_SIGNATURE = "signature";
    public static final String METADATA_ALGORITHM = "signature-algorithm";

    private static final HexFormat HEX = HexFormat.of();

    private DigestSignature() {
    }

    /** The data-signing string of a digest whose uncompressed content hashes to {@code sha256Hex}. */
    public static String signingString(DigestFile digest, String sha256Hex) {
        String previous = digest.previousDigestSignature() == null ? "null" : digest.previousDigestSignature();
        return digest.digestEndTime() + "\n" + digest.digestS3Bucket() + "/" + digest.digestS3Object() + "\n"
                + sha256Hex + "\n" + previous;
    }

    /**
     * Whether {@code signatureHex} is a valid SHA256withRSA signature of the signing string by the key. A signature
     * that is not hex is not valid.
     */
    public static boolean verify(PublicKey key, String signingString, String signatureHex) {
        byte[] signature;
        try {
            signature = HEX.parseHex(signatureHex.trim().toLowerCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return false;
        }
        try {
            Signature verifier = Signature.getInstance(DigestFile.SIGNATURE_ALGORITHM);
            verifier.initVerify(key);
            verifier.update(signingString.getBytes(StandardCharsets.UTF_8));
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    /** Hex SHA-256 of bytes. */
    public static String sha256Hex(byte[] bytes) {
        return HEX.formatHex(sha256().digest(bytes));
    }

    /** A fresh SHA-256 digest. */
    public static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java has SHA-256", e);
        }
    }

    /** Lower-case hex of bytes. */
    public static String hex(byte[] bytes) {
        return HEX.formatHex(bytes);
    }
}
