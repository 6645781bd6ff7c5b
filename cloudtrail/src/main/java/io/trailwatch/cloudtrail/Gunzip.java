package io.trailwatch.cloudtrail;

import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * The one way Trailwatch decompresses what it reads from S3 (log files, digests, log files hashed for a digest): gzip
 * told by its magic bytes, not the name; a cap on the decompressed size, so a gzip bomb stops at the cap; both sides
 * counted; and failures sorted by what to do about them:
 * <ul>
 *     <li>{@link SourceFailed}: reading the source failed (network, S3); the content may be fine: retry;</li>
 *     <li>{@link CapExceeded}: the content decompresses to more than the cap;</li>
 *     <li>{@link ZipException}, {@link java.io.EOFException}: the content is corrupt or truncated gzip.</li>
 * </ul>
 */
public final class Gunzip extends FilterInputStream {

    /** The buffer of the compressed and decompressed sides. */
    public static final int BUFFER = 64 * 1024;

    /** Reading the source failed: the content may well be fine. */
    public static final class SourceFailed extends IOException {
        SourceFailed(Exception cause) {
            super(cause.getMessage(), cause);
        }
    }

    /** The content decompresses to more than the cap. */
    public static final class CapExceeded extends IOException {
        CapExceeded(long cap) {
            super("decompresses to more than " + cap + " bytes");
        }
    }

    private final Counting source;
    private final boolean gzip;
    private final long cap;
    private long decompressed;

    private Gunzip(InputStream in, Counting source, boolean gzip, long cap) {
        super(in);
        this.source = source;
        this.gzip = gzip;
        this.cap = cap;
    }

    /**
     * The decompressed content of {@code source}, at most {@code cap} bytes: gunzipped when it starts with gzip's magic
     * bytes, else as it is, unless {@code requireGzip}, when anything else is a {@link ZipException}. Closing it closes
     * the source.
     */
    public static Gunzip open(InputStream source, long cap, boolean requireGzip) throws IOException {
        var counting = new Counting(source);
        var buffered = new BufferedInputStream(counting, BUFFER);
        buffered.mark(2);
        int b1 = buffered.read();
        int b2 = buffered.read();
        buffered.reset();
        boolean gzip = b1 == 0x1f && b2 == 0x8b;
        if (!gzip && requireGzip) {
            throw new ZipException("Not in GZIP format");
        }
        return new Gunzip(gzip ? new GZIPInputStream(buffered, BUFFER) : buffered, counting, gzip, cap);
    }

    /** Whether the source was gzip. */
    public boolean gzip() {
        return gzip;
    }

    /** Bytes read from the source so far. */
    public long compressedBytes() {
        return source.count;
    }

    /** Bytes handed out so far. */
    public long decompressedBytes() {
        return decompressed;
    }

    @Override
    public int read() throws IOException {
        int b = super.read();
        if (b >= 0) {
            count(1);
        }
        return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = super.read(b, off, len);
        if (n > 0) {
            count(n);
        }
        return n;
    }

    private void count(int n) throws CapExceeded {
        decompressed += n;
        if (decompressed > cap) {
            throw new CapExceeded(cap);
        }
    }

    @Override
    public boolean markSupported() {
        return false;
    }

    /** Counts what the source gives and marks its failures as {@link SourceFailed}. */
    private static final class Counting extends FilterInputStream {
        long count;

        Counting(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            try {
                int b = super.read();
                if (b >= 0) {
                    count++;
                }
                return b;
            } catch (IOException | RuntimeException e) {
                throw new SourceFailed(e);
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                int n = super.read(b, off, len);
                if (n > 0) {
                    count += n;
                }
                return n;
            } catch (IOException | RuntimeException e) {
                throw new SourceFailed(e);
            }
        }

        @Override
        public boolean markSupported() {
            return false;
        }
    }
}
