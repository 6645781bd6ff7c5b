package io.trailwatch.detect.engine;

import com.fasterxml.jackson.databind.SerializationFeature;
import io.trailwatch.model.Finding;
import io.trailwatch.model.ModelJson;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StateCodecTest {

    /** Text an event may carry: the form's own separators, quotes, a line break, other scripts, nothing at all. */
    private static final List<String> HOSTILE = List.of("e-1;2:3", "-", ".", "~1F", "", "a|b", "\"}{\n\t", "Ünïcødé ✓ 𝄞", "12:x");

    private static Finding held(String id, List<String> eventIds, String outcome) {
        return new Finding(id, "rule-" + id, null, null, "high", null, null, null, null, null, null, null, null, null,
                eventIds, eventIds.size(), Instant.parse("2026-03-02T10:00:00Z"), Instant.ofEpochSecond(1772449200L, 123456789),
                null, null, null, outcome);
    }

    @Test
    void aHeldFinding_readsBackAsItWasWritten_whateverItsTextHolds() {
        for (Finding f : List.of(held("f1", List.of("a", "b"), null), held("f2", HOSTILE, Finding.DENIED), held("", List.of(), ""))) {
            String stored = StateCodec.write(f);

            assertThat(stored).startsWith("~1F");
            String prefix = "1772449200000|3|";
            assertThat(StateCodec.read(prefix + stored, prefix.length(), Finding.class)).isEqualTo(f);
        }
    }

    @Test
    void aBurst_withOrWithoutItsOpenFinding_history_andDistinctValues_readsBackAsItWasWritten() {
        List<Instant> times = List.of(Instant.parse("2026-03-02T10:00:00Z"), Instant.parse("2026-03-02T10:00:01.5Z"));
        Map<Long, Integer> history = new TreeMap<>(Map.of(2953L, 4, 2954L, 1, -1L, 7));
        for (Burst b : List.of(Burst.EMPTY, new Burst(times, List.of("e1", "e2"), null, history, 0, null),
                new Burst(times, HOSTILE.subList(0, 2), null, Map.of(), 0, HOSTILE.subList(2, 4)),
                new Burst(List.of(), List.of(), held("f3", HOSTILE, null), history, 4, null),
                new Burst(List.of(), List.of(), held(null, List.of(), null), Map.of(), 1, null))) {
            String stored = StateCodec.write(b);

            assertThat(stored).startsWith("~1B");
            assertThat(StateCodec.read(stored, 0, Burst.class)).isEqualTo(b);
        }
    }

    @Test
    void anEntryWrittenAfterItsPrefix_isThePrefixAndTheValue_howeverLongItsTexts() {
        List<String> hundredIds = java.util.stream.IntStream.range(0, 100)
                .mapToObj(i -> java.util.UUID.nameUUIDFromBytes(new byte[]{(byte) i}).toString()).toList();
        String longText = "x".repeat(20_000) + "\u00dc\ud834\udd1e";
        List<Instant> times = List.of(Instant.parse("2026-03-02T10:00:00Z"));
        List<Object> values = List.of(held("f1", hundredIds, Finding.DENIED), held(longText, List.of(longText, ""), longText),
                new Burst(times, hundredIds, held("f2", hundredIds, null), new TreeMap<>(Map.of(Long.MIN_VALUE, Integer.MAX_VALUE)),
                        Integer.MAX_VALUE, List.of(longText)),
                new Detector.SequenceState(Arrays.asList(Long.MIN_VALUE, null), Arrays.asList(longText, null)));
        for (Object value : values) {
            for (String prefix : List.of("", "9223372036854775807|64|", longText + "|")) {
                String stored = StateCodec.write(prefix, value);

                assertThat(stored).isEqualTo(prefix + StateCodec.write(value));
                assertThat(StateCodec.read(stored, prefix.length(), (Class<Object>) value.getClass())).isEqualTo(value);
            }
        }
        assertThat(StateCodec.write("1|", "text")).as("no compact form, whatever the prefix").isNull();
    }

    @Test
    void aSequencesProgress_withStepsNotYetSeen_readsBackAsItWasWritten() {
        var progress = new Detector.SequenceState(Arrays.asList(1772445600000L, null, -5L), Arrays.asList("e;1", null, ""));

        assertThat(StateCodec.read(StateCodec.write(progress), 0, Detector.SequenceState.class)).isEqualTo(progress);
        assertThat(StateCodec.read(StateCodec.write(Detector.SequenceState.empty(3)), 0, Detector.SequenceState.class))
                .isEqualTo(Detector.SequenceState.empty(3));
    }

    @Test
    void whatHasNoCompactForm_isLeftToJson_aFindingWholeAndABurstHoldingOne() {
        Finding whole = new Finding("f4", "r", "Title", "d", "high", "c", List.of(), "111122223333", "us-east-1", null,
                null, null, null, null, List.of("e1"), 1, Instant.EPOCH, Instant.EPOCH, null, null, null);

        assertThat(StateCodec.write(whole)).isNull();
        assertThat(StateCodec.write(new Burst(List.of(), List.of(), whole, Map.of(), 1, null))).isNull();
        assertThat(StateCodec.write("text")).isNull();
        assertThat(StateCodec.isCompact("{\"recentTimes\":[]}", 0)).isFalse();
    }

    @Test
    void theCompactForm_isWellUnderTheJsonEarlierVersionsWrote_evenWhenEventIdsAreMostOfIt() throws Exception {
        List<String> ids = List.of("3f1c2a9e-8d7b-4c6a-9e5f-0a1b2c3d4e5f", "7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d");
        Burst b = new Burst(List.of(), List.of(), held("0123456789abcdef0123456789abcdef", ids, Finding.DENIED), Map.of(), 2, null);
        String json = ModelJson.newMapper().enable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).writeValueAsString(b);

        assertThat(StateCodec.write(b).length()).isLessThan(json.length() * 3 / 5);
    }

    @Test
    void anEntryCutShort_orOfAnotherType_orWithMoreAfterIt_isAClearError() {
        String stored = StateCodec.write(held("f5", List.of("e1", "e2"), null));

        for (String bad : List.of(stored.substring(0, stored.length() - 3), stored + "x", "~1F99999:abc", "~1F-3:abc", "~1F.",
                "~1Fx;", "~1", "~1F2:f62:r.4:high.1;9000000000000000000;0;.0;", "~1F2:f62:r.4:high.9999999999;.;.0;")) {
            assertThatThrownBy(() -> StateCodec.read(bad, 0, Finding.class)).as(bad)
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("state entry");
        }
        assertThatThrownBy(() -> StateCodec.read(stored, 0, Burst.class))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("Burst");
    }
}
