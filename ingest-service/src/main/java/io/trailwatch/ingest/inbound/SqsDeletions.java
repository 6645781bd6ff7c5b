package io.trailwatch.ingest.inbound;

import io.trailwatch.ingest.core.IngestMetrics;
import org.jboss.logging.Logger;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.BatchResultErrorEntry;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchResponse;
import software.amazon.awssdk.services.sqs.model.Message;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Deletes the messages the poller is done with, up to ten to a request ({@code DeleteMessageBatch}, SQS's limit): a
 * request per message was a sixth of ingest-service's CPU per small file, and SQS bills per request. A message waits
 * until nine others are done on its queue or until {@link #flush()}, which the poller calls every
 * {@link #LINGER_MILLIS} ms and when it stops; a message not deleted (the request failed, or the process ended first)
 * comes back after its visibility timeout and its objects are found in the ledger.
 *
 * <p>The SDK's own batching ({@code SqsAsyncBatchManager}) exists only for the asynchronous client, which would bring a
 * second HTTP stack into the service for this one call. Thread-safe.
 */
final class SqsDeletions {

    /** The most entries SQS takes in one batch request. */
    static final int BATCH = 10;
    /** How long a finished message may wait for others before it is deleted alone. */
    static final long LINGER_MILLIS = 100;

    private static final Logger LOG = Logger.getLogger(SqsDeletions.class);

    private final SqsClient sqs;
    private final IngestMetrics metrics;
    private final Map<String, List<Message>> waiting = new LinkedHashMap<>(); // by queue URL

    SqsDeletions(SqsClient sqs, IngestMetrics metrics) {
        this.sqs = sqs;
        this.metrics = metrics;
    }

    /** Deletes the message now when it completes a batch of its queue, else at the next {@link #flush()}. */
    void delete(String queue, Message message) {
        List<Message> full = null;
        synchronized (this) {
            List<Message> batch = waiting.computeIfAbsent(queue, q -> new ArrayList<>(BATCH));
            batch.add(message);
            if (batch.size() == BATCH) {
                full = waiting.remove(queue);
            }
        }
        if (full != null) {
            send(queue, full);
        }
    }

    /** Deletes every message still waiting. */
    void flush() {
        Map<String, List<Message>> all;
        synchronized (this) {
            if (waiting.isEmpty()) {
                return;
            }
            all = new LinkedHashMap<>(waiting);
            waiting.clear();
        }
        all.forEach(this::send);
    }

    /** Messages waiting to be deleted. */
    synchronized int waiting() {
        return waiting.values().stream().mapToInt(List::size).sum();
    }

    private void send(String queue, List<Message> batch) {
        List<DeleteMessageBatchRequestEntry> entries = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            entries.add(DeleteMessageBatchRequestEntry.builder().id(Integer.toString(i))
                    .receiptHandle(batch.get(i).receiptHandle()).build());
        }
        DeleteMessageBatchResponse response;
        try {
            response = sqs.deleteMessageBatch(b -> b.queueUrl(queue).entries(entries));
        } catch (SdkException e) {
            metrics.sqsError("delete");
            LOG.warnf("Deleting %d SQS messages failed; their redelivery will find the objects in the ledger: %s",
                    batch.size(), e.getMessage());
            return;
        }
        for (BatchResultErrorEntry failed : response.failed()) {
            metrics.sqsError("delete");
            String messageId = messageId(batch, failed.id());
            LOG.warnf("Deleting SQS message %s failed (%s: %s); its redelivery will find the objects in the ledger",
                    messageId, failed.code(), failed.message());
        }
    }

    /** The message an entry id names (its index in the batch), or the id itself when it names none. */
    private static String messageId(List<Message> batch, String id) {
        if (id != null && id.length() == 1 && Character.isDigit(id.charAt(0)) && id.charAt(0) - '0' < batch.size()) {
            return batch.get(id.charAt(0) - '0').messageId();
        }
        return id;
    }
}
