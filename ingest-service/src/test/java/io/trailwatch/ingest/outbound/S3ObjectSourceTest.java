package io.trailwatch.ingest.outbound;

import com.sun.net.httpserver.HttpServer;
import io.trailwatch.ingest.core.ObjectRef;
import io.trailwatch.ingest.core.ObjectSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What S3 is asked and how its refusals are read, against an HTTP server answering as S3 does when a bucket's owner
 * is not the {@code x-amz-expected-bucket-owner} of the request (403 AccessDenied).
 */
class S3ObjectSourceTest {

    private static final String OWNER = "111122223333";
    private static final String DENIED = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            + "<Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>R1</RequestId></Error>";
    private static final String EMPTY_LISTING = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            + "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Name>trail</Name><Prefix>AWSLogs/</Prefix>"
            + "<KeyCount>0</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated></ListBucketResult>";

    private final List<String> owners = Collections.synchronizedList(new ArrayList<>());
    private final HttpServer server;
    private final S3Client s3;

    S3ObjectSourceTest() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            String owner = exchange.getRequestHeaders().getFirst("x-amz-expected-bucket-owner");
            owners.add(owner == null ? "none" : owner);
            boolean listing = exchange.getRequestURI().getQuery() != null && exchange.getRequestURI().getQuery().contains("list-type=2");
            int status = listing ? 200 : 403;
            byte[] body = (listing ? EMPTY_LISTING : DENIED).getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/xml");
            exchange.sendResponseHeaders(status, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        s3 = S3Client.builder().region(Region.US_EAST_1).forcePathStyle(true)
                .endpointOverride(URI.create("http://127.0.0.1:" + server.getAddress().getPort()))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("k", "s")))
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .build();
    }

    @AfterEach
    void stop() {
        s3.close();
        server.stop(0);
    }

    @Test
    void everyCall_carriesTheExpectedBucketOwner_andS3sRefusal_isAnOwnerRefusal() throws Exception {
        var source = new S3ObjectSource(s3, OWNER);

        assertThatThrownBy(() -> source.open(new ObjectRef("trail", "AWSLogs/x.json.gz", 1, null, null, null)))
                .isInstanceOf(ObjectSource.OwnerRefusedException.class)
                .hasMessageContaining("expectedBucketOwner " + OWNER);
        source.list("trail", "AWSLogs/", null, ref -> { });

        assertThat(owners).isNotEmpty().containsOnly(OWNER);
    }

    @Test
    void withoutAnExpectedOwner_aRefusalIsTransient() {
        var source = new S3ObjectSource(s3, (String) null);

        assertThatThrownBy(() -> source.open(new ObjectRef("trail", "AWSLogs/x.json.gz", 1, null, null, null)))
                .isInstanceOf(IOException.class).hasMessageContaining("403");
        assertThat(owners).containsOnly("none");
    }
}
