package io.trailwatch.messaging;

import java.util.Map;
import java.util.TreeMap;

/**
 * How a plain Kafka client (admin, ledger reader, control-topic producer) connects: the brokers and the security
 * settings (TLS, SASL), taken from the service's {@code kafka.*} configuration (Quarkus' {@code default-kafka-broker}
 * map), so they reach a secured cluster exactly as the messaging channels do.
 */
public final class KafkaConnection {

    private KafkaConnection() {
    }

    /** The connection settings among a client configuration: bootstrap servers, security protocol, SASL and SSL. */
    public static Map<String, Object> of(Map<String, ?> config) {
        Map<String, Object> out = security(config);
        Object servers = config.get("bootstrap.servers");
        if (servers == null) {
            throw new IllegalArgumentException("no bootstrap.servers in the Kafka configuration");
        }
        out.put("bootstrap.servers", servers.toString());
        return out;
    }

    /** The security settings only (security protocol, SASL, SSL), for clients whose brokers are configured apart. */
    public static Map<String, Object> security(Map<String, ?> config) {
        Map<String, Object> out = new TreeMap<>();
        config.forEach((k, v) -> {
            if (v != null && (k.equals("security.protocol") || k.equals("client.dns.lookup") || k.startsWith("sasl.") || k.startsWith("ssl."))) {
                out.put(k, v.toString());
            }
        });
        return out;
    }

    /** Only brokers, no security: tests and the local platform. */
    public static Map<String, Object> plain(String bootstrapServers) {
        return Map.of("bootstrap.servers", bootstrapServers);
    }
}
