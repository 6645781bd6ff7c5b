package io.trailwatch.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.events.AliasEvent;
import org.yaml.snakeyaml.events.Event;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A CloudFormation template under deploy/aws, as CloudFormation would create it for one set of parameters: conditions
 * decided, resources and outputs whose condition is false left out, and every intrinsic function (Ref, Fn::GetAtt,
 * Fn::Sub, Fn::Join, Fn::Split, Fn::Select, Fn::If, AWS::NoValue) resolved. Resources get the physical names and ARNs
 * AWS gives them (a queue's URL and ARN from its QueueName, a role's ARN from its logical id), so that policies can be
 * compared with deploy/iam's. A reference to a resource that is not created fails, as CloudFormation fails it.
 */
final class Stack {

    static final Path DIR = Path.of("aws");
    static final String ACCOUNT = "111122223333";
    static final String REGION = "eu-west-1";
    static final String STACK_NAME = "trailwatch";

    private static final YAMLMapper YAML = new YAMLMapper();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNode NO_VALUE = MissingNode.getInstance();
    private static final Pattern SUB_VARIABLE = Pattern.compile("\\$\\{(!?)([^}]*)}");

    private final JsonNode template;
    private final Map<String, String> pseudo = new HashMap<>();
    private final Map<String, JsonNode> parameters = new HashMap<>();
    private final Map<String, Boolean> conditions = new HashMap<>();

    private Stack(JsonNode template, Map<String, String> given) {
        this.template = template;
        pseudo.put("AWS::AccountId", given.getOrDefault("AWS::AccountId", ACCOUNT));
        pseudo.put("AWS::Region", given.getOrDefault("AWS::Region", REGION));
        pseudo.put("AWS::StackName", STACK_NAME);
        pseudo.put("AWS::Partition", "aws");
        for (Iterator<Map.Entry<String, JsonNode>> it = template.path("Parameters").fields(); it.hasNext(); ) {
            var p = it.next();
            String value = given.containsKey(p.getKey()) ? given.get(p.getKey()) : p.getValue().path("Default").asText(null);
            if (value == null) {
                throw new IllegalArgumentException("parameter " + p.getKey() + " has no default and was not given");
            }
            check(p.getKey(), p.getValue(), value);
            if ("CommaDelimitedList".equals(p.getValue().path("Type").asText())) {
                ArrayNode list = JSON.createArrayNode();
                for (String v : value.split(",", -1)) {
                    list.add(v.strip());
                }
                parameters.put(p.getKey(), list);
            } else {
                parameters.put(p.getKey(), TextNode.valueOf(value));
            }
        }
        for (String name : given.keySet()) {
            if (!name.startsWith("AWS::") && !parameters.containsKey(name)) {
                throw new IllegalArgumentException("the template has no parameter " + name);
            }
        }
    }

    /** What CloudFormation checks of a parameter's value before it creates anything. */
    private static void check(String name, JsonNode declaration, String value) {
        JsonNode allowed = declaration.path("AllowedValues");
        if (allowed.isArray()) {
            List<String> values = new ArrayList<>();
            allowed.forEach(v -> values.add(v.asText()));
            if (!values.contains(value)) {
                throw new IllegalArgumentException("parameter " + name + ": " + value + " is not one of " + values);
            }
        }
        if (declaration.has("AllowedPattern") && !"CommaDelimitedList".equals(declaration.path("Type").asText())
                && !Pattern.compile(declaration.path("AllowedPattern").asText()).matcher(value).matches()) {
            throw new IllegalArgumentException("parameter " + name + ": " + value + " does not match " + declaration.path("AllowedPattern").asText());
        }
        if (declaration.has("MinValue") && Double.parseDouble(value) < declaration.path("MinValue").asDouble()) {
            throw new IllegalArgumentException("parameter " + name + ": " + value + " is below " + declaration.path("MinValue").asText());
        }
    }

    /** The template deployed with these parameters (the others at their defaults). */
    static Stack deploy(String file, Map<String, String> parameters) {
        return new Stack(read(DIR.resolve(file)), parameters);
    }

