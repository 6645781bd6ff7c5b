package io.trailwatch.detect.engine;

import java.util.Set;

/** The category ids of the rule pack; a rule has exactly one. */
public final class Categories {

    public static final Set<String> ALL = Set.of(
            "cloudtrail-tampering",
            "failed-actions-anomaly",
            "network-change",
            "iam-change",
            "external-role-assumption",
            "console-login-no-mfa",
            "console-login-geo",
            "kms-key-change",
            "s3-bucket-policy-change",
            "root-activity",
            "first-use-service",
            "first-use-region",
            "resource-sharing",
            "unauthorized-api-call",
            "console-auth-failure",
            "config-change",
            "organizations-change",
            "logging-tampering",
            "credential-access",
            "discovery",
            "execution",
            "remote-access",
            "data-destruction",
            "resource-hijacking");

    private Categories() {
    }
}
