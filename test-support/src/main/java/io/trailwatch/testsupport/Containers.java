package io.trailwatch.testsupport;

import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;

import java.util.logging.Logger;

/**
 * The opt-in Testcontainers path: with {@value #ENV}{@code =true} and a reachable Docker engine, the Kafka broker is
 * the {@code apache/kafka} image production runs. Without Docker the switch is ignored with one log line, and the
 * in-process components are used.
 */
public final class Containers {

    /** Set to {@code true} to run the broker from its container image. */
    public static final String ENV = "TRAILWATCH_TESTCONTAINERS";

    /** The image, at the Kafka version of the build. */
    public static final String KAFKA_IMAGE = "apache/kafka:4.1.2";

    private static final Logger LOG = Logger.getLogger(Containers.class.getName());

    private Containers() {
    }

    /** Whether Testcontainers can run here. */
    public static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    /** The bootstrap address of a containerized broker when opted in and possible, else null. */
    static String kafkaBootstrapIfEnabled() {
        if (!"true".equalsIgnoreCase(System.getenv(ENV))) {
            return null;
        }
        if (!dockerAvailable()) {
            LOG.warning(ENV + "=true but no Docker engine is reachable: using the in-process Kafka broker");
            return null;
        }
        var kafka = new KafkaContainer(KAFKA_IMAGE);
        kafka.start();
        Runtime.getRuntime().addShutdownHook(new Thread(kafka::stop, "kafka-container-stop"));
        return kafka.getBootstrapServers();
    }
}
