package io.trailwatch.testsupport;

import io.trailwatch.devkit.KafkaBroker;

/**
 * The Kafka broker of a test JVM: one, started on first use and stopped when the JVM exits, shared by every test of
 * the module. Which broker it is:
 * <ol>
 *     <li>the one at {@value #EXTERNAL_ENV}, when that names a bootstrap address (restarts are then impossible);</li>
 *     <li>the {@code apache/kafka} image run by Testcontainers, with {@value Containers#ENV}{@code =true} and a
 *     Docker engine;</li>
 *     <li>otherwise a {@link KafkaBroker} child process of this JVM.</li>
 * </ol>
 */
public final class TestKafka {

    /** Use an already running broker at this bootstrap address. */
    public static final String EXTERNAL_ENV = "TRAILWATCH_KAFKA_BOOTSTRAP";

    private static KafkaBroker shared;

    private TestKafka() {
    }

    /** The broker of this JVM, started on first use. */
    public static synchronized KafkaBroker shared() {
        if (shared == null) {
            String external = System.getenv(EXTERNAL_ENV);
            if (external == null || external.isBlank()) {
                external = Containers.kafkaBootstrapIfEnabled();
            }
            shared = external != null && !external.isBlank() ? KafkaBroker.external(external) : KafkaBroker.start();
            KafkaBroker broker = shared;
            Runtime.getRuntime().addShutdownHook(new Thread(broker::close, "kafka-broker-stop"));
        }
        return shared;
    }
}
