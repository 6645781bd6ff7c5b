package io.trailwatch.ingest.outbound;

import io.trailwatch.ingest.config.IngestConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

import java.time.Duration;

/** The AWS SDK clients, as plain CDI beans built from {@link IngestConfig.Aws}. */
@ApplicationScoped
public class AwsClients {

    @Produces
    @Singleton
    S3Client s3(IngestConfig config) {
        var aws = config.aws();
        var builder = S3Client.builder()
                .region(Region.of(aws.region()))
                .credentialsProvider(credentials(aws))
                .forcePathStyle(aws.s3PathStyle())
                // Checksums only where S3 requires them: S3-compatible servers reject the SDK's default trailers.
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .httpClient(ApacheHttpClient.builder()
                        .maxConnections(Math.max(16, 2 * (config.concurrency() + config.backfill().concurrency())))
                        .connectionTimeout(Duration.ofSeconds(10))
                        .socketTimeout(aws.apiCallTimeout())
                        .build())
                .overrideConfiguration(o -> o.apiCallAttemptTimeout(aws.apiCallTimeout()));
        aws.s3Endpoint().ifPresent(builder::endpointOverride);
        return builder.build();
    }

    @Produces
    @Singleton
    SqsClient sqs(IngestConfig config) {
        var aws = config.aws();
        // A receive long-polls for up to 20 s: the call timeout must outlast it.
        Duration timeout = aws.apiCallTimeout().plusSeconds(config.sqs().waitTimeSeconds());
        var builder = SqsClient.builder()
                .region(Region.of(aws.region()))
                .credentialsProvider(credentials(aws))
                .httpClient(ApacheHttpClient.builder()
                        .maxConnections(16)
                        .connectionTimeout(Duration.ofSeconds(10))
                        .socketTimeout(timeout)
                        .build())
                .overrideConfiguration(o -> o.apiCallAttemptTimeout(timeout));
        aws.sqsEndpoint().ifPresent(builder::endpointOverride);
        return builder.build();
    }

    @Produces
    @Singleton
    CloudTrailKeyFetcher cloudTrailKeys(IngestConfig config) {
        var aws = config.aws();
        return new CloudTrailKeyFetcher(credentials(aws), ApacheHttpClient.builder()
                .maxConnections(4)
                .connectionTimeout(Duration.ofSeconds(10))
                .socketTimeout(aws.apiCallTimeout())
                .build(), aws.cloudtrailEndpoint().orElse(null), aws.apiCallTimeout());
    }

    void close(@Disposes CloudTrailKeyFetcher fetcher) {
        fetcher.close();
    }

    void close(@Disposes S3Client client) {
        client.close();
    }

    void close(@Disposes SqsClient client) {
        client.close();
    }

    private static AwsCredentialsProvider credentials(IngestConfig.Aws aws) {
        return io.trailwatch.messaging.aws.AwsClients.credentials(aws.staticCredentials(),
                "trailwatch.ingest.aws.static-credentials");
    }
}
