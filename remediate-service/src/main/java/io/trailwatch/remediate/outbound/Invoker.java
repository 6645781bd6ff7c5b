package io.trailwatch.remediate.outbound;

import io.smallrye.faulttolerance.api.CircuitBreakerState;
import io.smallrye.faulttolerance.api.Guard;
import io.trailwatch.messaging.guard.Guards;
import io.trailwatch.messaging.guard.Pacer;
import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;
import org.jboss.logging.Logger;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.InvokeRequest;
import software.amazon.awssdk.services.lambda.model.InvokeResponse;
import software.amazon.awssdk.services.lambda.model.LambdaException;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;

/**
 * Invokes one Lambda function, on its own thread (a slow function never stalls the consumer or another function),
 * paced at {@code ratePerSecond}, behind its circuit breaker, each call bounded by the SDK's API-call timeout. The
 * breaker and the pacing are SmallRye Fault Tolerance's ({@link Guards#circuitBreaker}, {@link Pacer}): a FunctionError,
 * a throttle, a timeout or any SDK error counts as a failure.
 */
public final class Invoker implements AutoCloseable {

    /**
     * One invocation's result.
     *
     * @param invoked       the function ran (FunctionError or not)
     * @param statusCode    Lambda's status
     * @param functionError FunctionError when the function failed
     * @param response      the response payload (RequestResponse)
     * @param error         the SDK error (throttled, timed out, ...) when the call itself failed, else null
     * @param circuitOpen   not tried: the circuit was open
     */
    public record Result(boolean invoked, Integer statusCode, String functionError, String response, String error,
                         boolean circuitOpen) {
        public boolean succeeded() {
            return invoked && functionError == null && error == null;
        }

        /** Not tried: the service is stopping; the finding is left for the next replica. */
        public boolean abandoned() {
            return !invoked && ABANDONED.equals(error);
        }

        /** Not tried: the kill switch was on when its turn came. */
        public boolean killed() {
            return !invoked && KILL_SWITCH.equals(error);
        }
    }

    static final String ABANDONED = "abandoned: stopping";
    /** The reason an invocation whose turn came while the kill switch was on was not made. */
    public static final String KILL_SWITCH = "kill switch on";
    private static final Logger LOG = Logger.getLogger(Invoker.class);

    private final LambdaClient lambda;
    private final String function;
    private final String invocationType;
    private final Duration timeout;
    private final Pacer pacer;
    private final Guard breaker;
    private final ExecutorService thread;
    private final BooleanSupplier killSwitch;
    private volatile boolean stopping;
    private volatile boolean closed;
    /** When the invocation under way started (System.nanoTime), 0 when none is. */
    private volatile long busySince;

    /**
     * @param failures failures in a row that open the circuit
     * @param openFor  how long it stays open before one trial invocation goes through
     * @param killSwitch whether the kill switch is on: asked immediately before every invocation, so one turned on
     *                   stops those already queued too
     */
    public Invoker(LambdaClient lambda, String function, String invocationType, Duration timeout, double ratePerSecond,
                   int failures, Duration openFor, BooleanSupplier killSwitch) {
        this.lambda = lambda;
        this.killSwitch = killSwitch;
        this.function = function;
        this.invocationType = invocationType;
        this.timeout = timeout;
        this.pacer = new Pacer("lambda " + function, ratePerSecond, 1);
        this.breaker = Guards.circuitBreaker("lambda " + function, failures, openFor, state -> {
            if (state == CircuitBreakerState.OPEN) {
                LOG.warnf("the circuit of %s is open: %d failures in a row; its findings are skipped for %s", function,
                        failures, openFor);
            } else {
                LOG.infof("the circuit of %s is %s", function, state.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'));
            }
        });
        this.thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "invoker-" + function);
            t.setDaemon(true);
            return t;
        });
    }

    public CompletableFuture<Result> invoke(String payload) {
        return CompletableFuture.supplyAsync(() -> stopping ? new Result(false, null, null, null, ABANDONED, false) : call(payload), thread);
    }

    /** Finishes the invocation under way; queued ones are abandoned. */
    public void stopTaking() {
        stopping = true;
    }

    /**
     * Whether it is not stuck: no invocation under way, or one under way for less than {@code quiet}. Its thread is
     * an executor's, replaced should a throwable end it; an invocation that never returns is what liveness must see.
     */
    public boolean alive(Duration quiet) {
        long since = busySince;
        return !closed && (since == 0 || System.nanoTime() - since < quiet.toNanos());
    }

    private Result call(String payload) {
        busySince = System.nanoTime();
        try {
            return invokeNow(payload);
        } finally {
            busySince = 0;
        }
    }

    private Result invokeNow(String payload) {
        try {
            if (killSwitch.getAsBoolean()) {
                return new Result(false, null, null, null, KILL_SWITCH, false);
            }
            pacer.await();
            if (killSwitch.getAsBoolean()) { // turned on while this one waited for its turn
                return new Result(false, null, null, null, KILL_SWITCH, false);
            }
            InvokeResponse res = breaker.call(() -> {
                InvokeResponse r = lambda.invoke(InvokeRequest.builder().functionName(function).invocationType(invocationType)
                        .payload(SdkBytes.fromString(payload, StandardCharsets.UTF_8))
                        .overrideConfiguration(c -> c.apiCallTimeout(timeout)).build());
                if (r.functionError() != null) {
                    throw new FunctionFailed(r); // a failure for the breaker too
                }
                return r;
            }, InvokeResponse.class);
            return new Result(true, res.statusCode(), null, body(res), null, false);
        } catch (CircuitBreakerOpenException e) {
            return new Result(false, null, null, null, "circuit open", true);
        } catch (FunctionFailed e) {
            return new Result(true, e.response.statusCode(), e.response.functionError(), body(e.response), null, false);
        } catch (ApiCallTimeoutException e) {
            return new Result(false, null, null, null, "timed out after " + timeout, false);
        } catch (LambdaException e) {
            String code = e.awsErrorDetails() == null ? "" : e.awsErrorDetails().errorCode();
            return new Result(false, e.statusCode(), null, null, "Lambda " + e.statusCode() + " " + code, false);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(false, null, null, null, ABANDONED, false);
        } catch (Exception e) {
            if (closed || Thread.currentThread().isInterrupted()) {
                // closed under way (the SDK reports an abort as its own exception): the next replica tries again
                return new Result(false, null, null, null, ABANDONED, false);
            }
            if (e instanceof SdkException) {
                return new Result(false, null, null, null, e.getClass().getSimpleName(), false);
            }
            return new Result(false, null, null, null, e.toString(), false);
        }
    }

    private static String body(InvokeResponse res) {
        return res.payload() == null ? null : res.payload().asUtf8String();
    }

    /** The function ran and failed (FunctionError). */
    private static final class FunctionFailed extends Exception {
        final InvokeResponse response;

        FunctionFailed(InvokeResponse response) {
            super(response.functionError(), null, false, false);
            this.response = response;
        }
    }

    @Override
    public void close() {
        closed = true;
        thread.shutdownNow();
    }
}
