package io.trailwatch.cloudtrail;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.ZipException;

/**
 * Streams a CloudTrail log file ({@code {"Records":[...]}}, gzip or plain JSON, told apart by the gzip magic bytes, not
 * the name) and hands out one record at a time. Only the record being read is in memory, so a file of a million
 * records costs no more heap than a file of one.
 *
 * <p>Errors are sorted by what a caller should do about them:
 * <ul>
 *   <li>{@link UnreadableLogException}: the file can never be read (corrupt or truncated gzip, not JSON, not
 *   CloudTrail, decompresses beyond {@link Caps#maxDecompressedBytes()}): dead-letter it;</li>
 *   <li>{@link SourceException}: reading the source failed (network, S3): try again later;</li>
 *   <li>one bad record (not an object, larger than {@link Caps#maxRecordBytes()}) goes to
 *   {@link Sink#badRecord} and reading goes on with its siblings.</li>
 * </ul>
 * Instances are thread-safe and meant to be shared.
 */
public final class LogFileReader {

    /** Receives what the reader finds, in file order. */
    public interface Sink {
        /** A record, as parsed; the sink may keep it. */
        void record(int index, ObjectNode record);

        /** A record that is no CloudTrail record; the file goes on. */
        void badRecord(int index, String reason, String detail);
    }

    /**
     * What a complete read saw.
     *
     * @param records           records handed to {@link Sink#record}
     * @param badRecords        records handed to {@link Sink#badRecord}
     * @param compressedBytes   bytes read from the source
     * @param decompressedBytes bytes of JSON parsed
     * @param gzip              whether the source was gzip
     */
    public record Summary(int records, int badRecords, long compressedBytes, long decompressedBytes, boolean gzip) {
    }

    /** Reading from the source failed; the file may well be fine. Retry later. */
    public static final class SourceException extends IOException {
        SourceException(IOException cause) {
            super("reading the log file failed: " + cause.getMessage(), cause);
        }
    }

    /** Bounded reasons for {@link Sink#badRecord}. */
    public static final String RECORD_TOO_LARGE = "record-too-large";
    public static final String RECORD_NOT_OBJECT = "record-not-an-object";

        private static final JsonNodeFactory NODES = JsonNodeFactory.withExactBigDecimals(true);

    private final Caps caps;
    private final JsonFactory json;

