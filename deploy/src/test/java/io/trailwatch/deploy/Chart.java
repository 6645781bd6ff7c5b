package io.trailwatch.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.marcnuri.helm.Helm;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.KubernetesResource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The chart rendered by a real Helm engine (helm-java, Helm 3), and checks of what it renders. */
final class Chart {

    static final Path DIR = Path.of("helm", "trailwatch");
    static final String RELEASE = "tw";
    static final String NAMESPACE = "security";
    static final String KUBE_VERSION = "v1.31.0";
    /** Kinds of custom resources the chart may render; the rest must be Kubernetes API kinds. */
    static final Set<String> CUSTOM_KINDS = Set.of("ScaledObject", "TriggerAuthentication", "ServiceMonitor", "KafkaTopic", "KafkaUser");

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final YAMLMapper YAML = new YAMLMapper();

    private Chart() {
    }

    static Helm helm() {
        return new Helm(DIR);
    }

    /** The objects rendered with the default values and, when given, a values file under helm/trailwatch/ci/. */
    static List<JsonNode> render(String valuesFile, Map<String, Object> set) {
        var template = template();
        if (valuesFile != null) {
            template = template.withValuesFile(DIR.resolve("ci").resolve(valuesFile));
        }
        for (var e : set.entrySet()) {
            template = template.set(e.getKey(), e.getValue());
        }
        return parse(template.call());
    }

    /** The objects rendered with the default values and a values file from anywhere. */
    static List<JsonNode> render(Path valuesFile) {
        return parse(template().withValuesFile(valuesFile).call());
    }

    private static com.marcnuri.helm.TemplateCommand template() {
        return helm().template().withName(RELEASE).withNamespace(NAMESPACE).withKubeVersion(KUBE_VERSION);
    }