    static JsonNode read(Path file) {
        try {
            return YAML.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** YAML aliases in a file; CloudFormation refuses a template that has one. */
    static int aliases(Path file) {
        int n = 0;
        try (Reader r = Files.newBufferedReader(file)) {
            for (Event e : new Yaml().parse(r)) {
                if (e instanceof AliasEvent) {
                    n++;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return n;
    }

    boolean has(String logicalId) {
        JsonNode r = template.path("Resources").path(logicalId);
        return !r.isMissingNode() && created(r);
    }

    /** The resource's properties, resolved; fails if the resource is not created. */
    JsonNode properties(String logicalId) {
        return resolve(resourceDeclaration(logicalId).path("Properties"));
    }

    /** Logical ids of the created resources of a type. */
    List<String> ofType(String type) {
        List<String> out = new ArrayList<>();
        template.path("Resources").fields().forEachRemaining(e -> {
            if (type.equals(e.getValue().path("Type").asText()) && created(e.getValue())) {
                out.add(e.getKey());
            }
        });
        return out;
    }

    /** Logical ids of every created resource. */
    List<String> created() {
        List<String> out = new ArrayList<>();
        template.path("Resources").fields().forEachRemaining(e -> {
            if (created(e.getValue())) {
                out.add(e.getKey());
            }
        });
        return out;
    }

    Map<String, String> outputs() {
        Map<String, String> out = new LinkedHashMap<>();
        template.path("Outputs").fields().forEachRemaining(e -> {
            if (created(e.getValue())) {
                out.put(e.getKey(), resolve(e.getValue().path("Value")).asText());
            }
        });
        return out;
    }

    String output(String name) {
        String value = outputs().get(name);
        if (value == null) {
            throw new AssertionError("no output " + name);
        }
        return value;
    }

    /** A policy document as IAM reads it: resolved, and parsed when the template gives it as a JSON string. */
    JsonNode policy(String logicalId, String property) {
        return document(properties(logicalId).path(property));
    }

    static JsonNode document(JsonNode node) {
        if (node.isTextual()) {
            try {
                return JSON.readTree(node.asText());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return node;
    }

    /** The physical id AWS gives the resource, as Ref returns it. */
    String ref(String logicalId) {
        JsonNode r = resourceDeclaration(logicalId);
        String name = name(logicalId, r);
        return switch (r.path("Type").asText()) {
            case "AWS::SQS::Queue" -> "https://sqs." + pseudo.get("AWS::Region") + ".amazonaws.com/" + pseudo.get("AWS::AccountId") + "/" + name;
            default -> name;
        };
    }

    String arn(String logicalId) {
        JsonNode r = resourceDeclaration(logicalId);
        String name = name(logicalId, r);
        String region = pseudo.get("AWS::Region");
        String account = pseudo.get("AWS::AccountId");
        return switch (r.path("Type").asText()) {
            case "AWS::SQS::Queue" -> "arn:aws:sqs:" + region + ":" + account + ":" + name;
            case "AWS::S3::Bucket" -> "arn:aws:s3:::" + name;
            case "AWS::KMS::Key" -> "arn:aws:kms:" + region + ":" + account + ":key/" + name;
            case "AWS::IAM::Role" -> "arn:aws:iam::" + account + ":role/" + name;
            case "AWS::CloudTrail::Trail" -> "arn:aws:cloudtrail:" + region + ":" + account + ":trail/" + name;
            case "AWS::Events::Rule" -> "arn:aws:events:" + region + ":" + account + ":rule/" + name;
            case "AWS::Lambda::Function" -> "arn:aws:lambda:" + region + ":" + account + ":function:" + name;
            // as CloudFormation gives a log group's Arn attribute: its streams included
            case "AWS::Logs::LogGroup" -> "arn:aws:logs:" + region + ":" + account + ":log-group:" + name + ":*";
            default -> throw new AssertionError("no Arn for " + r.path("Type").asText() + " in this evaluator");
        };
    }

    private String name(String logicalId, JsonNode r) {
        String property = switch (r.path("Type").asText()) {
            case "AWS::SQS::Queue" -> "QueueName";
            case "AWS::S3::Bucket" -> "BucketName";
            case "AWS::IAM::Role" -> "RoleName";
            case "AWS::CloudTrail::Trail" -> "TrailName";
            case "AWS::Events::Rule" -> "Name";
            case "AWS::Lambda::Function" -> "FunctionName";
            case "AWS::Logs::LogGroup" -> "LogGroupName";
            default -> null;
        };
        JsonNode given = property == null ? NO_VALUE : r.path("Properties").path(property);
        return given.isMissingNode() ? logicalId : resolve(given).asText();
    }

    private JsonNode resourceDeclaration(String logicalId) {
        JsonNode r = template.path("Resources").path(logicalId);
        if (r.isMissingNode()) {
            throw new AssertionError("the template has no resource " + logicalId);
        }
        if (!created(r)) {
            throw new AssertionError(logicalId + " is referred to but not created (condition " + r.path("Condition").asText() + " is false)");
        }
        return r;
    }

    private boolean created(JsonNode declaration) {
        return !declaration.has("Condition") || condition(declaration.path("Condition").asText());
    }

    private boolean condition(String name) {
        Boolean known = conditions.get(name);
        if (known == null) {
            JsonNode c = template.path("Conditions").path(name);
            if (c.isMissingNode()) {
                throw new AssertionError("no condition " + name);
            }
            known = truth(c);
            conditions.put(name, known);
        }
        return known;
    }

    private boolean truth(JsonNode node) {
        if (node.has("Condition")) {
            return condition(node.path("Condition").asText());
        }
        var e = node.fields().next();
        JsonNode args = e.getValue();
        return switch (e.getKey()) {
            case "Fn::Equals" -> same(resolve(args.get(0)), resolve(args.get(1)));
            case "Fn::Not" -> !truth(args.get(0));
            case "Fn::And" -> {
                boolean all = true;
                for (JsonNode a : args) {
                    all &= truth(a);
                }
                yield all;
            }
            case "Fn::Or" -> {
                boolean any = false;
                for (JsonNode a : args) {
                    any |= truth(a);
                }
                yield any;
            }
            default -> throw new AssertionError("not a condition function: " + e.getKey());
        };
    }

    private static boolean same(JsonNode a, JsonNode b) {
        return a.isValueNode() && b.isValueNode() ? a.asText().equals(b.asText()) : a.equals(b);
    }

    JsonNode resolve(JsonNode node) {
        if (node.isArray()) {
            ArrayNode out = JSON.createArrayNode();
            for (JsonNode n : node) {
                JsonNode r = resolve(n);
                if (r != NO_VALUE) {
                    out.add(r);
                }
            }
            return out;
        }
        if (!node.isObject()) {
            return node;
        }
        if (node.size() == 1) {
            var e = node.fields().next();
            if (e.getKey().equals("Ref") || e.getKey().startsWith("Fn::")) {
                return function(e.getKey(), e.getValue());
            }
        }
        ObjectNode out = JSON.createObjectNode();
        node.fields().forEachRemaining(e -> {
            JsonNode r = resolve(e.getValue());
            if (r != NO_VALUE) {
                out.set(e.getKey(), r);
            }
        });
        return out;
    }

    private JsonNode function(String name, JsonNode args) {
        return switch (name) {
            case "Ref" -> reference(args.asText());
            case "Fn::GetAtt" -> attribute(args.get(0).asText(), args.get(1).asText());
            case "Fn::Sub" -> args.isTextual() ? TextNode.valueOf(substitute(args.asText(), Map.of()))
                    : TextNode.valueOf(substitute(args.get(0).asText(), variables(args.get(1))));
            case "Fn::Join" -> {
                List<String> parts = new ArrayList<>();
                resolve(args.get(1)).forEach(p -> parts.add(p.asText()));
                yield TextNode.valueOf(String.join(args.get(0).asText(), parts));
            }
            case "Fn::Split" -> {
                ArrayNode out = JSON.createArrayNode();
                for (String s : resolve(args.get(1)).asText().split(Pattern.quote(args.get(0).asText()), -1)) {
                    out.add(s);
                }
                yield out;
            }
            case "Fn::Select" -> resolve(args.get(1)).get(resolve(args.get(0)).asInt());
            case "Fn::If" -> resolve(condition(args.get(0).asText()) ? args.get(1) : args.get(2));
            default -> throw new AssertionError(name + " is not supported by this evaluator");
        };
    }

    private Map<String, JsonNode> variables(JsonNode map) {
        Map<String, JsonNode> out = new HashMap<>();
        map.fields().forEachRemaining(e -> out.put(e.getKey(), resolve(e.getValue())));
        return out;
    }

    private String substitute(String text, Map<String, JsonNode> variables) {
        Matcher m = SUB_VARIABLE.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String replacement;
            if (!m.group(1).isEmpty()) {
                replacement = "${" + m.group(2) + "}";
            } else if (variables.containsKey(m.group(2))) {
                replacement = variables.get(m.group(2)).asText();
            } else if (m.group(2).contains(".") && !m.group(2).startsWith("AWS::")) {
                String[] parts = m.group(2).split("\\.", 2);
                replacement = attribute(parts[0], parts[1]).asText();
            } else {
                JsonNode r = reference(m.group(2));
                if (!r.isValueNode()) {
                    throw new AssertionError("${" + m.group(2) + "} is a list; Fn::Sub takes strings only");
                }
                replacement = r.asText();
            }
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return out.toString();
    }

    private JsonNode reference(String name) {
        if (name.equals("AWS::NoValue")) {
            return NO_VALUE;
        }
        if (pseudo.containsKey(name)) {
            return TextNode.valueOf(pseudo.get(name));
        }
        if (name.startsWith("AWS::")) {
            throw new AssertionError("pseudo parameter " + name + " is not supported by this evaluator");
        }
        if (parameters.containsKey(name)) {
            return parameters.get(name);
        }
        return TextNode.valueOf(ref(name));
    }

    private JsonNode attribute(String logicalId, String attribute) {
        JsonNode r = resourceDeclaration(logicalId);
        return switch (attribute) {
            case "Arn" -> TextNode.valueOf(arn(logicalId));
            case "QueueName" -> TextNode.valueOf(name(logicalId, r));
            case "QueueUrl" -> TextNode.valueOf(ref(logicalId));
            default -> throw new AssertionError("Fn::GetAtt " + logicalId + "." + attribute + " is not supported by this evaluator");
        };
    }
}
