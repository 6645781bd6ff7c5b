package io.trailwatch.detect.engine;

import com.maxmind.db.Reader;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * A country database: the ISO 3166 country code of an IP address. Two formats, picked by the file name:
 * <ul>
 *   <li>{@code .mmdb}: MaxMind DB, read with MaxMind's reader; the record's {@code country_code} (ip-location-db) or
 *   {@code country.iso_code} (GeoLite2/GeoIP2 Country).</li>
 *   <li>{@code .csv} (or {@code .csv.gz}), or a directory of them: ip-location-db's range format, one
 *   {@code first,last,country_code} line per range, addresses as literals, or as numbers in its {@code -num}
 *   files.</li>
 * </ul>
 * Lookups are thread-safe.
 */
public interface GeoDb {

    /** The upper-case country code of a literal IPv4 or IPv6 address; null when unknown or not an address. */
    String country(String ip);

    /** Opens a database by its file name; fails with a message naming the file and the problem. */
    static GeoDb open(Path path) throws IOException {
        String name = path.getFileName().toString().toLowerCase(Locale.ROOT);
        if (Files.isDirectory(path)) {
            List<Path> files;
            try (Stream<Path> s = Files.list(path)) {
                files = s.filter(p -> p.getFileName().toString().toLowerCase(Locale.ROOT).matches(".*\\.csv(\\.gz)?")).sorted().toList();
            }
            if (files.isEmpty()) {
                throw new IOException(path + ": no .csv country range files in this directory");
            }
            return Ranges.load(files);
        }
        if (name.endsWith(".mmdb")) {
            return new Mmdb(new Reader(path.toFile()), path);
        }
        if (name.endsWith(".csv") || name.endsWith(".csv.gz")) {
            return Ranges.load(List.of(path));
        }
        throw new IOException(path + ": a country database is a .mmdb file, a .csv range file or a directory of them");
    }

    /** A MaxMind DB file. */
    final class Mmdb implements GeoDb {
        private final Reader reader;
        private final Path path;

        Mmdb(Reader reader, Path path) {
            this.reader = reader;
            this.path = path;
        }

        @Override
        @SuppressWarnings("unchecked")
        public String country(String ip) {
            byte[] address = Operators.Cidr.address(ip);
            if (address == null) {
                return null;
            }
            try {
                Map<String, Object> record = reader.get(InetAddress.getByAddress(address), Map.class);
                if (record == null) {
                    return null;
                }
                Object code = record.get("country_code");
                if (code == null && record.get("country") instanceof Map<?, ?> country) {
                    code = country.get("iso_code");
                }
                return code == null ? null : code.toString().toUpperCase(Locale.ROOT);
            } catch (IOException e) {
                throw new UncheckedIOException(path + ": lookup of " + ip + " failed", e);
            }
        }
    }

    /** Sorted address ranges, addresses as 16 bytes (IPv4 mapped into IPv6), searched by binary search. */
    final class Ranges implements GeoDb {
        private final byte[][] firsts;
        private final byte[][] lasts;
        private final String[] codes;

        private Ranges(List<Object[]> rows) {
            rows.sort((a, b) -> Arrays.compareUnsigned((byte[]) a[0], (byte[]) b[0]));
            firsts = new byte[rows.size()][];
            lasts = new byte[rows.size()][];
            codes = new String[rows.size()];
            for (int i = 0; i < rows.size(); i++) {
                firsts[i] = (byte[]) rows.get(i)[0];
                lasts[i] = (byte[]) rows.get(i)[1];
                codes[i] = (String) rows.get(i)[2];
            }
        }

        static Ranges load(List<Path> files) throws IOException {
            List<Object[]> rows = new ArrayList<>();
            for (Path f : files) {
                String name = f.getFileName().toString().toLowerCase(Locale.ROOT);
                boolean v6Numbers = name.contains("ipv6-num");
                try (InputStream raw = Files.newInputStream(f);
                     InputStream in = name.endsWith(".gz") ? new GZIPInputStream(raw) : raw;
                     BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                    String line;
                    int n = 0;
                    while ((line = r.readLine()) != null) {
                        n++;
                        if (line.isBlank() || line.startsWith("#")) {
                            continue;
                        }
                        String[] cols = line.split(",", -1);
                        byte[] first = cols.length >= 3 ? address(cols[0], v6Numbers) : null;
                        byte[] last = cols.length >= 3 ? address(cols[1], v6Numbers) : null;
                        String code = cols.length >= 3 ? cols[2].strip().toUpperCase(Locale.ROOT) : "";
                        if (first == null || last == null || code.isEmpty() || Arrays.compareUnsigned(first, last) > 0) {
                            throw new IOException(f + ":" + n + ": not a range line 'first,last,country_code': " + line);
                        }
                        rows.add(new Object[] {first, last, code});
                    }
                }
            }
            return new Ranges(rows);
        }

        @Override
        public String country(String ip) {
            byte[] a = Operators.Cidr.address(ip);
            if (a == null) {
                return null;
            }
            byte[] key = widen(a);
            int lo = 0;
            int hi = firsts.length - 1;
            int found = -1;
            while (lo <= hi) {
                int mid = (lo + hi) >>> 1;
                if (Arrays.compareUnsigned(firsts[mid], key) <= 0) {
                    found = mid;
                    lo = mid + 1;
                } else {
                    hi = mid - 1;
                }
            }
            return found >= 0 && Arrays.compareUnsigned(key, lasts[found]) <= 0 ? codes[found] : null;
        }

        private static byte[] address(String text, boolean v6Numbers) {
            String s = text.strip();
            if (!s.isEmpty() && s.chars().allMatch(Character::isDigit)) {
                BigInteger n = new BigInteger(s);
                int bytes = v6Numbers ? 16 : 4;
                if (n.bitLength() > bytes * 8) {
                    return null;
                }
                byte[] raw = n.toByteArray();
                byte[] out = new byte[bytes];
                int copy = Math.min(raw.length, bytes);
                System.arraycopy(raw, raw.length - copy, out, bytes - copy, copy);
                return widen(out);
            }
            byte[] a = Operators.Cidr.address(s);
            return a == null ? null : widen(a);
        }

        private static byte[] widen(byte[] a) {
            if (a.length == 16) {
                return a;
            }
            byte[] out = new byte[16];
            out[10] = (byte) 0xff;
            out[11] = (byte) 0xff;
            System.arraycopy(a, 0, out, 12, 4);
            return out;
        }
    }
}