    static List<JsonNode> parse(String yaml) {
        List<JsonNode> out = new ArrayList<>();
        try (var parser = new YAMLFactory().createParser(yaml)) {
            for (JsonNode doc : YAML.readValues(parser, JsonNode.class).readAll()) {
                if (doc != null && !doc.isNull() && !doc.isEmpty()) {
                    out.add(doc);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    static List<JsonNode> ofKind(List<JsonNode> objects, String kind) {
        return objects.stream().filter(o -> kind.equals(o.path("kind").asText())).toList();
    }

    static JsonNode named(List<JsonNode> objects, String kind, String name) {
        return ofKind(objects, kind).stream().filter(o -> name.equals(o.at("/metadata/name").asText())).findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " " + name));
    }

    /**
     * What is wrong with an object against the Kubernetes API model (fabric8): a kind the API does not have, a wrong
     * type, or a field the API does not know (fabric8 keeps those aside; this walks the model and reports them).
     */
    static List<String> apiErrors(JsonNode object) {
        String id = object.path("kind").asText() + " " + object.at("/metadata/name").asText();
        List<String> errors = new ArrayList<>();
        KubernetesResource typed;
        try {
            typed = JSON.treeToValue(object, KubernetesResource.class);
        } catch (Exception e) {
            return List.of(id + ": " + e.getMessage());
        }
        if (typed instanceof GenericKubernetesResource) {
            return List.of(id + ": " + object.path("apiVersion").asText() + " " + object.path("kind").asText() + " is no Kubernetes API kind");
        }
        walk(typed, id, errors);
        return errors;
    }

    /**
     * The fields each custom resource the chart renders may have, from the CRDs' published specs (KEDA 2.x
     * ScaledObject and TriggerAuthentication, Prometheus Operator ServiceMonitor, Strimzi v1beta2 KafkaTopic):
     * {@code null} takes any value, a map lists the allowed fields, a one-element list holds the fields of the items.
     */
    private static final Map<String, Object> CUSTOM_FIELDS = Map.of(
            "keda.sh/v1alpha1/ScaledObject", Map.of("spec", fields(
                    "scaleTargetRef", fields("name", null, "kind", null, "apiVersion", null, "envSourceContainerName", null),
                    "pollingInterval", null, "cooldownPeriod", null, "idleReplicaCount", null, "minReplicaCount", null,
                    "maxReplicaCount", null, "fallback", null, "advanced", null,
                    "triggers", List.of(fields("type", null, "name", null, "metadata", null, "metricType", null, "useCachedMetrics", null,
                            "authenticationRef", fields("name", null, "kind", null))))),
            "keda.sh/v1alpha1/TriggerAuthentication", Map.of("spec", fields(
                    "podIdentity", fields("provider", null, "identityOwner", null, "roleArn", null, "identityId", null),
                    "secretTargetRef", List.of(fields("parameter", null, "name", null, "key", null)),
                    "env", List.of(fields("parameter", null, "name", null, "containerName", null)))),
            "monitoring.coreos.com/v1/ServiceMonitor", Map.of("spec", fields(
                    "selector", fields("matchLabels", null, "matchExpressions", null), "namespaceSelector", null, "jobLabel", null,
                    "endpoints", List.of(fields("port", null, "path", null, "interval", null, "scrapeTimeout", null, "scheme", null,
                            "honorLabels", null, "relabelings", null, "metricRelabelings", null, "tlsConfig", null)))),
            "kafka.strimzi.io/v1beta2/KafkaTopic", Map.of("spec", fields("topicName", null, "partitions", null, "replicas", null,
                    "config", null)),
            "kafka.strimzi.io/v1beta2/KafkaUser", Map.of("spec", fields(
                    "authentication", fields("type", null, "password", null),
                    "authorization", fields("type", null, "acls", List.of(fields(
                            "resource", fields("type", null, "name", null, "patternType", null),
                            "operations", null, "host", null, "type", null))),
                    "quotas", null, "template", null)));

    private static Map<String, Object> fields(Object... keyValues) {
        Map<String, Object> m = new java.util.HashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            m.put((String) keyValues[i], keyValues[i + 1]);
        }
        return m;
    }

    /** What is wrong with a custom resource: an unknown apiVersion/kind, or a field its CRD does not have. */
    static List<String> customErrors(JsonNode object) {
        String type = object.path("apiVersion").asText() + "/" + object.path("kind").asText();
        String id = object.path("kind").asText() + " " + object.at("/metadata/name").asText();
        Object spec = CUSTOM_FIELDS.get(type);
        if (spec == null) {
            return List.of(id + ": " + type + " is no custom resource the chart knows");
        }
        List<String> errors = new ArrayList<>();
        try {
            walk(JSON.treeToValue(object.path("metadata"), io.fabric8.kubernetes.api.model.ObjectMeta.class), id + ".metadata", errors);
        } catch (Exception e) {
            errors.add(id + ".metadata: " + e.getMessage());
        }
        var top = new java.util.HashMap<>((Map<String, Object>) spec);
        top.put("apiVersion", null);
        top.put("kind", null);
        top.put("metadata", null);
        check(object, top, id, errors);
        return errors;
    }

    @SuppressWarnings("unchecked")
    private static void check(JsonNode node, Object allowed, String path, List<String> errors) {
        if (allowed == null) {
            return;
        }
        if (allowed instanceof List<?> items) {
            if (!node.isArray()) {
                errors.add(path + ": a list was expected");
                return;
            }
            for (int i = 0; i < node.size(); i++) {
                check(node.get(i), items.get(0), path + "[" + i + "]", errors);
            }
            return;
        }
        Map<String, Object> fields = (Map<String, Object>) allowed;
        if (!node.isObject()) {
            errors.add(path + ": an object was expected");
            return;
        }
        node.fields().forEachRemaining(e -> {
            if (!fields.containsKey(e.getKey())) {
                errors.add(path + ": field the CRD does not have: " + e.getKey());
            } else {
                check(e.getValue(), fields.get(e.getKey()), path + "." + e.getKey(), errors);
            }
        });
    }

    private static void walk(Object o, String path, List<String> errors) {
        if (o == null) {
            return;
        }
        if (o instanceof Collection<?> c) {
            int i = 0;
            for (Object e : c) {
                walk(e, path + "[" + i++ + "]", errors);
            }
            return;
        }
        if (o instanceof Map<?, ?> m) {
            m.forEach((k, v) -> walk(v, path + "." + k, errors));
            return;
        }
        if (!o.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
            return;
        }
        for (Method m : o.getClass().getMethods()) {
            String name = m.getName();
            if (m.getParameterCount() != 0 || !name.startsWith("get") || name.equals("getClass") || m.getDeclaringClass() == Object.class) {
                continue;
            }
            Object value;
            try {
                value = m.invoke(o);
            } catch (ReflectiveOperationException e) {
                continue;
            }
            if (name.equals("getAdditionalProperties")) {
                if (value instanceof Map<?, ?> extra && !extra.isEmpty()) {
                    errors.add(path + ": fields the API does not have: " + extra.keySet());
                }
            } else {
                walk(value, path + "." + Character.toLowerCase(name.charAt(3)) + name.substring(4), errors);
            }
        }
    }
}
