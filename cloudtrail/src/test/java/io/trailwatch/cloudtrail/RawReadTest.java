package io.trailwatch.cloudtrail;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link LogFileReader#readRaw}: each record's own bytes, unchanged, and the fields a publisher needs. */
class RawReadTest {

    private static final byte[] MIXED = Fixtures.bytes("cloudtrail/mixed-event-types.json");
    private static final ObjectMapper JSON = com.fasterxml.jackson.databind.json.JsonMapper.builder()
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .nodeFactory(com.fasterxml.jackson.databind.node.JsonNodeFactory.withExactBigDecimals(true)).build();

    private final LogFileReader reader = new LogFileReader(Caps.DEFAULT);
    private final Collected raw = new Collected();

    @Test
    void everyRecordIsHandedOutAsTheExactBytesOfTheFile_fieldForFieldAsTheTreeReaderReadsIt() throws Exception {
        var trees = new ArrayList<ObjectNode>();
        reader.read(new ByteArrayInputStream(MIXED), new LogFileReader.Sink() {
            @Override
            public void record(int index, ObjectNode record) {
                trees.add(record);
            }

            @Override
            public void badRecord(int index, String reason, String detail) {
            }
        });

        var summary = reader.readRaw(new ByteArrayInputStream(Fixtures.gzip(MIXED)), raw);

        assertThat(summary.records()).isEqualTo(10);
        assertThat(summary.gzip()).isTrue();
        String file = new String(MIXED, StandardCharsets.UTF_8);
        for (int i = 0; i < trees.size(); i++) {
            RawRecord r = raw.records.get(i);
            assertThat(file).contains(new String(r.bytes(), StandardCharsets.UTF_8));
            assertThat(JSON.readTree(r.bytes())).isEqualTo(trees.get(i));
            ObjectNode tree = trees.get(i);
            assertThat(r.eventId()).isEqualTo(Normalizer.text(tree, "eventID"));
            assertThat(r.eventTime()).isEqualTo(Normalizer.text(tree, "eventTime"));
            assertThat(r.eventName()).isEqualTo(Normalizer.text(tree, "eventName"));
            assertThat(r.eventSource()).isEqualTo(Normalizer.text(tree, "eventSource"));
            assertThat(r.awsRegion()).isEqualTo(Normalizer.text(tree, "awsRegion"));
            assertThat(r.recipientAccountId()).isEqualTo(Normalizer.text(tree, "recipientAccountId"));
            assertThat(r.principalAccountId()).isEqualTo(tree.path("userIdentity").isObject()
                    ? Normalizer.text(tree.get("userIdentity"), "accountId") : null);
        }
    }

    @Test
    void aRecordKeepsItsWhitespaceEscapesAndFieldOrder() throws Exception {
        String record = "{ \"eventVersion\" : \"1.09\",\n\t\"eventID\":\"e-\\u00e9\", \"eventTime\":\"2026-03-02T10:00:00Z\","
                + "\"eventSource\":\"s3.amazonaws.com\",\"eventName\":\"GetObject\",\"requestParameters\":{\"key\":\"caf\u00e9/\\\"q\\\"\"},"
                + "\"recipientAccountId\":111122223333 }";
        String file = "{\"Records\": [" + record + " ,\n" + record + "]}";

        reader.readRaw(new ByteArrayInputStream(file.getBytes(StandardCharsets.UTF_8)), raw);

        assertThat(raw.records).hasSize(2).allSatisfy(r -> {
            assertThat(new String(r.bytes(), StandardCharsets.UTF_8)).isEqualTo(record);
            assertThat(r.eventId()).isEqualTo("e-\u00e9");
            assertThat(r.recipientAccountId()).isEqualTo("111122223333");
        });
    }

    @Test
    void aFieldNamedTwiceIsReadAsItsLastOccurrence_asATreeKeepsIt() throws Exception {
        String file = "{\"Records\":[{\"eventName\":\"ListBuckets\",\"userIdentity\":{\"accountId\":\"1\"},"
                + "\"eventName\":\"StopLogging\",\"userIdentity\":{\"accountId\":\"2\",\"accountId\":\"3\"},\"awsRegion\":{\"no\":1}}]}";

        reader.readRaw(new ByteArrayInputStream(file.getBytes(StandardCharsets.UTF_8)), raw);

        RawRecord r = raw.records.get(0);
        assertThat(r.eventName()).isEqualTo("StopLogging");
        assertThat(r.principalAccountId()).isEqualTo("3");
        assertThat(r.awsRegion()).as("a structured value is no field value").isNull();
    }

    @Test
    void recordsLargerThanTheReadBufferAreWhole_andMemoryStaysWithinOneRecord() throws Exception {
        var random = new Random(5);
        List<String> records = new ArrayList<>();
        StringBuilder file = new StringBuilder("{\"Records\":[");
        for (int i = 0; i < 60; i++) {
            String record = "{\"eventID\":\"" + i + "\",\"blob\":\"" + "y".repeat(random.nextInt(300_000)) + "\"}";
            records.add(record);
            file.append(i == 0 ? "" : ",").append(record);
        }
        file.append("]}");

        reader.readRaw(new ByteArrayInputStream(file.toString().getBytes(StandardCharsets.UTF_8)), raw);

        assertThat(raw.records).extracting(r -> new String(r.bytes(), StandardCharsets.UTF_8)).containsExactlyElementsOf(records);
    }

