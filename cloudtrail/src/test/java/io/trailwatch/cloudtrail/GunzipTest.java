package io.trailwatch.cloudtrail;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The one capped gunzip: gzip by its magic bytes, a cap, and the source's failures told from the content's. */
class GunzipTest {

    private static final byte[] JSON = "{\"Records\":[]}".getBytes(StandardCharsets.UTF_8);

    @Test
    void gzip_isToldByItsMagicBytes_andBothSidesAreCounted() throws Exception {
        try (Gunzip in = Gunzip.open(new ByteArrayInputStream(gzip(JSON)), 1024, false)) {
            assertThat(in.readAllBytes()).isEqualTo(JSON);
            assertThat(in.gzip()).isTrue();
            assertThat(in.decompressedBytes()).isEqualTo(JSON.length);
            assertThat(in.compressedBytes()).isEqualTo(gzip(JSON).length);
        }
        try (Gunzip in = Gunzip.open(new ByteArrayInputStream(JSON), 1024, false)) {
            assertThat(in.readAllBytes()).isEqualTo(JSON);
            assertThat(in.gzip()).isFalse();
        }
    }

    @Test
    void aGzipBomb_stopsAtTheCap() throws Exception {
        byte[] bomb = gzip(new byte[10 << 20]);
        try (Gunzip in = Gunzip.open(new ByteArrayInputStream(bomb), 1 << 20, true)) {
            assertThatThrownBy(in::readAllBytes).isInstanceOf(Gunzip.CapExceeded.class);
            assertThat(in.decompressedBytes()).isLessThan(2 << 20);
        }
    }

    @Test
    void contentFailures_andSourceFailures_areToldApart() throws Exception {
        assertThatThrownBy(() -> Gunzip.open(new ByteArrayInputStream(JSON), 1024, true)).isInstanceOf(ZipException.class);
        byte[] truncated = java.util.Arrays.copyOf(gzip(new byte[4096]), 20);
        try (Gunzip in = Gunzip.open(new ByteArrayInputStream(truncated), 1 << 20, true)) {
            assertThatThrownBy(in::readAllBytes).isInstanceOf(java.io.EOFException.class).isNotInstanceOf(Gunzip.SourceFailed.class);
        }
        InputStream failing = new InputStream() {
            @Override
            public int read() throws IOException {
                throw new IOException("connection reset by S3");
            }
        };
        assertThatThrownBy(() -> Gunzip.open(failing, 1024, false)).isInstanceOf(Gunzip.SourceFailed.class)
                .hasMessageContaining("connection reset by S3");
    }

    private static byte[] gzip(byte[] bytes) throws IOException {
        var out = new ByteArrayOutputStream();
        try (var gz = new GZIPOutputStream(out)) {
            gz.write(bytes);
        }
        return out.toByteArray();
    }
}
