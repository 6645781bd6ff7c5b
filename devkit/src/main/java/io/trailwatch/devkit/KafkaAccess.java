package io.trailwatch.devkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What each service may do on Kafka, as the chart says it ({@code deploy/helm/trailwatch/files/kafka-access.yaml}, with
 * the topic names of the chart's default values): the same grants the chart's Strimzi KafkaUsers carry, for a broker
 * this project runs ({@code ./trailwatch local}) or for {@code kafka-acls} on another cluster. Immutable.
 */
public final class KafkaAccess {

    /** The access file, relative to the chart's directory. */
    public static final String FILE = "files/kafka-access.yaml";

    /**
     * One grant.
     *
     * @param type       {@code topic}, {@code group}, {@code transactionalId} or {@code cluster}
     * @param name       the resource's name (a topic's actual name), or the prefix
     * @param prefix     whether {@code name} is a prefix
     * @param operations Kafka's operation names, e.g. {@code Read}, {@code Write}
     */
    public record Grant(String type, String name, boolean prefix, List<String> operations) {
    }

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private final Map<String, List<Grant>> services;

    private KafkaAccess(Map<String, List<Grant>> services) {
        this.services = services;
    }

    /** Reads the chart's access file and its default topic names. */
    public static KafkaAccess of(Path chartDir) {
        try {
            JsonNode access = YAML.readTree(chartDir.resolve(FILE).toFile());
            JsonNode values = YAML.readTree(chartDir.resolve("values.yaml").toFile());
            Map<String, String> topics = new LinkedHashMap<>();
            values.path("topics").fields().forEachRemaining(e -> {
                if (e.getValue().hasNonNull("name")) {
                    topics.put(e.getKey(), e.getValue().get("name").asText());
                }
            });
            access.path("deadLetterTopics").fields().forEachRemaining(e -> topics.put(e.getKey(), e.getValue().asText()));
            Map<String, List<Grant>> services = new LinkedHashMap<>();
            access.path("services").fields().forEachRemaining(s -> {
                List<Grant> grants = new ArrayList<>();
                for (JsonNode g : s.getValue()) {
                    String type = g.path("type").asText();
                    List<String> operations = new ArrayList<>();
                    g.path("operations").forEach(o -> operations.add(o.asText()));
                    if (g.hasNonNull("prefix")) {
                        grants.add(new Grant(type, g.get("prefix").asText(), true, List.copyOf(operations)));
                    }
                    for (JsonNode n : g.path("names")) {
                        String name = n.asText();
                        if (type.equals("topic")) {
                            name = topics.get(name);
                            if (name == null) {
                                throw new IllegalArgumentException(FILE + ": service " + s.getKey() + " names the topic key '"
                                        + n.asText() + "', which is neither under values.yaml's topics nor a dead-letter topic");
                            }
                        }
                        grants.add(new Grant(type, name, false, List.copyOf(operations)));
                    }
                }
                services.put(s.getKey(), List.copyOf(grants));
            });
            return new KafkaAccess(Map.copyOf(services));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + chartDir.resolve(FILE), e);
        }
    }

    /** The services the file names. */
    public List<String> services() {
        return services.keySet().stream().sorted().toList();
    }

    /** A service's grants. */
    public List<Grant> grants(String service) {
        List<Grant> g = services.get(service);
        if (g == null) {
            throw new IllegalArgumentException("no Kafka access for service " + service);
        }
        return g;
    }

    /** A service's grants as ACL bindings (allow, any host) for a principal such as {@code User:trailwatch-notify}. */
    public List<AclBinding> bindings(String service, String principal) {
        List<AclBinding> out = new ArrayList<>();
        for (Grant g : grants(service)) {
            var pattern = new ResourcePattern(resourceType(g.type()), g.name(), g.prefix() ? PatternType.PREFIXED : PatternType.LITERAL);
            for (String op : g.operations()) {
                out.add(new AclBinding(pattern, new AccessControlEntry(principal, "*", operation(op), AclPermissionType.ALLOW)));
            }
        }
        return out;
    }

    static ResourceType resourceType(String type) {
        return switch (type) {
            case "topic" -> ResourceType.TOPIC;
            case "group" -> ResourceType.GROUP;
            case "transactionalId" -> ResourceType.TRANSACTIONAL_ID;
            case "cluster" -> ResourceType.CLUSTER;
            default -> throw new IllegalArgumentException(FILE + ": unknown resource type " + type);
        };
    }

    static AclOperation operation(String name) {
        // Kafka's names in Strimzi's spelling (Read, IdempotentWrite, DescribeConfigs) to its enum (READ, ...)
        String upper = name.replaceAll("([a-z])([A-Z])", "$1_$2").toUpperCase(Locale.ROOT);
        AclOperation op = AclOperation.fromString(upper);
        if (op == AclOperation.UNKNOWN || op == AclOperation.ANY) {
            throw new IllegalArgumentException(FILE + ": unknown operation " + name);
        }
        return op;
    }
}
