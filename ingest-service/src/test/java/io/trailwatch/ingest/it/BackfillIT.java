package io.trailwatch.ingest.it;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.trailwatch.devkit.CloudTrailLogs;
import io.trailwatch.testsupport.Management;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import static io.trailwatch.ingest.it.IngestHarness.ACCOUNT;
import static io.trailwatch.ingest.it.IngestHarness.WAIT;
import static io.trailwatch.ingest.it.IngestHarness.countEventsOf;
import static io.trailwatch.ingest.it.IngestHarness.eventsOf;
import static io.trailwatch.ingest.it.IngestHarness.upload;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;

/** An operator backfills a time range under a prefix over HTTP, through the same pipeline and ledger. */
@QuarkusTest
@QuarkusTestResource(value = IngestResources.class, restrictToAnnotatedClass = false)
class BackfillIT {

    @Test
    void backfill_ingestsTheObjectsInRange_once_andReportsProgress() {
        String prefix = "bf-" + UUID.randomUUID().toString().substring(0, 8) + "/";
        String before = file(prefix, "2026-03-01T23:50:00Z", 4);
        String day1 = file(prefix, "2026-03-02T00:05:00Z", 5);
        String day2 = file(prefix, "2026-03-03T12:00:00Z", 6);
        String after = file(prefix, "2026-03-04T00:00:00Z", 7);
        String regionFolder = prefix + "AWSLogs/" + ACCOUNT + "/CloudTrail/eu-west-1/";

        String id = start(regionFolder, "2026-03-02T00:00:00Z", "2026-03-04T00:00:00Z");
        awaitDone(id);

        eventsOf(day1, 5);
        eventsOf(day2, 6);
        assertThat(countEventsOf(before)).isZero();
        assertThat(countEventsOf(after)).isZero();
        Management.asViewer().get("/backfill/" + id).then().statusCode(200)
                .body("matched", org.hamcrest.Matchers.equalTo(2))
                .body("ingested", org.hamcrest.Matchers.equalTo(2))
                .body("failed", org.hamcrest.Matchers.equalTo(0));

        String again = start(prefix, "2026-03-02T00:00:00Z", "2026-03-04T00:00:00Z");
        awaitDone(again);
        Management.asViewer().get("/backfill/" + again).then().body("skipped", org.hamcrest.Matchers.equalTo(2));
        assertThat(countEventsOf(day1)).isEqualTo(5);
    }

    @Test
    void badRequests_areRefusedWithAReason() {
        Management.asOperator().contentType(ContentType.JSON).body("{\"bucket\":\"b\",\"from\":\"yesterday\",\"to\":\"2026-03-02T00:00:00Z\"}")
                .post("/backfill").then().statusCode(400).body("error", containsString("from"));
        Management.asViewer().get("/backfill/nope").then().statusCode(404);
        Management.asOperator().contentType(ContentType.JSON)
                .body("{\"bucket\":\"b\",\"prefix\":\"AWSLogs/111122223333/CloudTrail/eu-west-1/\",\"from\":\"0001-01-01T00:00:00Z\",\"to\":\"9999-01-01T00:00:00Z\"}")
                .post("/backfill").then().statusCode(400).body("error", containsString("max-range"));
    }

    @Test
    void backfill_needsTheOperatorRole_readingItTheViewerRole_andEveryRefusalIsCounted() {
        String body = "{\"bucket\":\"" + IngestResources.BUCKET + "\",\"prefix\":\"refused/\",\"from\":\"2026-03-02T00:00:00Z\",\"to\":\"2026-03-03T00:00:00Z\"}";
        int jobsBefore = Management.asViewer().get("/backfill").then().statusCode(200).extract().jsonPath().getList("$").size();
        double unauthenticated = IngestHarness.metric("trailwatch_management_refusals_total", "reason=\"unauthenticated\"");
        double forbidden = IngestHarness.metric("trailwatch_management_refusals_total", "reason=\"forbidden\"");

        Management.anonymous().contentType(ContentType.JSON).body(body).post("/backfill").then().statusCode(401);
        Management.anonymous().auth().preemptive().basic(Management.OPERATOR, "guessed").contentType(ContentType.JSON).body(body)
                .post("/backfill").then().statusCode(401);
        Management.asViewer().contentType(ContentType.JSON).body(body).post("/backfill").then().statusCode(403);
        Management.anonymous().get("/backfill").then().statusCode(401);
        RestAssured.given().contentType(ContentType.JSON).body(body).post("/backfill").then().statusCode(404);

        assertThat(Management.asViewer().get("/backfill").then().statusCode(200).extract().jsonPath().getList("$"))
                .as("no refused call started a job").hasSize(jobsBefore);
        assertThat(IngestHarness.metric("trailwatch_management_refusals_total", "reason=\"unauthenticated\""))
                .isGreaterThanOrEqualTo(unauthenticated + 3);
        assertThat(IngestHarness.metric("trailwatch_management_refusals_total", "reason=\"forbidden\"")).isGreaterThanOrEqualTo(forbidden + 1);
        Management.anonymous().get("/q/health/ready").then().statusCode(200);
        Management.withToken(io.trailwatch.testsupport.Tokens.token("ops@example.com", List.of("viewer"), java.time.Duration.ofMinutes(5)))
                .contentType(ContentType.JSON).body(body).post("/backfill").then().statusCode(403);
        Management.withToken(io.trailwatch.testsupport.Tokens.token("ops@example.com", List.of("operator"), java.time.Duration.ofMinutes(5)))
                .get("/backfill").then().statusCode(200);
    }

    private static String start(String prefix, String from, String to) {
        return Management.asOperator().contentType(ContentType.JSON)
                .body("{\"bucket\":\"" + IngestResources.BUCKET + "\",\"prefix\":\"" + prefix + "\",\"from\":\"" + from
                        + "\",\"to\":\"" + to + "\"}")
                .post("/backfill").then().statusCode(202).header("Location", containsString("/backfill/"))
                .extract().path("id");
    }

    private static void awaitDone(String id) {
        Awaitility.await().atMost(WAIT).until(() -> "done".equals(Management.asViewer().get("/backfill/" + id).then().extract().path("state")));
    }

    private static String file(String prefix, String deliveredAt, int records) {
        Instant t = Instant.parse(deliveredAt);
        String key = prefix + CloudTrailLogs.key(ACCOUNT, "eu-west-1", t, UUID.randomUUID().toString().substring(0, 8));
        upload(key, CloudTrailLogs.file(new CloudTrailLogs(records).records(ACCOUNT, "eu-west-1", t.minusSeconds(300), records), true));
        return key;
    }
}
