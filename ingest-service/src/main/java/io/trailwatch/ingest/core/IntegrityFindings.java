package io.trailwatch.ingest.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.trailwatch.cloudtrail.digest.DigestCheck;
import io.trailwatch.cloudtrail.digest.DigestSignature;
import io.trailwatch.model.CloudTrailEvent;
import io.trailwatch.model.Finding;
import io.trailwatch.model.IntegrityRecord;
import io.trailwatch.model.IntegrityRecord.Problem;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The finding an integrity problem becomes: severity critical, category {@code cloudtrail-tampering}, ruleId
 * {@code cloudtrail-integrity-<reason>}, its evidence the check itself (docs/topics.md, "Integrity findings"). Titles,
 * evidence names, MITRE techniques, runbook and references are data: {@code integrity/findings.json}. Its id is
 * stable per problem, object and digest, so a redelivered digest repeats none. Immutable, thread-safe.
 */
public final class IntegrityFindings {

    /** The eventSource and eventType of the evidence an integrity finding carries: no CloudTrail record, a check. */
    public static final String EVIDENCE_SOURCE = "trailwatch.integrity";
    public static final String EVIDENCE_TYPE = "TrailwatchIntegrityCheck";
    /** Where the data is, on the class path. */
    static final String RESOURCE = "/integrity/findings.json";

    private static final ObjectMapper JSON = new ObjectMapper();

    private record Kind(String title, String eventName, List<String> mitre) {
    }

    private final String severity;
    private final String runbook;
    private final List<String> references;
    private final Map<String, Kind> kinds = new HashMap<>();

    /** Reads the data; a problem without its entry stops the start. */
    public IntegrityFindings() {
        JsonNode root;
        try (InputStream in = IntegrityFindings.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the class path");
            }
            root = JSON.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(RESOURCE + " is unreadable", e);
        }
        severity = root.path("severity").asText();
        runbook = root.path("runbook").asText();
        references = strings(root.path("references"));
        root.path("problems").fields().forEachRemaining(e -> kinds.put(e.getKey(), new Kind(e.getValue().path("title").asText(),
                e.getValue().path("eventName").asText(), strings(e.getValue().path("mitre")))));
        for (String reason : reasons()) {
            Kind k = kinds.get(reason);
            if (k == null || k.title().isBlank() || k.eventName().isBlank() || k.mitre().isEmpty()) {
                throw new IllegalStateException(RESOURCE + " has no title, eventName and mitre for the problem " + reason);
            }
        }
    }

    /** Every problem reason {@link Problem} names. */
    static List<String> reasons() {
        List<String> out = new ArrayList<>();
        for (Field f : Problem.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class) {
                try {
                    out.add((String) f.get(null));
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return out;
    }

    /** The finding of one problem of a check. */
    public Finding finding(DigestCheck check, Problem p) {
        Kind kind = kinds.get(p.reason());
        String digestUri = "s3://" + check.bucket() + "/" + check.key();
        String id = DigestSignature.hex(DigestSignature.sha256()
                .digest(("integrity|" + p.reason() + "|" + p.uri() + "|" + digestUri).getBytes(StandardCharsets.UTF_8)))
                .substring(0, 32);
        Instant when = check.when();
        ObjectNode raw = JSON.createObjectNode();
        raw.put("reason", p.reason());
        raw.put("bucket", p.bucket());
        raw.put("key", p.key());
        raw.put("detail", p.detail());
        if (p.expectedSha256() != null) {
            raw.put("expectedSha256", p.expectedSha256());
        }
        if (p.actualSha256() != null) {
            raw.put("actualSha256", p.actualSha256());
        }
        raw.put("digestBucket", check.bucket());
        raw.put("digestKey", check.key());
        raw.put("trailName", check.name().trailName());
        String eventId = "integrity-" + id;
        var name = check.name();
        var evidence = new CloudTrailEvent(eventId, when, null, EVIDENCE_SOURCE, kind.eventName(), name.region(),
                name.accountId(), null, null, null, null, null, null, null, EVIDENCE_TYPE, null, null, null, null,
                null, null, null, null, null, null, null, raw);
        return new Finding(id, "cloudtrail-integrity-" + p.reason(), kind.title(),
                p.detail() + ": " + p.uri() + " (digest " + digestUri + ")", severity, IntegrityRecord.CATEGORY, kind.mitre(),
                name.accountId(), name.region(), null, null, EVIDENCE_SOURCE, kind.eventName(), when,
                List.of(eventId), 1, null, null, evidence, runbook, references);
    }

    /**
     * The finding of a provenance problem of one log file ({@link Problem#ACCOUNT_MISMATCH},
     * {@link Problem#BUCKET_OWNER_MISMATCH}), for the account its key names. Its id is stable per problem and object
     * version, so a redelivered notification repeats none.
     *
     * @param account the account in the key (whose activity someone tried to forge or hide)
     * @param region  the region in the key, or null
     * @param etag    the object's ETag, or null when it was never read
     */
    public Finding provenance(String reason, String bucket, String key, String etag, String account, String region,
                              String detail, Instant when) {
        Kind kind = kinds.get(reason);
        if (kind == null) {
            throw new IllegalArgumentException("no integrity finding for " + reason);
        }
        String uri = "s3://" + bucket + "/" + key;
        String id = DigestSignature.hex(DigestSignature.sha256()
                .digest(("provenance|" + reason + "|" + uri + "|" + etag).getBytes(StandardCharsets.UTF_8))).substring(0, 32);
        ObjectNode raw = JSON.createObjectNode();
        raw.put("reason", reason);
        raw.put("bucket", bucket);
        raw.put("key", key);
        raw.put("detail", detail);
        String eventId = "integrity-" + id;
        var evidence = new CloudTrailEvent(eventId, when, null, EVIDENCE_SOURCE, kind.eventName(), region,
                account, null, null, null, null, null, null, null, EVIDENCE_TYPE, null, null, null, null,
                null, null, null, null, null, null, null, raw);
        return new Finding(id, "cloudtrail-integrity-" + reason, kind.title(), detail + ": " + uri, severity,
                IntegrityRecord.CATEGORY, kind.mitre(), account, region, null, null, EVIDENCE_SOURCE, kind.eventName(),
                when, List.of(eventId), 1, null, null, evidence, runbook, references);
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(v -> out.add(v.asText()));
        return List.copyOf(out);
    }
}
