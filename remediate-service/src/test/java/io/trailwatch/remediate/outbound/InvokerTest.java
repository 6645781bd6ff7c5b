package io.trailwatch.remediate.outbound;

import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.InvokeRequest;
import software.amazon.awssdk.services.lambda.model.InvokeResponse;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** One function's invoker: failures open its circuit, an open circuit invokes nothing, one trial later closes it. */
class InvokerTest {

    /** A Lambda API that fails while {@code failing} is set, and counts invocations. */
    private static final class Scripted implements LambdaClient {
        final AtomicInteger invocations = new AtomicInteger();
        volatile boolean failing = true;

        @Override
        public InvokeResponse invoke(InvokeRequest request) {
            invocations.incrementAndGet();
            return InvokeResponse.builder().statusCode(200).functionError(failing ? "Unhandled" : null)
                    .payload(SdkBytes.fromUtf8String(failing ? "{\"errorMessage\":\"boom\"}" : "{}")).build();
        }

        @Override
        public String serviceName() {
            return "lambda";
        }

        @Override
        public void close() {
        }
    }

    @Test
    void functionErrors_openTheCircuit_andATrialAfterItsDelayClosesIt() throws Exception {
        var lambda = new Scripted();
        try (var invoker = new Invoker(lambda, "fn", "RequestResponse", Duration.ofSeconds(5), 1000, 2, Duration.ofMillis(300), () -> false)) {
            var first = invoker.invoke("{}").get();
            var second = invoker.invoke("{}").get();
            var third = invoker.invoke("{}").get();

            assertThat(first.invoked()).isTrue();
            assertThat(first.functionError()).isEqualTo("Unhandled");
            assertThat(first.response()).isEqualTo("{\"errorMessage\":\"boom\"}");
            assertThat(second.succeeded()).isFalse();
            assertThat(third.circuitOpen()).as("two failures in a row open the circuit").isTrue();
            assertThat(lambda.invocations).as("an open circuit invokes nothing").hasValue(2);

            lambda.failing = false;
            await().atMost(Duration.ofSeconds(10)).until(() -> invoker.invoke("{}").get().succeeded());
            var after = invoker.invoke("{}").get();
            assertThat(after.succeeded()).as("closed after a successful trial").isTrue();
        }
    }

    @Test
    void theKillSwitch_isAskedImmediatelyBeforeEveryInvocation_soQueuedOnesAreNotMade() throws Exception {
        var lambda = new Scripted();
        lambda.failing = false;
        var killed = new java.util.concurrent.atomic.AtomicBoolean();
        // one invocation a second: the second and third wait their turn, and the switch goes on meanwhile
        try (var invoker = new Invoker(lambda, "fn", "RequestResponse", Duration.ofSeconds(5), 1, 5, Duration.ofSeconds(60), killed::get)) {
            var first = invoker.invoke("{}");
            var second = invoker.invoke("{}");
            var third = invoker.invoke("{}");
            await().atMost(Duration.ofSeconds(5)).until(() -> lambda.invocations.get() == 1);
            killed.set(true);

            assertThat(first.get().succeeded()).isTrue();
            assertThat(second.get().killed()).as("queued before the switch went on, asked again at its turn").isTrue();
            assertThat(third.get().killed()).isTrue();
            assertThat(lambda.invocations).hasValue(1);
            assertThat(second.get().circuitOpen()).isFalse();
        }
    }

    @Test
    void anInvocationThatHangs_isReportedNotAlive_andOneThatThrowsAnError_leavesTheInvokerWorking() throws Exception {
        var release = new java.util.concurrent.CountDownLatch(1);
        var calls = new AtomicInteger();
        LambdaClient hanging = new LambdaClient() {
            @Override
            public InvokeResponse invoke(InvokeRequest request) {
                int n = calls.incrementAndGet();
                if (n == 1) {
                    throw new LinkageError("a class that could not be loaded");
                }
                if (n == 2) {
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return InvokeResponse.builder().statusCode(200).payload(SdkBytes.fromUtf8String("{}")).build();
            }

            @Override
            public String serviceName() {
                return "lambda";
            }

            @Override
            public void close() {
            }
        };
        try (var invoker = new Invoker(hanging, "fn", "RequestResponse", Duration.ofSeconds(5), 1000, 5, Duration.ofSeconds(60), () -> false)) {
            assertThat(invoker.invoke("{}")).as("the error fails that invocation").failsWithin(Duration.ofSeconds(5));
            var stuck = invoker.invoke("{}");
            await().atMost(Duration.ofSeconds(5)).until(() -> calls.get() == 2);

            await().atMost(Duration.ofSeconds(5)).until(() -> !invoker.alive(Duration.ofMillis(200)));
            release.countDown();
            assertThat(stuck.get(5, java.util.concurrent.TimeUnit.SECONDS).succeeded()).isTrue();
            assertThat(invoker.invoke("{}").get(5, java.util.concurrent.TimeUnit.SECONDS).succeeded()).as("the next one goes").isTrue();
            assertThat(invoker.alive(Duration.ofMillis(200))).isTrue();
        }
    }
}
