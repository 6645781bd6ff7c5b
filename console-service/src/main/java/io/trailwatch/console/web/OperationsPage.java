package io.trailwatch.console.web;

import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.common.annotation.Blocking;
import io.trailwatch.console.outbound.ManagementApis;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;

import java.net.URI;
import java.util.List;
import java.util.Map;

/**
 * Operations, through the other services' management APIs: the kill switch's state and toggle, and backfill jobs
 * with their progress. Anyone who may read the console sees them; only operators may change them (the HTTP
 * permissions in application.properties, and a form posted from another site is refused: its Origin is not the
 * console's). Every change is logged with who made it.
 */
@Path("/operations")
@Produces(MediaType.TEXT_HTML)
@Blocking
public class OperationsPage {

    private static final Logger LOG = Logger.getLogger(OperationsPage.class);

    @CheckedTemplate
    static class Templates {
        static native TemplateInstance operations(View view);

        /** The jobs alone, for the page's refresh while one runs. */
        static native TemplateInstance operations$jobs(View view);
    }

    /** The page's model. */
    public record View(boolean operator, String user, KillSwitch killSwitch, Backfills backfills, String message,
                       String error) {
    }

    /**
     * The kill switch as remediate-service reports it.
     *
     * @param configured whether it is reachable and known (false: {@code problem} says why)
     * @param fixed      on from configuration: the page cannot turn it off
     */
    public record KillSwitch(boolean configured, boolean on, boolean fixed, String problem) {
    }

    /** Backfill jobs as ingest-service reports them. */
    public record Backfills(boolean configured, List<Job> jobs, boolean running, String problem) {
    }

    /** One backfill job. */
    public record Job(String id, String bucket, String prefix, String from, String to, String state, long listed,
                      long matched, long ingested, long skipped, long failed, String startedAt, String finishedAt,
                      String error) {
        public boolean running() {
            return "running".equals(state);
        }
    }

    private final ManagementApis apis;
    private final SecurityIdentity identity;

    OperationsPage(ManagementApis apis, SecurityIdentity identity) {
        this.apis = apis;
        this.identity = identity;
    }

    @GET
    public TemplateInstance page(@QueryParam("message") String message, @QueryParam("error") String error) {
        return Templates.operations(view(message == null ? null : shortened(message), error == null ? null : shortened(error)));
    }

    @GET
    @Path("jobs")
    public TemplateInstance jobs() {
        return Templates.operations$jobs(view(null, null));
    }

    @POST
    @Path("kill-switch")
    @RolesAllowed("operator") // as the path permissions say too
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response killSwitch(@FormParam("action") String action, @HeaderParam("Origin") String origin,
                               @HeaderParam("Referer") String referer, @HeaderParam("Host") String host) {
        if (!sameOrigin(origin, referer, host)) {
            return Response.status(403).type(MediaType.TEXT_PLAIN).entity("refused: the form was not posted from this console").build();
        }
        if (!"on".equals(action) && !"off".equals(action)) {
            return back(null, "no such action: the kill switch goes on or off");
        }
        try {
            Map<String, Object> state = apis.turnKillSwitch("on".equals(action));
            LOG.warnf("%s turned the kill switch %s from the console", identity.getPrincipal().getName(), action);
            return back("The kill switch is " + (Boolean.TRUE.equals(state.get("on")) ? "on" : "off")
                    + (Boolean.TRUE.equals(state.get("configured")) ? " (on by configuration)" : "") + ".", null);
        } catch (ManagementApis.Failed e) {
            return back(null, "The kill switch was not turned: " + e.getMessage());
        }
    }

