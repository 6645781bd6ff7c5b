package io.trailwatch.devkit;

import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketAlreadyOwnedByYouException;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;

import java.net.URI;
import java.time.Duration;
import java.util.Properties;

/**
 * A real S3-compatible server (S3Proxy over an in-memory blob store) on a loopback port, with SigV4 authentication.
 * {@link #shared()} starts one per JVM.
 */
public final class S3Server implements AutoCloseable {

    public static final String ACCESS_KEY = "test";
    public static final String SECRET_KEY = "test";

    private static S3Server shared;

    private final S3Proxy proxy;
    private final BlobStoreContext context;
    private final S3Client client;

    private S3Server(S3Proxy proxy, BlobStoreContext context) {
        this.proxy = proxy;
        this.context = context;
        this.client = client(endpoint());
    }

    /** The server of this JVM, started on first use. */
    public static synchronized S3Server shared() {
        if (shared == null) {
            shared = start();
            S3Server s = shared;
            Runtime.getRuntime().addShutdownHook(new Thread(s::close, "s3-server-stop"));
        }
        return shared;
    }

    /** A new server of its own, keeping objects in memory. */
    public static S3Server start() {
        return start(null);
    }

    /** A new server of its own, keeping objects under {@code dir} (in memory when null). */
    public static S3Server start(java.nio.file.Path dir) {
        var props = new Properties();
        if (dir != null) {
            try {
                java.nio.file.Files.createDirectories(dir);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            props.setProperty("jclouds.filesystem.basedir", dir.toAbsolutePath().toString());
        }
        BlobStoreContext context = ContextBuilder.newBuilder(dir == null ? "transient-nio2" : "filesystem-nio2")
                .credentials(ACCESS_KEY, SECRET_KEY)
                .overrides(props)
                .build(BlobStoreContext.class);
        S3Proxy proxy = S3Proxy.builder()
                .blobStore(context.getBlobStore())
                .endpoint(URI.create("http://127.0.0.1:0"))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                .build();
        try {
            proxy.start();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!"STARTED".equals(proxy.getState())) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("S3Proxy did not start: " + proxy.getState());
                }
                Thread.sleep(20);
            }
        } catch (Exception e) {
            throw e instanceof RuntimeException r ? r : new IllegalStateException(e);
        }
        return new S3Server(proxy, context);
    }

    /** The endpoint URL, e.g. {@code http://127.0.0.1:41234}. */
    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + proxy.getPort());
    }

    /** A client configured for this server (path-style, checksums only when required). Do not close it. */
    public S3Client client() {
        return client;
    }

    /** Creates a bucket if it does not exist. */
    public void createBucket(String bucket) {
        try {
            client.createBucket(b -> b.bucket(bucket));
        } catch (BucketAlreadyOwnedByYouException e) {
            // already there
        } catch (software.amazon.awssdk.services.s3.model.S3Exception e) {
            if (e.statusCode() != 409) {
                throw e;
            }
        }
    }

    /** Uploads an object; returns S3's response (with the ETag). */
    public PutObjectResponse put(String bucket, String key, byte[] content) {
        return client.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromBytes(content));
    }

    /** Deletes an object. */
    public void delete(String bucket, String key) {
        client.deleteObject(b -> b.bucket(bucket).key(key));
    }

    /** An S3 client for an S3-compatible endpoint: path-style addressing, checksums only when required. */
    public static S3Client client(URI endpoint) {
        return S3Client.builder()
                .region(Region.US_EAST_1)
                .endpointOverride(endpoint)
                .forcePathStyle(true)
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
                .httpClient(UrlConnectionHttpClient.create())
                .build();
    }

    @Override
    public synchronized void close() {
        try {
            proxy.stop();
        } catch (Exception e) {
            // best effort at shutdown
        }
        client.close();
        context.close();
    }
}
