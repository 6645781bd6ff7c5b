package io.trailwatch.notify.core;

import java.time.Duration;

/** What one attempt to deliver came to. */
public sealed interface Attempt permits Attempt.Delivered, Attempt.Retry, Attempt.Refused {

    /** The HTTP status, when the destination speaks HTTP. */
    Integer status();

    /** Accepted by the destination. */
    record Delivered(Integer status) implements Attempt {
    }

    /** Try again: after {@code after} when the destination said so (429 Retry-After), else after a back-off. */
    record Retry(Integer status, Duration after, String reason) implements Attempt {
    }

    /** Refused for good (a 4xx other than 408 and 429): retrying cannot help. */
    record Refused(Integer status, String reason) implements Attempt {
    }
}