    public LogFileReader(Caps caps) {
        this.caps = caps;
        // No string can be longer than its record. Jackson cannot skip the rest of a string it refused half-way, so
        // a single string beyond the record cap makes the rest of the file unreadable (RECORD_TOO_LARGE at file level);
        // a record that grows beyond the cap through many values is skipped alone.
        int maxString = (int) Math.min(Integer.MAX_VALUE, caps.maxRecordBytes());
        this.json = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxStringLength(Math.max(maxString, 1024))
                        .maxNestingDepth(500)
                        .build())
                .build();
    }

    /**
     * Reads the whole file. The stream is not closed.
     *
     * @throws UnreadableLogException the file can never be read; records found before the problem were handed out
     * @throws SourceException        the source failed; retry
     */
    public Summary read(InputStream source, Sink sink) throws UnreadableLogException, SourceException {
        var state = new int[2];
        try {
            Gunzip in = Gunzip.open(source, caps.maxDecompressedBytes(), false);
            try (JsonParser p = json.createParser(in)) {
                readDocument(p, sink, state);
            }
            return new Summary(state[0], state[1], in.compressedBytes(), in.decompressedBytes(), in.gzip());
        } catch (Gunzip.SourceFailed e) {
            throw new SourceException(e);
        } catch (Gunzip.CapExceeded e) {
            throw new UnreadableLogException(UnreadableLogException.TOO_LARGE,
                    "log file decompresses to more than " + caps.maxDecompressedBytes() + " bytes", e);
        } catch (ZipException e) {
            throw new UnreadableLogException(UnreadableLogException.CORRUPT_GZIP,
                    "corrupt gzip after " + state[0] + " records: " + e.getMessage(), e);
        } catch (JsonEOFException e) {
            throw new UnreadableLogException(UnreadableLogException.TRUNCATED_JSON,
                    "JSON ends early after " + state[0] + " records", e);
        } catch (EOFException e) {
            throw new UnreadableLogException(UnreadableLogException.TRUNCATED_GZIP,
                    "gzip stream ends early after " + state[0] + " records", e);
        } catch (StreamConstraintsException e) {
            throw new UnreadableLogException(RECORD_TOO_LARGE, "record " + (state[0] + state[1])
                    + " exceeds a parsing limit: " + e.getOriginalMessage(), e);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new UnreadableLogException(UnreadableLogException.NOT_JSON,
                    "not valid JSON after " + state[0] + " records: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new UnreadableLogException(UnreadableLogException.CORRUPT_GZIP,
                    "unreadable after " + state[0] + " records: " + e.getMessage(), e);
        }
    }

    private void readDocument(JsonParser p, Sink sink, int[] state) throws IOException, UnreadableLogException {
        JsonToken t = p.nextToken();
        if (t == null) {
            throw new UnreadableLogException(UnreadableLogException.NOT_JSON, "empty file", null);
        }
        if (t != JsonToken.START_OBJECT) {
            throw new UnreadableLogException(UnreadableLogException.NOT_CLOUDTRAIL,
                    "expected a JSON object with a Records array, found " + t.asString(), null);
        }
        boolean sawRecords = false;
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            t = p.nextToken();
            if ("Records".equals(name) && t == JsonToken.START_ARRAY) {
                sawRecords = true;
                readRecords(p, sink, state);
            } else if ("Records".equals(name)) {
                throw new UnreadableLogException(UnreadableLogException.NOT_CLOUDTRAIL,
                        "Records is not an array but " + t.asString(), null);
            } else {
                p.skipChildren();
            }
        }
        if (!sawRecords) {
            throw new UnreadableLogException(UnreadableLogException.NOT_CLOUDTRAIL,
                    "JSON object without a Records array", null);
        }
    }

    private void readRecords(JsonParser p, Sink sink, int[] state) throws IOException {
        JsonStreamContext records = p.getParsingContext();
        int index = 0;
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            if (t == null) {
                throw new JsonEOFException(p, null, "end of input inside Records");
            }
            if (t != JsonToken.START_OBJECT) {
                p.skipChildren();
                state[1]++;
                sink.badRecord(index++, RECORD_NOT_OBJECT, "record is not a JSON object but " + t);
                continue;
            }
            long limit = p.currentTokenLocation().getByteOffset() + caps.maxRecordBytes();
            ObjectNode record;
            try {
                record = (ObjectNode) readValue(p, t, limit);
            } catch (RecordTooLargeException e) {
                while (p.getParsingContext() != records) {
                    if (p.nextToken() == null) {
                        throw new JsonEOFException(p, null, "end of input inside a record");
                    }
                }
                state[1]++;
                sink.badRecord(index++, RECORD_TOO_LARGE, "record exceeds " + caps.maxRecordBytes() + " bytes");
                continue;
            }
            state[0]++;
            sink.record(index++, record);
        }
    }

    /** Builds the tree of one value, checking the record's byte budget as it goes. */
    private static JsonNode readValue(JsonParser p, JsonToken t, long limit) throws IOException {
        switch (t) {
            case START_OBJECT -> {
                ObjectNode o = NODES.objectNode();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    JsonToken v = p.nextToken();
                    o.set(name, readValue(p, v, limit));
                    checkBudget(p, limit);
                }
                return o;
            }
            case START_ARRAY -> {
                ArrayNode a = NODES.arrayNode();
                JsonToken v;
                while ((v = p.nextToken()) != JsonToken.END_ARRAY) {
                    if (v == null) {
                        throw new JsonEOFException(p, null, "end of input inside an array");
                    }
                    a.add(readValue(p, v, limit));
                    checkBudget(p, limit);
                }
                return a;
            }
            default -> {
                JsonNode scalar = JsonScalars.node(p, t, NODES);
                if (scalar == null) {
                    throw new JsonEOFException(p, t, "unexpected token " + t);
                }
                return scalar;
            }
        }
    }

    private static void checkBudget(JsonParser p, long limit) {
        if (p.currentLocation().getByteOffset() > limit) {
            throw new RecordTooLargeException();
        }
    }

    private static final class RecordTooLargeException extends RuntimeException {
        RecordTooLargeException() {
            super(null, null, false, false);
        }
    }
}
