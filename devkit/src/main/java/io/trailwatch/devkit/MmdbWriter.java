package io.trailwatch.devkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes small MaxMind DB files for tests, following the MaxMind DB File Format Specification 2.0: an IPv6 search
 * tree with 24-bit records (IPv4 networks live under ::/96), the data section, and the metadata. Data values may be
 * strings, longs (uint32/uint64), maps and lists. Enough to build a country database a test controls.
 */
public final class MmdbWriter {

    private static final int EMPTY = Integer.MIN_VALUE;

    private final List<int[]> nodes = new ArrayList<>();
    private final ByteArrayOutputStream data = new ByteArrayOutputStream();
    private final Map<String, Object> metadataExtra = new LinkedHashMap<>();

    public MmdbWriter() {
        nodes.add(new int[] {EMPTY, EMPTY});
    }

    /** Adds a network ({@code 203.0.113.0/24}, {@code 2001:db8::/32}) with its record. */
    public MmdbWriter add(String cidr, Map<String, ?> record) throws IOException {
        String[] parts = cidr.split("/");
        byte[] address = InetAddress.getByName(parts[0]).getAddress();
        int length = Integer.parseInt(parts[1]);
        byte[] bits = new byte[16];
        if (address.length == 4) {
            System.arraycopy(address, 0, bits, 12, 4);
            length += 96;
        } else {
            bits = address;
        }
        int offset = data.size();
        encode(record, data);
        int node = 0;
        for (int i = 0; i < length; i++) {
            int bit = (bits[i / 8] >> (7 - i % 8)) & 1;
            if (i == length - 1) {
                nodes.get(node)[bit] = -(offset + 1);
                break;
            }
            int next = nodes.get(node)[bit];
            if (next == EMPTY || next < 0) {
                nodes.add(new int[] {EMPTY, EMPTY});
                next = nodes.size() - 1;
                nodes.get(node)[bit] = next;
            }
            node = next;
        }
        return this;
    }

    /** Writes the database: database_type as given, ip_version 6, record size 24. */
    public void write(Path file, String databaseType) throws IOException {
        int count = nodes.size();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int[] n : nodes) {
            for (int r : n) {
                int v = r == EMPTY ? count : r < 0 ? count + 16 + (-r - 1) : r;
                out.write(v >> 16);
                out.write(v >> 8);
                out.write(v);
            }
        }
        out.write(new byte[16]);
        data.writeTo(out);
        out.write(new byte[] {(byte) 0xAB, (byte) 0xCD, (byte) 0xEF});
        out.write("MaxMind.com".getBytes(StandardCharsets.US_ASCII));
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("node_count", new Uint32(count));
        meta.put("record_size", new Uint16(24));
        meta.put("ip_version", new Uint16(6));
        meta.put("database_type", databaseType);
        meta.put("languages", List.of("en"));
        meta.put("binary_format_major_version", new Uint16(2));
        meta.put("binary_format_minor_version", new Uint16(0));
        meta.put("build_epoch", 1_700_000_000L);
        meta.put("description", Map.of("en", "Trailwatch test database"));
        meta.putAll(metadataExtra);
        encode(meta, out);
        Files.write(file, out.toByteArray());
    }

    private record Uint16(int value) {
    }

    private record Uint32(long value) {
    }

    private static void encode(Object value, ByteArrayOutputStream out) {
        if (value instanceof String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            control(2, b.length, out);
            out.writeBytes(b);
        } else if (value instanceof Uint16 u) {
            unsigned(5, u.value(), out);
        } else if (value instanceof Uint32 u) {
            unsigned(6, u.value(), out);
        } else if (value instanceof Long l) {
            unsigned(9, l, out);
        } else if (value instanceof Integer i) {
            unsigned(6, i, out);
        } else if (value instanceof Map<?, ?> m) {
            control(7, m.size(), out);
            for (var e : m.entrySet()) {
                encode(e.getKey().toString(), out);
                encode(e.getValue(), out);
            }
        } else if (value instanceof List<?> l) {
            control(11, l.size(), out);
            for (Object o : l) {
                encode(o, out);
            }
        } else {
            throw new IllegalArgumentException("cannot encode " + value);
        }
    }

    private static void unsigned(int type, long v, ByteArrayOutputStream out) {
        int size = 0;
        for (long x = v; x != 0; x >>>= 8) {
            size++;
        }
        control(type, size, out);
        for (int i = size - 1; i >= 0; i--) {
            out.write((int) (v >>> (8 * i)));
        }
    }

    /** The control byte (type and size), with the extended type byte and size bytes the spec asks for. */
    private static void control(int type, int size, ByteArrayOutputStream out) {
        int first = (type <= 7 ? type : 0) << 5;
        byte[] extra;
        if (size < 29) {
            first |= size;
            extra = new byte[0];
        } else if (size < 285) {
            first |= 29;
            extra = new byte[] {(byte) (size - 29)};
        } else {
            first |= 30;
            int s = size - 285;
            extra = new byte[] {(byte) (s >> 8), (byte) s};
        }
        out.write(first);
        if (type > 7) {
            out.write(type - 7);
        }
        out.writeBytes(extra);
    }
}
