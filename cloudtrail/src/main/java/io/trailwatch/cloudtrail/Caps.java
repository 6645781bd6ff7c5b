package io.trailwatch.cloudtrail;

/**
 * Limits that protect a reader from hostile or broken files.
 *
 * @param maxDecompressedBytes the most bytes a log file may decompress to (gzip bombs); CloudTrail's own files stay far
 *                             below 1 GiB
 * @param maxRecordBytes       the most bytes one record may take; a larger record is dead-lettered and skipped
 */
public record Caps(long maxDecompressedBytes, long maxRecordBytes) {

    /** 2 GiB per file, 16 MiB per record. */
    public static final Caps DEFAULT = new Caps(2L * 1024 * 1024 * 1024, 16L * 1024 * 1024);

    public Caps {
        if (maxDecompressedBytes <= 0 || maxRecordBytes <= 0) {
            throw new IllegalArgumentException("caps must be positive: " + maxDecompressedBytes + ", " + maxRecordBytes);
        }
    }
}
