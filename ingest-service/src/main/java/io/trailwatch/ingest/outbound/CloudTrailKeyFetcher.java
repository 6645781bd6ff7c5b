package io.trailwatch.ingest.outbound;

import io.trailwatch.cloudtrail.digest.PublicKeys;
import io.trailwatch.ingest.core.PublicKeySource;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudtrail.CloudTrailClient;
import software.amazon.awssdk.services.cloudtrail.model.PublicKey;

import java.io.IOException;
import java.net.URI;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * CloudTrail ListPublicKeys, in the digest's region (each region signs with keys of its own). One client per region,
 * sharing one HTTP client. Needs {@code cloudtrail:ListPublicKeys}.
 */
public final class CloudTrailKeyFetcher implements PublicKeySource.Fetcher, AutoCloseable {

    private final AwsCredentialsProvider credentials;
    private final SdkHttpClient http;
    private final URI endpoint;
    private final Duration timeout;
    private final Map<String, CloudTrailClient> clients = new ConcurrentHashMap<>();

    /**
     * @param endpoint an endpoint override (a test server), or null for AWS's regional endpoints
     */
    public CloudTrailKeyFetcher(AwsCredentialsProvider credentials, SdkHttpClient http, URI endpoint, Duration timeout) {
        this.credentials = credentials;
        this.http = http;
        this.endpoint = endpoint;
        this.timeout = timeout;
    }

    @Override
    public List<PublicKeys.Entry> list(String region, Instant start, Instant end) throws IOException {
        if (endpoint == null && !Region.regions().contains(Region.of(region))) {
            throw new io.trailwatch.cloudtrail.digest.DigestVerifier.KeyLookupRefused("the digest's region " + region + " is unknown to this AWS SDK", null);
        }
        CloudTrailClient client = clients.computeIfAbsent(region, this::client);
        List<PublicKeys.Entry> keys = new ArrayList<>();
        try {
            for (var page : client.listPublicKeysPaginator(r -> r.startTime(start).endTime(end))) {
                for (PublicKey k : page.publicKeyList()) {
                    if (k.fingerprint() == null || k.value() == null) {
                        continue;
                    }
                    keys.add(new PublicKeys.Entry(k.fingerprint(), PublicKeys.fromDer(k.value().asByteArray()),
                            k.validityStartTime(), k.validityEndTime()));
                }
            }
        } catch (AwsServiceException e) {
            boolean permanent = e.statusCode() >= 400 && e.statusCode() < 500 && !e.isThrottlingException()
                    && e.statusCode() != 408;
            String message = "CloudTrail ListPublicKeys in " + region + " answered " + e.statusCode() + " "
                    + (e.awsErrorDetails() == null ? "" : e.awsErrorDetails().errorCode()) + ": " + e.getMessage();
            throw permanent ? new io.trailwatch.cloudtrail.digest.DigestVerifier.KeyLookupRefused(message, e) : new IOException(message, e);
        } catch (SdkException e) {
            throw new IOException("CloudTrail ListPublicKeys in " + region + " failed: " + e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            throw new io.trailwatch.cloudtrail.digest.DigestVerifier.KeyLookupRefused("CloudTrail ListPublicKeys in " + region
                    + " returned an unreadable key: " + e.getMessage(), e);
        }
        return keys;
    }

    private CloudTrailClient client(String region) {
        var builder = CloudTrailClient.builder()
                .region(Region.of(region))
                .credentialsProvider(credentials)
                .httpClient(http)
                .overrideConfiguration(o -> o.apiCallAttemptTimeout(timeout));
        if (endpoint != null) {
            builder.endpointOverride(endpoint);
        }
        return builder.build();
    }

    @Override
    public void close() {
        clients.values().forEach(CloudTrailClient::close);
        http.close();
    }
}
