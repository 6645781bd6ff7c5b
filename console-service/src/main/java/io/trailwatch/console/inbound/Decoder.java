package io.trailwatch.console.inbound;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.trailwatch.model.Delivery;
import io.trailwatch.model.Finding;
import io.trailwatch.model.IntegrityRecord;
import io.trailwatch.model.ModelJson;
import io.trailwatch.model.Remediation;
import io.trailwatch.model.Severity;

import java.io.IOException;

/**
 * Reads the value of a record of one of the four topics into its model record, and says why when it is not what the
 * topic documents (docs/topics.md): not JSON, or without the fields the console keys and shows it by.
 */
final class Decoder {

    private static final ObjectMapper JSON = ModelJson.newMapper();
    /** The findingId column's width; ids are hex SHA-256 prefixes, far shorter. */
    static final int MAX_ID = 128;

    /** Why a value was refused: {@code reason} is a dead letter's bounded reason. */
    static final class Refused extends Exception {
        final String reason;

        Refused(String reason, String detail) {
            super(detail, null, false, false);
            this.reason = reason;
        }
    }

    private Decoder() {
    }

    static Finding finding(byte[] value) throws Refused {
        Finding f = read(value, Finding.class);
        id(f.findingId());
        required("ruleId", f.ruleId());
        if (Severity.of(f.severity()).isEmpty()) {
            throw new Refused("invalid-field", "severity " + quoted(f.severity()) + " is none of info, low, medium, high, critical");
        }
        return f;
    }

    static Delivery delivery(byte[] value) throws Refused {
        Delivery d = read(value, Delivery.class);
        id(d.findingId());
        required("status", d.status());
        return d;
    }

    static Remediation remediation(byte[] value) throws Refused {
        Remediation r = read(value, Remediation.class);
        id(r.findingId());
        required("outcome", r.outcome());
        return r;
    }

    static IntegrityRecord integrity(byte[] value) throws Refused {
        IntegrityRecord r = read(value, IntegrityRecord.class);
        required("accountId", r.accountId());
        required("region", r.region());
        required("trailName", r.trailName());
        required("status", r.status());
        return r;
    }

    private static <T> T read(byte[] value, Class<T> type) throws Refused {
        try {
            T t = JSON.readValue(value, type);
            if (t == null) {
                throw new Refused("not-json-object", "the value is JSON null, not a " + type.getSimpleName());
            }
            return t;
        } catch (IOException e) {
            throw new Refused("unreadable", "not a " + type.getSimpleName() + " as JSON: " + firstLine(e.getMessage()));
        }
    }

    private static void id(String findingId) throws Refused {
        required("findingId", findingId);
        if (findingId.length() > MAX_ID) {
            throw new Refused("invalid-field", "findingId is " + findingId.length() + " characters long, at most " + MAX_ID + " are kept");
        }
    }

    private static void required(String field, String value) throws Refused {
        if (value == null || value.isBlank()) {
            throw new Refused("missing-field", field + " is missing");
        }
    }

    private static String quoted(String s) {
        return s == null ? "(none)" : "'" + (s.length() > 40 ? s.substring(0, 40) + "…" : s) + "'";
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "";
        }
        int nl = message.indexOf('\n');
        String line = nl < 0 ? message : message.substring(0, nl);
        return line.length() > 300 ? line.substring(0, 300) + "…" : line;
    }
}
