package io.trailwatch.devkit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.UUID;

/**
 * Ordinary traffic, with no attack in it: what a fleet of accounts does on working days, deterministically from a seed,
 * in event-time order. Per account, workloads (instance and function roles, each from its own stable address, calling
 * the few APIs it always calls, at its own rate), people (signing in to the console with MFA in working hours,
 * reading, now and then changing something small and opening a session on an instance), a deployment role (code and
 * stacks updated a few times a day) and AWS services acting for them. About 3.5% of calls are denied: most from
 * workloads that lack one permission and keep trying at their steady rate, the rest scattered. For measuring how much
 * a rule pack says about a normal day (it should say little), never for what it finds.
 */
public final class OrdinaryTraffic implements Iterable<ObjectNode> {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] REGIONS = {"eu-west-1", "us-east-1", "us-west-2", "ap-southeast-2", "eu-central-1"};
    /** What workloads call: service, event name, read-only, data event. */
    private static final String[][] WORKLOAD_CALLS = {
            {"s3", "GetObject", "true", "data"}, {"s3", "PutObject", "false", "data"}, {"s3", "HeadObject", "true", "data"},
            {"dynamodb", "GetItem", "true", ""}, {"dynamodb", "PutItem", "false", ""}, {"dynamodb", "Query", "true", ""},
            {"kms", "Decrypt", "true", ""}, {"kms", "GenerateDataKey", "true", ""}, {"sqs", "ReceiveMessage", "true", "data"},
            {"sqs", "SendMessage", "false", "data"}, {"sqs", "DeleteMessage", "false", "data"}, {"sns", "Publish", "false", ""},
            {"logs", "CreateLogStream", "false", ""}, {"monitoring", "PutMetricData", "false", ""},
            {"secretsmanager", "GetSecretValue", "true", ""}, {"ssm", "GetParameter", "true", ""},
            {"sts", "GetCallerIdentity", "true", ""}, {"ec2", "DescribeInstances", "true", ""}, {"ec2", "DescribeTags", "true", ""},
            {"ecr", "GetAuthorizationToken", "true", ""}, {"lambda", "Invoke", "false", "data"}, {"events", "PutEvents", "false", ""}};
    /** What people read in the console or the CLI. */
    private static final String[][] PERSON_READS = {
            {"ec2", "DescribeInstances"}, {"ec2", "DescribeSecurityGroups"}, {"ec2", "DescribeVpcs"}, {"s3", "ListBuckets"},
            {"s3", "GetBucketPolicy"}, {"iam", "ListRoles"}, {"iam", "GetRole"}, {"lambda", "ListFunctions20150331"},
            {"logs", "FilterLogEvents"}, {"monitoring", "GetMetricData"}, {"cloudformation", "DescribeStacks"},
            {"rds", "DescribeDBInstances"}, {"dynamodb", "DescribeTable"}, {"ecs", "ListClusters"}, {"ssm", "DescribeInstanceInformation"},
            {"cloudtrail", "LookupEvents"}, {"kms", "ListKeys"}, {"sqs", "ListQueues"}};

    private final long seed;
    private final int events;
    private final int accounts;
    private final Instant start;
    private final Duration span;

    /**
     * @param seed     the same seed gives the same records
     * @param events   how many records
     * @param accounts how many accounts
     * @param span     how much event time they cover, from 2026-01-05 (a Monday) 00:00 UTC
     */
    public OrdinaryTraffic(long seed, int events, int accounts, Duration span) {
        this.seed = seed;
        this.events = events;
        this.accounts = accounts;
        this.start = Instant.parse("2026-01-05T00:00:00Z");
        this.span = span;
    }

    @Override
    public Iterator<ObjectNode> iterator() {
        Random random = new Random(seed);
        List<Actor> actors = new ArrayList<>();
        for (int a = 0; a < accounts; a++) {
            String account = String.format("4%011d", 100_000 + a);
            String region = REGIONS[a % REGIONS.length];
            for (int w = 0; w < 8; w++) {
                actors.add(Actor.workload(random, account, region, a, w));
            }
            for (int p = 0; p < 3; p++) {
                actors.add(Actor.person(random, account, region, a, p));
            }
            actors.add(Actor.deployer(account, region, a));
        }
        // each actor's share of the traffic, so that the whole makes `events` records over the span
        double weight = actors.stream().mapToDouble(Actor::weight).sum();
        double perSecond = events / (double) span.toSeconds();
        PriorityQueue<Next> queue = new PriorityQueue<>();
        for (Actor actor : actors) {
            actor.rate = perSecond * actor.weight() / weight;
            queue.add(new Next(start.toEpochMilli() + (long) (exponential(random, actor.rate) * 1000), actor));
        }
        return new Iterator<>() {
            int made;

            @Override
            public boolean hasNext() {
                return made < events;
            }

            @Override
            public ObjectNode next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                while (true) {
                    Next n = queue.poll();
                    long after = (long) (exponential(random, n.actor.rate * n.actor.activity(n.at)) * 1000);
                    queue.add(new Next(n.at + Math.max(1, Math.min(after, 6 * 3_600_000L)), n.actor));
                    if (n.actor.active(n.at)) {
                        made++;
                        return n.actor.record(random, Instant.ofEpochMilli(n.at));
                    }
                }
            }
        };
    }

    private static double exponential(Random random, double rate) {
        return -Math.log(1 - random.nextDouble()) / Math.max(rate, 1e-9);
    }

    private record Next(long at, Actor actor) implements Comparable<Next> {
        @Override
        public int compareTo(Next o) {
            return Long.compare(at, o.at);
        }
    }

    /** Someone or something that makes calls: its identity, address, habits and failures. */
    private static final class Actor {
        final String kind;
        final String account;
        final String region;
        final ObjectNode identity;
        final String ip;
        final String userAgent;
        final double relative;
        final List<String[]> calls;
        final String[] denied; // the call it lacks the permission for, or null
        final double deniedShare;
        double rate;
        long signedInDay = -1;

        private Actor(String kind, String account, String region, ObjectNode identity, String ip, String userAgent, double relative,
                      List<String[]> calls, String[] denied, double deniedShare) {
            this.kind = kind;
            this.account = account;
            this.region = region;
            this.identity = identity;
            this.ip = ip;
            this.userAgent = userAgent;
            this.relative = relative;
            this.calls = calls;
            this.denied = denied;
            this.deniedShare = deniedShare;
        }

        static Actor workload(Random random, String account, String region, int a, int w) {
            String app = new String[]{"orders", "billing", "search", "images", "reports", "auth", "mailer", "ingest"}[w];
            boolean instance = w % 2 == 0;
            String session = instance ? String.format("i-0%016x", (long) a * 1000 + w) : app + "-handler";
            List<String[]> calls = new ArrayList<>();
            int n = 3 + random.nextInt(4);
            while (calls.size() < n) {
                String[] c = WORKLOAD_CALLS[random.nextInt(WORKLOAD_CALLS.length)];
                if (!calls.contains(c)) {
                    calls.add(c);
                }
            }
            boolean lacksOne = random.nextInt(100) < 45;
            String[] denied = lacksOne ? WORKLOAD_CALLS[random.nextInt(WORKLOAD_CALLS.length)] : null;
            String ip = instance ? String.format("10.%d.%d.%d", a % 250, w * 10 + 1, 10 + w) : String.format("203.0.113.%d", 1 + (a * 8 + w) % 250);
            // a few busy workloads, many quiet ones; the first of each account polls a queue all day, the busiest of all
            double relative = w == 0 ? 150 : Math.exp(random.nextGaussian() * 1.2) * 6;
            return new Actor("workload", account, region, role(account, app, session), ip,
                    "aws-sdk-java/2.25.10 Linux/6.1 OpenJDK_64-Bit_Server_VM/17.0.10", relative, calls, denied,
                    lacksOne ? 0.04 + random.nextDouble() * 0.06 : 0);
        }

        static Actor person(Random random, String account, String region, int a, int p) {
            String name = new String[]{"ana", "ben", "chloe"}[p];
            ObjectNode identity = p == 0 ? user(account, name)
                    : role(account, "AWSReservedSSO_Developer_0a1b2c3d4e5f6789", name + "@example.com");
            return new Actor("person", account, region, identity, String.format("198.51.100.%d", 10 + (a * 3 + p) % 240),
                    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15",
                    1.0, List.of(), null, 0);
        }

        static Actor deployer(String account, String region, int a) {
            return new Actor("deployer", account, region, role(account, "ci-deploy", "pipeline"),
                    String.format("192.0.2.%d", 1 + a % 250), "aws-cli/2.15.30 Python/3.11.8 Linux/6.1 exe/x86_64", 0.3,
                    List.of(), null, 0);
        }

        double weight() {
            return relative;
        }

        /** How busy the actor is at a moment: people and deployments work 8 to 18 on weekdays, workloads always. */
        double activity(long at) {
            if (kind.equals("workload")) {
                return 1;
            }
            return active(at) ? 2.4 : 0.05;
        }

        boolean active(long at) {
            if (kind.equals("workload")) {
                return true;
            }
            var t = Instant.ofEpochMilli(at).atZone(ZoneOffset.UTC);
            return t.getDayOfWeek().getValue() <= 5 && t.getHour() >= 8 && t.getHour() < 18;
        }

        ObjectNode record(Random random, Instant at) {
            return switch (kind) {
                case "workload" -> workloadCall(random, at);
                case "person" -> personCall(random, at);
                default -> deployCall(random, at);
            };
        }

        private ObjectNode workloadCall(Random random, Instant at) {
            boolean deniedCall = denied != null && random.nextDouble() < deniedShare;
            String[] c = deniedCall ? denied : calls.get(random.nextInt(calls.size()));
            ObjectNode r = base(random, at, c[0], c[1], Boolean.parseBoolean(c[2]));
            if (c[3].equals("data")) {
                r.put("eventCategory", "Data").put("managementEvent", false);
            }
            ObjectNode params = r.putObject("requestParameters");
            switch (c[1]) {
                case "GetObject", "PutObject", "HeadObject" -> params.put("bucketName", "app-" + account).put("key", "data/" + random.nextInt(5000));
                case "GetSecretValue" -> params.put("secretId", "prod/" + identity.path("sessionContext").path("sessionIssuer").path("userName").asText());
                case "GetParameter" -> params.put("name", "/app/config/" + random.nextInt(3)).put("withDecryption", random.nextInt(4) == 0);
                default -> { }
            }
            if (deniedCall || random.nextDouble() < 0.002) {
                deny(r, c[0], c[1]);
            }
            return r;
        }

        private ObjectNode personCall(Random random, Instant at) {
            long day = at.toEpochMilli() / 86_400_000L;
            if (signedInDay != day && !identity.path("type").asText().equals("AssumedRole")) {
                signedInDay = day;
                ObjectNode r = base(random, at, "signin", "ConsoleLogin", false);
                r.put("awsRegion", "us-east-1").put("eventType", "AwsConsoleSignIn");
                r.putObject("responseElements").put("ConsoleLogin", "Success");
                r.putObject("additionalEventData").put("LoginTo", "https://console.aws.amazon.com/console/home")
                        .put("MobileVersion", "No").put("MFAUsed", "Yes");
                return r;
            }
            int pick = random.nextInt(1000);
            if (pick < 6) {
                ObjectNode r = base(random, at, "ec2", "AuthorizeSecurityGroupIngress", false);
                r.putObject("requestParameters").put("groupId", "sg-0" + account.substring(4)).putObject("ipPermissions")
                        .putArray("items").addObject().put("ipProtocol", "tcp").put("fromPort", 443).put("toPort", 443)
                        .putObject("ipRanges").putArray("items").addObject().put("cidrIp", "10.0.0.0/16");
                return r;
            }
            if (pick < 10) {
                ObjectNode r = base(random, at, "ssm", "StartSession", false);
                r.putObject("requestParameters").put("target", String.format("i-0%016x", random.nextInt(1000)));
                return r;
            }
            if (pick < 12) {
                ObjectNode r = base(random, at, "iam", "PutRolePolicy", false);
                r.put("awsRegion", "us-east-1");
                r.putObject("requestParameters").put("roleName", "orders").put("policyName", "read-config")
                        .put("policyDocument", "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"ssm:GetParameter\",\"Resource\":\"arn:aws:ssm:*:*:parameter/app/*\"}]}");
                return r;
            }
            String[] c = PERSON_READS[random.nextInt(PERSON_READS.length)];
            ObjectNode r = base(random, at, c[0], c[1], true);
            if (c[0].equals("iam")) {
                r.put("awsRegion", "us-east-1");
            }
            if (random.nextInt(100) < 3) {
                deny(r, c[0], c[1]);
            }
            return r;
        }

        private ObjectNode deployCall(Random random, Instant at) {
            int pick = random.nextInt(10);
            if (pick < 3) {
                ObjectNode r = base(random, at, "lambda", "UpdateFunctionCode20150331v2", false);
                r.putObject("requestParameters").put("functionName", "orders-handler").put("publish", true);
                return r;
            }
            if (pick < 5) {
                ObjectNode r = base(random, at, "cloudformation", "UpdateStack", false);
                r.putObject("requestParameters").put("stackName", "app").put("templateURL", "https://s3.amazonaws.com/cfn-" + account + "/app.yaml");
                return r;
            }
            if (pick < 7) {
                ObjectNode r = base(random, at, "ecr", "PutImage", false);
                r.putObject("requestParameters").put("repositoryName", "orders").put("imageTag", "build-" + random.nextInt(10_000));
                return r;
            }
            return base(random, at, "cloudformation", "DescribeStackEvents", true);
        }

        private ObjectNode base(Random random, Instant at, String service, String name, boolean readOnly) {
            ObjectNode r = JSON.createObjectNode();
            r.put("eventVersion", "1.10");
            r.set("userIdentity", identity.deepCopy());
            r.put("eventTime", at.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString());
            r.put("eventSource", service + ".amazonaws.com");
            r.put("eventName", name);
            r.put("awsRegion", region);
            r.put("sourceIPAddress", ip);
            r.put("userAgent", userAgent);
            r.putNull("requestParameters");
            r.putNull("responseElements");
            r.put("requestID", new UUID(random.nextLong(), random.nextLong()).toString());
            r.put("eventID", new UUID(random.nextLong(), random.nextLong()).toString());
            r.put("readOnly", readOnly);
            r.put("eventType", "AwsApiCall");
            r.put("managementEvent", true);
            r.put("recipientAccountId", account);
            r.put("eventCategory", "Management");
            return r;
        }

        private static void deny(ObjectNode r, String service, String name) {
            String code = service.equals("ec2") ? "Client.UnauthorizedOperation" : service.equals("s3") || service.equals("iam")
                    || service.equals("sts") ? "AccessDenied" : "AccessDeniedException";
            r.put("errorCode", code).put("errorMessage", "User: " + r.path("userIdentity").path("arn").asText()
                    + " is not authorized to perform: " + service + ":" + name + " because no identity-based policy allows the "
                    + service + ":" + name + " action");
        }

        private static ObjectNode role(String account, String role, String session) {
            String roleId = "AROA" + Integer.toHexString((account + role).hashCode()).toUpperCase();
            ObjectNode id = JSON.createObjectNode();
            id.put("type", "AssumedRole").put("principalId", roleId + ":" + session)
                    .put("arn", "arn:aws:sts::" + account + ":assumed-role/" + role + "/" + session)
                    .put("accountId", account).put("accessKeyId", "ASIA" + roleId.substring(4));
            ObjectNode ctx = id.putObject("sessionContext");
            ctx.putObject("sessionIssuer").put("type", "Role").put("principalId", roleId)
                    .put("arn", "arn:aws:iam::" + account + ":role/" + role).put("accountId", account).put("userName", role);
            ctx.putObject("attributes").put("creationDate", "2026-01-04T23:00:00Z").put("mfaAuthenticated", "false");
            return id;
        }

        private static ObjectNode user(String account, String name) {
            return JSON.createObjectNode().put("type", "IAMUser").put("principalId", "AIDA" + account + name.toUpperCase())
                    .put("arn", "arn:aws:iam::" + account + ":user/" + name).put("accountId", account)
                    .put("accessKeyId", "AKIA" + account + name.toUpperCase()).put("userName", name);
        }
    }
}
