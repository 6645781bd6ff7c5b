package io.trailwatch.detect.engine;

import com.fasterxml.jackson.databind.JsonNode;

import java.math.BigDecimal;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;

/**
 * The registry of operators a predicate may use. Each compiles its argument once (sets, patterns, networks) into a
 * test on one value. Strings compare as written unless {@code ignoreCase: true}.
 */
public final class Operators {

    /** Compiles an operator's argument; throws IllegalArgumentException saying what is wrong. */
    @FunctionalInterface
    interface Factory {
        Predicate<JsonNode> compile(JsonNode argument, boolean ignoreCase);
    }

    /** {@code exists} is decided on the whole set of values, not per value. */
    public static final String EXISTS = "exists";

    /** {@code sameAs} compares with another field of the event; its argument is that field's path. */
    public static final String SAME_AS = "sameAs";

    private static final Map<String, Factory> REGISTRY = Map.ofEntries(
            Map.entry("equals", (arg, ic) -> {
                String want = scalar(arg, "equals");
                return v -> v.isValueNode() && same(v.asText(), want, ic);
            }),
            Map.entry("in", (arg, ic) -> {
                Set<String> set = new HashSet<>();
                for (String s : strings(arg, "in")) {
                    set.add(ic ? s.toLowerCase(Locale.ROOT) : s);
                }
                return v -> v.isValueNode() && set.contains(ic ? v.asText().toLowerCase(Locale.ROOT) : v.asText());
            }),
            Map.entry("prefix", (arg, ic) -> anyString(strings(arg, "prefix"), ic, String::startsWith)),
            Map.entry("suffix", (arg, ic) -> anyString(strings(arg, "suffix"), ic, String::endsWith)),
            Map.entry("contains", (arg, ic) -> anyString(strings(arg, "contains"), ic, String::contains)),
            // RE2J: linear in the value's length whatever the pattern, so an attacker-chosen value cannot stall a
            // partition; what it cannot do in linear time (backreferences, lookaround) is refused at load
            Map.entry("regex", (arg, ic) -> {
                List<Pattern> patterns = new ArrayList<>();
                for (String s : strings(arg, "regex")) {
                    try {
                        patterns.add(Pattern.compile(s, ic ? Pattern.CASE_INSENSITIVE : 0));
                    } catch (PatternSyntaxException e) {
                        throw new IllegalArgumentException("regex '" + s + "' does not compile as a linear-time (RE2) "
                                + "pattern: " + e.getDescription() + " (backreferences and lookaround are not supported)");
                    }
                }
                return v -> {
                    if (!v.isValueNode()) {
                        return false;
                    }
                    String text = v.asText();
                    for (int i = 0; i < patterns.size(); i++) {
                        if (patterns.get(i).matcher(text).find()) {
                            return true;
                        }
                    }
                    return false;
                };
            }),
            Map.entry("cidr", (arg, ic) -> {
                List<Cidr> networks = new ArrayList<>();
                for (String s : strings(arg, "cidr")) {
                    networks.add(Cidr.parse(s));
                }
                return v -> {
                    if (!v.isTextual()) {
                        return false;
                    }
                    byte[] ip = Cidr.address(v.textValue());
                    if (ip == null) {
                        return false;
                    }
                    for (int i = 0; i < networks.size(); i++) {
                        if (networks.get(i).contains(ip)) {
                            return true;
                        }
                    }
                    return false;
                };
            }),
            Map.entry("gt", (arg, ic) -> compare(arg, "gt", c -> c > 0)),
            Map.entry("gte", (arg, ic) -> compare(arg, "gte", c -> c >= 0)),
            Map.entry("lt", (arg, ic) -> compare(arg, "lt", c -> c < 0)),
            Map.entry("lte", (arg, ic) -> compare(arg, "lte", c -> c <= 0)));

    private Operators() {
    }

    /** Whether an operator of this name exists (including {@value #EXISTS}). */
    public static boolean known(String name) {
        return EXISTS.equals(name) || SAME_AS.equals(name) || REGISTRY.containsKey(name);
    }

    /** Every operator name, for error messages and docs. */
    public static Set<String> names() {
        var all = new java.util.TreeSet<>(REGISTRY.keySet());
        all.add(EXISTS);
        all.add(SAME_AS);
        return all;
    }

    static Predicate<JsonNode> compile(String name, JsonNode argument, boolean ignoreCase) {
        Factory f = REGISTRY.get(name);
        if (f == null) {
            throw new IllegalArgumentException("unknown operator '" + name + "'; known: " + names());
        }
        return f.compile(argument, ignoreCase);
    }

