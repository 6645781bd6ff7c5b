package io.trailwatch.console.web;

import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;
import io.smallrye.common.annotation.Blocking;
import io.trailwatch.console.store.Store;
import io.trailwatch.model.IntegrityRecord;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import java.sql.SQLException;
import java.util.List;

/** Trail integrity: per trail its last digest, its status and problems; a trail's digests one by one. */
@Path("/integrity")
@Produces(MediaType.TEXT_HTML)
@Blocking
public class IntegrityPage {

    /** A trail's digests shown at most. */
    static final int HISTORY = 200;

    @CheckedTemplate
    static class Templates {
        static native TemplateInstance integrity(List<TrailRow> trails);

        static native TemplateInstance trail(String chain, List<DigestRow> digests);
    }

    /** One trail's line. */
    public record TrailRow(String accountId, String region, String trailName, String url, DigestRow last,
                           long digests, long invalid) {
    }

    /** One digest's outcome. */
    public record DigestRow(String status, String digestEnd, String checkedAt, String digestUri, boolean chainStart,
                            boolean backfill, int logFiles, int logFilesVerified, List<String> problems,
                            List<String> notChecked) {
    }

    private final Store store;

    IntegrityPage(Store store) {
        this.store = store;
    }

    @GET
    public TemplateInstance trails() throws SQLException {
        return Templates.integrity(store.integrity().stream().map(t -> new TrailRow(t.accountId(), t.region(),
                t.trailName(), "/integrity/trail?chain=" + Links.encode(t.chain()), digest(t.last()), t.digests(),
                t.invalid())).toList());
    }

    @GET
    @Path("trail")
    public TemplateInstance trail(@QueryParam("chain") String chain) throws SQLException {
        List<IntegrityRecord> digests = chain == null ? List.of() : store.digests(chain, HISTORY);
        if (digests.isEmpty()) {
            throw new NotFoundException("no digests of trail " + chain);
        }
        return Templates.trail(chain, digests.stream().map(IntegrityPage::digest).toList());
    }

    static DigestRow digest(IntegrityRecord r) {
        List<String> problems = r.problems() == null ? List.of() : r.problems().stream().filter(java.util.Objects::nonNull)
                .map(p -> p.reason() + ": " + p.uri() + (p.detail() == null ? "" : " (" + p.detail() + ")")).toList();
        List<String> notChecked = r.notChecked() == null ? List.of() : r.notChecked().stream().filter(java.util.Objects::nonNull)
                .map(n -> n.reason() + ": s3://" + n.bucket() + "/" + n.key() + (n.detail() == null ? "" : " (" + n.detail() + ")"))
                .toList();
        return new DigestRow(r.status(), Links.time(r.digestEndTime()), Links.time(r.checkedAt()),
                "s3://" + r.digestBucket() + "/" + r.digestKey(), r.chainStart(), r.backfill(), r.logFiles(),
                r.logFilesVerified(), problems, notChecked);
    }
}
