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

    /** Receives each record as written, for publishing it unchanged: see {@link #readRaw}. */
    public interface RawSink {
        /** A record: its bytes and the fields read on the way; the sink may keep it. */
        void record(int index, RawRecord record);

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
        return read(source, new Trees(sink), false);
    }

    /**
     * Reads the whole file as {@link #read} does, but hands out each record as the bytes it was written in, with a few
     * fields read on the way ({@link RawRecord}), and builds no tree: for publishing records unchanged. A record is
     * checked to be a JSON object within {@link Caps#maxRecordBytes()}; its fields are not checked. The stream is not
     * closed. The file must be UTF-8, as CloudTrail writes it.
     *
     * @throws UnreadableLogException the file can never be read; records found before the problem were handed out
     * @throws SourceException        the source failed; retry
     */
    public Summary readRaw(InputStream source, RawSink sink) throws UnreadableLogException, SourceException {
        return read(source, new Raw(sink), true);
    }

    private Summary read(InputStream source, Records records, boolean retain) throws UnreadableLogException, SourceException {
        var state = new int[2];
        try {
            Gunzip in = Gunzip.open(source, caps.maxDecompressedBytes(), false);
            RetainingStream kept = retain ? new RetainingStream(in, caps.maxRecordBytes() + Gunzip.BUFFER) : null;
            try (JsonParser p = json.createParser(retain ? kept : in)) {
                readDocument(p, records, kept, state);
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

    private void readDocument(JsonParser p, Records sink, RetainingStream kept, int[] state) throws IOException, UnreadableLogException {
        JsonToken t = p.nextToken();
        if (t == null) {
            throw new UnreadableLogException(UnreadableLogException.NOT_JSON, "empty file", null);
        }
        if (kept != null && p.currentTokenLocation().getByteOffset() < 0) {
            throw new UnreadableLogException(UnreadableLogException.NOT_JSON, "not UTF-8 (CloudTrail writes UTF-8)", null);
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
                readRecords(p, sink, kept, state);
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

    private void readRecords(JsonParser p, Records sink, RetainingStream kept, int[] state) throws IOException {
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
            long start = p.currentTokenLocation().getByteOffset();
            long limit = start + caps.maxRecordBytes();
            if (kept != null) {
                kept.release(start);
            }
            try {
                sink.record(p, index, start, limit, kept);
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
            index++;
        }
    }

    /** What is done with each record: a tree, or its bytes. */
    private interface Records {
        /** Reads the record whose START_OBJECT the parser stands on, to its END_OBJECT, and hands it out. */
        void record(JsonParser p, int index, long start, long limit, RetainingStream kept) throws IOException;

        void badRecord(int index, String reason, String detail);
    }

    private record Trees(Sink sink) implements Records {
        @Override
        public void record(JsonParser p, int index, long start, long limit, RetainingStream kept) throws IOException {
            ObjectNode record = (ObjectNode) readValue(p, JsonToken.START_OBJECT, limit);
            sink.record(index, record);
        }

        @Override
        public void badRecord(int index, String reason, String detail) {
            sink.badRecord(index, reason, detail);
        }
    }

    private record Raw(RawSink sink) implements Records {
        @Override
        public void record(JsonParser p, int index, long start, long limit, RetainingStream kept) throws IOException {
            String eventId = null;
            String eventTime = null;
            String eventSource = null;
            String eventName = null;
            String awsRegion = null;
            String recipient = null;
            String principal = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                switch (name) {
                    case "eventID" -> eventId = scalar(p, v);
                    case "eventTime" -> eventTime = scalar(p, v);
                    case "eventSource" -> eventSource = scalar(p, v);
                    case "eventName" -> eventName = scalar(p, v);
                    case "awsRegion" -> awsRegion = scalar(p, v);
                    case "recipientAccountId" -> recipient = scalar(p, v);
                    case "userIdentity" -> {
                        if (v == JsonToken.START_OBJECT) {
                            principal = accountOf(p);
                        } else {
                            scalar(p, v);
                            principal = null;
                        }
                    }
                    default -> p.skipChildren();
                }
                checkBudget(p, limit);
            }
            if (p.currentToken() != JsonToken.END_OBJECT) {
                throw new JsonEOFException(p, null, "end of input inside a record");
            }
            long end = p.currentLocation().getByteOffset();
            byte[] bytes = kept.slice(start, end);
            kept.release(end);
            if (bytes == null) {
                throw new RecordTooLargeException();
            }
            sink.record(index, new RawRecord(bytes, eventId, eventTime, eventSource, eventName, awsRegion, recipient, principal));
        }

        /** {@code accountId} of the object the parser stands on (the last one), read to its end. */
        private static String accountOf(JsonParser p) throws IOException {
            String account = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                boolean wanted = "accountId".equals(p.currentName());
                JsonToken v = p.nextToken();
                if (wanted) {
                    account = scalar(p, v);
                } else {
                    p.skipChildren();
                }
            }
            return account;
        }

        /** A scalar as text (as a tree's asText() gives it); null for null, objects and arrays (skipped). */
        private static String scalar(JsonParser p, JsonToken v) throws IOException {
            if (v == null) {
                throw new JsonEOFException(p, null, "end of input inside a record");
            }
            if (v.isStructStart()) {
                p.skipChildren();
                return null;
            }
            return switch (v) {
                case VALUE_NULL -> null;
                case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> JsonScalars.node(p, v, NODES).asText();
                default -> p.getText();
            };
        }

        @Override
        public void badRecord(int index, String reason, String detail) {
            sink.badRecord(index, reason, detail);
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