    @Test
    void anOversizedRecordIsSkipped_andItsSiblingsAreWhole() throws Exception {
        String big = "x".repeat(900);
        String file = "{\"Records\":[{\"eventID\":\"a\"},{\"eventID\":\"b\",\"nested\":{\"list\":[\"" + big + "\",\""
                + big + "\"],\"more\":{\"deep\":[1,2,{\"x\":\"" + big + "\"}]}}},{\"eventID\":\"c\"}]}";
        var small = new LogFileReader(new Caps(1 << 20, 2000));

        var summary = small.readRaw(new ByteArrayInputStream(file.getBytes(StandardCharsets.UTF_8)), raw);

        assertThat(raw.records).extracting(r -> new String(r.bytes(), StandardCharsets.UTF_8))
                .containsExactly("{\"eventID\":\"a\"}", "{\"eventID\":\"c\"}");
        assertThat(raw.bad).containsExactly("1:" + LogFileReader.RECORD_TOO_LARGE);
        assertThat(summary.badRecords()).isEqualTo(1);
    }

    @Test
    void aHugeValueOutsideTheRecordsIsReadWithoutKeepingIt() throws Exception {
        // 50 MB before the records: the reader keeps at most a record's worth of it
        InputStream file = new java.io.SequenceInputStream(java.util.Collections.enumeration(List.of(
                new ByteArrayInputStream("{\"padding\":[".getBytes(StandardCharsets.UTF_8)),
                repeated("\"0123456789abcdef0123456789abcdef0123456789abcde\",", 1_000_000),
                new ByteArrayInputStream("0],\"Records\":[{\"eventID\":\"a\"}]}".getBytes(StandardCharsets.UTF_8)))));
        var small = new LogFileReader(new Caps(1L << 30, 4096));

        small.readRaw(file, raw);

        assertThat(raw.records).extracting(RawRecord::eventId).containsExactly("a");
        assertThat(new String(raw.records.get(0).bytes(), StandardCharsets.UTF_8)).isEqualTo("{\"eventID\":\"a\"}");
    }

    @Test
    void aFileNotInUtf8IsRefused() {
        byte[] utf16 = "{\"Records\":[{\"eventID\":\"a\"}]}".getBytes(StandardCharsets.UTF_16BE);

        assertThatThrownBy(() -> reader.readRaw(new ByteArrayInputStream(utf16), raw))
                .isInstanceOf(UnreadableLogException.class).hasMessageContaining("UTF-8");
    }

    @Test
    void aDamagedFileIsUnreadableAfterTheRecordsBeforeTheDamage_forTheSameReasonAsForTheTreeReader() {
        for (String file : List.of("{\"Records\":[{\"eventID\":\"a\"},{\"eventID\":\"b\",",
                "{\"Records\":[{\"eventID\":\"a\"},{\"eventID\":\"b\"", "{\"Records\":[{\"eventID\":\"a\"},{\"eventID\":\"b\"}}",
                "{\"Records\":[{\"eventID\":\"a\"},{\"eventID\":tru}]}")) {
            byte[] bytes = file.getBytes(StandardCharsets.UTF_8);
            raw.records.clear();
            List<String> treeIds = new ArrayList<>();
            Throwable tree = org.assertj.core.api.Assertions.catchThrowable(() -> reader.read(new ByteArrayInputStream(bytes),
                    new LogFileReader.Sink() {
                        @Override
                        public void record(int index, ObjectNode record) {
                            treeIds.add(record.get("eventID").asText());
                        }

                        @Override
                        public void badRecord(int index, String reason, String detail) {
                        }
                    }));

            assertThatThrownBy(() -> reader.readRaw(new ByteArrayInputStream(bytes), raw)).as(file)
                    .isInstanceOf(UnreadableLogException.class)
                    .extracting(e -> ((UnreadableLogException) e).reason()).isEqualTo(((UnreadableLogException) tree).reason());
            assertThat(raw.records).extracting(RawRecord::eventId).isEqualTo(treeIds).startsWith("a");
        }
    }

    private static InputStream repeated(String chunk, int times) {
        byte[] bytes = chunk.getBytes(StandardCharsets.UTF_8);
        return new InputStream() {
            private int i;
            private int pos;

            @Override
            public int read() {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (i == times) {
                    return -1;
                }
                int k = Math.min(len, bytes.length - pos);
                System.arraycopy(bytes, pos, b, off, k);
                pos += k;
                if (pos == bytes.length) {
                    pos = 0;
                    i++;
                }
                return k;
            }
        };
    }

    private static final class Collected implements LogFileReader.RawSink {
        final List<RawRecord> records = new ArrayList<>();
        final List<String> bad = new ArrayList<>();

        @Override
        public void record(int index, RawRecord record) {
            records.add(record);
        }

        @Override
        public void badRecord(int index, String reason, String detail) {
            bad.add(index + ":" + reason);
        }
    }
}
