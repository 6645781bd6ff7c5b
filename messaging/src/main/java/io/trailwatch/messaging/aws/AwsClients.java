package io.trailwatch.messaging.aws;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.regions.Region;

import java.util.Optional;

/**
 * How every service builds its AWS SDK clients (which its producers then offer as CDI beans): region, endpoint
 * override and credentials from an {@link AwsClientConfig}, credentials parsed and checked in one place.
 */
public final class AwsClients {

    private AwsClients() {
    }

    /**
     * Static credentials when configured, else the default chain (IRSA, instance profile, environment).
     *
     * @param staticCredentials {@code accessKeyId:secretAccessKey}
     * @param key               the setting's name, for the message when it is malformed
     */
    public static AwsCredentialsProvider credentials(Optional<String> staticCredentials, String key) {
        if (staticCredentials.isEmpty()) {
            return DefaultCredentialsProvider.builder().build();
        }
        String pair = staticCredentials.get();
        int colon = pair.indexOf(':');
        if (colon <= 0 || colon == pair.length() - 1) {
            throw new IllegalArgumentException(key + " must be accessKeyId:secretAccessKey");
        }
        return StaticCredentialsProvider.create(AwsBasicCredentials.create(pair.substring(0, colon), pair.substring(colon + 1)));
    }

    /**
     * Applies region, endpoint and credentials to a client builder.
     *
     * @param prefix the settings' prefix, e.g. {@code trailwatch.remediate.lambda}, for messages
     */
    public static <B extends AwsClientBuilder<B, ?>> B configure(B builder, AwsClientConfig config, String prefix) {
        builder.region(Region.of(config.region())).credentialsProvider(credentials(config.staticCredentials(),
                prefix + ".static-credentials"));
        config.endpoint().ifPresent(builder::endpointOverride);
        return builder;
    }
}
