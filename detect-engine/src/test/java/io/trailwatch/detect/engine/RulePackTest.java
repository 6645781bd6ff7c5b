package io.trailwatch.detect.engine;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** A deployment's rules next to the built-in pack. */
class RulePackTest {

    @Test
    void ownRules_replaceBuiltInRulesOfTheSameId_andAddTheRest() throws Exception {
        Rule builtIn = RuleParser.parse("stop.yaml", Events.rule("stop", "{field: eventName, equals: StopLogging}"));
        Rule other = RuleParser.parse("other.yaml", Events.rule("other", "{field: eventName, equals: DeleteTrail}"));
        Rule tuned = RuleParser.parse("mine/stop.yaml", Events.rule("stop", "{field: eventName, in: [StopLogging, UpdateTrail]}"));
        Rule added = RuleParser.parse("mine/new.yaml", Events.rule("new", "{field: eventName, equals: PutEventSelectors}"));

        List<Rule> pack = RulePack.withOverrides(List.of(builtIn, other), List.of(tuned, added));

        assertThat(pack).containsExactly(tuned, other, added);
    }
}