    private static boolean same(String a, String b, boolean ignoreCase) {
        return ignoreCase ? a.equalsIgnoreCase(b) : a.equals(b);
    }

    private static Predicate<JsonNode> anyString(List<String> wanted, boolean ic, java.util.function.BiPredicate<String, String> test) {
        List<String> w = ic ? wanted.stream().map(s -> s.toLowerCase(Locale.ROOT)).toList() : wanted;
        return v -> {
            if (!v.isValueNode()) {
                return false;
            }
            String s = ic ? v.asText().toLowerCase(Locale.ROOT) : v.asText();
            for (String x : w) {
                if (test.test(s, x)) {
                    return true;
                }
            }
            return false;
        };
    }

    private static Predicate<JsonNode> compare(JsonNode arg, String op, java.util.function.IntPredicate verdict) {
        if (!arg.isNumber()) {
            throw new IllegalArgumentException(op + " needs a number, not " + arg);
        }
        BigDecimal bound = arg.decimalValue();
        return v -> {
            BigDecimal x;
            if (v.isNumber()) {
                x = v.decimalValue();
            } else if (v.isTextual()) {
                try {
                    x = new BigDecimal(v.textValue().trim());
                } catch (NumberFormatException e) {
                    return false;
                }
            } else {
                return false;
            }
            return verdict.test(x.compareTo(bound));
        };
    }

    private static String scalar(JsonNode arg, String op) {
        if (arg == null || !arg.isValueNode() || arg.isNull()) {
            throw new IllegalArgumentException(op + " needs a single value (string, number or boolean)");
        }
        return arg.asText();
    }

    private static List<String> strings(JsonNode arg, String op) {
        List<String> out = new ArrayList<>();
        if (arg != null && arg.isArray() && !arg.isEmpty()) {
            for (JsonNode n : arg) {
                out.add(scalar(n, op));
            }
            return out;
        }
        if (arg != null && arg.isValueNode() && !arg.isNull()) {
            return List.of(arg.asText());
        }
        throw new IllegalArgumentException(op + " needs a value or a non-empty list of values");
    }

    /** An IPv4 or IPv6 network. */
    record Cidr(byte[] network, int bits) {

        static Cidr parse(String text) {
            int slash = text.indexOf('/');
            byte[] addr = address(slash < 0 ? text : text.substring(0, slash));
            if (addr == null) {
                throw new IllegalArgumentException("'" + text + "' is no CIDR block");
            }
            int bits;
            try {
                bits = slash < 0 ? addr.length * 8 : Integer.parseInt(text.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + text + "' has no valid prefix length");
            }
            if (bits < 0 || bits > addr.length * 8) {
                throw new IllegalArgumentException("'" + text + "' has no valid prefix length");
            }
            return new Cidr(addr, bits);
        }

        boolean contains(byte[] ip) {
            if (ip.length != network.length) {
                return false;
            }
            int full = bits / 8;
            for (int i = 0; i < full; i++) {
                if (ip[i] != network[i]) {
                    return false;
                }
            }
            int rest = bits % 8;
            if (rest == 0) {
                return true;
            }
            int mask = (0xff << (8 - rest)) & 0xff;
            return (ip[full] & mask) == (network[full] & mask);
        }

        /** Four decimal parts of one to three digits, each at most 255, between dots; null for anything else. */
        private static byte[] ipv4(String s) {
            byte[] b = new byte[4];
            int part = 0;
            int value = 0;
            int digits = 0;
            for (int i = 0; i <= s.length(); i++) {
                char c = i < s.length() ? s.charAt(i) : '.';
                if (c == '.') {
                    if (digits == 0 || part == 4) {
                        return null;
                    }
                    b[part++] = (byte) value;
                    value = 0;
                    digits = 0;
                } else {
                    int d = Character.digit(c, 10);
                    if (d < 0 || ++digits > 3) {
                        return null;
                    }
                    value = value * 10 + d;
                    if (value > 255) {
                        return null;
                    }
                }
            }
            return part == 4 ? b : null;
        }

        /** The bytes of a literal IP address; null for anything else (host names are never resolved). */
        static byte[] address(String text) {
            String s = text.trim();
            if (s.indexOf(':') < 0) {
                return ipv4(s);
            }
            if (!s.chars().allMatch(c -> c == ':' || c == '.' || Character.digit(c, 16) >= 0)) {
                return null;
            }
            try {
                return InetAddress.getByName(s).getAddress();
            } catch (UnknownHostException e) {
                return null;
            }
        }
    }
}
