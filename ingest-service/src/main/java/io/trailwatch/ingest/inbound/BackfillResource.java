package io.trailwatch.ingest.inbound;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.vertx.http.ManagementInterface;
import io.trailwatch.ingest.core.Backfill;
import io.trailwatch.model.ModelJson;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;

/**
 * Backfill over HTTP, on the management interface (its own port, behind the operator and viewer roles; see
 * application.properties): {@code POST /backfill} with {@code {"bucket":..,"prefix":..,"from":..,"to":..}} (RFC 3339
 * instants) starts a job and answers 202 with its progress and a Location; {@code GET /backfill/{id}} reads progress,
 * {@code GET /backfill} all jobs. A range too long is 400, too many running jobs 429.
 */
@ApplicationScoped
public class BackfillResource {

    private static final ObjectMapper JSON = ModelJson.newMapper();

    /** The request body. */
    public record Body(String bucket, String prefix, String from, String to) {
    }

    private final Backfill backfill;

    BackfillResource(Backfill backfill) {
        this.backfill = backfill;
    }

    void routes(@Observes ManagementInterface management) {
        var router = management.router();
        router.route(HttpMethod.POST, "/backfill").blockingHandler(this::start);
        router.route(HttpMethod.GET, "/backfill").blockingHandler(rc -> send(rc, 200, backfill.all()));
        router.route(HttpMethod.GET, "/backfill/:id").blockingHandler(this::progress);
    }

    private void start(RoutingContext rc) {
        Backfill.Request request;
        try {
            Body body = rc.body() == null || rc.body().buffer() == null || rc.body().length() == 0 ? null
                    : JSON.readValue(rc.body().buffer().getBytes(), Body.class);
            if (body == null) {
                throw new IllegalArgumentException("a JSON body with bucket, prefix, from and to is required");
            }
            request = new Backfill.Request(body.bucket(), body.prefix(), instant("from", body.from()), instant("to", body.to()));
        } catch (IOException e) {
            send(rc, 400, Map.of("error", "the body is no JSON object with bucket, prefix, from and to"));
            return;
        } catch (IllegalArgumentException e) {
            send(rc, 400, Map.of("error", e.getMessage()));
            return;
        }
        String id;
        try {
            id = backfill.start(request);
        } catch (Backfill.RefusedException e) {
            send(rc, e.tooBusy() ? 429 : 400, Map.of("error", e.getMessage()));
            return;
        }
        rc.response().putHeader("Location", "/backfill/" + id);
        send(rc, 202, backfill.progress(id).orElseThrow());
    }

    private void progress(RoutingContext rc) {
        String id = rc.pathParam("id");
        backfill.progress(id).ifPresentOrElse(p -> send(rc, 200, p),
                () -> send(rc, 404, Map.of("error", "no backfill " + id)));
    }

    private static void send(RoutingContext rc, int status, Object body) {
        try {
            rc.response().setStatusCode(status).putHeader("Content-Type", "application/json")
                    .end(JSON.writeValueAsString(body));
        } catch (IOException e) {
            rc.fail(e);
        }
    }

    private static Instant instant(String field, String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException(field + " is required (RFC 3339, e.g. 2026-03-01T00:00:00Z)");
        }
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(field + " is no RFC 3339 instant: " + text);
        }
    }
}
