package io.trailwatch.notify.config;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * What the config mapping's annotations cannot say: the keys each type of destination needs, routes naming
 * destinations that exist, back-offs in order. Checked before anything is built, so a service with a bad
 * configuration does not start, and says every problem at once, naming each key.
 */
public final class NotifyChecks {

    private static final String PREFIX = "trailwatch.notify.";

    private NotifyChecks() {
    }

    /** Every problem of the configuration, each naming its key; empty when there is none. */
    public static List<String> problems(NotifyConfig config) {
        List<String> problems = new ArrayList<>();
        config.destinations().forEach((name, d) -> {
            String key = PREFIX + "destinations." + name + ".";
            String type = d.type().name().toLowerCase(Locale.ROOT);
            d.concurrency().ifPresent(n -> {
                if (n < 1 || n > 64) {
                    problems.add(key + "concurrency must be 1 to 64, not " + n);
                }
            });
            switch (d.type()) {
                case SLACK, WEBHOOK -> {
                    if (blank(d.url())) {
                        problems.add(key + "url is required for a destination of type " + type);
                    } else if (!httpUrl(d.url().get())) {
                        problems.add(key + "url is no http(s) URL"); // never the URL itself: it is a secret
                    }
                    if (d.type() == NotifyConfig.Type.WEBHOOK && blank(d.hmacKey())) {
                        problems.add(key + "hmac-key is required for a destination of type webhook");
                    }
                }
                case EMAIL, SES -> {
                    if (d.to().isEmpty() || d.to().get().stream().allMatch(String::isBlank)) {
                        problems.add(key + "to is required for a destination of type " + type);
                    } else {
                        d.to().get().stream().filter(a -> !a.contains("@")).forEach(a ->
                                problems.add(key + "to holds '" + a + "', which is no mail address"));
                    }
                    if (d.type() == NotifyConfig.Type.SES && blank(d.from())) {
                        problems.add(key + "from is required for a destination of type ses");
                    }
                }
            }
        });
        config.routes().forEach((name, r) -> r.destinations().stream().filter(d -> !config.destinations().containsKey(d))
                .forEach(d -> problems.add(PREFIX + "routes." + name + ".destinations names '" + d
                        + "', which is not configured; configured: " + config.destinations().keySet())));
        if (config.retry().maxBackoff().compareTo(config.retry().initialBackoff()) < 0) {
            problems.add(PREFIX + "retry.max-backoff is shorter than " + PREFIX + "retry.initial-backoff");
        }
        return problems;
    }

    /** Throws, naming every problem, unless there is none. */
    public static void require(NotifyConfig config) {
        List<String> problems = problems(config);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("notify-service is misconfigured:\n  " + String.join("\n  ", problems));
        }
    }

    private static boolean blank(Optional<String> value) {
        return value.isEmpty() || value.get().isBlank();
    }

    private static boolean httpUrl(String value) {
        try {
            URI uri = URI.create(value.trim());
            return uri.isAbsolute() && uri.getHost() != null
                    && ("https".equalsIgnoreCase(uri.getScheme()) || "http".equalsIgnoreCase(uri.getScheme()));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
