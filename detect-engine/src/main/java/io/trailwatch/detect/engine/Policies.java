package io.trailwatch.detect.engine;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Who a resource or trust policy lets in: the grantees of its {@code Allow} statements, as a rule can compare them.
 * A grantee is {@code *} (anyone: a public grant) or an account id. Statements that deny, and principals that are
 * services or identity providers, grant nothing to another account; a {@code *} principal that a condition pins to
 * accounts ({@code aws:SourceAccount}, {@code aws:PrincipalAccount}, {@code kms:CallerAccount}, the account of an
 * {@code aws:SourceArn} or {@code aws:PrincipalArn}) grants to those accounts; one pinned to an organization, a VPC,
 * an endpoint, a user id or a narrow network grants to no one outside. The same reading as S3 Block Public Access
 * and IAM Access Analyzer make of "public", kept to what a CloudTrail record shows.
 */
public final class Policies {

    /** What {@link #grantees} says for a grant to anyone. */
    public static final String ANYONE = "*";

    private static final Set<String> ACCOUNT_KEYS = Set.of("aws:sourceaccount", "aws:principalaccount", "kms:calleraccount",
            "aws:sourceowner", "aws:resourceaccount");
    private static final Set<String> ARN_KEYS = Set.of("aws:sourcearn", "aws:principalarn");
    private static final Set<String> CLOSED_KEYS = Set.of("aws:principalorgid", "aws:principalorgpaths", "aws:sourceorgid",
            "aws:sourceorgpaths", "aws:resourceorgid", "aws:resourceorgpaths", "aws:sourcevpc", "aws:sourcevpce",
            "aws:userid", "aws:username", "aws:principalservicename", "aws:calledvia", "kms:viaservice");

    private Policies() {
    }

    /** The grantees of a policy document: {@value #ANYONE} or account ids, without repeats, in statement order. */
    public static List<String> grantees(JsonNode policy) {
        List<String> out = new ArrayList<>(2);
        if (policy == null || !policy.isObject()) {
            return out;
        }
        for (JsonNode statement : elements(policy.get("Statement"))) {
            if (!statement.isObject() || !"Allow".equalsIgnoreCase(statement.path("Effect").asText())) {
                continue;
            }
            List<String> principals = new ArrayList<>();
            if (statement.has("NotPrincipal")) {
                principals.add(ANYONE);
            }
            JsonNode principal = statement.get("Principal");
            if (principal != null && principal.isTextual() && principal.textValue().strip().equals(ANYONE)) {
                principals.add(ANYONE);
            } else if (principal != null && principal.isObject()) {
                for (JsonNode aws : elements(principal.get("AWS"))) {
                    String account = account(aws.asText("").strip());
                    if (account != null) {
                        principals.add(account);
                    }
                }
            }
            for (String p : principals) {
                for (String g : p.equals(ANYONE) ? narrowed(statement.get("Condition")) : List.of(p)) {
                    if (!out.contains(g)) {
                        out.add(g);
                    }
                }
            }
        }
        return out;
    }

    /** The account an ARN or account id names, {@value #ANYONE} for a wildcard, else null (a service, a bad value). */
    static String account(String value) {
        if (value.equals(ANYONE)) {
            return ANYONE;
        }
        if (value.length() == 12 && value.chars().allMatch(Character::isDigit)) {
            return value;
        }
        String[] parts = value.split(":", 6);
        if (parts.length == 6 && parts[0].equals("arn")) {
            if (parts[4].contains("*") || parts[4].contains("?")) {
                return ANYONE;
            }
            return parts[4].isEmpty() ? null : parts[4];
        }
        return null;
    }

    /** Who a grant to anyone reaches, given the statement's condition: anyone, some accounts, or no one outside. */
    private static List<String> narrowed(JsonNode condition) {
        if (condition == null || !condition.isObject()) {
            return List.of(ANYONE);
        }
        List<String> accounts = new ArrayList<>();
        boolean closed = false;
        for (Iterator<Map.Entry<String, JsonNode>> ops = condition.fields(); ops.hasNext(); ) {
            var op = ops.next();
            String operator = op.getKey().toLowerCase(Locale.ROOT);
            if (operator.contains("ifexists") || operator.startsWith("stringnot") || operator.startsWith("arnnot")
                    || operator.startsWith("notip") || operator.equals("null") || !op.getValue().isObject()) {
                continue; // these let through requests the key does not cover
            }
            for (Iterator<Map.Entry<String, JsonNode>> keys = op.getValue().fields(); keys.hasNext(); ) {
                var k = keys.next();
                String key = k.getKey().toLowerCase(Locale.ROOT);
                List<String> values = new ArrayList<>();
                elements(k.getValue()).forEach(v -> values.add(v.asText("").strip()));
                if (values.isEmpty() || values.stream().anyMatch(v -> v.equals(ANYONE))) {
                    continue;
                }
                if (ACCOUNT_KEYS.contains(key) || ARN_KEYS.contains(key)) {
                    for (String v : values) {
                        String account = account(v);
                        if (ANYONE.equals(account)) {
                            return List.of(ANYONE);
                        }
                        if (account != null) {
                            accounts.add(account);
                        } else {
                            closed = true; // an ARN without an account (a bucket): that resource only
                        }
                    }
                } else if (CLOSED_KEYS.contains(key)) {
                    closed = true;
                } else if (key.equals("aws:sourceip") && values.stream().allMatch(Policies::narrowNetwork)) {
                    closed = true;
                }
            }
        }
        if (!accounts.isEmpty()) {
            return accounts;
        }
        return closed ? List.of() : List.of(ANYONE);
    }

    /** A network no wider than a /8 (IPv4) or /32 (IPv6): narrower than "the internet". */
    private static boolean narrowNetwork(String cidr) {
        int slash = cidr.indexOf('/');
        if (slash < 0) {
            return true;
        }
        try {
            int bits = Integer.parseInt(cidr.substring(slash + 1));
            return cidr.contains(":") ? bits >= 32 : bits >= 8;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static Iterable<JsonNode> elements(JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return List.of();
        }
        return node.isArray() ? node : List.of(node);
    }
}
