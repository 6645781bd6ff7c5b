package io.trailwatch.notify.core;

import io.trailwatch.model.Finding;

/** Somewhere a notification goes: one attempt at a time; the caller retries. Implementations are thread-safe. */
public interface Destination {

    /** Its configured name. */
    String name();

    /** slack, webhook or email. */
    String type();

    /** One attempt to deliver a finding. */
    Attempt send(Finding finding);

    /** One attempt to deliver a storm's digest. */
    Attempt sendDigest(Grouper.Digest digest);
}
