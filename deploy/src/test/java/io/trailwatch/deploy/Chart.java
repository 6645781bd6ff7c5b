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
    static final Set<String> CUSTOM_KINDS = Set.of("ScaledObject", "TriggerAuthentication", "ServiceMonitor", "KafkaTopic");

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final YAMLMapper YAML = new YAMLMapper();

    private Chart() {
    }

    static Helm helm() {
        return new Helm(DIR);
    }

    /** The objects rendered with the default values and, when given, a values file under helm/trailwatch/ci/. */
    static List<JsonNode> render(String valuesFile, Map<String, Object> set) {
        var template = helm().template().withName(RELEASE).withNamespace(NAMESPACE).withKubeVersion(KUBE_VERSION);
        if (valuesFile != null) {
            template = template.withValuesFile(DIR.resolve("ci").resolve(valuesFile));
        }
        for (var e : set.entrySet()) {
            template = template.set(e.getKey(), e.getValue());
        }
        return parse(template.call());
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