    @POST
    @Path("backfill")
    @RolesAllowed("operator")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response backfill(@FormParam("bucket") String bucket, @FormParam("prefix") String prefix,
                             @FormParam("from") String from, @FormParam("to") String to,
                             @HeaderParam("Origin") String origin, @HeaderParam("Referer") String referer,
                             @HeaderParam("Host") String host) {
        if (!sameOrigin(origin, referer, host)) {
            return Response.status(403).type(MediaType.TEXT_PLAIN).entity("refused: the form was not posted from this console").build();
        }
        List<String> errors = new java.util.ArrayList<>();
        java.time.Instant fromTime = FindingsPage.time("from", from, errors);
        java.time.Instant toTime = FindingsPage.time("to", to, errors);
        if (!errors.isEmpty() || fromTime == null || toTime == null) {
            return back(null, "The backfill was not started: from and to are required times (UTC)"
                    + (errors.isEmpty() ? "" : ": " + String.join("; ", errors)));
        }
        try {
            Map<String, Object> job = apis.startBackfill(blankToNull(bucket), blankToNull(prefix), fromTime.toString(), toTime.toString());
            LOG.warnf("%s started backfill %s from the console (%s to %s)", identity.getPrincipal().getName(),
                    job.get("id"), fromTime, toTime);
            return back("Backfill " + job.get("id") + " started.", null);
        } catch (ManagementApis.Failed e) {
            return back(null, "The backfill was not started: " + e.getMessage());
        }
    }

    private View view(String message, String error) {
        boolean operator = identity.hasRole("operator");
        KillSwitch killSwitch;
        if (!apis.killSwitchConfigured()) {
            killSwitch = new KillSwitch(false, false, false, "remediate-service's management URL is not configured");
        } else {
            try {
                Map<String, Object> s = apis.killSwitch();
                killSwitch = new KillSwitch(true, Boolean.TRUE.equals(s.get("on")), Boolean.TRUE.equals(s.get("configured")), null);
            } catch (ManagementApis.Failed e) {
                killSwitch = new KillSwitch(false, false, false, e.getMessage());
            }
        }
        Backfills backfills;
        if (!apis.backfillConfigured()) {
            backfills = new Backfills(false, List.of(), false, "ingest-service's management URL is not configured");
        } else {
            try {
                List<Job> jobs = apis.backfills().stream().map(OperationsPage::job)
                        .sorted(java.util.Comparator.comparing(Job::startedAt, java.util.Comparator.nullsLast(java.util.Comparator.reverseOrder())))
                        .toList();
                backfills = new Backfills(true, jobs, jobs.stream().anyMatch(Job::running), null);
            } catch (ManagementApis.Failed e) {
                backfills = new Backfills(false, List.of(), false, e.getMessage());
            }
        }
        return new View(operator, identity.getPrincipal().getName(), killSwitch, backfills, message, error);
    }

    @SuppressWarnings("unchecked")
    private static Job job(Map<String, Object> p) {
        Map<String, Object> request = p.get("request") instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
        return new Job(text(p.get("id")), text(request.get("bucket")), text(request.get("prefix")), text(request.get("from")),
                text(request.get("to")), text(p.get("state")), number(p.get("listed")), number(p.get("matched")),
                number(p.get("ingested")), number(p.get("skipped")), number(p.get("failed")), text(p.get("startedAt")),
                text(p.get("finishedAt")), text(p.get("error")));
    }

    private static String text(Object o) {
        return o == null ? null : o.toString();
    }

    private static long number(Object o) {
        return o instanceof Number n ? n.longValue() : 0;
    }

    private static Response back(String message, String error) {
        String query = message != null ? "message=" + Links.encode(shortened(message)) : "error=" + Links.encode(shortened(error));
        return Response.seeOther(URI.create("/operations?" + query)).build();
    }

    /**
     * Whether a form post came from a page of this console: its Origin (or, without one, its Referer) names the host
     * the request was sent to. A browser always sends one of them with a form post; a post without either is refused.
     */
    static boolean sameOrigin(String origin, String referer, String host) {
        String source = origin != null && !origin.isBlank() && !"null".equals(origin) ? origin : referer;
        if (source == null || host == null) {
            return false;
        }
        try {
            URI uri = URI.create(source.strip());
            String authority = uri.getRawAuthority();
            return authority != null && authority.equalsIgnoreCase(host.strip());
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** What a page says back, at most 300 characters (an error from another service can be long). */
    private static String shortened(String s) {
        return s.length() <= 300 ? s : s.substring(0, 299) + "…";
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }
}
