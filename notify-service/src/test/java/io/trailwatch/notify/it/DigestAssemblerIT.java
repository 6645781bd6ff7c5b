package io.trailwatch.notify.it;

import io.trailwatch.model.Finding;
import io.trailwatch.model.ModelJson;
import io.trailwatch.notify.core.Grouper;
import io.trailwatch.notify.core.HeldFinding;
import io.trailwatch.notify.core.TestFindings;
import io.trailwatch.notify.inbound.DigestAssembler;
import io.trailwatch.testsupport.TestKafka;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Digests assembled from the grouped topic: once the window ends, each held finding counted once, nothing lost to a stop. */
class DigestAssemblerIT {

    private static final Duration RETRY = Duration.ofMillis(500);

    @Test
    void aWindowsDigest_countsAFindingHeldTwiceOnce_isTriedAgainWhileItsDestinationIsDown_andIsCommittedOnlyOnceSent()
            throws Exception {
        String topic = "assembler-it.grouped.retry";
        TestKafka.shared().createTopics(2, topic);
        var window = new Grouper.Held("slack|r|111", Instant.now().plusSeconds(2), false);
        hold(topic, window, "a", "b", "b", "c"); // b twice: redelivered after a crash
        List<Grouper.Digest> tried = new CopyOnWriteArrayList<>();
        var up = new AtomicBoolean(false);

        try (var assembler = DigestAssembler.start(connection(), topic, "assembler-it-retry", d -> {
            tried.add(d);
            return CompletableFuture.completedFuture(up.get());
        }, RETRY, Clock.systemUTC())) {
            await().atMost(Duration.ofSeconds(30)).until(() -> tried.size() >= 2);
            assertThat(tried).as("not before its window ended").allSatisfy(d -> assertThat(d.end()).isEqualTo(window.end()));
            assertThat(tried.get(0).held()).isEqualTo(3);
            assertThat(tried.get(0).sample()).extracting(Finding::findingId).containsExactly("a", "b", "c");
            assertThat(committed("assembler-it-retry")).as("nothing committed while the digest is not sent").isZero();

            up.set(true);
            await().atMost(Duration.ofSeconds(30)).until(() -> committed("assembler-it-retry") == 4);
            int sends = tried.size();
            await("sent once it went through, not again").during(RETRY.multipliedBy(3)).atMost(RETRY.multipliedBy(5))
                    .until(() -> tried.size() == sends);
            assertThat(assembler.openWindows()).isZero();
        }
    }

    @Test
    void windowsOfAReplicaThatStopped_areSentByTheNextOne_andOnlyThose() throws Exception {
        String topic = "assembler-it.grouped.handover";
        TestKafka.shared().createTopics(1, topic);
        var sentEarlier = new Grouper.Held("hook|early|222", Instant.now().plusMillis(500), false);
        var open = new Grouper.Held("hook|late", Instant.now().plusSeconds(8), true);
        hold(topic, sentEarlier, "e1", "e2");
        hold(topic, open, "l1", "l2", "l3");
        List<Grouper.Digest> first = new CopyOnWriteArrayList<>();
        try (var assembler = DigestAssembler.start(connection(), topic, "assembler-it-handover", d -> {
            first.add(d);
            return CompletableFuture.completedFuture(true);
        }, RETRY, Clock.systemUTC())) {
            await().atMost(Duration.ofSeconds(30)).until(() -> first.size() == 1);
            await().atMost(Duration.ofSeconds(10)).until(() -> assembler.openWindows() == 1);
        } // stops with the late window still open: a crash or a rolling restart

        List<Grouper.Digest> next = new CopyOnWriteArrayList<>();
        try (var assembler = DigestAssembler.start(connection(), topic, "assembler-it-handover", d -> {
            next.add(d);
            return CompletableFuture.completedFuture(true);
        }, RETRY, Clock.systemUTC())) {
            await().atMost(Duration.ofSeconds(40)).until(() -> !next.isEmpty());
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3)).until(() -> next.size() == 1);
        }

        assertThat(first).singleElement().satisfies(d -> assertThat(d.held()).isEqualTo(2));
        assertThat(next).as("the open window only: the one sent before was committed").singleElement().satisfies(d -> {
            assertThat(d.held()).isEqualTo(3);
            assertThat(d.destination()).isEqualTo("hook");
            assertThat(d.end()).isEqualTo(open.end());
        });
    }

    @Test
    void aDigestCountsTheFindingsItDoesNotShowByTheirHeaders_andReadsOnlyTheOnesItShows() throws Exception {
        String topic = "assembler-it.grouped.headers";
        TestKafka.shared().createTopics(1, topic);
        var window = new Grouper.Held("hook|flood", Instant.now().plusSeconds(2), true);
        try (var producer = producer()) {
            for (int i = 1; i <= 25; i++) {
                String id = "f" + i;
                String account = "10000000000" + (i % 3);
                // past the sample of ten, a finding that would not even read: only its headers count it
                byte[] value = i <= Grouper.SAMPLE ? ModelJson.newMapper().writeValueAsBytes(
                        TestFindings.finding(id, "flood", "low", "c", account, "eu-west-1")) : "{not a finding".getBytes();
                send(producer, topic, window, new HeldFinding("hook", "all", id, account, window), value);
            }
            // a record from before the account header: its finding tells the account
            send(producer, topic, window, new HeldFinding("hook", "all", "older", null, window), ModelJson.newMapper()
                    .writeValueAsBytes(TestFindings.finding("older", "flood", "low", "c", "100000000009", "eu-west-1")));
        }
        List<Grouper.Digest> sent = new CopyOnWriteArrayList<>();

        try (var assembler = DigestAssembler.start(connection(), topic, "assembler-it-headers", d -> {
            sent.add(d);
            return CompletableFuture.completedFuture(true);
        }, RETRY, Clock.systemUTC())) {
            await().atMost(Duration.ofSeconds(30)).until(() -> !sent.isEmpty());
        }

        assertThat(sent).singleElement().satisfies(d -> {
            assertThat(d.held()).isEqualTo(26);
            assertThat(d.first().findingId()).isEqualTo("f1");
            assertThat(d.sample()).extracting(Finding::findingId).containsExactly("f1", "f2", "f3", "f4", "f5", "f6", "f7", "f8",
                    "f9", "f10");
            assertThat(d.accounts()).as("three accounts from the headers, one from the older record's finding").isEqualTo(4);
        });
    }

    private static void hold(String topic, Grouper.Held window, String... findingIds) throws Exception {
        String destination = window.window().substring(0, window.window().indexOf('|'));
        try (var producer = producer()) {
            for (String id : findingIds) {
                Finding f = TestFindings.finding(id, "r", "low", "c", "111", "eu-west-1");
                send(producer, topic, window, new HeldFinding(destination, "all", id, f.accountId(), window),
                        ModelJson.newMapper().writeValueAsBytes(f));
            }
        }
    }

    private static void send(KafkaProducer<String, byte[]> producer, String topic, Grouper.Held window, HeldFinding held,
                             byte[] value) throws Exception {
        producer.send(new ProducerRecord<>(topic, null, window.window(), value, held.headers())).get();
    }

    private static KafkaProducer<String, byte[]> producer() {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.shared().bootstrapServers()),
                new StringSerializer(), new ByteArraySerializer());
    }

    private static Map<String, Object> connection() {
        return Map.of("bootstrap.servers", TestKafka.shared().bootstrapServers());
    }

    private static long committed(String group) throws Exception {
        try (var admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.shared().bootstrapServers()))) {
            return admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get().values().stream()
                    .mapToLong(o -> o == null ? 0 : o.offset()).sum();
        }
    }
}
