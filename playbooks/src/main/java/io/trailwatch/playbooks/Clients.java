package io.trailwatch.playbooks;

import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudtrail.CloudTrailClient;
import software.amazon.awssdk.services.ec2.Ec2Client;

import java.net.URI;
import java.util.function.Function;

/** AWS clients per region, with the function's own credentials (its execution role). */
final class Clients {

    private Clients() {
    }

    static Function<String, CloudTrailClient> cloudTrail(URI endpoint) {
        return region -> {
            var b = CloudTrailClient.builder().region(Region.of(region)).httpClient(UrlConnectionHttpClient.create());
            if (endpoint != null) {
                b.endpointOverride(endpoint);
            }
            return b.build();
        };
    }

    static Function<String, Ec2Client> ec2(URI endpoint) {
        return region -> {
            var b = Ec2Client.builder().region(Region.of(region)).httpClient(UrlConnectionHttpClient.create());
            if (endpoint != null) {
                b.endpointOverride(endpoint);
            }
            return b.build();
        };
    }
}
