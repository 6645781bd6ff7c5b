package io.trailwatch.ingest.core;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

class AdmissionTest {

    private static final Pattern SKIP = Pattern.compile("(^|/)CloudTrail-Digest/|_CloudTrail-Digest_|(^|/)ConfigWritabilityCheckFile$|\\.sig$|/$");
    private static final String LOG = "AWSLogs/111122223333/CloudTrail/eu-west-1/2026/03/02/111122223333_CloudTrail_eu-west-1_20260302T1005Z_a.json.gz";
    private static final String ORG_LOG = "trails/AWSLogs/o-a1b2c3d4e5/444455556666/CloudTrail/us-east-1/2026/03/02/444455556666_CloudTrail_us-east-1_20260302T1005Z_b.json.gz";
    private static final String DIGEST = "AWSLogs/111122223333/CloudTrail-Digest/eu-west-1/2026/03/02/111122223333_CloudTrail-Digest_eu-west-1_mgmt_eu-west-1_20260302T100000Z.json.gz";

    private final Admission open = new Admission(Set.of("trail"), List.of(), Set.of(), SKIP);

    @Test
    void bucketNotConfigured_isRefused() {
        assertThat(open.decide("someone-else", LOG)).isInstanceOfSatisfying(Admission.Refuse.class,
                r -> assertThat(r.reason()).isEqualTo("bucket-not-allowed"));
    }

    @Test
    void logInConfiguredBucket_isAccepted_withItsAccount() {
        assertThat(open.decide("trail", LOG)).isInstanceOfSatisfying(Admission.Accept.class,
                a -> assertThat(a.accountOrNull()).isEqualTo("111122223333"));
        assertThat(open.decide("trail", ORG_LOG)).isInstanceOfSatisfying(Admission.Accept.class,
                a -> assertThat(a.accountOrNull()).isEqualTo("444455556666"));
    }

    @Test
    void keyOutsideTheLayout_isAcceptedWhenNoAccountsAreConfigured() {
        assertThat(open.decide("trail", "uploads/my-trail-export.json")).isInstanceOf(Admission.Accept.class);
    }

    @Test
    void digestsAndOtherNonLogKeys_areSkipped() {
        assertThat(open.decide("trail", DIGEST)).isEqualTo(new Admission.Skip("digest"));
        assertThat(open.decide("trail", "AWSLogs/111122223333/CloudTrail/ConfigWritabilityCheckFile"))
                .isEqualTo(new Admission.Skip("non-log-key"));
        assertThat(open.decide("trail", "AWSLogs/111122223333/CloudTrail/")).isEqualTo(new Admission.Skip("non-log-key"));
    }

    @Test
    void digestsInTheLayout_areValidated_whenIntegrityValidationIsOn() {
        var validating = new Admission(Set.of("trail"), List.of(), Set.of(), SKIP, true);

        assertThat(validating.decide("trail", DIGEST)).isInstanceOfSatisfying(Admission.Validate.class, v -> {
            assertThat(v.layout().region()).isEqualTo("eu-west-1");
            assertThat(v.layout().accountId()).isEqualTo("111122223333");
        });
        assertThat(validating.decide("other-bucket", DIGEST)).isInstanceOf(Admission.Refuse.class);
        assertThat(validating.decide("trail", "AWSLogs/111122223333/CloudTrail-Digest/")).isEqualTo(new Admission.Skip("digest"));
        assertThat(validating.mayRead("trail", "AWSLogs/111122223333/CloudTrail/x.json.gz")).isTrue();
        assertThat(validating.mayRead("other-bucket", "AWSLogs/111122223333/CloudTrail/x.json.gz")).isFalse();
    }

    @Test
    void prefixes_narrowWhatIsRead() {
        var narrowed = new Admission(Set.of("trail"), List.of("trails/"), Set.of(), SKIP);

        assertThat(narrowed.decide("trail", ORG_LOG)).isInstanceOf(Admission.Accept.class);
        assertThat(narrowed.decide("trail", LOG)).isInstanceOfSatisfying(Admission.Refuse.class,
                r -> assertThat(r.reason()).isEqualTo("prefix-not-allowed"));
    }

    @Test
    void accounts_narrowWhatIsRead_inBothLayouts() {
        var narrowed = new Admission(Set.of("trail"), List.of(), Set.of("444455556666"), SKIP);

        assertThat(narrowed.decide("trail", ORG_LOG)).isInstanceOf(Admission.Accept.class);
        assertThat(narrowed.decide("trail", LOG)).isInstanceOfSatisfying(Admission.Refuse.class,
                r -> assertThat(r.reason()).isEqualTo("account-not-allowed"));
        assertThat(narrowed.decide("trail", "uploads/x.json")).isInstanceOfSatisfying(Admission.Refuse.class,
                r -> assertThat(r.reason()).isEqualTo("account-not-allowed"));
    }
}
