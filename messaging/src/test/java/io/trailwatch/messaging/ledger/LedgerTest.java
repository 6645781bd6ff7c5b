package io.trailwatch.messaging.ledger;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What a ledger remembers, by key, held as digests of the keys rather than their text. */
class LedgerTest {

    @Test
    void aKeyIsRemembered_exactly_andKeysThatDifferInOneCharacterOrOnlyInCaseAreOthers() {
        Ledger ledger = new Ledger();
        ledger.add("slack-security|f-0123456789abcdef");

        assertThat(ledger.contains("slack-security|f-0123456789abcdef")).isTrue();
        assertThat(ledger.contains("slack-security|f-0123456789abcdeF")).isFalse();
        assertThat(ledger.contains("slack-security|f-0123456789abcde")).isFalse();
        assertThat(ledger.contains("slack-security|f-0123456789abcdef ")).isFalse();
        assertThat(ledger.contains("")).isFalse();
        // text from outside, any Unicode: the same text is the same key
        ledger.add("bucket|AWSLogs/111122223333/CloudTrail/é\u0000😀.json.gz|etag");
        assertThat(ledger.contains("bucket|AWSLogs/111122223333/CloudTrail/é\u0000😀.json.gz|etag")).isTrue();
        assertThat(ledger.size()).isEqualTo(2);
    }

    @Test
    void manyKeys_areAllDistinct() {
        Ledger ledger = new Ledger();
        Set<String> keys = new HashSet<>();
        for (int i = 0; i < 200_000; i++) {
            String key = "email-oncall|" + Integer.toHexString(i * 7919);
            keys.add(key);
            ledger.add(key);
        }
        assertThat(ledger.size()).isEqualTo(keys.size());
        assertThat(keys).allMatch(ledger::contains);
        assertThat(ledger.contains("email-oncall|not-there")).isFalse();
    }

    @Test
    void aTombstoneForgetsAKey_andTheRetentionForgetsOldOnes() {
        Ledger ledger = new Ledger(Duration.ofDays(35));
        long now = 100L * 24 * 3600 * 1000;
        ledger.add("old", now - Duration.ofDays(36).toMillis());
        ledger.add("recent", now - Duration.ofDays(1).toMillis());
        ledger.add("gone", now);
        ledger.remove("gone");

        assertThat(ledger.contains("gone")).isFalse();
        assertThat(ledger.expire(now)).isEqualTo(1);
        assertThat(ledger.contains("old")).isFalse();
        assertThat(ledger.contains("recent")).isTrue();
        // the newest time of a key counts: written again, it stays
        ledger.add("recent", now - Duration.ofDays(40).toMillis());
        assertThat(ledger.expire(now)).isZero();
    }

    @Test
    void keptForever_neverExpires_andANegativeRetentionIsRefused() {
        Ledger forever = new Ledger();
        forever.add("kill-switch", 0);
        assertThat(forever.expire(Long.MAX_VALUE)).isZero();
        assertThat(forever.contains("kill-switch")).isTrue();
        assertThatThrownBy(() -> new Ledger(Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class);
    }
}
