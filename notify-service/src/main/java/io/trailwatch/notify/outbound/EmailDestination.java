package io.trailwatch.notify.outbound;

import io.quarkus.mailer.Mail;
import io.quarkus.mailer.Mailer;
import io.quarkus.qute.Template;
import io.trailwatch.model.Finding;
import io.trailwatch.notify.core.Attempt;
import io.trailwatch.notify.core.Destination;
import io.trailwatch.notify.core.Grouper;
import io.trailwatch.notify.core.Messages;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Email: subject {@code [SEVERITY] title (account ...)}, HTML and plain-text bodies from the Qute templates
 * {@code finding.html} and {@code finding.txt}, sent over SMTP (quarkus-mailer) or through Amazon SES's API
 * ({@link SesSender}). Called from its courier's own thread, never from a messaging thread (the blocking mailer must
 * not be).
 */
public final class EmailDestination implements Destination {

    /** Hands one rendered mail to a transport. */
    @FunctionalInterface
    public interface Sender {
        Attempt send(List<String> to, String subject, String text, String html);
    }

    private final String name;
    private final String type;
    private final List<String> to;
    private final Sender sender;
    private final Template html;
    private final Template text;
    private final String consoleUrl;

    public EmailDestination(String name, String type, List<String> to, Sender sender, Template html, Template text, String consoleUrl) {
        this.name = name;
        this.type = type;
        this.to = List.copyOf(to);
        this.sender = sender;
        this.html = html;
        this.text = text;
        this.consoleUrl = consoleUrl;
    }

    /** SMTP through quarkus-mailer: any failure to hand the mail to the server is retried. */
    public static Sender smtp(Mailer mailer) {
        return (to, subject, text, html) -> {
            try {
                mailer.send(new Mail().setTo(to).setSubject(subject).setText(text).setHtml(html));
                return new Attempt.Delivered(null);
            } catch (RuntimeException e) {
                return new Attempt.Retry(null, null, "SMTP: " + e.getClass().getSimpleName());
            }
        };
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String type() {
        return type;
    }

    @Override
    public Attempt send(Finding f) {
        return mail(Messages.subject(f), data(f, 0));
    }

    @Override
    public Attempt sendDigest(Grouper.Digest d) {
        return mail(d.held() + " more like this" + (d.accounts() > 1 ? " across " + d.accounts() + " accounts" : "") + ": "
                + Messages.subject(d.first()), data(d.first(), d.held()));
    }

    private Map<String, Object> data(Finding f, int more) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("severity", f.severity().toUpperCase(java.util.Locale.ROOT));
        m.put("title", f.title());
        m.put("description", f.description() == null ? "" : f.description());
        m.put("who", Messages.who(f));
        m.put("what", Messages.what(f));
        m.put("where", Messages.where(f));
        m.put("when", Messages.when(f));
        m.put("parameters", Messages.keyParameters(f));
        m.put("link", Messages.consoleLink(consoleUrl, f));
        m.put("linkText", Messages.consoleLinkText(f));
        m.put("runbook", f.runbook() == null ? "" : f.runbook().strip());
        m.put("ruleId", f.ruleId());
        m.put("findingId", f.findingId());
        m.put("more", more);
        return m;
    }

    private Attempt mail(String subject, Map<String, Object> data) {
        var t = text.instance();
        var h = html.instance();
        data.forEach((k, v) -> {
            t.data(k, v);
            h.data(k, v);
        });
        return sender.send(to, subject, t.render(), h.render());
    }
}
