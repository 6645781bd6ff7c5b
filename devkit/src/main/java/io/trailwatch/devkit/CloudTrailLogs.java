package io.trailwatch.devkit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.zip.GZIPOutputStream;

/**
 * Generates realistic CloudTrail log files, deterministically from a seed: a mix of management, data, service,
 * sign-in, failed and Insights events with the identities real trails carry, in CloudTrail's file format and S3 key
 * layout. For volume tests and benchmark corpora; hand-written fixtures cover the exact shapes.
 */
public final class CloudTrailLogs {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter KEY_TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmm'Z'").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter KEY_DATE = DateTimeFormatter.ofPattern("yyyy/MM/dd").withZone(ZoneOffset.UTC);
    private static final String[] REGIONS = {"us-east-1", "eu-west-1", "ap-southeast-2", "us-west-2"};
    private static final String[] IPS = {"198.51.100.23", "203.0.113.77", "192.0.2.15", "198.51.100.140"};

    private final Random random;

    public CloudTrailLogs(long seed) {
        this.random = new Random(seed);
    }

    /** The S3 key CloudTrail would deliver a file to. */
    public static String key(String account, String region, Instant time, String suffix) {
        return "AWSLogs/" + account + "/CloudTrail/" + region + "/" + KEY_DATE.format(time) + "/" + account
                + "_CloudTrail_" + region + "_" + KEY_TIME.format(time) + "_" + suffix + ".json.gz";
    }

    /** {@code n} records of one account, starting at {@code start}, a few seconds apart. */
    public List<ObjectNode> records(String account, String region, Instant start, int n) {
        List<ObjectNode> out = new ArrayList<>(n);
        Instant t = start;
        for (int i = 0; i < n; i++) {
            out.add(record(account, region, t));
            t = t.plusMillis(random.nextInt(4000));
        }
        return out;
    }

    /** Calls of the mix that no rule of the built-in pack reports in an account without history. */
    private static final java.util.Set<String> QUIET = java.util.Set.of("GetObject", "PutObject", "DescribeInstances", "Decrypt",
            "AssumeRole", "Invoke", "GetCallerIdentity");

    /**
     * {@code n} records of ordinary work (reads, writes, role sessions) that no rule reports in an account without
     * history, {@code step} apart from {@code start}: the background that end-to-end tests and benchmarks put their
     * attack steps in.
     */
    public List<ObjectNode> quietRecords(String account, String region, Instant start, int n, java.time.Duration step) {
        List<ObjectNode> out = new ArrayList<>(n);
        while (out.size() < n) {
            ObjectNode r = record(account, region, start.plus(step.multipliedBy(out.size())));
            if (QUIET.contains(r.get("eventName").asText())) {
                out.add(r);
            }
        }
        return out;
    }

