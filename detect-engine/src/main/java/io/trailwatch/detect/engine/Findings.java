package io.trailwatch.detect.engine;

import com.fasterxml.jackson.databind.JsonNode;
import io.trailwatch.model.CloudTrailEvent;
import io.trailwatch.model.Finding;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * Builds findings with stable ids. Without dedup a finding is one event: its id derives from the rule and the
 * eventID. With dedup, events of the same rule and account whose key fields have the same values within the same
 * period (tumbling windows on event time) are one finding: its id derives from the rule, the account, the key values
 * and the window.
 *
 * <p>Grouped findings (dedup, threshold) are always per account, whatever their key: events are partitioned by
 * account, so one account's events are counted together wherever its partition is, and two accounts' are never
 * counted together (one source IP guessing passwords in two accounts is two bursts, with two findingIds, wherever the
 * accounts' partitions are processed), as the offline detector counts them.
 */
public final class Findings {

    /** At most this many eventIds are kept on a grouped finding; {@code count} says how many there were. */
    public static final int MAX_EVENT_IDS = 100;

    /**
     * One digest per thread, reused: looking the algorithm up among the security providers for every id took half of
     * the id's time (a Flight Recording of detect-service: 7.3% of a deduplicated match's).
     */
    private static final ThreadLocal<MessageDigest> SHA_256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    });

    private Findings() {
    }

    /** The finding one matching event makes (count 1). */
    public static Finding of(Rule rule, CloudTrailEvent event) {
        Instant windowStart = null;
        Instant windowEnd = null;
        String identity;
        if (rule.dedup() != null) {
            long period = rule.dedup().period().toMillis();
            long start = Math.floorDiv(event.eventTime().toEpochMilli(), period) * period;
            windowStart = Instant.ofEpochMilli(start);
            windowEnd = Instant.ofEpochMilli(start + period);
            identity = rule.id() + "|" + account(event) + keyValues(rule.dedup().key(), event) + "|" + windowStart;
        } else {
            identity = rule.id() + "|" + event.eventId();
        }
        if (rule.denied()) {
            identity = "denied|" + identity;
        }
        return new Finding(id(identity), rule.id(), rule.title(), rule.description(),
                rule.severity().name().toLowerCase(Locale.ROOT), rule.category(), rule.mitre(), event.accountId(),
                event.awsRegion(), event.principal(), event.sourceIp(), event.eventSource(), event.eventName(),
                event.eventTime(), List.of(event.eventId()), 1, windowStart, windowEnd, event, rule.runbook(),
                rule.references(), rule.denied() ? Finding.DENIED : null);
    }

    /** A grouped finding with one more event (same findingId). */
    public static Finding add(Finding finding, CloudTrailEvent event) {
        List<String> ids = finding.eventIds();
        if (ids.contains(event.eventId())) {
            return finding;
        }
        if (ids.size() < MAX_EVENT_IDS) {
            String[] grown = ids.toArray(new String[ids.size() + 1]);
            grown[ids.size()] = event.eventId();
            ids = List.of(grown);
        }
        return new Finding(finding.findingId(), finding.ruleId(), finding.title(), finding.description(),
                finding.severity(), finding.category(), finding.mitre(), finding.accountId(), finding.region(),
                finding.principal(), finding.sourceIp(), finding.eventSource(), finding.eventName(), finding.eventTime(),
                ids, finding.count() + 1, finding.windowStart(), finding.windowEnd(), finding.evidence(),
                finding.runbook(), finding.references(), finding.outcome());
    }

    /**
     * The finding of a threshold burst: {@code count} matches of one group key within the window starting at
     * {@code start}. Its id derives from the rule, the group key and the start, so replaying the same events gives
     * the same id.
     */
    public static Finding burst(Rule rule, String groupKey, Instant start, CloudTrailEvent last, List<String> eventIds) {
        List<String> ids = eventIds.size() > MAX_EVENT_IDS ? eventIds.subList(0, MAX_EVENT_IDS) : eventIds;
        return new Finding(id(rule.id() + "|" + groupKey + "|" + start), rule.id(), rule.title(), rule.description(),
                rule.severity().name().toLowerCase(Locale.ROOT), rule.category(), rule.mitre(), last.accountId(),
                last.awsRegion(), last.principal(), last.sourceIp(), last.eventSource(), last.eventName(), start,
                List.copyOf(ids), eventIds.size(), start, start.plus(rule.threshold().window()), last, rule.runbook(),
                rule.references());
    }

    /**
     * The finding of a completed sequence: one event per step, {@code count} the number of steps, the window from the
     * first step to the last, the last event as evidence. Its id derives from the rule, the key and the first step's
     * event, so replaying the same events gives the same id.
     */
    public static Finding sequence(Rule rule, String key, List<String> eventIds, List<Long> times, CloudTrailEvent last) {
        long first = times.stream().mapToLong(Long::longValue).min().orElseThrow();
        long end = times.stream().mapToLong(Long::longValue).max().orElseThrow();
        String firstId = eventIds.get(times.indexOf(first));
        Finding f = of(rule, last);
        return new Finding(id(rule.id() + "|" + key + "|" + firstId), f.ruleId(), f.title(), f.description(), f.severity(),
                f.category(), f.mitre(), f.accountId(), f.region(), f.principal(), f.sourceIp(), f.eventSource(),
                f.eventName(), Instant.ofEpochMilli(first), List.copyOf(eventIds), eventIds.size(), Instant.ofEpochMilli(first),
                Instant.ofEpochMilli(end), last, f.runbook(), f.references());
    }

    /** The group key of a threshold rule for an event: its account and the values of its groupBy fields. */
    public static String groupKey(Rule rule, CloudTrailEvent event) {
        return account(event) + keyValues(rule.threshold().groupBy(), event);
    }

    /** The account part of a grouped finding's key: {@code @<account>;} ({@code @-;} for an event without one). */
    private static String account(CloudTrailEvent event) {
        return "@" + (event.accountId() == null ? "-" : event.accountId()) + ";";
    }

    /**
     * The finding of a first-seen rule: the first use of {@code value} under {@code key} after the learning period.
     * Its id derives from the rule, the key and the value, so it is made once whatever replays.
     */
    public static Finding firstSeen(Rule rule, String key, String value, CloudTrailEvent event) {
        Finding f = of(rule, event);
        return new Finding(id(rule.id() + "|" + key + "|" + value), f.ruleId(), f.title(), f.description(), f.severity(),
                f.category(), f.mitre(), f.accountId(), f.region(), f.principal(), f.sourceIp(), f.eventSource(),
                f.eventName(), f.eventTime(), f.eventIds(), 1, null, null, event, f.runbook(), f.references());
    }

    /**
     * The values of key fields in an event, as one string ({@code path=v1,v2,;...}). A key field the event lacks
     * never becomes a shared empty value, which would put unrelated events (two security groups) in one finding or
     * group: the key is then the event itself ({@code eventID=...}).
     */
    static String keyValues(List<FieldPath> key, CloudTrailEvent event) {
        return keyValues(key, event, true);
    }

    /**
     * The values of key fields, without the paths' names when {@code named} is false: a sequence's steps name one key
     * by different paths ({@code requestParameters.roleName}, {@code arnName(requestParameters.roleArn)}).
     */
    static String keyValues(List<FieldPath> key, CloudTrailEvent event, boolean named) {
        var view = new EventView(event);
        StringBuilder sb = new StringBuilder();
        for (FieldPath p : key) {
            List<JsonNode> values = p.values(view);
            if (values.isEmpty()) {
                return "eventID=" + event.eventId() + ";";
            }
            if (named) {
                sb.append(p);
            }
            sb.append('=');
            for (JsonNode v : values) {
                sb.append(v.isValueNode() ? v.asText() : v.toString()).append(',');
            }
            sb.append(';');
        }
        return sb.toString();
    }

    private static String id(String identity) {
        byte[] digest = SHA_256.get().digest(identity.getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(digest, 0, 16);
    }
}
