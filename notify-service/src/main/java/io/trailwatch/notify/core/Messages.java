package io.trailwatch.notify.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.trailwatch.model.Finding;
import io.trailwatch.model.Principal;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.format.DateTimeFormatter;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;

/**
 * What a finding says to people: Slack Block Kit messages, subjects, and the facts every channel shows. Everything a
 * CloudTrail record (or an S3 key) put in a finding is someone else's text: in Slack it is escaped by Slack's rules
 * ({@code &}, {@code <}, {@code >}), so it can neither mention anyone nor make a link, and within a code block it
 * cannot close the block; the only links are the console links built here; subjects are one line.
 */
public final class Messages {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final Map<String, String> COLOURS = Map.of("critical", "#7B0000", "high", "#D62728", "medium", "#FF7F0E",
            "low", "#1F77B4", "info", "#7F7F7F");
    private static final Map<String, String> EMOJI = Map.of("critical", ":rotating_light:", "high", ":red_circle:",
            "medium", ":large_orange_circle:", "low", ":large_blue_circle:", "info", ":white_circle:");
    /** Request parameters shown, at most; the rest are in the finding's evidence. */
    public static final int MAX_PARAMETERS = 8;

    private Messages() {
    }

    /** {@code [HIGH] title (account 111122223333)}, on one line (no CR, LF or other control character). */
    public static String subject(Finding f) {
        return oneLine("[" + f.severity().toUpperCase(Locale.ROOT) + "] " + f.title()
                + (f.accountId() == null ? "" : " (account " + f.accountId() + ")"));
    }

    /** Text with every control character (CR, LF, tab, line and paragraph separators) made a space. */
    public static String oneLine(String s) {
        StringBuilder out = new StringBuilder(s.length());
        s.codePoints().forEach(c -> out.appendCodePoint(Character.isISOControl(c) || c == 0x2028 || c == 0x2029 ? ' ' : c));
        return out.toString();
    }

    /** Slack mrkdwn of someone else's text: {@code &}, {@code <} and {@code >} escaped, so no mention and no link. */
    public static String slackText(String s) {
        return s == null ? "" : s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    /** Someone else's text inside a Slack code block: escaped, and no backtick that could close the block. */
    static String slackCode(String s) {
        return slackText(s).replace('`', '\u02CB');
    }

    /** Who did it: the principal's ARN, else its type. */
    public static String who(Finding f) {
        Principal p = f.principal();
        if (p == null) {
            return "unknown";
        }
        return p.arn() != null ? p.arn() : p.type();
    }

    /** What was done: {@code eventSource eventName}, and the count for grouped findings. */
    public static String what(Finding f) {
        return f.eventSource() + " " + f.eventName() + (f.count() > 1 ? " (" + f.count() + " events)" : "");
    }

    /** Where: account, region, source IP. */
    public static String where(Finding f) {
        return "account " + f.accountId() + ", " + f.region() + (f.sourceIp() == null ? "" : ", from " + f.sourceIp());
    }

    /** When: the event time, RFC 3339. */
    public static String when(Finding f) {
        return DateTimeFormatter.ISO_INSTANT.format(f.eventTime());
    }

    /**
     * Whether the finding comes from one of Trailwatch's own checks (log file integrity), whose evidence is no
     * CloudTrail record: its eventSource is {@code trailwatch.*}.
     */
    public static boolean fromTrailwatchCheck(Finding f) {
        return f.eventSource() != null && f.eventSource().startsWith("trailwatch.");
    }

    /**
     * Where to look in the AWS console: the event in CloudTrail event history, or for a Trailwatch check naming an
     * S3 object ({@code evidence.raw.bucket} and {@code key}), that object in the S3 console.
     */
    public static String consoleLink(String consoleUrl, Finding f) {
        JsonNode raw = f.evidence() == null ? null : f.evidence().raw();
        if (fromTrailwatchCheck(f) && raw != null && raw.path("bucket").isTextual() && raw.path("key").isTextual()) {
            return consoleUrl + "/s3/object/" + enc(raw.get("bucket").asText()) + "?region=" + enc(f.region()) + "&prefix="
                    + enc(raw.get("key").asText());
        }
        String id = f.eventIds().isEmpty() ? "" : f.eventIds().get(0);
        return consoleUrl + "/cloudtrailv2/home?region=" + enc(f.region()) + "#/events/" + enc(id);
    }

    /** What {@link #consoleLink} opens, in words. */
    public static String consoleLinkText(Finding f) {
        return consoleLink("", f).startsWith("/s3/") ? "Open the object in the S3 console" : "Open in CloudTrail event history";
    }

    /** The first request parameters of the evidence, flattened to {@code name: value} lines. */
    public static String keyParameters(Finding f) {
        JsonNode params = f.evidence() == null || f.evidence().raw() == null ? null : f.evidence().raw().get("requestParameters");
        if (params == null || !params.isObject() || params.isEmpty()) {
            return "";
        }
        StringBuilder sb = new StringBuilder();
        int n = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = params.fields(); it.hasNext() && n < MAX_PARAMETERS; n++) {
            var e = it.next();
            String v = e.getValue().isValueNode() ? e.getValue().asText() : e.getValue().toString();
            sb.append(e.getKey()).append(": ").append(v.length() > 200 ? v.substring(0, 200) + "…" : v).append('\n');
        }
        return sb.toString().stripTrailing();
    }

