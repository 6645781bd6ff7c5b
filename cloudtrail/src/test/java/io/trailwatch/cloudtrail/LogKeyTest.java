package io.trailwatch.cloudtrail;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

class LogKeyTest {

    @Test
    void accountTrail_withoutPrefix() {
        LogKey k = LogKey.parse("AWSLogs/111122223333/CloudTrail/eu-west-1/2026/03/02/"
                + "111122223333_CloudTrail_eu-west-1_20260302T1005Z_Xk3hQ9pLmN2rT7vW.json.gz").orElseThrow();

        assertThat(k.prefix()).isEmpty();
        assertThat(k.orgId()).isNull();
        assertThat(k.accountId()).isEqualTo("111122223333");
        assertThat(k.kind()).isEqualTo(LogKey.Kind.LOG);
        assertThat(k.region()).isEqualTo("eu-west-1");
        assertThat(k.date()).isEqualTo("2026/03/02");
        assertThat(k.fileName()).endsWith(".json.gz");
    }

    @Test
    void organizationTrail_withPrefix() {
        LogKey k = LogKey.parse("security/trails/AWSLogs/o-a1b2c3d4e5/444455556666/CloudTrail/ap-southeast-2/2026/12/31/"
                + "444455556666_CloudTrail_ap-southeast-2_20261231T2355Z_a1B2c3D4e5F6g7H8.json.gz").orElseThrow();

        assertThat(k.prefix()).isEqualTo("security/trails");
        assertThat(k.orgId()).isEqualTo("o-a1b2c3d4e5");
        assertThat(k.accountId()).isEqualTo("444455556666");
        assertThat(k.region()).isEqualTo("ap-southeast-2");
    }

    @Test
    void digestAndInsightFolders() {
        LogKey digest = LogKey.parse("AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2026/03/02/"
                + "111122223333_CloudTrail-Digest_us-east-1_management-events_us-east-1_20260302T100000Z.json.gz").orElseThrow();
        LogKey insight = LogKey.parse("AWSLogs/111122223333/CloudTrail-Insight/us-east-1/2026/03/02/"
                + "111122223333_CloudTrail-Insight_us-east-1_20260302T1000Z_Ab12Cd34Ef56Gh78.json.gz").orElseThrow();

        assertThat(digest.kind()).isEqualTo(LogKey.Kind.DIGEST);
        assertThat(digest.kind().isLog()).isFalse();
        assertThat(insight.kind()).isEqualTo(LogKey.Kind.INSIGHT);
        assertThat(insight.kind().isLog()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "AWSLogs/111122223333/vpcflowlogs/eu-west-1/2026/03/02/x.log.gz",
            "AWSLogs/1111/CloudTrail/eu-west-1/2026/03/02/x.json.gz",
            "exports/cloudtrail.json",
            "AWSLogs/111122223333/CloudTrail/eu-west-1/2026/03/x.json.gz",
    })
    void otherKeys_areNotInTheLayout(String key) {
        assertThat(LogKey.parse(key)).isEmpty();
    }
}
