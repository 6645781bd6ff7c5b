package io.trailwatch.ingest.inbound;

import io.trailwatch.ingest.core.Backfill;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.net.URI;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Collection;
import java.util.Map;

/**
 * Backfill over HTTP: {@code POST /backfill} with {@code {"bucket":..,"prefix":..,"from":..,"to":..}} (RFC 3339
 * instants) starts a job and answers 202 with its progress and a Location; {@code GET /backfill/{id}} reads progress.
 */
@Path("/backfill")
@Produces(MediaType.APPLICATION_JSON)
public class BackfillResource {

    /** The request body. */
    public record Body(String bucket, String prefix, String from, String to) {
    }

    private final Backfill backfill;

    BackfillResource(Backfill backfill) {
        this.backfill = backfill;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Response start(Body body) {
        Backfill.Request request;
        try {
            if (body == null) {
                throw new IllegalArgumentException("a JSON body with bucket, prefix, from and to is required");
            }
            request = new Backfill.Request(body.bucket(), body.prefix(), instant("from", body.from()), instant("to", body.to()));
        } catch (IllegalArgumentException e) {
            return Response.status(Response.Status.BAD_REQUEST).entity(Map.of("error", e.getMessage())).build();
        }
        String id;
        try {
            id = backfill.start(request);
        } catch (Backfill.RefusedException e) {
            return Response.status(e.tooBusy() ? Response.Status.TOO_MANY_REQUESTS : Response.Status.BAD_REQUEST)
                    .entity(Map.of("error", e.getMessage())).build();
        }
        return Response.accepted(backfill.progress(id).orElseThrow()).location(URI.create("/backfill/" + id)).build();
    }

    @GET
    @Path("/{id}")
    public Response progress(@PathParam("id") String id) {
        return backfill.progress(id).map(p -> Response.ok(p).build())
                .orElseGet(() -> Response.status(Response.Status.NOT_FOUND).entity(Map.of("error", "no backfill " + id)).build());
    }

    @GET
    public Collection<Backfill.Progress> all() {
        return backfill.all();
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