    /** A log file's bytes: {@code {"Records":[...]}}, gzipped when asked. */
    public static byte[] file(List<ObjectNode> records, boolean gzip) {
        var bytes = new ByteArrayOutputStream();
        try (OutputStream out = gzip ? new GZIPOutputStream(bytes, 64 * 1024) : bytes) {
            ObjectNode doc = JSON.createObjectNode();
            ArrayNode array = doc.putArray("Records");
            records.forEach(array::add);
            JSON.writeValue(out, doc);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** One record of a realistic mix. */
    public ObjectNode record(String account, String region, Instant time) {
        int pick = random.nextInt(100);
        ObjectNode r;
        if (pick < 30) {
            r = api(account, region, time, "s3.amazonaws.com", pick < 20 ? "GetObject" : "PutObject", true, role(account, "app-server"));
            r.put("eventCategory", "Data").put("managementEvent", false);
            r.putObject("requestParameters").put("bucketName", "app-data-" + account).put("key", "exports/" + random.nextInt(10_000) + ".csv");
            r.putArray("resources").addObject().put("type", "AWS::S3::Object").put("ARN", "arn:aws:s3:::app-data-" + account + "/exports/x.csv");
        } else if (pick < 50) {
            r = api(account, region, time, "ec2.amazonaws.com", "DescribeInstances", true, role(account, "monitoring"));
            r.putObject("requestParameters").putObject("instancesSet");
        } else if (pick < 60) {
            r = api(account, region, time, "kms.amazonaws.com", "Decrypt", true, service("lambda.amazonaws.com"));
            r.put("eventType", "AwsServiceEvent").put("sourceIPAddress", "lambda.amazonaws.com");
            r.putObject("requestParameters").put("encryptionAlgorithm", "SYMMETRIC_DEFAULT");
        } else if (pick < 68) {
            r = api(account, region, time, "sts.amazonaws.com", "AssumeRole", false, role(account, "ci-deployer"));
            r.putObject("requestParameters").put("roleArn", "arn:aws:iam::" + account + ":role/deploy")
                    .put("roleSessionName", "build-" + random.nextInt(1000));
        } else if (pick < 74) {
            r = api(account, "us-east-1", time, "iam.amazonaws.com", "GetRole", true, user(account, "maria"));
            r.putObject("requestParameters").put("roleName", "deploy");
            r.put("errorCode", "AccessDenied").put("errorMessage", "User is not authorized to perform: iam:GetRole");
        } else if (pick < 80) {
            r = api(account, region, time, "ec2.amazonaws.com", "AuthorizeSecurityGroupIngress", false, role(account, "Operator"));
            r.putObject("requestParameters").put("groupId", "sg-0a1b2c3d4e5f67890").putObject("ipPermissions")
                    .putArray("items").addObject().put("ipProtocol", "tcp").put("fromPort", 443).put("toPort", 443)
                    .putObject("ipRanges").putArray("items").addObject().put("cidrIp", "10.0.0.0/8");
        } else if (pick < 85) {
            r = api(account, "us-east-1", time, "signin.amazonaws.com", "ConsoleLogin", false, user(account, "maria"));
            r.put("eventType", "AwsConsoleSignIn");
            r.putObject("responseElements").put("ConsoleLogin", "Success");
            r.putObject("additionalEventData").put("MFAUsed", random.nextBoolean() ? "Yes" : "No").put("MobileVersion", "No");
        } else if (pick < 90) {
            r = api(account, region, time, "lambda.amazonaws.com", "Invoke", false, role(account, "scheduler"));
            r.put("eventCategory", "Data").put("managementEvent", false);
            r.putObject("requestParameters").put("functionName", "arn:aws:lambda:" + region + ":" + account + ":function:nightly");
        } else if (pick < 95) {
            r = api(account, region, time, "iam.amazonaws.com", "PutRolePolicy", false, role(account, "Operator"));
            r.putObject("requestParameters").put("roleName", "app-server").put("policyName", "s3-read")
                    .put("policyDocument", "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"*\"}]}");
        } else {
            r = api(account, region, time, "sts.amazonaws.com", "GetCallerIdentity", true, user(account, "ci"));
        }
        return r;
    }

    private ObjectNode api(String account, String region, Instant time, String source, String name, boolean readOnly,
                           ObjectNode identity) {
        ObjectNode r = JSON.createObjectNode();
        r.put("eventVersion", "1.09");
        r.set("userIdentity", identity);
        r.put("eventTime", time.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString());
        r.put("eventSource", source);
        r.put("eventName", name);
        r.put("awsRegion", region);
        r.put("sourceIPAddress", IPS[random.nextInt(IPS.length)]);
        r.put("userAgent", "aws-sdk-java/2.25.0 Linux/6.1 OpenJDK_64-Bit_Server_VM/17.0.10 vendor/Eclipse_Adoptium");
        r.putNull("requestParameters");
        r.putNull("responseElements");
        r.put("requestID", uuid());
        r.put("eventID", uuid());
        r.put("readOnly", readOnly);
        r.put("eventType", "AwsApiCall");
        r.put("managementEvent", true);
        r.put("recipientAccountId", account);
        r.put("eventCategory", "Management");
        r.putObject("tlsDetails").put("tlsVersion", "TLSv1.3").put("cipherSuite", "TLS_AES_128_GCM_SHA256")
                .put("clientProvidedHostHeader", source.replace("amazonaws.com", region + ".amazonaws.com"));
        return r;
    }

    private ObjectNode role(String account, String role) {
        ObjectNode id = JSON.createObjectNode();
        String roleId = "AROA" + account.substring(0, 8) + role.length();
        id.put("type", "AssumedRole").put("principalId", roleId + ":session-" + random.nextInt(50))
                .put("arn", "arn:aws:sts::" + account + ":assumed-role/" + role + "/session")
                .put("accountId", account).put("accessKeyId", "ASIA" + account.substring(0, 12));
        ObjectNode ctx = id.putObject("sessionContext");
        ctx.putObject("sessionIssuer").put("type", "Role").put("principalId", roleId)
                .put("arn", "arn:aws:iam::" + account + ":role/" + role).put("accountId", account).put("userName", role);
        ctx.putObject("attributes").put("creationDate", "2026-03-01T00:00:00Z").put("mfaAuthenticated", "false");
        return id;
    }

    private ObjectNode user(String account, String name) {
        return JSON.createObjectNode().put("type", "IAMUser").put("principalId", "AIDA" + account + name.length())
                .put("arn", "arn:aws:iam::" + account + ":user/" + name).put("accountId", account)
                .put("accessKeyId", "AKIA" + account.substring(0, 12)).put("userName", name);
    }

    private static ObjectNode service(String service) {
        return JSON.createObjectNode().put("type", "AWSService").put("invokedBy", service);
    }

    private String uuid() {
        return new UUID(random.nextLong(), random.nextLong()).toString();
    }

    /** A region for the i-th file of a corpus. */
    public static String region(int i) {
        return REGIONS[Math.floorMod(i, REGIONS.length)];
    }
}
