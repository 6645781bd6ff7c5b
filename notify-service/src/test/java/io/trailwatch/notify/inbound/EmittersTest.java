package io.trailwatch.notify.inbound;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class EmittersTest {

    /**
     * What the emitters hold is bounded by max-in-flight (the findings under way); a bound of their own below it
     * (SmallRye's default, 128) failed a storm's findings with "Insufficient downstream requests" and dead-lettered them.
     */
    @Test
    void everyEmitter_takesWhatTheFindingsUnderWaySend_soAStormIsNeverDeadLetteredForWantOfRoom() {
        List<Field> emitters = Arrays.stream(Notifier.class.getDeclaredFields())
                .filter(f -> f.getType() == Emitter.class && f.isAnnotationPresent(Channel.class)).toList();

        assertThat(emitters).isNotEmpty().allSatisfy(f -> assertThat(f.getAnnotation(OnOverflow.class))
                .as(f.getName()).isNotNull()
                .extracting(OnOverflow::value).isEqualTo(OnOverflow.Strategy.UNBOUNDED_BUFFER));
    }
}
