package io.trailwatch.bench;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * The floor of ingestion, run in a JVM of its own so its CPU is counted as a service's is (JIT and GC included): every
 * log file of a directory gunzipped, streamed through Jackson to find each record's bytes and its
 * {@code recipientAccountId}, and each record sent as it was written, keyed by account, with a real
 * {@link KafkaProducer} (acks=all, idempotent, lz4) to a local broker. Nothing a service could do with less: no
 * normalization, no headers, no ledger, no dead letters.
 *
 * <p>{@code java -cp ... io.trailwatch.bench.ProducerFloor BOOTSTRAP TOPIC DIR ROUNDS} prints one line per round:
 * {@code round <r> events <n> cpu-ns <process CPU> wall-ns <elapsed>}; the first round is a warm-up.
 */
public final class ProducerFloor {

    private ProducerFloor() {
    }

    public static void main(String[] args) throws Exception {
        String bootstrap = args[0];
        String topic = args[1];
        Path dir = Path.of(args[2]);
        int rounds = Integer.parseInt(args[3]);
        List<byte[]> files;
        try (Stream<Path> paths = Files.list(dir)) {
            files = paths.sorted().map(ProducerFloor::read).toList();
        }
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        var json = new JsonFactory();
        try (var producer = new KafkaProducer<>(Map.<String, Object>of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4",
                ProducerConfig.LINGER_MS_CONFIG, 20,
                ProducerConfig.BATCH_SIZE_CONFIG, 131_072,
                ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 4_194_304), new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int round = 0; round < rounds; round++) {
                long cpu0 = os.getProcessCpuTime();
                long t0 = System.nanoTime();
                long events = 0;
                for (byte[] file : files) {
                    events += send(producer, json, topic, file);
                }
                producer.flush();
                System.out.printf(Locale.ROOT, "round %d events %d cpu-ns %d wall-ns %d%n", round, events,
                        os.getProcessCpuTime() - cpu0, System.nanoTime() - t0);
            }
        }
    }

    private static byte[] read(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Sends every record of one file; returns how many. */
    static int send(Producer<byte[], byte[]> producer, JsonFactory json, String topic, byte[] file) throws IOException {
        byte[] doc = file.length > 1 && (file[0] & 0xff) == 0x1f && (file[1] & 0xff) == 0x8b
                ? new GZIPInputStream(new ByteArrayInputStream(file), 65_536).readAllBytes() : file;
        int n = 0;
        try (JsonParser p = json.createParser(doc)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return 0;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                boolean records = "Records".equals(p.currentName());
                if (p.nextToken() != JsonToken.START_ARRAY || !records) {
                    p.skipChildren();
                    continue;
                }
                JsonToken t;
                while ((t = p.nextToken()) == JsonToken.START_OBJECT) {
                    int start = (int) p.currentTokenLocation().getByteOffset();
                    byte[] account = null;
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        boolean recipient = "recipientAccountId".equals(p.currentName());
                        if (p.nextToken() == JsonToken.VALUE_STRING && recipient) {
                            account = p.getText().getBytes(StandardCharsets.UTF_8);
                        } else {
                            p.skipChildren();
                        }
                    }
                    int end = (int) p.currentLocation().getByteOffset();
                    producer.send(new ProducerRecord<>(topic, account, Arrays.copyOfRange(doc, start, end)));
                    n++;
                }
                if (t != JsonToken.END_ARRAY) {
                    p.skipChildren();
                }
            }
        }
        return n;
    }
}
