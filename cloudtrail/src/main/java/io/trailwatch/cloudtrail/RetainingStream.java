package io.trailwatch.cloudtrail;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Keeps the bytes read through it, from a point the reader moves forward, so a record's own bytes can be cut out of a
 * stream a parser reads ahead of: positions are absolute (0 is the first byte read). At most {@code limit} bytes are
 * kept; older ones are dropped, and a slice that reaches into them is not available. Not thread-safe.
 */
final class RetainingStream extends FilterInputStream {

    private final int limit;
    private byte[] kept = new byte[64 * 1024];
    /** Absolute position of kept[0]. */
    private long base;
    private int length;
    /** Absolute position before which nothing is needed any more. */
    private long needFrom;

    RetainingStream(InputStream in, long limit) {
        super(in);
        this.limit = (int) Math.min(Integer.MAX_VALUE - 16, Math.max(limit, 64 * 1024));
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = in.read(b, off, len);
        if (n > 0) {
            keep(b, off, n);
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        // Jackson never skips; reading keeps the positions right if anything does
        byte[] buf = new byte[(int) Math.min(n, 8192)];
        int r = read(buf, 0, buf.length);
        return Math.max(r, 0);
    }

    @Override
    public boolean markSupported() {
        return false;
    }

    /** Bytes before {@code position} are no longer needed (they go when room is wanted). */
    void release(long position) {
        needFrom = Math.max(needFrom, position);
    }

    /** A copy of the bytes [from, to), or null when some of them were dropped (or never read). */
    byte[] slice(long from, long to) {
        if (from < base || to > base + length || from > to) {
            return null;
        }
        return Arrays.copyOfRange(kept, (int) (from - base), (int) (to - base));
    }

    private void keep(byte[] b, int off, int n) {
        if (length + n > kept.length) {
            drop((int) Math.min(length, Math.max(0, needFrom - base)));
            if (length + n > kept.length && kept.length < limit) {
                kept = Arrays.copyOf(kept, Math.min(limit, Math.max(kept.length * 2, length + n)));
            }
            if (length + n > kept.length) {
                // past the limit: the oldest bytes go (a slice reaching into them is a record beyond the cap)
                if (n >= kept.length) {
                    base += length + (n - kept.length);
                    System.arraycopy(b, off + n - kept.length, kept, 0, kept.length);
                    length = kept.length;
                    return;
                }
                drop(length + n - kept.length);
            }
        }
        System.arraycopy(b, off, kept, length, n);
        length += n;
    }

    private void drop(int bytes) {
        if (bytes > 0) {
            System.arraycopy(kept, bytes, kept, 0, length - bytes);
            length -= bytes;
            base += bytes;
        }
    }
}
