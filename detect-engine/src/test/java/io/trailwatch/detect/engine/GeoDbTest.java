package io.trailwatch.detect.engine;

import io.trailwatch.devkit.MmdbWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Country databases the tests build: MaxMind DB files (both record shapes) and ip-location-db CSV ranges. */
class GeoDbTest {

    @TempDir
    Path dir;

    @Test
    void mmdb_ipLocationDbShape_andGeoLite2Shape() throws Exception {
        Path ipdb = dir.resolve("geo-whois-asn-country.mmdb");
        new MmdbWriter().add("203.0.113.0/24", Map.of("country_code", "AU")).add("198.51.100.0/25", Map.of("country_code", "nz"))
                .add("2001:db8:1::/48", Map.of("country_code", "DE")).write(ipdb, "geo-whois-asn-country");
        Path lite = dir.resolve("GeoLite2-Country.mmdb");
        new MmdbWriter().add("192.0.2.0/24", Map.of("country", Map.of("iso_code", "FR", "geoname_id", 3017382L)))
                .write(lite, "GeoLite2-Country");

        GeoDb a = GeoDb.open(ipdb);
        GeoDb b = GeoDb.open(lite);

        assertThat(a.country("203.0.113.250")).isEqualTo("AU");
        assertThat(a.country("198.51.100.127")).isEqualTo("NZ");
        assertThat(a.country("198.51.100.128")).isNull();
        assertThat(a.country("2001:db8:1:ffff::1")).isEqualTo("DE");
        assertThat(a.country("2001:db8:2::1")).isNull();
        assertThat(a.country("ec2.amazonaws.com")).as("AWS services sign in by name").isNull();
        assertThat(b.country("192.0.2.7")).isEqualTo("FR");
    }

    @Test
    void csvRanges_literalAndNumeric_fileOrDirectory_gzipped() throws Exception {
        Files.writeString(dir.resolve("geo-ipv4.csv"), "1.0.0.0,1.0.0.255,AU\n203.0.113.0,203.0.113.255,au\n");
        Files.writeString(dir.resolve("geo-ipv6.csv"), "2001:db8::,2001:db8:ffff:ffff:ffff:ffff:ffff:ffff,JP\n");
        Files.writeString(dir.resolve("geo-ipv4-num.csv"), "3325256704,3325256959,ZA\n");
        try (var gz = new java.util.zip.GZIPOutputStream(Files.newOutputStream(dir.resolve("geo-ipv6-num.csv.gz")))) {
            gz.write("42540766490510755371168322545197776896,42540766490510755371168322545197777151,BR\n".getBytes());
        }

        GeoDb all = GeoDb.open(dir);
        GeoDb one = GeoDb.open(dir.resolve("geo-ipv4.csv"));

        assertThat(all.country("1.0.0.9")).isEqualTo("AU");
        assertThat(all.country("203.0.113.9")).as("codes are upper-cased").isEqualTo("AU");
        assertThat(all.country("198.51.100.200")).as("numeric IPv4").isEqualTo("ZA");
        assertThat(all.country("198.51.101.0")).as("just past a range").isNull();
        assertThat(all.country("0.255.255.255")).as("just before the first range").isNull();
        assertThat(all.country("2001:db8::42")).isEqualTo("JP");
        assertThat(all.country("2001:db9::ff")).as("numeric IPv6, gzipped").isEqualTo("BR");
        assertThat(all.country("2001:db9::100")).isNull();
        assertThat(one.country("2001:db8::42")).as("one file only").isNull();
        assertThat(one.country("1.0.0.255")).isEqualTo("AU");
    }

    @Test
    void aBrokenDatabase_isRefusedWithTheFileAndLine() throws IOException {
        Path bad = dir.resolve("bad.csv");
        Files.writeString(bad, "1.0.0.0,1.0.0.255,AU\n1.0.1.0,AU\n");

        assertThatThrownBy(() -> GeoDb.open(bad)).hasMessageContaining("bad.csv:2: not a range line");
        assertThatThrownBy(() -> GeoDb.open(dir.resolve("x.dat"))).hasMessageContaining("a .mmdb file, a .csv range file");
        Path notMmdb = Files.writeString(dir.resolve("x.mmdb"), "not a database");
        assertThatThrownBy(() -> GeoDb.open(notMmdb)).isInstanceOf(IOException.class);
    }
}
