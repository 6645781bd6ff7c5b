package io.trailwatch.detect.service.inbound;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.trailwatch.detect.engine.Engine;
import io.trailwatch.detect.engine.GeoDb;
import io.trailwatch.detect.engine.Rule;
import io.trailwatch.detect.engine.RulePack;
import io.trailwatch.detect.service.core.DetectMetrics;
import io.trailwatch.devkit.MmdbWriter;
import io.trailwatch.devkit.Recording;
import io.trailwatch.model.EventOrigin;
import io.trailwatch.model.Headers;
import io.trailwatch.model.Topics;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The near-real-time path's promise in detect-service: an event that reaches the events topic twice, through
 * EventBridge and in its log file, in either order and with other events between the copies, gives exactly the
 * findings one copy gives. The sample recording runs through the service's own topology.
 */
class EventCopiesTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Recording SAMPLE = Recording.load(Recording.SAMPLE);
    /**
     * The sample's attack steps, every third refused call (their grouped findings still grow past the eventIds they
     * list) and every fiftieth other record: what matters here, in a fraction of the time the whole sample takes.
     */
    private static final List<ObjectNode> RECORDS = subset();

    @TempDir
    Path tmp;
    private final List<Path> inMemory = new ArrayList<>();

    /** EventBridge's rule takes every management event, read-only ones too: the most copies there can be. */
    @ParameterizedTest(name = "EventBridge copy {0} events ahead of its log file's")
    @ValueSource(ints = {40, -40})
    void everyManagementEventArrivingTwice_inEitherOrder_publishesExactlyWhatOneCopyPublishes(int eventBridgeAhead) throws Exception {
        var registry = new SimpleMeterRegistry();
        List<String> once = once();
        List<String> twice = published(copies(Duration.ofDays(1), true), RECORDS, eventBridgeAhead, registry);

        assertThat(once).hasSizeGreaterThan(50);
        assertThat(once).filteredOn(f -> f.startsWith("unauthorized-api-call ")).extracting(f -> Integer.parseInt(f.substring(f.lastIndexOf(' ') + 1)))
                .as("a grouped finding past the eventIds it lists").anyMatch(n -> n > io.trailwatch.detect.engine.Findings.MAX_EVENT_IDS);
        assertThat(twice).containsExactlyInAnyOrderElementsOf(once);
        double skipped = registry.find("trailwatch.detect.second_copies").counters().stream().mapToDouble(c -> c.count()).sum();
        assertThat(skipped).as("second copies skipped").isEqualTo(managementEvents());
        String first = eventBridgeAhead > 0 ? EventOrigin.VIA_EVENTBRIDGE : EventOrigin.VIA_LOG_FILE;
        assertThat(registry.find("trailwatch.detect.second_copies").tag("first", first).counters()).isNotEmpty();
    }

    @Test
    void withTheCheckOff_secondCopiesGrowGroupedFindingsAgain_whichIsWhatTheCheckIsFor() throws Exception {
        List<String> once = once();
        List<String> twice = published(copies(Duration.ZERO), RECORDS, 40, new SimpleMeterRegistry());

        assertThat(twice).isNotEqualTo(once);
    }

    @Test
    void onlyCopiesEventBridgeCanCarry_areRemembered_soAReadOnlyEventsLogFileCopy_isNotLookedForAgain() throws Exception {
        // with read-only events carried too, every management event of the sample is remembered, and a later second
        // copy of a read-only one is skipped; without, a read-only event's log file copy is not remembered
        ObjectNode readOnly = SAMPLE.records().stream().filter(r -> r.path("readOnly").asBoolean(false)).findFirst().orElseThrow();
        var registry = new SimpleMeterRegistry();
        published(copies(Duration.ofDays(1)), List.of(readOnly, readOnly), 0, registry);
        assertThat(registry.find("trailwatch.detect.second_copies").counters()).isEmpty();

        var withReadOnly = new SimpleMeterRegistry();
        published(copies(Duration.ofDays(1), true), List.of(readOnly, readOnly), 0, withReadOnly);
        assertThat(withReadOnly.find("trailwatch.detect.second_copies").counters()).singleElement()
                .satisfies(c -> assertThat(c.count()).isEqualTo(1));
    }

    @Test
    void aLogFilesCopyOfAnEventEventBridgeDoesNotCarry_costsNoLookup_andEveryOtherCopyIsLookedUp() throws Exception {
        var store = new CountingWindowStore();
        var copies = new EventCopies(store.store(), copies(Duration.ofDays(1)));

        assertThat(copies.secondCopyOf(event("r1", true, false), 1_000)).isNull();
        assertThat(copies.secondCopyOf(event("r1", true, false), 2_000)).as("not remembered either").isNull();
        assertThat(store.lookups).as("reads in log files").isZero();
        assertThat(copies.secondCopyOf(event("w1", false, false), 3_000)).isNull();
        assertThat(copies.secondCopyOf(event("w1", false, true), 4_000)).isEqualTo(EventOrigin.VIA_LOG_FILE);
        assertThat(copies.secondCopyOf(event("w2", false, true), 5_000)).isNull();
        assertThat(copies.secondCopyOf(event("w2", false, false), 6_000)).isEqualTo(EventOrigin.VIA_EVENTBRIDGE);
        assertThat(store.lookups).as("writes: only the second copies, the first ones certainly new").isEqualTo(2);
    }

    /** After a restart or a move the store is what remembers; the task asks it about every id it holds. */
    @Test
    void aCopyWhoseOtherCameBeforeARestart_isStillASecondCopy_andANewEventStillCostsNoLookup() throws Exception {
        var store = new CountingWindowStore();
        var before = new EventCopies(store.store(), copies(Duration.ofDays(1)));
        assertThat(before.secondCopyOf(event("w3", false, true), 1_000)).isNull();

        var after = new EventCopies(store.store(), copies(Duration.ofDays(1)));

        assertThat(after.secondCopyOf(event("w3", false, false), 2_000)).isEqualTo(EventOrigin.VIA_EVENTBRIDGE);
        assertThat(after.secondCopyOf(event("w4", false, false), 3_000)).isNull();
        assertThat(store.lookups).isEqualTo(1);
    }

    @Test
    void eventBridgeBringingAKindOfEventTheSettingsSayItDoesNot_meansEveryLogFilesCopyIsLookedUpFromThen() throws Exception {
        var store = new CountingWindowStore();
        var copies = new EventCopies(store.store(), copies(Duration.ofDays(1)));

        assertThat(copies.secondCopyOf(event("r2", true, true), 1_000)).isNull();
        assertThat(copies.secondCopyOf(event("r2", true, false), 2_000)).isEqualTo(EventOrigin.VIA_EVENTBRIDGE);
        assertThat(copies.secondCopyOf(event("r3", true, false), 3_000)).isNull();
        assertThat(store.lookups).as("r2's second copy; r3, never put, the filter answers for").isEqualTo(1);
    }

    /** An event of a kind EventBridge carries by default or not (read-only), as its log file or EventBridge brought it. */
    private static io.trailwatch.model.CloudTrailEvent event(String id, boolean readOnly, boolean viaEventBridge) throws Exception {
        var record = record((ObjectNode) JSON.readTree(("{\"eventVersion\":\"1.09\",\"eventID\":\"%s\",\"eventTime\":\"2026-06-01T00:00:00Z\","
                + "\"eventSource\":\"iam.amazonaws.com\",\"eventName\":\"%s\",\"awsRegion\":\"us-east-1\",\"readOnly\":%s,"
                + "\"eventCategory\":\"Management\",\"recipientAccountId\":\"111122223333\"}").formatted(id,
                readOnly ? "ListUsers" : "CreateUser", readOnly)), viaEventBridge);
        return io.trailwatch.cloudtrail.EventMessages.decode(record.value(), record.key(), name -> {
            var h = record.headers().lastHeader(name);
            return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
        });
    }

    /** A window store in memory, by key (the window does not matter here), that counts its lookups (fetches). */
    private static final class CountingWindowStore {
        private final Map<String, String> entries = new java.util.HashMap<>();
        private final Map<String, Long> times = new java.util.HashMap<>();
        int lookups;

        @SuppressWarnings("unchecked")
        org.apache.kafka.streams.state.WindowStore<String, String> store() {
            return (org.apache.kafka.streams.state.WindowStore<String, String>) java.lang.reflect.Proxy.newProxyInstance(
                    getClass().getClassLoader(), new Class<?>[]{org.apache.kafka.streams.state.WindowStore.class}, (proxy, m, args) -> {
                        switch (m.getName() + "/" + m.getParameterCount()) {
                            case "fetch/3" -> {
                                lookups++;
                                String v = entries.get((String) args[0]);
                                var it = (v == null ? List.<org.apache.kafka.streams.KeyValue<Long, String>>of()
                                        : List.of(org.apache.kafka.streams.KeyValue.pair(0L, v))).iterator();
                                return new org.apache.kafka.streams.state.WindowStoreIterator<String>() {
                                    @Override
                                    public boolean hasNext() {
                                        return it.hasNext();
                                    }

                                    @Override
                                    public org.apache.kafka.streams.KeyValue<Long, String> next() {
                                        return it.next();
                                    }

                                    @Override
                                    public Long peekNextKey() {
                                        throw new UnsupportedOperationException();
                                    }

                                    @Override
                                    public void close() {
                                    }
                                };
                            }
                            case "put/3" -> {
                                entries.put((String) args[0], (String) args[1]);
                                times.put((String) args[0], (Long) args[2]);
                                return null;
                            }
                            case "all/0" -> {
                                var it = entries.keySet().stream().map(k -> org.apache.kafka.streams.KeyValue.pair(
                                        new org.apache.kafka.streams.kstream.Windowed<>(k,
                                                new org.apache.kafka.streams.kstream.internals.TimeWindow(times.get(k), times.get(k) + 1)),
                                        entries.get(k))).iterator();
                                return new org.apache.kafka.streams.state.KeyValueIterator<org.apache.kafka.streams.kstream.Windowed<String>, String>() {
                                    @Override
                                    public boolean hasNext() {
                                        return it.hasNext();
                                    }

                                    @Override
                                    public org.apache.kafka.streams.KeyValue<org.apache.kafka.streams.kstream.Windowed<String>, String> next() {
                                        return it.next();
                                    }

                                    @Override
                                    public org.apache.kafka.streams.kstream.Windowed<String> peekNextKey() {
                                        throw new UnsupportedOperationException();
                                    }

                                    @Override
                                    public void close() {
                                    }
                                };
                            }
                            default -> throw new UnsupportedOperationException(m.toString());
                        }
                    });
        }
    }

    private static List<String> once;

    /** What one copy of each record publishes (the same whether copies are checked or not: there are none). */
    private synchronized List<String> once() throws Exception {
        if (once == null) {
            once = published(copies(Duration.ofDays(1)), RECORDS, 0, new SimpleMeterRegistry());
        }
        return once;
    }

    /** Management events of the records: each has an EventBridge copy. */
    private static long managementEvents() {
        return RECORDS.stream().filter(EventCopiesTest::carriedByEventBridge).count();
    }

    private static List<ObjectNode> subset() {
        List<ObjectNode> out = new ArrayList<>();
        List<ObjectNode> all = SAMPLE.records();
        for (int i = 0; i < all.size(); i++) {
            ObjectNode r = all.get(i);
            boolean attack = !r.path("eventID").asText().matches("\\d{12}-.*");
            if (attack || (r.hasNonNull("errorCode") ? i % 3 == 0 : i % 50 == 0)) {
                out.add(r);
            }
        }
        return out;
    }

    private static boolean carriedByEventBridge(ObjectNode r) {
        return r.path("eventCategory").asText("Management").equals("Management");
    }

    /**
     * Runs the records through the topology: each once from its log file, and, when {@code eventBridgeAhead} is not 0,
     * every management event a second time through EventBridge, that many events ahead of (or, negative, behind) its log
     * file's copy. Returns every finding published: ruleId, findingId, count.
     */
    private List<String> published(EventCopies.Settings copies, List<ObjectNode> records, int eventBridgeAhead,
                                   SimpleMeterRegistry registry) throws Exception {
        List<TestRecord<String, byte[]>> input = new ArrayList<>();
        for (ObjectNode r : records) {
            input.add(record(r, false));
        }
        if (eventBridgeAhead != 0) {
            for (int i = records.size() - 1; i >= 0; i--) {
                if (carriedByEventBridge(records.get(i))) {
                    int at = eventBridgeAhead > 0 ? Math.max(0, i - eventBridgeAhead) : Math.min(input.size(), i - eventBridgeAhead + 1);
                    input.add(at, record(records.get(i), true));
                }
            }
        }
        var topology = DetectTopology.build(engine(), topics(), Duration.ofDays(1), Duration.ofDays(90), Duration.ofMinutes(10),
                Duration.ofMinutes(15), copies, new DetectMetrics(registry));
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "detect-copies-test");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir().toString());
        List<String> out = new ArrayList<>();
        try (var driver = new TopologyTestDriver(topology, props)) {
            TestInputTopic<String, byte[]> events = driver.createInputTopic(Topics.EVENTS,
                    new org.apache.kafka.common.serialization.StringSerializer(), new ByteArraySerializer());
            Instant at = Instant.parse("2026-06-01T00:00:00Z");
            for (var r : input) {
                at = at.plusMillis(100); // the copies are minutes apart on the topic, as they are in production
                events.pipeInput(new TestRecord<>(r.key(), r.value(), r.headers(), at));
            }
            var findings = driver.createOutputTopic(Topics.FINDINGS, new StringDeserializer(),
                    new org.apache.kafka.common.serialization.ByteArrayDeserializer());
            for (var f : findings.readValuesToList()) {
                var tree = JSON.readTree(f);
                out.add(tree.get("ruleId").asText() + " " + tree.get("findingId").asText() + " " + tree.get("count").asInt());
            }
        }
        return out;
    }

    /**
     * Where the driver keeps the topology's state: in memory (/dev/shm) where the machine has it, else in the test's
     * temporary directory. The driver commits after every record, and a commit flushes every RocksDB store to a new
     * file and syncs it: this class took 90 s with its state on a disk and 27 s on tmpfs.
     */
    private Path stateDir() throws IOException {
        Path shm = Path.of("/dev/shm");
        if (Files.isDirectory(shm) && Files.isWritable(shm)) {
            Path dir = Files.createTempDirectory(shm, "trailwatch-detect-copies-");
            inMemory.add(dir);
            return dir;
        }
        return tmp.resolve("state-" + System.nanoTime());
    }

    @AfterEach
    void deleteStateInMemory() throws IOException {
        for (Path dir : inMemory) {
            Utils.delete(dir.toFile());
        }
        inMemory.clear();
    }

    /** An events-topic message of the record as ingest-service writes it, from a log file or from EventBridge. */
    private static TestRecord<String, byte[]> record(ObjectNode r, boolean viaEventBridge) {
        var headers = new RecordHeaders();
        headers.add(Headers.CE_ID, utf8(r.get("eventID").asText()));
        headers.add(Headers.ACCOUNT_CHECK, utf8(EventOrigin.VERIFIED));
        if (viaEventBridge) {
            headers.add(Headers.VIA, utf8(EventOrigin.VIA_EVENTBRIDGE));
            headers.add(Headers.EVENTBRIDGE_ID, utf8("eb-" + r.get("eventID").asText()));
        } else {
            String key = "AWSLogs/" + r.get("recipientAccountId").asText() + "/CloudTrail/x.json.gz";
            headers.add(Headers.LOG_FILE, utf8(io.trailwatch.cloudtrail.EventMessages.logFileId("trail-bucket", key)));
            headers.add(Headers.S3_BUCKET, utf8("trail-bucket"));
            headers.add(Headers.S3_KEY, utf8(key));
        }
        return new TestRecord<>(r.get("recipientAccountId").asText(), utf8(r.toString()), headers, (Instant) null);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private Engine engine() throws Exception {
        Path mmdb = tmp.resolve("countries.mmdb");
        if (!mmdb.toFile().exists()) {
            new MmdbWriter().add("198.51.100.0/24", Map.of("country_code", "NZ")).add("203.0.113.0/24", Map.of("country_code", "AU"))
                    .write(mmdb, "geo-whois-asn-country");
        }
        return new Engine(RulePack.builtIn(), Rule.Exceptions.NONE, new Engine.Context(GeoDb.open(mmdb),
                Map.of("allowed-countries", Set.of("AU"), "trusted-accounts", Set.of("310000000003"))));
    }

    private static EventCopies.Settings copies(Duration window) {
        return copies(window, false);
    }

    private static EventCopies.Settings copies(Duration window, boolean readOnly) {
        return new EventCopies.Settings(window, Set.of("Management"), readOnly);
    }

    private static DetectTopology.Names topics() {
        return new DetectTopology.Names(Topics.EVENTS, Topics.FINDINGS, Topics.DLQ_DETECT_EVENTS);
    }
}
