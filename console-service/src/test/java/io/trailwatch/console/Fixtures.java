package io.trailwatch.console;

import io.trailwatch.model.Delivery;
import io.trailwatch.model.Finding;
import io.trailwatch.model.IntegrityRecord;
import io.trailwatch.model.ModelJson;
import io.trailwatch.model.Remediation;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;

/** The model's golden records (trailwatch-model's test jar), and variants of them. */
public final class Fixtures {

    private Fixtures() {
    }

    public static Finding stopLogging() {
        return golden("trailwatch.findings.v1/v1/stop-logging.json", Finding.class);
    }

    public static Delivery delivered() {
        return golden("trailwatch.deliveries.v1/v1/slack-delivered-after-a-retry.json", Delivery.class);
    }

    public static Delivery retrying() {
        return golden("trailwatch.deliveries.v1/v1/slack-rate-limited-attempt.json", Delivery.class);
    }

    public static Remediation dryRun() {
        return golden("trailwatch.remediations.v1/v1/dry-run.json", Remediation.class);
    }

    public static IntegrityRecord validDigest() {
        return golden("trailwatch.integrity.v1/v1/valid-digest.json", IntegrityRecord.class);
    }

    public static IntegrityRecord deletedLogFile() {
        return golden("trailwatch.integrity.v1/v1/deleted-log-file.json", IntegrityRecord.class);
    }

    /** The golden StopLogging finding with another id, severity, account, title and time. */
    public static Finding finding(String id, String severity, String account, String title, Instant time) {
        Finding f = stopLogging();
        return new Finding(id, f.ruleId(), title, f.description(), severity, f.category(), f.mitre(), account, f.region(),
                f.principal(), f.sourceIp(), f.eventSource(), f.eventName(), time, List.of("ev-" + id), 1, null, null,
                f.evidence(), f.runbook(), f.references(), f.outcome());
    }

    /** A finding of another rule and category. */
    public static Finding withRule(Finding f, String ruleId, String category) {
        return new Finding(f.findingId(), ruleId, f.title(), f.description(), f.severity(), category, f.mitre(),
                f.accountId(), f.region(), f.principal(), f.sourceIp(), f.eventSource(), f.eventName(), f.eventTime(),
                f.eventIds(), f.count(), f.windowStart(), f.windowEnd(), f.evidence(), f.runbook(), f.references(), f.outcome());
    }

    /** The same finding grown to {@code count} events. */
    public static Finding grown(Finding f, int count) {
        return new Finding(f.findingId(), f.ruleId(), f.title(), f.description(), f.severity(), f.category(), f.mitre(),
                f.accountId(), f.region(), f.principal(), f.sourceIp(), f.eventSource(), f.eventName(), f.eventTime(),
                f.eventIds(), count, f.windowStart(), f.windowEnd(), f.evidence(), f.runbook(), f.references(), f.outcome());
    }

    /** A delivery of another finding. */
    public static Delivery deliveryOf(Delivery d, String findingId) {
        return new Delivery(findingId, d.ruleId(), d.severity(), d.accountId(), d.route(), d.destination(),
                d.destinationType(), d.status(), d.attempts(), d.latencyMs(), d.httpStatus(), d.detail(), d.grouped(), d.at());
    }

    /** A remediation of another finding. */
    public static Remediation remediationOf(Remediation r, String findingId) {
        return new Remediation(findingId, r.ruleId(), r.accountId(), r.region(), r.remediation(), r.function(),
                r.invocationType(), r.outcome(), r.reason(), r.targets(), r.statusCode(), r.functionError(), r.response(),
                r.attempts(), r.latencyMs(), r.at());
    }

    private static <T> T golden(String path, Class<T> type) {
        try (InputStream in = Fixtures.class.getClassLoader().getResourceAsStream("golden/" + path)) {
            if (in == null) {
                throw new IllegalStateException("no golden fixture " + path);
            }
            return ModelJson.newMapper().readValue(in, type);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
