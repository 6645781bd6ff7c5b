package io.trailwatch.ingest.inbound;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.trailwatch.ingest.core.IngestMetrics;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.BatchResultErrorEntry;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequest;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchResponse;
import software.amazon.awssdk.services.sqs.model.Message;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/** Finished messages are deleted ten to a request, per queue, and what waits goes at the next flush. */
class SqsDeletionsTest {

    private static final String QUEUE_A = "https://sqs.eu-west-1.amazonaws.com/111122223333/a";
    private static final String QUEUE_B = "https://sqs.eu-west-1.amazonaws.com/111122223333/b";

    private final List<DeleteMessageBatchRequest> requests = new ArrayList<>();
    private final AtomicReference<RuntimeException> failure = new AtomicReference<>();
    private final List<String> refused = new ArrayList<>();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final SqsDeletions deletions = new SqsDeletions(new RecordingSqs(), new IngestMetrics(registry));

    @Test
    void theTenthMessageOfAQueue_sendsItsBatch_andTheRestWaitsForTheFlush() {
        for (int i = 0; i < 23; i++) {
            deletions.delete(QUEUE_A, message("a" + i));
        }
        deletions.delete(QUEUE_B, message("b0"));

        assertThat(requests).hasSize(2);
        assertThat(handles(requests.get(0))).containsExactly("rh-a0", "rh-a1", "rh-a2", "rh-a3", "rh-a4", "rh-a5", "rh-a6",
                "rh-a7", "rh-a8", "rh-a9");
        assertThat(handles(requests.get(1))).startsWith("rh-a10").endsWith("rh-a19").hasSize(10);
        assertThat(deletions.waiting()).isEqualTo(4);

        deletions.flush();

        assertThat(requests).hasSize(4);
        assertThat(requests.get(2).queueUrl()).isEqualTo(QUEUE_A);
        assertThat(handles(requests.get(2))).containsExactly("rh-a20", "rh-a21", "rh-a22");
        assertThat(requests.get(3).queueUrl()).isEqualTo(QUEUE_B);
        assertThat(handles(requests.get(3))).containsExactly("rh-b0");
        assertThat(deletions.waiting()).isZero();

        deletions.flush();
        assertThat(requests).as("nothing waiting, no request").hasSize(4);
    }

    @Test
    void entriesSqsRefused_andARequestThatFailed_areCountedAsDeleteErrors_andNotRetried() {
        refused.add("rh-x3");
        for (int i = 0; i < 10; i++) {
            deletions.delete(QUEUE_A, message("x" + i));
        }
        assertThat(errors()).isEqualTo(1.0);

        failure.set(SdkClientException.create("connection refused"));
        deletions.delete(QUEUE_A, message("y0"));
        deletions.flush();
        assertThat(errors()).isEqualTo(2.0);

        failure.set(null);
        deletions.flush();
        assertThat(requests).as("a failed batch is left to SQS's redelivery").hasSize(2);
    }

    private double errors() {
        var counter = registry.find(IngestMetrics.SQS_ERRORS).tag("operation", "delete").counter();
        return counter == null ? 0 : counter.count();
    }

    private static Message message(String id) {
        return Message.builder().messageId(id).receiptHandle("rh-" + id).body("{}").build();
    }

    private static List<String> handles(DeleteMessageBatchRequest request) {
        return request.entries().stream().map(DeleteMessageBatchRequestEntry::receiptHandle).toList();
    }

    /** Records each batch request; refuses the entries whose receipt handles are listed, or fails the whole call. */
    private final class RecordingSqs implements SqsClient {
        @Override
        public DeleteMessageBatchResponse deleteMessageBatch(DeleteMessageBatchRequest request) {
            requests.add(request);
            RuntimeException e = failure.get();
            if (e != null) {
                throw e;
            }
            var failed = request.entries().stream().filter(entry -> refused.contains(entry.receiptHandle()))
                    .map(entry -> BatchResultErrorEntry.builder().id(entry.id()).code("ReceiptHandleIsInvalid")
                            .message("The receipt handle has expired").senderFault(true).build())
                    .toList();
            return DeleteMessageBatchResponse.builder().failed(failed).successful(List.of()).build();
        }

        @Override
        public String serviceName() {
            return "sqs";
        }

        @Override
        public void close() {
        }
    }
}