    /** The Slack message of a finding: a coloured attachment of Block Kit blocks, with a plain-text fallback. */
    public static ObjectNode slack(Finding f, String consoleUrl) {
        ObjectNode msg = NODES.objectNode();
        msg.put("text", EMOJI.getOrDefault(f.severity(), "") + " " + slackText(subject(f)));
        ArrayNode blocks = attachment(msg, f.severity());
        ObjectNode header = blocks.addObject().put("type", "header");
        header.putObject("text").put("type", "plain_text").put("text", truncate(EMOJI.getOrDefault(f.severity(), "") + " "
                + f.severity().toUpperCase(Locale.ROOT) + ": " + oneLine(f.title()), 150)).put("emoji", true);
        ObjectNode facts = blocks.addObject().put("type", "section");
        ArrayNode fields = facts.putArray("fields");
        field(fields, "Who", who(f));
        field(fields, "What", what(f));
        field(fields, "Where", where(f));
        field(fields, "When", when(f));
        if (fromTrailwatchCheck(f) && f.description() != null && !f.description().isBlank()) {
            // no CloudTrail record behind it: the description names the object and what is wrong with it
            blocks.addObject().put("type", "section").putObject("text").put("type", "mrkdwn")
                    .put("text", truncate("*Details*\n" + slackText(f.description().strip()), 3000));
        }
        String params = keyParameters(f);
        if (!params.isEmpty()) {
            blocks.addObject().put("type", "section").putObject("text").put("type", "mrkdwn")
                    .put("text", "*Request parameters*\n```" + truncate(slackCode(params), 2950) + "```");
        }
        ObjectNode actions = blocks.addObject().put("type", "actions");
        ObjectNode button = actions.putArray("elements").addObject().put("type", "button").put("url", consoleLink(consoleUrl, f));
        button.putObject("text").put("type", "plain_text").put("text", consoleLinkText(f));
        if (f.runbook() != null && !f.runbook().isBlank()) {
            blocks.addObject().put("type", "section").putObject("text").put("type", "mrkdwn")
                    .put("text", truncate("*Runbook*\n" + slackText(f.runbook().strip()), 3000));
        }
        blocks.addObject().put("type", "context").putArray("elements").addObject().put("type", "mrkdwn")
                .put("text", "rule `" + slackCode(f.ruleId()) + "` · category `" + slackCode(f.category()) + "` · finding `"
                        + slackCode(f.findingId()) + "`");
        return msg;
    }

    /** The Slack digest of a storm: how many more findings like the one sent, and a few of them. */
    public static ObjectNode slackDigest(Grouper.Digest d, String consoleUrl) {
        Finding f = d.first();
        ObjectNode msg = NODES.objectNode();
        String where = d.accounts() > 1 ? " across " + d.accounts() + " accounts"
                : " in account " + slackText(oneLine(String.valueOf(f.accountId())));
        msg.put("text", d.held() + " more like this" + (d.accounts() > 1 ? where : "") + ": " + slackText(subject(f)));
        ArrayNode blocks = attachment(msg, f.severity());
        blocks.addObject().put("type", "section").putObject("text").put("type", "mrkdwn")
                .put("text", "*" + d.held() + " more like this* — " + slackText(oneLine(f.title())) + where);
        StringBuilder sb = new StringBuilder();
        for (Finding s : d.sample()) {
            // the link is ours: every part of it URL-encoded, so nothing in it can end it
            sb.append("• ").append(when(s)).append(" ").append(slackText(oneLine(who(s))))
                    .append(d.accounts() > 1 ? " in " + slackText(oneLine(String.valueOf(s.accountId()))) : "").append(" <")
                    .append(consoleLink(consoleUrl, s)).append("|event>\n");
        }
        if (!sb.isEmpty()) {
            blocks.addObject().put("type", "section").putObject("text").put("type", "mrkdwn").put("text", truncate(sb.toString(), 3000));
        }
        return msg;
    }

    private static ArrayNode attachment(ObjectNode msg, String severity) {
        ObjectNode att = msg.putArray("attachments").addObject();
        att.put("color", COLOURS.getOrDefault(severity, "#7F7F7F"));
        return att.putArray("blocks");
    }

    private static void field(ArrayNode fields, String name, String value) {
        fields.addObject().put("type", "mrkdwn").put("text", truncate("*" + name + "*\n" + slackText(oneLine(value)), 2000));
    }

    private static String truncate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 1) + "…";
    }

    private static String enc(String s) {
        return s == null ? "" : URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
