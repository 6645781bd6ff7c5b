package io.trailwatch.ingest.it;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.trailwatch.devkit.KafkaBroker;
import io.trailwatch.devkit.SqsServer;
import io.trailwatch.testsupport.TestKafka;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import static io.trailwatch.ingest.it.IngestHarness.WAIT;
import static io.trailwatch.ingest.it.IngestHarness.countEventsOf;
import static io.trailwatch.ingest.it.IngestHarness.eventsOf;
import static io.trailwatch.ingest.it.IngestHarness.metric;
import static io.trailwatch.ingest.it.IngestHarness.newKey;
import static io.trailwatch.ingest.it.IngestHarness.notifyS3;
import static io.trailwatch.ingest.it.IngestHarness.awaitQueueDrained;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The broker goes away while a file is processed: the SQS message is kept and redelivered, readiness goes down and
 * comes back, the records reach the topic once the broker is back, and the ledger keeps a later redelivery from
 * adding a second copy.
 */
@QuarkusTest
@QuarkusTestResource(value = IngestResources.class, restrictToAnnotatedClass = false)
class KafkaOutageIT {

    @Test
    void brokerDownWhileAFileIsProcessed_messageIsRedelivered_andEveryRecordArrivesOnce() {
        KafkaBroker broker = TestKafka.shared();
        String key = newKey("eu-west-1");
        IngestPipelineIT.generated(key, 200);
        double retriedBefore = metric("trailwatch_ingest_objects_total", "outcome=\"retried\"", "reason=\"kafka-error\"");

        broker.stop();
        try {
            notifyS3("s3-object-created.json", key, 1);
            Awaitility.await().atMost(WAIT).until(() ->
                    metric("trailwatch_ingest_objects_total", "outcome=\"retried\"", "reason=\"kafka-error\"") > retriedBefore);
            assertThat(SqsServer.shared().undeleted(IngestHarness.queueUrl())).as("message kept for redelivery").isEqualTo(1);
            Awaitility.await().atMost(WAIT).until(() -> io.trailwatch.testsupport.Management.anonymous().get("/q/health/ready").statusCode() == 503);
        } finally {
            broker.restart();
        }
        Awaitility.await().atMost(WAIT).until(() -> io.trailwatch.testsupport.Management.anonymous().get("/q/health/ready").statusCode() == 200);

        eventsOf(key, 200);

        notifyS3("s3-object-created.json", key, 1);
        awaitQueueDrained();
        assertThat(countEventsOf(key)).as("the ledger stops a second copy").isEqualTo(200);
    }
}
