package io.trailwatch.messaging.aws;

import io.smallrye.config.WithDefault;

import java.net.URI;
import java.util.Optional;

/**
 * The settings of one AWS SDK client, as a service's config mapping declares them (a group extending this one): the
 * region, and for tests or compatible servers an endpoint and static credentials.
 */
public interface AwsClientConfig {

    /** The AWS region of the client. */
    @WithDefault("us-east-1")
    String region();

    /** Endpoint override (tests, compatible servers); unset in AWS. */
    Optional<URI> endpoint();

    /** {@code accessKeyId:secretAccessKey}; unset in AWS, where the default credential chain applies (IRSA, ...). */
    Optional<String> staticCredentials();
}
