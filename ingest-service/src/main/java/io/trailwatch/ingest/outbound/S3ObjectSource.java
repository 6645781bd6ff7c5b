package io.trailwatch.ingest.outbound;

import io.trailwatch.ingest.config.IngestConfig;
import io.trailwatch.ingest.core.ObjectRef;
import io.trailwatch.ingest.core.ObjectSource;
import jakarta.enterprise.context.ApplicationScoped;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

import java.io.IOException;
import java.util.function.Consumer;

/** Streams objects from S3 with GetObject, and lists them with ListObjectsV2. */
@ApplicationScoped
public class S3ObjectSource implements ObjectSource {

    private final S3Client s3;
    private final String expectedOwner;

    @jakarta.inject.Inject
    S3ObjectSource(S3Client s3, IngestConfig config) {
        this(s3, config.sources().expectedBucketOwner().orElse(null));
    }

    /** @param expectedOwner the account that must own every bucket read, or null to not ask S3 to check */
    public S3ObjectSource(S3Client s3, String expectedOwner) {
        this.s3 = s3;
        this.expectedOwner = expectedOwner;
    }

    @Override
    public OpenedObject open(ObjectRef ref) throws ObjectMissingException, OwnerRefusedException, IOException {
        var request = GetObjectRequest.builder().bucket(ref.bucket()).key(ref.key()).expectedBucketOwner(expectedOwner);
        if (ref.versionId() != null && !ref.versionId().isEmpty() && !"null".equals(ref.versionId())) {
            request.versionId(ref.versionId());
        }
        try {
            var stream = s3.getObject(request.build());
            var r = stream.response();
            var metadata = new java.util.HashMap<String, String>();
            r.metadata().forEach((k, v) -> metadata.put(k.toLowerCase(java.util.Locale.ROOT), v));
            return new OpenedObject(stream, r.eTag(), r.versionId(), r.lastModified(),
                    r.contentLength() == null ? -1 : r.contentLength(), metadata);
        } catch (NoSuchKeyException e) {
            throw new ObjectMissingException("S3 says NoSuchKey for " + ref.uri());
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                throw new ObjectMissingException("S3 answered 404 for " + ref.uri());
            }
            if (e.statusCode() == 403 && expectedOwner != null) {
                // S3 answers 403 when the bucket's owner is not the expected one; it does not say which it was.
                throw new OwnerRefusedException("S3 answered 403 " + errorCode(e) + " for " + ref.uri()
                        + " with expectedBucketOwner " + expectedOwner + ": the bucket is not owned by " + expectedOwner
                        + ", or read access was denied");
            }
            throw new IOException("S3 answered " + e.statusCode() + " " + errorCode(e) + " for " + ref.uri(), e);
        } catch (SdkException e) {
            throw new IOException("GetObject " + ref.uri() + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void list(String bucket, String prefix, String startAfter, Consumer<ObjectRef> each) throws IOException {
        var request = ListObjectsV2Request.builder().bucket(bucket).prefix(prefix).expectedBucketOwner(expectedOwner);
        if (startAfter != null && !startAfter.isEmpty()) {
            request.startAfter(startAfter);
        }
        try {
            for (var page : s3.listObjectsV2Paginator(request.build())) {
                for (var o : page.contents()) {
                    each.accept(new ObjectRef(bucket, o.key(), o.size() == null ? -1 : o.size(), o.eTag(), null,
                            o.lastModified()));
                }
            }
        } catch (SdkException e) {
            throw new IOException("ListObjectsV2 s3://" + bucket + "/" + prefix + " failed: " + e.getMessage(), e);
        }
    }

    private static String errorCode(S3Exception e) {
        return e.awsErrorDetails() == null ? "" : e.awsErrorDetails().errorCode();
    }
}
