package io.trailwatch.devkit;

import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

import java.net.URI;
import java.util.List;
import java.util.Map;

/** A real SQS-compatible server (ElasticMQ) on a loopback port. {@link #shared()} starts one per JVM. */
public final class SqsServer implements AutoCloseable {

    private static SqsServer shared;

    private final SQSRestServer server;
    private final int port;
    private final SqsClient client;

    private SqsServer(SQSRestServer server, int port) {
        this.server = server;
        this.port = port;
        this.client = client(endpoint());
    }

    /** The server of this JVM, started on first use. */
    public static synchronized SqsServer shared() {
        if (shared == null) {
            shared = start();
            SqsServer s = shared;
            Runtime.getRuntime().addShutdownHook(new Thread(s::close, "sqs-server-stop"));
        }
        return shared;
    }

    /** A new server of its own. */
    public static SqsServer start() {
        SQSRestServer server = SQSRestServerBuilder.withInterface("127.0.0.1").withDynamicPort().start();
        int port = server.waitUntilStarted().localAddress().getPort();
        return new SqsServer(server, port);
    }

    /** The endpoint URL. */
    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    /** A client for this server. Do not close it. */
    public SqsClient client() {
        return client;
    }

    /** Creates a queue (idempotent) with the given visibility timeout; returns its URL. */
    public String createQueue(String name, int visibilityTimeoutSeconds) {
        return client.createQueue(b -> b.queueName(name).attributes(Map.of(
                QueueAttributeName.VISIBILITY_TIMEOUT, String.valueOf(visibilityTimeoutSeconds)))).queueUrl();
    }

    /** Sends a message body; returns the message id. */
    public String send(String queueUrl, String body) {
        return client.sendMessage(b -> b.queueUrl(queueUrl).messageBody(body)).messageId();
    }

    /** Messages visible plus in flight: what is not yet deleted. */
    public int undeleted(String queueUrl) {
        var attrs = client.getQueueAttributes(b -> b.queueUrl(queueUrl).attributeNames(
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE)).attributes();
        return Integer.parseInt(attrs.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES))
                + Integer.parseInt(attrs.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE));
    }

    /** Receives what is visible now without deleting it. */
    public List<Message> peek(String queueUrl) {
        return client.receiveMessage(b -> b.queueUrl(queueUrl).maxNumberOfMessages(10).visibilityTimeout(0)).messages();
    }

    /** An SQS client for an SQS-compatible endpoint with the test credentials. */
    public static SqsClient client(URI endpoint) {
        return SqsClient.builder()
                .region(Region.US_EAST_1)
                .endpointOverride(endpoint)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .httpClient(UrlConnectionHttpClient.create())
                .build();
    }

    @Override
    public synchronized void close() {
        client.close();
        server.stopAndWait();
    }
}
