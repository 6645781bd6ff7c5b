package io.trailwatch.messaging;

import io.trailwatch.model.Finding;
import io.trailwatch.model.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

import java.nio.charset.StandardCharsets;
import java.time.format.DateTimeFormatter;

/**
 * The headers of a record on {@code trailwatch.findings.v1}, whoever publishes it (docs/topics.md): the CloudEvents
 * binding ({@code ce_id} = findingId, {@code ce_type}, {@code ce_source} = {@code /trailwatch/<service>/<ruleId>},
 * {@code ce_time}, {@code ce_specversion}), {@code content-type} and {@code tw_schema_version}.
 */
public final class FindingHeaders {

    private FindingHeaders() {
    }

    /**
     * @param service the publishing service's short name: {@code detect}, {@code ingest}
     */
    public static RecordHeaders of(Finding f, String service) {
        var headers = new RecordHeaders();
        add(headers, Headers.CE_SPECVERSION, Headers.CE_SPECVERSION_1_0);
        add(headers, Headers.CE_ID, f.findingId());
        add(headers, Headers.CE_TYPE, Finding.CE_TYPE);
        add(headers, Headers.CE_SOURCE, "/trailwatch/" + service + "/" + f.ruleId());
        add(headers, Headers.CE_TIME, DateTimeFormatter.ISO_INSTANT.format(f.eventTime()));
        add(headers, Headers.CONTENT_TYPE, Headers.APPLICATION_JSON);
        add(headers, Headers.SCHEMA_VERSION, Finding.SCHEMA_VERSION);
        return headers;
    }

    private static void add(RecordHeaders headers, String name, String value) {
        headers.add(name, value.getBytes(StandardCharsets.UTF_8));
    }
}
