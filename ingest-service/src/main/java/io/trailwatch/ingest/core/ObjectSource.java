package io.trailwatch.ingest.core;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.function.Consumer;

/** Where log files come from: S3 in production. */
public interface ObjectSource {

    /**
     * Opens an object for streaming.
     *
     * @throws ObjectMissingException the object does not exist (a permanent condition)
     * @throws OwnerRefusedException   S3 refused it under the expected bucket owner
     * @throws IOException            anything else; worth a retry
     */
    OpenedObject open(ObjectRef ref) throws ObjectMissingException, OwnerRefusedException, IOException;

    /**
     * Lists the objects under a prefix, in key order, handing each to the consumer. Pages are fetched as the consumer
     * keeps up.
     */
    void list(String bucket, String prefix, String startAfter, Consumer<ObjectRef> each) throws IOException;

    /**
     * An object being read.
     *
     * @param body         its content; close it
     * @param etag         the ETag S3 returned
     * @param versionId    the version id, when versioned
     * @param lastModified when it was written
     * @param size         its size
     * @param metadata     its user metadata ({@code x-amz-meta-*}, without the prefix, names in lower case)
     */
    record OpenedObject(InputStream body, String etag, String versionId, Instant lastModified, long size,
                        java.util.Map<String, String> metadata) implements Closeable {
        public OpenedObject {
            metadata = metadata == null ? java.util.Map.of() : java.util.Map.copyOf(metadata);
        }

        public OpenedObject(InputStream body, String etag, String versionId, Instant lastModified, long size) {
            this(body, etag, versionId, lastModified, size, java.util.Map.of());
        }

        @Override
        public void close() throws IOException {
            body.close();
        }
    }

    /**
     * S3 refused the object under the configured expected bucket owner: the bucket belongs to another account (a
     * look-alike bucket, a bucket re-created elsewhere), or read access was taken away. Nothing was read.
     */
    final class OwnerRefusedException extends Exception {
        public OwnerRefusedException(String message) {
            super(message, null, false, false);
        }
    }

    /** The object does not exist (S3 404 NoSuchKey). */
    final class ObjectMissingException extends Exception {
        public ObjectMissingException(String message) {
            super(message, null, false, false);
        }
    }
}
