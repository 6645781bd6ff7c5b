package io.trailwatch.cloudtrail;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LogFileReaderTest {

    private static final byte[] MIXED = Fixtures.bytes("cloudtrail/mixed-event-types.json");

    private final LogFileReader reader = new LogFileReader(Caps.DEFAULT);
    private final Collected collected = new Collected();

    @Test
    void read_plainJson_handsOutEveryRecordInFileOrder() throws Exception {
        var summary = reader.read(new ByteArrayInputStream(MIXED), collected);

        assertThat(collected.records).hasSize(10);
        assertThat(collected.indexes).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
        assertThat(collected.records.get(0).get("eventName").asText()).isEqualTo("ConsoleLogin");
        assertThat(collected.records.get(9).get("eventName").asText()).isEqualTo("PutUserPolicy");
        assertThat(summary.records()).isEqualTo(10);
        assertThat(summary.gzip()).isFalse();
        assertThat(summary.decompressedBytes()).isEqualTo(MIXED.length);
    }

    @Test
    void read_gzip_isRecognizedByMagicBytes() throws Exception {
        byte[] gz = Fixtures.gzip(MIXED);

        var summary = reader.read(new ByteArrayInputStream(gz), collected);

        assertThat(summary.gzip()).isTrue();
        assertThat(summary.compressedBytes()).isEqualTo(gz.length);
        assertThat(summary.decompressedBytes()).isEqualTo(MIXED.length);
        assertThat(collected.records).hasSize(10);
    }

    @Test
    void read_keepsRecordsExactlyAsReceived_includingUnknownFieldsAndDecimals() throws Exception {
        reader.read(new ByteArrayInputStream(MIXED), collected);

        ObjectNode kms = collected.records.get(7);
        assertThat(kms.get("somethingNewFromAws").get("introducedIn").asText()).isEqualTo("1.11");
        ObjectNode getObject = collected.records.get(4);
        assertThat(getObject.get("additionalEventData").get("bytesTransferredOut").decimalValue().toPlainString())
                .isEqualTo("18432.0");
        assertThat(collected.records.get(3).get("requestParameters").get("bucketPolicy").isTextual()).isTrue();
    }

    @Test
    void read_corruptGzip_isUnreadable() {
        byte[] gz = Fixtures.gzip(MIXED);
        for (int i = 20; i < 60; i++) {
            gz[i] ^= 0x5a;
        }

        assertThatThrownBy(() -> reader.read(new ByteArrayInputStream(gz), collected))
                .isInstanceOf(UnreadableLogException.class)
                .extracting(e -> ((UnreadableLogException) e).reason()).isEqualTo(UnreadableLogException.CORRUPT_GZIP);
    }

    @Test
    void read_truncatedGzip_isUnreadable_afterHandingOutTheRecordsBeforeTheCut() {
        byte[] gz = Fixtures.gzip(MIXED);
        byte[] cut = Arrays.copyOf(gz, gz.length - 12);

        assertThatThrownBy(() -> reader.read(new ByteArrayInputStream(cut), collected))
                .isInstanceOf(UnreadableLogException.class)
                .extracting(e -> ((UnreadableLogException) e).reason())
                .isIn(UnreadableLogException.TRUNCATED_GZIP, UnreadableLogException.TRUNCATED_JSON);
    }

    @Test
    void read_truncatedGzipInTheMiddle_reportsTruncatedGzip() {
        byte[] gz = Fixtures.gzip(MIXED);
        byte[] cut = Arrays.copyOf(gz, gz.length / 2);

        assertThatThrownBy(() -> reader.read(new ByteArrayInputStream(cut), collected))
                .isInstanceOf(UnreadableLogException.class)
                .extracting(e -> ((UnreadableLogException) e).reason()).isEqualTo(UnreadableLogException.TRUNCATED_GZIP);
    }

    @Test
    void read_gzipBomb_stopsAtTheDecompressedSizeCap() throws IOException {
        var out = new java.io.ByteArrayOutputStream();
        try (var gz = new GZIPOutputStream(out)) {
            gz.write("{\"Records\":[".getBytes(StandardCharsets.UTF_8));
            byte[] spaces = new byte[1 << 20];
            Arrays.fill(spaces, (byte) ' ');
            for (int i = 0; i < 64; i++) {
                gz.write(spaces);
            }
            gz.write("]}".getBytes(StandardCharsets.UTF_8));
        }
        byte[] bomb = out.toByteArray();
        var small = new LogFileReader(new Caps(8L << 20, 1 << 20));

        assertThat(bomb.length).isLessThan(1 << 20);
        assertThatThrownBy(() -> small.read(new ByteArrayInputStream(bomb), collected))
                .isInstanceOf(UnreadableLogException.class)
                .extracting(e -> ((UnreadableLogException) e).reason()).isEqualTo(UnreadableLogException.TOO_LARGE);
    }

    @Test
    void read_notJson_isUnreadable() {
        byte[] html = "<html><body>Access Denied</body></html>".getBytes(StandardCharsets.UTF_8);

        assertThatThrownBy(() -> reader.read(new ByteArrayInputStream(html), collected))
                .extracting(e -> ((UnreadableLogException) e).reason()).isEqualTo(UnreadableLogException.NOT_JSON);
    }

    @Test
    void read_emptyFile_isUnreadable() {
        assertThatThrownBy(() -> reader.read(new ByteArrayInputStream(new byte[0]), collected))
                .extracting(e -> ((UnreadableLogException) e).reason()).isEqualTo(UnreadableLogException.NOT_JSON);
    }

    @Test
    void read_jsonWithoutRecords_isNotCloudTrail() {
        byte[] digest = "{\"awsAccountId\":\"111122223333\",\"logFiles\":[]}".getBytes(StandardCharsets.UTF_8);

        assertThatThrownBy(() -> reader.read(new ByteArrayInputStream(digest), collected))
                .extracting(e -> ((UnreadableLogException) e).reason()).isEqualTo(UnreadableLogException.NOT_CLOUDTRAIL);
    }

    @Test
    void read_recordsThatIsNoArray_isNotCloudTrail() {
        byte[] odd = "{\"Records\":{\"eventID\":\"x\"}}".getBytes(StandardCharsets.UTF_8);

        assertThatThrownBy(() -> reader.read(new ByteArrayInputStream(odd), collected))
                .extracting(e -> ((UnreadableLogException) e).reason()).isEqualTo(UnreadableLogException.NOT_CLOUDTRAIL);
    }

    @Test
    void read_jsonArray_isNotCloudTrailLogFile() {
        byte[] array = "[{\"eventID\":\"x\"}]".getBytes(StandardCharsets.UTF_8);

        assertThatThrownBy(() -> reader.read(new ByteArrayInputStream(array), collected))
                .extracting(e -> ((UnreadableLogException) e).reason()).isEqualTo(UnreadableLogException.NOT_CLOUDTRAIL);
    }

    @Test
    void read_emptyRecords_isAnEmptyLogFile() throws Exception {
        var summary = reader.read(new ByteArrayInputStream("{\"Records\":[]}".getBytes(StandardCharsets.UTF_8)), collected);

        assertThat(summary.records()).isZero();
    }

    @Test
    void read_recordWithAStringLongerThanARecordMayBe_makesTheRestOfTheFileUnreadable() {
        String file = "{\"Records\":[{\"eventID\":\"a\"},{\"eventID\":\"b\",\"x\":\"" + "x".repeat(4000) + "\"}]}";
        var small = new LogFileReader(new Caps(1 << 20, 2000));

        assertThatThrownBy(() -> small.read(new ByteArrayInputStream(file.getBytes(StandardCharsets.UTF_8)), collected))
                .extracting(e -> ((UnreadableLogException) e).reason()).isEqualTo(LogFileReader.RECORD_TOO_LARGE);
        assertThat(collected.indexes).containsExactly(0);
    }

    @Test
    void read_oversizedRecord_isSkipped_andItsSiblingsAreRead() throws Exception {
        String big = "x".repeat(900);
        String file = "{\"Records\":[{\"eventID\":\"a\"},{\"eventID\":\"b\",\"nested\":{\"list\":[\"" + big + "\",\""
                + big + "\"],\"more\":{\"deep\":[1,2,{\"x\":\"" + big + "\"}]}}},{\"eventID\":\"c\"}]}";
        var small = new LogFileReader(new Caps(1 << 20, 2000));

        var summary = small.read(new ByteArrayInputStream(file.getBytes(StandardCharsets.UTF_8)), collected);

        assertThat(collected.records).extracting(r -> r.get("eventID").asText()).containsExactly("a", "c");
        assertThat(collected.indexes).containsExactly(0, 2);
        assertThat(collected.bad).containsExactly("1:" + LogFileReader.RECORD_TOO_LARGE);
        assertThat(summary.badRecords()).isEqualTo(1);
    }

    @Test
    void read_recordThatIsNoObject_isSkipped_andItsSiblingsAreRead() throws Exception {
        String file = "{\"Records\":[\"junk\",[1,[2]],{\"eventID\":\"a\"}]}";

        reader.read(new ByteArrayInputStream(file.getBytes(StandardCharsets.UTF_8)), collected);

        assertThat(collected.bad).containsExactly("0:" + LogFileReader.RECORD_NOT_OBJECT, "1:" + LogFileReader.RECORD_NOT_OBJECT);
        assertThat(collected.indexes).containsExactly(2);
    }

    @Test
    void read_sourceFailure_isRetryable_notUnreadable() {
        byte[] gz = Fixtures.gzip(MIXED);
        InputStream failing = new SequenceInputStream(new ByteArrayInputStream(gz, 0, gz.length / 2), new InputStream() {
            @Override
            public int read() throws IOException {
                throw new IOException("Connection reset");
            }
        });

        assertThatThrownBy(() -> reader.read(failing, collected)).isInstanceOf(LogFileReader.SourceException.class)
                .hasMessageContaining("Connection reset");
    }

    private static final class Collected implements LogFileReader.Sink {
        final List<ObjectNode> records = new ArrayList<>();
        final List<Integer> indexes = new ArrayList<>();
        final List<String> bad = new ArrayList<>();

        @Override
        public void record(int index, ObjectNode record) {
            records.add(record);
            indexes.add(index);
        }

        @Override
        public void badRecord(int index, String reason, String detail) {
            bad.add(index + ":" + reason);
        }
    }
}
