package io.trailwatch.deploy;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Every CloudFormation template under deploy/aws, as AWS's linter and CloudFormation's parser see it. */
class AwsTemplatesTest {

    /** Regions the templates are linted for: where resource types and properties differ, cfn-lint knows it. */
    static final List<String> REGIONS = List.of("us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2", "ap-northeast-1");

    static List<Path> templates() throws IOException {
        try (Stream<Path> files = Files.list(Stack.DIR)) {
            return files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
        }
    }

    @Test
    void everyTemplate_passesCfnLint_withNoErrorsAndNoWarnings() throws IOException {
        List<Path> templates = templates();
        assertThat(templates).extracting(t -> t.getFileName().toString())
                .contains("trailwatch.yaml", "member-account.yaml", "playbook-roles.yaml");

        List<CfnLint.Problem> problems = CfnLint.lint(templates, REGIONS);

        assertThat(problems).extracting(CfnLint.Problem::line).isEmpty();
    }

    @Test
    void cfnLint_findsAnError_whereThereIsOne(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        // The check above would pass on any template if the linter never ran or its output was misread.
        Path broken = dir.resolve("broken.yaml");
        Files.writeString(broken, """
                AWSTemplateFormatVersion: "2010-09-09"
                Resources:
                  Queue:
                    Type: AWS::SQS::Queue
                    Properties:
                      VisibilityTimeout: {Ref: NoSuchParameter}
                """);

        List<CfnLint.Problem> problems = CfnLint.lint(List.of(broken), List.of("us-east-1"));

        assertThat(problems).anySatisfy(p -> assertThat(p.error()).isTrue());
    }

    @Test
    void everyParameter_ofEveryTemplate_isInTheReadme() throws IOException {
        String readme = Files.readString(Stack.DIR.resolve("README.md"));
        for (Path t : templates()) {
            Stack.read(t).path("Parameters").fieldNames().forEachRemaining(p ->
                    assertThat(readme).as(t.getFileName() + " parameter " + p).contains("`" + p + "`"));
        }
    }

    @Test
    void noTemplate_usesYamlAliases_whichCloudFormationRefuses() throws IOException {
        for (Path t : templates()) {
            assertThat(Stack.aliases(t)).as(t.toString()).isZero();
        }
    }
}
