package io.trailwatch.notify.core;

import io.trailwatch.model.Finding;
import io.trailwatch.model.ModelJson;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;

/** Findings for tests: the model's golden StopLogging finding, and variants of it. */
public final class TestFindings {

    private TestFindings() {
    }

    /** The golden fixture of trailwatch.findings.v1. */
    public static Finding stopLogging() {
        try (InputStream in = TestFindings.class.getClassLoader().getResourceAsStream("golden/trailwatch.findings.v1/v1/stop-logging.json")) {
            return ModelJson.newMapper().readValue(in, Finding.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The golden integrity finding of trailwatch.findings.v1: a log file deleted, found by ingest-service. */
    public static Finding logFileDeleted() {
        try (InputStream in = TestFindings.class.getClassLoader().getResourceAsStream("golden/trailwatch.findings.v1/v1/log-file-deleted.json")) {
            return ModelJson.newMapper().readValue(in, Finding.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The golden finding with another id, rule, severity, category, account and region. */
    public static Finding finding(String id, String ruleId, String severity, String category, String account, String region) {
        Finding f = stopLogging();
        return new Finding(id, ruleId, f.title(), f.description(), severity, category, f.mitre(), account, region,
                f.principal(), f.sourceIp(), f.eventSource(), f.eventName(), f.eventTime(), List.of("ev-" + id), 1, null, null,
                f.evidence(), f.runbook(), f.references());
    }
}
