package io.trailwatch.local;

import io.trailwatch.model.Topics;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** What `./trailwatch local` prints of the findings topic, and the figure its status line gives. */
class FindingsFeedTest {

    private static final TopicPartition P0 = new TopicPartition(Topics.FINDINGS, 0);
    private static final TopicPartition P1 = new TopicPartition(Topics.FINDINGS, 1);

    private final MockConsumer<String, String> consumer = new MockConsumer<>("earliest");
    private final FindingsFeed feed = new FindingsFeed(consumer);

    @Test
    void aFindingPublishedAgainAsItGrows_isShownAndCountedOnce_acrossPolls() {
        consumer.assign(List.of(P0, P1));
        consumer.updateBeginningOffsets(Map.of(P0, 0L, P1, 0L));
        consumer.addRecord(finding(P0, 0, "f-1", 1));
        consumer.addRecord(finding(P1, 0, "f-2", 1));
        consumer.addRecord(finding(P0, 1, "f-1", 2));

        assertThat(feed.poll(Duration.ZERO)).containsExactlyInAnyOrder(json("f-1", 1), json("f-2", 1));
        assertThat(feed.count()).isEqualTo(2);

        // a commit marker takes offset 2 of partition 0; the finding's next update comes at 3
        consumer.addRecord(finding(P0, 3, "f-1", 4));
        consumer.addRecord(finding(P1, 1, "f-3", 1));

        assertThat(feed.poll(Duration.ZERO)).containsExactly(json("f-3", 1));
        assertThat(feed.count()).isEqualTo(3);
    }

    private static ConsumerRecord<String, String> finding(TopicPartition p, long offset, String id, int count) {
        return new ConsumerRecord<>(p.topic(), p.partition(), offset, id, json(id, count));
    }

    private static String json(String id, int count) {
        return "{\"findingId\":\"" + id + "\",\"count\":" + count + "}";
    }
}
