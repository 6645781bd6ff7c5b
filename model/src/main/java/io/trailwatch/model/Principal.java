package io.trailwatch.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * Who made the call: CloudTrail's {@code userIdentity}, flattened. Every field may be null: AWS services, anonymous
 * callers and Insights events carry little or no identity.
 *
 * @param type            {@code Root}, {@code IAMUser}, {@code AssumedRole}, {@code FederatedUser}, {@code AWSAccount},
 *                        {@code AWSService}, {@code IdentityCenterUser}, {@code Unknown}, ...
 * @param arn             the principal's ARN
 * @param accountId       the account that owns the principal
 * @param principalId     the unique id of the principal (for roles: {@code AROA...:session-name})
 * @param userName        the user name (IAM users, root's alias, federated users)
 * @param accessKeyId     the access key used, if any
 * @param sessionIssuer   for temporary credentials: who issued them (a role or a user)
 * @param mfaAuthenticated whether the session was MFA-authenticated ({@code sessionContext.attributes.mfaAuthenticated},
 *                        or {@code additionalEventData.MFAUsed} for console sign-in); null when the record does not say
 * @param invokedBy       the AWS service that made the call on the principal's behalf, e.g. {@code ec2.amazonaws.com}
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record Principal(
        String type,
        String arn,
        String accountId,
        String principalId,
        String userName,
        String accessKeyId,
        SessionIssuer sessionIssuer,
        Boolean mfaAuthenticated,
        String invokedBy) {

    /**
     * The issuer of temporary credentials ({@code sessionContext.sessionIssuer}).
     *
     * @param type        usually {@code Role}
     * @param principalId the issuer's unique id
     * @param arn         the issuer's ARN, e.g. the role ARN
     * @param accountId   the account that owns the issuer
     * @param userName    the role or user name
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record SessionIssuer(String type, String principalId, String arn, String accountId, String userName) {
    }
}
