package io.trailwatch.ingest.core;

import java.time.Instant;

/**
 * An S3 object a notification announced (or a backfill listed).
 *
 * @param bucket       the bucket
 * @param key          the key, URL-decoded
 * @param size         its size in bytes when the notification says, else -1
 * @param etag         its ETag when the notification says, else null
 * @param versionId    its version id when the notification says, else null
 * @param lastModified when it was written, when known, else null
 */
public record ObjectRef(String bucket, String key, long size, String etag, String versionId, Instant lastModified) {

    /** {@code s3://bucket/key}. */
    public String uri() {
        return "s3://" + bucket + "/" + key;
    }
}
