package io.trailwatch.remediate.outbound;

import io.trailwatch.remediate.core.Breaker;
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

/**
 * Invokes one Lambda function, on its own thread (a slow function never stalls the consumer or another function),
 * at most {@code ratePerSecond}, behind its circuit breaker, each call bounded by the SDK's API-call timeout.
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
    }

    static final String ABANDONED = "abandoned: stopping";

    private final LambdaClient lambda;
    private final String function;
    private final String invocationType;
    private final Duration timeout;
    private final double ratePerSecond;
    private final Breaker breaker;
    private final ExecutorService thread;
    private long nextAllowed;
    private volatile boolean stopping;

    public Invoker(LambdaClient lambda, String function, String invocationType, Duration timeout, double ratePerSecond, Breaker breaker) {
        this.lambda = lambda;
        this.function = function;
        this.invocationType = invocationType;
        this.timeout = timeout;
        this.ratePerSecond = ratePerSecond;
        this.breaker = breaker;
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

    private Result call(String payload) {
        if (!breaker.allows()) {
            return new Result(false, null, null, null, "circuit open", true);
        }
        pace();
        try {
            InvokeResponse res = lambda.invoke(InvokeRequest.builder().functionName(function).invocationType(invocationType)
                    .payload(SdkBytes.fromString(payload, StandardCharsets.UTF_8))
                    .overrideConfiguration(c -> c.apiCallTimeout(timeout)).build());
            String body = res.payload() == null ? null : res.payload().asUtf8String();
            if (res.functionError() != null) {
                breaker.failure();
            } else {
                breaker.success();
            }
            return new Result(true, res.statusCode(), res.functionError(), body, null, false);
        } catch (ApiCallTimeoutException e) {
            breaker.failure();
            return new Result(false, null, null, null, "timed out after " + timeout, false);
        } catch (LambdaException e) {
            breaker.failure();
            String code = e.awsErrorDetails() == null ? "" : e.awsErrorDetails().errorCode();
            return new Result(false, e.statusCode(), null, null, "Lambda " + e.statusCode() + " " + code, false);
        } catch (SdkException e) {
            breaker.failure();
            return new Result(false, null, null, null, e.getClass().getSimpleName(), false);
        }
    }

    /** Spaces calls at least 1/ratePerSecond apart. */
    private void pace() {
        long now = System.nanoTime();
        long gap = (long) (1e9 / ratePerSecond);
        if (nextAllowed > now) {
            try {
                Thread.sleep((nextAllowed - now) / 1_000_000, (int) ((nextAllowed - now) % 1_000_000)); // the rate limit, on this function's own thread
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        nextAllowed = Math.max(now, nextAllowed) + gap;
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
