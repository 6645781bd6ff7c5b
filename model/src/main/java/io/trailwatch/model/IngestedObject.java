package io.trailwatch.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;

import java.time.Instant;

/**
 * An S3 object whose every record Kafka acknowledged: the value of the compacted ledger topic
 * {@link Topics#INGEST_LEDGER}. Key: {@link #ledgerKey()}. ingest-service reads the ledger at start-up and skips objects
 * already in it, so a redelivered notification never doubles the event stream.
 *
 * @param bucket       the bucket
 * @param key          the object key
 * @param etag         the object's ETag, without quotes
 * @param versionId    the object's version id when the bucket is versioned, else null
 * @param records      records published to the events topic
 * @param deadLettered records sent to the dead-letter topic instead
 * @param bytes        decompressed bytes read
 * @param completedAt  when the last record was acknowledged
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record IngestedObject(
        String bucket,
        String key,
        String etag,
        String versionId,
        long records,
        long deadLettered,
        long bytes,
        Instant completedAt) {

    /** The ledger key of this object. */
    public String ledgerKey() {
        return ledgerKey(bucket, key, etag, versionId);
    }

    /**
     * The ledger key of an object version: {@code s3://bucket/key#version}, where version is the version id when
     * there is one, else the ETag. A rewritten object (new ETag) is a new entry and is ingested again.
     */
    public static String ledgerKey(String bucket, String key, String etag, String versionId) {
        String version = versionId != null && !versionId.isEmpty() && !"null".equals(versionId) ? versionId
                : stripQuotes(etag);
        return "s3://" + bucket + "/" + key + "#" + version;
    }

    /** S3 returns ETags in quotes; notifications without. */
    public static String stripQuotes(String etag) {
        if (etag == null) {
            return "";
        }
        return etag.length() >= 2 && etag.startsWith("\"") && etag.endsWith("\"")
                ? etag.substring(1, etag.length() - 1) : etag;
    }
}
