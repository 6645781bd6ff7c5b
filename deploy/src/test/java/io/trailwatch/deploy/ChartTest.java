package io.trailwatch.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;

import static io.trailwatch.deploy.Chart.named;
import static io.trailwatch.deploy.Chart.ofKind;
import static io.trailwatch.deploy.Chart.render;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** deploy/helm/trailwatch rendered by Helm for its default values and each scenario under ci/. */
class ChartTest {

    private static final List<String> SERVICES = List.of("ingest", "detect", "notify", "remediate");

    @Test
    void lint_passesStrict() {
        var result = Chart.helm().lint().strict().call();
        assertThat(result.isFailed()).as(String.join("\n", result.getMessages())).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "minimal-values.yaml", "everything-values.yaml", "existing-secrets-values.yaml", "keda-values.yaml",
            "tls-sasl-values.yaml", "strimzi-users-values.yaml", "strimzi-mtls-values.yaml"})
    void everyRenderedObject_isValidAgainstTheKubernetesApi_andLabelled(String values) {
        List<JsonNode> objects = render(values.isEmpty() ? null : values, Map.of());

        assertThat(objects).isNotEmpty();
        List<String> errors = new ArrayList<>();
        for (JsonNode o : objects) {
            errors.addAll(Chart.CUSTOM_KINDS.contains(o.path("kind").asText()) ? Chart.customErrors(o) : Chart.apiErrors(o));
            JsonNode labels = o.at("/metadata/labels");
            for (String label : List.of("app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/version",
                    "app.kubernetes.io/managed-by", "app.kubernetes.io/part-of")) {
                if (!labels.hasNonNull(label)) {
                    errors.add(o.path("kind").asText() + " " + o.at("/metadata/name").asText() + ": no label " + label);
                }
            }
        }
        assertThat(errors).isEmpty();
        assertThat(ofKind(objects, "Secret")).as("the chart never renders a Secret").isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "minimal-values.yaml", "everything-values.yaml", "tls-sasl-values.yaml"})
    void everyPod_isHardened_probed_andSelectedByItsOwnLabels(String values) {
        List<JsonNode> objects = render(values.isEmpty() ? null : values, Map.of());

        for (JsonNode d : ofKind(objects, "Deployment")) {
            String name = d.at("/metadata/name").asText();
            JsonNode pod = d.at("/spec/template/spec");
            assertThat(pod.at("/securityContext/runAsNonRoot").asBoolean()).as(name).isTrue();
            assertThat(pod.at("/securityContext/seccompProfile/type").asText()).as(name).isEqualTo("RuntimeDefault");
            assertThat(pod.at("/automountServiceAccountToken").asBoolean(true)).as(name).isFalse();
            JsonNode c = pod.at("/containers/0");
            assertThat(c.at("/securityContext/readOnlyRootFilesystem").asBoolean()).as(name).isTrue();
            assertThat(c.at("/securityContext/allowPrivilegeEscalation").asBoolean(true)).as(name).isFalse();
            assertThat(c.at("/securityContext/capabilities/drop").toString()).as(name).isEqualTo("[\"ALL\"]");
            assertThat(c.at("/readinessProbe/httpGet/path").asText()).as(name).isEqualTo("/q/health/ready");
            assertThat(c.at("/readinessProbe/httpGet/port").asText()).as(name + " probes the management port").isEqualTo("management");
            assertThat(c.at("/livenessProbe/httpGet/port").asText()).as(name).isEqualTo("management");
            assertThat(c.at("/livenessProbe/httpGet/path").asText()).as(name).isEqualTo("/q/health/live");
            assertThat(StreamSupport.stream(c.at("/volumeMounts").spliterator(), false).map(m -> m.get("mountPath").asText()))
                    .as(name + " has a writable /tmp").contains("/tmp");
            JsonNode podLabels = d.at("/spec/template/metadata/labels");
            d.at("/spec/selector/matchLabels").fields().forEachRemaining(e ->
                    assertThat(podLabels.path(e.getKey()).asText()).as(name + " selector " + e.getKey()).isEqualTo(e.getValue().asText()));
            JsonNode service = named(objects, "Service", name);
            service.at("/spec/selector").fields().forEachRemaining(e ->
                    assertThat(podLabels.path(e.getKey()).asText()).as(name + " service selector").isEqualTo(e.getValue().asText()));
            if (!ofKind(objects, "NetworkPolicy").isEmpty()) { // minimal-values turns them off
                assertThat(named(objects, "NetworkPolicy", name).at("/spec/podSelector/matchLabels"))
                        .as(name + " network policy").isEqualTo(d.at("/spec/selector/matchLabels"));
            }
        }
    }

    @Test
    void defaults_runFourServices_twoReplicasEach_withAServiceAccount_aPdb_andANetworkPolicyEach() {
        List<JsonNode> objects = render(null, Map.of());

        for (String s : SERVICES) {
            String name = "tw-trailwatch-" + s;
            assertThat(named(objects, "Deployment", name).at("/spec/replicas").asInt()).isEqualTo(2);
            assertThat(named(objects, "Deployment", name).at("/spec/template/spec/serviceAccountName").asText()).isEqualTo(name);
            named(objects, "ServiceAccount", name);
            named(objects, "PodDisruptionBudget", name);
            named(objects, "NetworkPolicy", name);
            assertThat(named(objects, "Deployment", name).at("/spec/template/spec/containers/0/image").asText())
                    .isEqualTo("ghcr.io/trailwatch/" + s + "-service:0.1.0-SNAPSHOT");
        }
        assertThat(ofKind(objects, "HorizontalPodAutoscaler")).isEmpty();
        assertThat(ofKind(objects, "ScaledObject")).isEmpty();
        assertThat(ofKind(objects, "KafkaTopic")).isEmpty();
    }

    @Test
    void everyService_keepsNativeMemoryDown_asMeasuredLocally() {
        for (JsonNode d : ofKind(render(null, Map.of()), "Deployment")) {
            Map<String, String> env = new java.util.HashMap<>();
            d.at("/spec/template/spec/containers/0/env").forEach(e -> env.put(e.path("name").asText(), e.path("value").asText()));
            assertThat(env.get("MALLOC_ARENA_MAX")).as(d.at("/metadata/name").asText()).isEqualTo("2");
            assertThat(env.get("JAVA_OPTS_APPEND")).contains("-XX:TrimNativeHeapInterval=5000").contains("-XX:MaxRAMPercentage=40");
        }
    }

    @Test
    void everyService_runsTheCollectorAndHeapBoundsMeasuredLocally_andAJvmStartsWithWhatThePodIsGiven() throws Exception {
        for (Map<String, Object> told : List.of(Map.<String, Object>of(),
                Map.<String, Object>of("notify.jvmOptions", "-XX:+UseG1GC -XX:TieredStopAtLevel=1", "detect.jvmOptions", "-XX:+UseAdaptiveGCBoundary"))) {
            for (JsonNode d : ofKind(render(null, told), "Deployment")) {
                String name = d.at("/metadata/name").asText();
                Map<String, String> env = new java.util.HashMap<>();
                d.at("/spec/template/spec/containers/0/env").forEach(e -> env.put(e.path("name").asText(), e.path("value").asText()));
                boolean g1 = name.endsWith("-notify") && !told.isEmpty();
                // the image's run-java.sh takes the collector from GC_CONTAINER_OPTIONS: one named in jvmOptions goes
                // there instead, not beside it; a flag that only looks like one (UseAdaptiveGCBoundary) stays where it was
                assertThat(env.get("GC_CONTAINER_OPTIONS")).as(name).isEqualTo(g1 ? "-XX:+UseG1GC" : "-XX:+UseSerialGC");
                assertThat(env).as(name).containsEntry("GC_MIN_HEAP_FREE_RATIO", "20").containsEntry("GC_MAX_HEAP_FREE_RATIO", "40");
                assertThat(env.get("JAVA_OPTS_APPEND")).as(name).doesNotContainPattern("-XX:\\+Use[A-Za-z0-9]+GC\\b");
                if (name.endsWith("-detect") && !told.isEmpty()) {
                    assertThat(env.get("JAVA_OPTS_APPEND")).endsWith("-Djava.io.tmpdir=/tmp -XX:+UseAdaptiveGCBoundary");
                }
                if (name.endsWith("-detect") && told.isEmpty() || g1) {
                    assertThat(startJvm(runJavaOptions(env))).as(name).isEmpty();
                }
            }
        }
    }

    /**
     * The JVM options the image's run-java.sh composes from the pod's environment, as Red Hat's UBI OpenJDK images
     * document them: the collector, the heap's free ratios and the adaptive-size options, then {@code JAVA_OPTS_APPEND}.
     */
    private static List<String> runJavaOptions(Map<String, String> env) {
        List<String> options = new ArrayList<>(List.of(env.get("GC_CONTAINER_OPTIONS").split(" ")));
        options.addAll(List.of("-XX:MinHeapFreeRatio=" + env.get("GC_MIN_HEAP_FREE_RATIO"),
                "-XX:MaxHeapFreeRatio=" + env.get("GC_MAX_HEAP_FREE_RATIO"), "-XX:GCTimeRatio=4", "-XX:AdaptiveSizePolicyWeight=90"));
        for (String o : env.get("JAVA_OPTS_APPEND").split(" ")) {
            // before Java 17.0.9 the JVM has no native heap trimming (the images are later); the rest must be known
            if (!o.startsWith("-XX:TrimNativeHeapInterval") || Runtime.version().compareTo(Runtime.Version.parse("17.0.9")) >= 0) {
                options.add(o);
            }
        }
        return options;
    }

    /** What {@code java <options> -version} printed when it failed to start; empty when it started. */
    private static String startJvm(List<String> options) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(options);
        cmd.add("-version");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        return p.waitFor() == 0 ? "" : String.join(" ", cmd) + "\n" + out;
    }

    @Test
    void theServicesThatHandleEveryEvent_runOnlyTheOptimizingCompiler_theFindingServicesOnlyTheQuickOne_unlessTold() {
        Map<String, String> opts = javaOptions(render(null, Map.of()));
        assertThat(opts).hasSize(5);
        opts.forEach((name, value) -> {
            boolean everyEvent = name.endsWith("-ingest") || name.endsWith("-detect");
            assertThat(value).as(name).contains(everyEvent ? "-XX:-TieredCompilation" : "-XX:TieredStopAtLevel=1")
                    .doesNotContain(everyEvent ? "TieredStopAtLevel" : "-TieredCompilation");
        });

        Map<String, String> told = javaOptions(render(null, Map.of("notify.jvmOptions", "-XX:+UseG1GC", "detect.jvmOptions", "")));
        told.forEach((name, value) -> {
            if (name.endsWith("-notify")) {
                // the collector goes to GC_CONTAINER_OPTIONS (everyService_runsTheCollectorAndHeapBoundsMeasuredLocally_...)
                assertThat(value).isEqualTo("-XX:MaxRAMPercentage=40 -XX:TrimNativeHeapInterval=5000 -Djava.io.tmpdir=/tmp");
            } else if (name.endsWith("-detect")) {
                assertThat(value).isEqualTo("-XX:MaxRAMPercentage=40 -XX:TrimNativeHeapInterval=5000 -Djava.io.tmpdir=/tmp");
            }
        });
        assertThat(told.keySet()).anyMatch(n -> n.endsWith("-notify")).anyMatch(n -> n.endsWith("-detect"));
    }

    /** Each Deployment's JAVA_OPTS_APPEND, by its name. */
    private static Map<String, String> javaOptions(List<JsonNode> objects) {
        Map<String, String> out = new java.util.TreeMap<>();
        for (JsonNode d : ofKind(objects, "Deployment")) {
            d.at("/spec/template/spec/containers/0/env").forEach(e -> {
                if (e.path("name").asText().equals("JAVA_OPTS_APPEND")) {
                    out.put(d.at("/metadata/name").asText(), e.path("value").asText());
                }
            });
        }
        return out;
    }

    @Test
    void aDisabledService_rendersNothing() {
        List<JsonNode> objects = render("minimal-values.yaml", Map.of());

        assertThat(objects).noneMatch(o -> o.at("/metadata/name").asText().endsWith("-notify"))
                .noneMatch(o -> o.at("/metadata/name").asText().endsWith("-remediate"));
        assertThat(ofKind(objects, "Deployment")).extracting(d -> d.at("/metadata/name").asText())
                .containsExactly("tw-trailwatch-ingest", "tw-trailwatch-detect", "tw-trailwatch-console");
    }

    @Test
    void irsa_theRoleAnnotationFromValues_isOnTheServicesAccount() {
        List<JsonNode> objects = render("everything-values.yaml", Map.of());

        assertThat(named(objects, "ServiceAccount", "tw-trailwatch-ingest").at("/metadata/annotations/eks.amazonaws.com~1role-arn").asText())
                .isEqualTo("arn:aws:iam::111122223333:role/trailwatch-ingest");
        assertThat(named(objects, "ServiceAccount", "tw-trailwatch-notify").at("/metadata/annotations").isMissingNode()).isTrue();
    }

    @Test
    void secrets_areReferencedFromExistingSecrets_neverInlined() {
        List<JsonNode> objects = render("existing-secrets-values.yaml", Map.of());

        JsonNode notify = named(objects, "Deployment", "tw-trailwatch-notify").at("/spec/template/spec/containers/0/env");
        assertThat(env(notify, "KAFKA_SASL_PASSWORD").at("/valueFrom/secretKeyRef/name").asText()).isEqualTo("trailwatch-kafka");
        assertThat(env(notify, "NOTIFY_SECOPS_URL").at("/valueFrom/secretKeyRef/key").asText()).isEqualTo("slack-url");
        assertThat(env(notify, "NOTIFY_SIEM_HMAC_KEY").at("/valueFrom/secretKeyRef/key").asText()).isEqualTo("siem-hmac-key");
        assertThat(env(notify, "SMTP_PASSWORD").at("/valueFrom/secretKeyRef/key").asText()).isEqualTo("smtp-password");
        for (String service : List.of("tw-trailwatch-ingest", "tw-trailwatch-remediate")) {
            JsonNode env = named(objects, "Deployment", service).at("/spec/template/spec/containers/0/env");
            assertThat(env(env, "TRAILWATCH_MANAGEMENT_PASSWORD_0").at("/valueFrom/secretKeyRef/key").asText()).as(service).isEqualTo("ops-password");
            assertThat(named(objects, "ConfigMap", service).at("/data/application.properties").asText()).as(service).contains(
                    "quarkus.security.users.embedded.users.ops=${TRAILWATCH_MANAGEMENT_PASSWORD_0}",
                    "quarkus.security.users.embedded.roles.ops=operator");
        }
        String properties = named(objects, "ConfigMap", "tw-trailwatch-notify").at("/data/application.properties").asText();
        assertThat(properties).contains("trailwatch.notify.destinations.secops.url=${NOTIFY_SECOPS_URL}",
                "trailwatch.notify.destinations.siem.hmac-key=${NOTIFY_SIEM_HMAC_KEY}", "quarkus.mailer.password=${SMTP_PASSWORD}",
                "password=\"${KAFKA_SASL_PASSWORD}\"");
        for (JsonNode d : ofKind(objects, "Deployment")) {
            for (JsonNode e : d.at("/spec/template/spec/containers/0/env")) {
                assertThat(e.path("name").asText().matches(".*(PASSWORD|URL|KEY|SECRET).*") && e.has("value"))
                        .as(d.at("/metadata/name").asText() + " env " + e.path("name").asText() + " is a literal").isFalse();
            }
        }
    }

    @Test
    void hpaOrKeda_isAValuesSwitch() {
        List<JsonNode> hpa = render("everything-values.yaml", Map.of());
        assertThat(ofKind(hpa, "HorizontalPodAutoscaler")).extracting(o -> o.at("/metadata/name").asText())
                .containsExactlyInAnyOrder("tw-trailwatch-ingest", "tw-trailwatch-detect");
        assertThat(ofKind(hpa, "ScaledObject")).isEmpty();
        assertThat(named(hpa, "Deployment", "tw-trailwatch-detect").at("/spec/replicas").isMissingNode())
                .as("the autoscaler owns the replica count").isTrue();

        List<JsonNode> keda = render("keda-values.yaml", Map.of());
        assertThat(ofKind(keda, "HorizontalPodAutoscaler")).isEmpty();
        assertThat(ofKind(keda, "ScaledObject")).hasSize(4);
        JsonNode ingest = named(keda, "ScaledObject", "tw-trailwatch-ingest").at("/spec/triggers/0");
        assertThat(ingest.path("type").asText()).isEqualTo("aws-sqs-queue");
        assertThat(ingest.at("/metadata/queueURL").asText()).endsWith("/cloudtrail-objects");
        JsonNode nearRealTime = named(keda, "ScaledObject", "tw-trailwatch-ingest").at("/spec/triggers/1");
        assertThat(nearRealTime.path("type").asText()).as("the EventBridge queue's depth, too").isEqualTo("aws-sqs-queue");
        assertThat(nearRealTime.at("/metadata/queueURL").asText()).endsWith("/cloudtrail-events");
        assertThat(nearRealTime.at("/metadata/queueLength").asText()).isEqualTo("10");
        assertThat(named(render("keda-values.yaml", Map.of("ingest.config.trailwatch\\.ingest\\.near-real-time\\.queue-url", "")),
                "ScaledObject", "tw-trailwatch-ingest").at("/spec/triggers/1").isMissingNode()).as("no second queue, no second trigger").isTrue();
        assertThat(named(keda, "TriggerAuthentication", "tw-trailwatch-ingest").at("/spec/podIdentity/provider").asText()).isEqualTo("aws");
        JsonNode detect = named(keda, "ScaledObject", "tw-trailwatch-detect").at("/spec/triggers/0");
        assertThat(detect.path("type").asText()).isEqualTo("kafka");
        assertThat(detect.at("/metadata/consumerGroup").asText()).isEqualTo("trailwatch-detect");
        assertThat(detect.at("/metadata/topic").asText()).isEqualTo("trailwatch.events.v3");
        assertThat(named(keda, "ScaledObject", "tw-trailwatch-notify").at("/spec/triggers/0/metadata/topic").asText())
                .isEqualTo("trailwatch.findings.v1");
    }

    @Test
    void theConsole_keepsItsEmbeddedStoreOnAVolume_oneReplicaOnly_orUsesPostgres_andActsAsAConfiguredOperator() {
        List<JsonNode> objects = render(null, Map.of());
        JsonNode console = named(objects, "Deployment", "tw-trailwatch-console");
        assertThat(console.at("/spec/replicas").asInt()).isEqualTo(1);
        assertThat(console.at("/spec/strategy/type").asText()).as("a ReadWriteOnce volume").isEqualTo("Recreate");
        assertThat(console.at("/spec/template/spec/volumes").toString()).contains("\"claimName\":\"tw-trailwatch-console\"");
        assertThat(named(objects, "PersistentVolumeClaim", "tw-trailwatch-console").at("/metadata/annotations/helm.sh~1resource-policy").asText())
                .isEqualTo("keep");
        String properties = named(objects, "ConfigMap", "tw-trailwatch-console").at("/data/application.properties").asText();
        assertThat(properties).contains("trailwatch.console.data-dir=/var/lib/trailwatch/console",
                "trailwatch.console.management.remediate-url=http://tw-trailwatch-remediate:9000",
                "trailwatch.console.management.ingest-url=http://tw-trailwatch-ingest:9000",
                "trailwatch.console.topics.findings=trailwatch.findings.v1").doesNotContain("quarkus.datasource.active");
        assertThat(named(objects, "NetworkPolicy", "tw-trailwatch-console").at("/spec/egress").toString())
                .as("the console reaches ingest's and remediate's management port").contains("\"app.kubernetes.io/component\":\"remediate\"")
                .contains("\"port\":9000");
        for (String called : List.of("ingest", "remediate")) {
            assertThat(named(objects, "NetworkPolicy", "tw-trailwatch-" + called).at("/spec/ingress").toString())
                    .as(called + " admits the console to its management port").contains("\"app.kubernetes.io/component\":\"console\"");
        }
        assertThat(named(objects, "NetworkPolicy", "tw-trailwatch-detect").at("/spec/ingress").toString()).doesNotContain("console");
        assertThatThrownBy(() -> render(null, Map.of("console.replicas", 2)))
                .hasMessageContaining("the embedded database serves one replica");

        List<JsonNode> postgres = render(null, Map.of("console.database.url", "jdbc:postgresql://pg.db:5432/trailwatch",
                "console.database.username", "trailwatch", "console.database.passwordSecret.name", "trailwatch-db",
                "console.replicas", 2, "console.from[0].namespaceSelector.matchLabels.team", "edge",
                "management.users[0].name", "console", "management.users[0].role", "operator",
                "management.users[0].passwordSecret.name", "trailwatch-management", "management.users[0].passwordSecret.key", "console",
                "console.managementUser", "console"));
        JsonNode scaled = named(postgres, "Deployment", "tw-trailwatch-console");
        assertThat(scaled.at("/spec/replicas").asInt()).isEqualTo(2);
        assertThat(scaled.at("/spec/strategy").isMissingNode()).isTrue();
        assertThat(ofKind(postgres, "PersistentVolumeClaim")).isEmpty();
        assertThat(env(scaled.at("/spec/template/spec/containers/0/env"), "CONSOLE_DATABASE_PASSWORD")
                .at("/valueFrom/secretKeyRef/name").asText()).isEqualTo("trailwatch-db");
        String pg = named(postgres, "ConfigMap", "tw-trailwatch-console").at("/data/application.properties").asText();
        assertThat(pg).contains("quarkus.datasource.active=false", "quarkus.datasource.\"postgresql\".active=true",
                "quarkus.datasource.\"postgresql\".jdbc.url=jdbc:postgresql://pg.db:5432/trailwatch",
                "quarkus.datasource.\"postgresql\".password=${CONSOLE_DATABASE_PASSWORD}",
                "trailwatch.console.management.user=console",
                "trailwatch.console.management.password=${TRAILWATCH_MANAGEMENT_PASSWORD_0}")
                .doesNotContain("data-dir");
        JsonNode policy = named(postgres, "NetworkPolicy", "tw-trailwatch-console");
        assertThat(policy.at("/spec/ingress").toString()).as("the pages, to console.from only")
                .contains("\"port\":\"http\"").contains("\"team\":\"edge\"");
        assertThat(policy.at("/spec/egress").toString()).contains("\"port\":5432");
        for (String other : List.of("ingest", "detect", "notify", "remediate")) {
            assertThat(named(postgres, "NetworkPolicy", "tw-trailwatch-" + other).at("/spec/ingress").toString())
                    .as(other + "'s application port stays closed").doesNotContain("\"http\"");
        }

        assertThatThrownBy(() -> render(null, Map.of("management.users[0].name", "dashboards", "management.users[0].role", "viewer",
                "management.users[0].passwordSecret.name", "s", "management.users[0].passwordSecret.key", "k",
                "console.managementUser", "dashboards"))).hasMessageContaining("must be a management.users entry of role operator");
        assertThatThrownBy(() -> render(null, Map.of("console.managementUser", "nobody"))).hasMessageContaining("is no management.users entry");
    }

    @Test
    void replicasBeyondTheConsumedTopicsPartitions_failTheRendering() {
        assertThatThrownBy(() -> render(null, Map.of("detect.replicas", 13)))
                .hasMessageContaining("detect: 13 replicas at most, but trailwatch.events.v3 has 12 partitions");
        assertThatThrownBy(() -> render(null, Map.of("notify.autoscaling.enabled", true, "notify.autoscaling.maxReplicas", 7)))
                .hasMessageContaining("notify: 7 replicas at most, but trailwatch.findings.v1 has 6 partitions");
        assertThat(ofKind(render(null, Map.of("ingest.replicas", 40)), "Deployment")).as("ingest reads SQS: no bound").hasSize(5);
    }

    @Test
    void tlsAndSasl_configureEveryKafkaClient_andKeda() {
        List<JsonNode> objects = render("tls-sasl-values.yaml", Map.of());

        String detect = named(objects, "ConfigMap", "tw-trailwatch-detect").at("/data/application.properties").asText();
        for (String prefix : List.of("kafka.", "kafka-streams.")) {
            assertThat(detect).contains(prefix + "security.protocol=SASL_SSL", prefix + "sasl.mechanism=SCRAM-SHA-512",
                    prefix + "ssl.truststore.location=/etc/trailwatch/kafka-ca/ca.crt",
                    prefix + "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\"trailwatch\" password=\"${KAFKA_SASL_PASSWORD}\";");
        }
        JsonNode pod = named(objects, "Deployment", "tw-trailwatch-ingest").at("/spec/template/spec");
        assertThat(pod.toString()).contains("\"secretName\":\"kafka-ca\"", "\"mountPath\":\"/etc/trailwatch/kafka-ca\"");
        assertThat(named(objects, "ScaledObject", "tw-trailwatch-detect").at("/spec/triggers/0/metadata/sasl").asText()).isEqualTo("scram_sha512");
        assertThat(named(objects, "TriggerAuthentication", "tw-trailwatch-detect").at("/spec/secretTargetRef").toString())
                .contains("trailwatch-kafka", "kafka-ca");
        assertThat(named(objects, "NetworkPolicy", "tw-trailwatch-detect").toString()).contains("10.20.0.0/16", "9096");
    }

    @Test
    void networkPolicies_letEachServiceReachOnlyWhatItUses() {
        List<JsonNode> objects = render("everything-values.yaml", Map.of());

        assertThat(named(objects, "NetworkPolicy", "tw-trailwatch-detect").at("/spec/egress")).as("detect: DNS and Kafka").hasSize(2);
        assertThat(named(objects, "NetworkPolicy", "tw-trailwatch-ingest").at("/spec/egress")).as("ingest: + AWS").hasSize(3);
        assertThat(named(objects, "NetworkPolicy", "tw-trailwatch-remediate").at("/spec/egress")).as("remediate: + Lambda").hasSize(3);
        assertThat(named(objects, "NetworkPolicy", "tw-trailwatch-notify").at("/spec/egress")).as("notify: + Slack/SMTP/webhooks").hasSize(3);
        assertThat(named(objects, "NetworkPolicy", "tw-trailwatch-notify").at("/spec/ingress/0/from/0/namespaceSelector/matchLabels")
                .toString()).contains("monitoring");
    }

    @Test
    void managementTokens_fromTheIdentityProvider_configureBearerVerification_onTheServicesWithAManagementApi() {
        List<JsonNode> objects = render("everything-values.yaml", Map.of());

        for (String service : List.of("tw-trailwatch-ingest", "tw-trailwatch-remediate")) {
            assertThat(named(objects, "ConfigMap", service).at("/data/application.properties").asText()).as(service).contains(
                    "mp.jwt.verify.publickey.location=https://idp.example.com/realms/security/protocol/openid-connect/certs",
                    "mp.jwt.verify.issuer=https://idp.example.com/realms/security", "mp.jwt.verify.audiences=trailwatch",
                    "smallrye.jwt.path.groups=realm_access/roles");
        }
        assertThat(named(objects, "ConfigMap", "tw-trailwatch-notify").at("/data/application.properties").asText())
                .doesNotContain("mp.jwt");
        assertThatThrownBy(() -> render("everything-values.yaml", Map.of("management.tokens.audience", "")))
                .hasMessageContaining("management.tokens.audience is required");
    }

    @Test
    void networkPolicies_admitOnlyTheNamedPeers_andOnlyToTheManagementPort() {
        for (JsonNode policy : ofKind(render(null, Map.of()), "NetworkPolicy")) {
            String name = policy.at("/metadata/name").asText();
            boolean calledByTheConsole = name.endsWith("-ingest") || name.endsWith("-remediate");
            assertThat(policy.at("/spec/ingress")).as(name).hasSize(calledByTheConsole ? 2 : 1);
            policy.at("/spec/ingress").forEach(rule -> assertThat(rule.at("/ports").toString()).as(name)
                    .isEqualTo("[{\"port\":\"management\",\"protocol\":\"TCP\"}]"));
            assertThat(policy.at("/spec/ingress/0/from/0/namespaceSelector/matchLabels/kubernetes.io~1metadata.name").asText())
                    .as(name + ": by default, the monitoring namespace only").isEqualTo("monitoring");
            if (calledByTheConsole) {
                assertThat(policy.at("/spec/ingress/1/from/0/podSelector/matchLabels/app.kubernetes.io~1component").asText())
                        .as(name + ": and the console's pods (its operations page)").isEqualTo("console");
            }
        }
        for (JsonNode policy : ofKind(render("closed-management-values.yaml", Map.of()), "NetworkPolicy")) {
            String name = policy.at("/metadata/name").asText();
            if (name.endsWith("-ingest") || name.endsWith("-remediate")) {
                assertThat(policy.at("/spec/ingress")).as(name + " admits the console only").hasSize(1);
                assertThat(policy.at("/spec/ingress/0/from/0/podSelector/matchLabels/app.kubernetes.io~1component").asText()).isEqualTo("console");
            } else {
                assertThat(policy.at("/spec/ingress").isArray() && policy.at("/spec/ingress").isEmpty()).as(name + " admits nobody").isTrue();
            }
        }
    }

    @Test
    void rules_notifications_andRemediations_fromValues_reachTheServicesConfiguration() {
        List<JsonNode> objects = render("everything-values.yaml", Map.of());

        assertThat(named(objects, "ConfigMap", "tw-trailwatch-detect-rules").at("/data/my-bucket-deleted.yaml").asText())
                .contains("id: my-bucket-deleted");
        assertThat(named(objects, "ConfigMap", "tw-trailwatch-detect").at("/data/application.properties").asText()).contains(
                "trailwatch.detect.rules-dir=/etc/trailwatch/rules", "trailwatch.detect.lists.trusted-accounts=111122223333,444455556666",
                "trailwatch.detect.exceptions.role-arns=arn:aws:iam::111122223333:role/terraform");
        assertThat(named(objects, "Deployment", "tw-trailwatch-detect").toString()).contains("\"mountPath\":\"/etc/trailwatch/rules\"");
        assertThat(named(objects, "ConfigMap", "tw-trailwatch-notify").at("/data/application.properties").asText()).contains(
                "trailwatch.notify.routes.urgent.min-severity=high", "trailwatch.notify.routes.everything.destinations=secops,siem",
                "trailwatch.notify.destinations.oncall-mail.to=oncall@example.com", "trailwatch.notify.destinations.siem.concurrency=8");
        assertThat(named(objects, "ConfigMap", "tw-trailwatch-remediate").at("/data/application.properties").asText()).contains(
                "trailwatch.remediate.enabled=true", "trailwatch.remediate.allowed-accounts=111122223333",
                "trailwatch.remediate.remediations.restart-logging.function=trailwatch-restart-logging",
                "trailwatch.remediate.remediations.remove-sharing.enabled=false",
                "trailwatch.remediate.remediations.restart-logging.require-validated-digest=true",
                "trailwatch.remediate.digest.max-wait=3h", "trailwatch.remediate.digest.topic=trailwatch.integrity.v1",
                "mp.messaging.incoming.deferred.topic=trailwatch.remediate.deferred.v1",
                "trailwatch.remediate.ledger.retention=3024000000ms");
        assertThat(named(objects, "ConfigMap", "tw-trailwatch-remediate").at("/data/application.properties").asText())
                .as("only where asked").doesNotContain("remove-sharing.require-validated-digest");
        assertThat(named(objects, "ConfigMap", "tw-trailwatch-ingest").at("/data/application.properties").asText())
                .contains("trailwatch.ingest.concurrency=8", "trailwatch.ingest.aws.region=eu-west-1",
                        "mp.messaging.outgoing.integrity.topic=trailwatch.integrity.v1",
                        "mp.messaging.outgoing.findings.topic=trailwatch.findings.v1");
    }

    @Test
    void strimziTopics_compactTheLedgersAndTheDetectorState_andKeepTheRest() {
        List<JsonNode> topics = ofKind(render("everything-values.yaml", Map.of()), "KafkaTopic");

        assertThat(topics).as("every topic of docs/topics.md, trailwatch.dlq.remediate.findings included").hasSize(20).allSatisfy(t -> assertThat(t.at("/metadata/labels/strimzi.io~1cluster").asText()).isEqualTo("trailwatch"));
        for (JsonNode t : topics) {
            String name = t.at("/spec/topicName").asText();
            boolean ledger = name.contains("ledger");
            boolean compact = name.contains("control") || name.endsWith("-changelog");
            assertThat(t.at("/spec/config/cleanup.policy").asText()).as(name)
                    .isEqualTo(ledger ? "compact,delete" : compact ? "compact" : "delete");
            if (ledger) {
                assertThat(t.at("/spec/config/retention.ms").asLong()).as("ledgers are bounded in time: " + name)
                        .isEqualTo(java.time.Duration.ofDays(35).toMillis());
            }
        }
        assertThat(topics).filteredOn(t -> t.at("/spec/topicName").asText().equals("trailwatch.events.v3"))
                .singleElement().satisfies(t -> assertThat(t.at("/spec/partitions").asInt()).isEqualTo(12));
    }

    @Test
    void strimziUsers_giveEachServiceExactlyTheAccessFilesAcls_andItsPodsConnectAsThatUser() {
        List<JsonNode> objects = render("strimzi-users-values.yaml", Map.of());
        var access = io.trailwatch.devkit.KafkaAccess.of(Chart.DIR);

        assertThat(ofKind(objects, "KafkaUser")).hasSize(5);
        for (String service : List.of("ingest", "detect", "notify", "remediate", "console")) {
            String name = "tw-trailwatch-" + service;
            JsonNode user = named(objects, "KafkaUser", name);
            assertThat(user.at("/metadata/labels/strimzi.io~1cluster").asText()).isEqualTo("trailwatch");
            assertThat(user.at("/spec/authentication/type").asText()).isEqualTo("scram-sha-512");
            assertThat(acls(user)).as(service).containsExactlyInAnyOrderElementsOf(access.grants(service).stream()
                    .flatMap(g -> g.operations().stream().map(op -> g.type() + "|" + g.name() + "|" + (g.prefix() ? "prefix" : "literal") + "|" + op))
                    .toList());
            JsonNode env = named(objects, "Deployment", name).at("/spec/template/spec/containers/0/env");
            assertThat(env(env, "KAFKA_SASL_PASSWORD").at("/valueFrom/secretKeyRef/name").asText()).isEqualTo(name);
            assertThat(env(env, "KAFKA_SASL_PASSWORD").at("/valueFrom/secretKeyRef/key").asText()).isEqualTo("password");
            String properties = named(objects, "ConfigMap", name).at("/data/application.properties").asText();
            assertThat(properties).contains("security.protocol=SASL_SSL", "sasl.mechanism=SCRAM-SHA-512",
                    "username=\"" + name + "\" password=\"${KAFKA_SASL_PASSWORD}\"");
        }
        List<String> notify = acls(named(objects, "KafkaUser", "tw-trailwatch-notify"));
        assertThat(notify).as("a taken-over notify may not trigger Lambda, turn the kill switch or silence alerts")
                .doesNotContain("topic|trailwatch.findings.v1|literal|Write", "topic|trailwatch.remediate.control.v1|literal|Write",
                        "topic|trailwatch.remediate.ledger.v1|literal|Write", "topic|trailwatch.ingest.ledger.v1|literal|Write")
                .noneMatch(a -> a.startsWith("topic|trailwatch.events.v3|"));
    }

    @Test
    void strimziUsersWithClientCertificates_mountEachServicesKeystore_andNeedTls() {
        List<JsonNode> objects = render("strimzi-mtls-values.yaml", Map.of());

        for (String service : List.of("ingest", "detect", "notify", "remediate")) {
            String name = "tw-trailwatch-" + service;
            assertThat(named(objects, "KafkaUser", name).at("/spec/authentication/type").asText()).isEqualTo("tls");
            JsonNode pod = named(objects, "Deployment", name).at("/spec/template/spec");
            assertThat(env(pod.at("/containers/0/env"), "KAFKA_KEYSTORE_PASSWORD").at("/valueFrom/secretKeyRef/key").asText()).isEqualTo("user.password");
            assertThat(pod.at("/volumes").toString()).contains("\"secretName\":\"" + name + "\"");
            String properties = named(objects, "ConfigMap", name).at("/data/application.properties").asText();
            assertThat(properties).contains("security.protocol=SSL", "ssl.keystore.type=PKCS12",
                    "ssl.keystore.location=/etc/trailwatch/kafka-user/user.p12", "ssl.keystore.password=${KAFKA_KEYSTORE_PASSWORD}")
                    .doesNotContain("sasl.jaas.config");
        }
        assertThat(named(objects, "TriggerAuthentication", "tw-trailwatch-detect").at("/spec/secretTargetRef").toString())
                .contains("user.crt", "user.key");
        assertThatThrownBy(() -> render("strimzi-mtls-values.yaml", Map.of("kafka.tls.enabled", false)))
                .hasMessageContaining("needs kafka.tls.enabled");
    }

    @Test
    void aServicesOwnKafkaUser_outsideStrimzi_replacesTheSharedOne() {
        List<JsonNode> objects = render("existing-secrets-values.yaml", Map.of("notify.kafka.username", "tw-notify",
                "notify.kafka.passwordSecret.name", "notify-kafka", "notify.kafka.passwordSecret.key", "pw"));

        assertThat(named(objects, "ConfigMap", "tw-trailwatch-notify").at("/data/application.properties").asText())
                .contains("username=\"tw-notify\"");
        assertThat(env(named(objects, "Deployment", "tw-trailwatch-notify").at("/spec/template/spec/containers/0/env"), "KAFKA_SASL_PASSWORD")
                .at("/valueFrom/secretKeyRef/name").asText()).isEqualTo("notify-kafka");
        assertThat(named(objects, "ConfigMap", "tw-trailwatch-ingest").at("/data/application.properties").asText())
                .as("the others keep the shared user").contains("username=\"trailwatch\"");
    }

    private static List<String> acls(JsonNode kafkaUser) {
        List<String> out = new ArrayList<>();
        for (JsonNode acl : kafkaUser.at("/spec/authorization/acls")) {
            for (JsonNode op : acl.get("operations")) {
                out.add(acl.at("/resource/type").asText() + "|" + acl.at("/resource/name").asText() + "|"
                        + acl.at("/resource/patternType").asText() + "|" + op.asText());
            }
        }
        return out;
    }

    private static JsonNode env(JsonNode env, String name) {
        for (JsonNode e : env) {
            if (name.equals(e.path("name").asText())) {
                return e;
            }
        }
        throw new AssertionError("no env " + name + " in " + env);
    }
}
