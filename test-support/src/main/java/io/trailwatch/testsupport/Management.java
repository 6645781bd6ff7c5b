package io.trailwatch.testsupport;

import io.restassured.RestAssured;
import io.restassured.specification.RequestSpecification;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * Calls to the management interface of the service under test (its own port, {@code quarkus.management.test-port},
 * chosen at start), as nobody or as one of the test users each service's {@code %test} profile defines.
 */
public final class Management {

    public static final String OPERATOR = "test-operator";
    public static final String OPERATOR_PASSWORD = "operator-secret";
    public static final String VIEWER = "test-viewer";
    public static final String VIEWER_PASSWORD = "viewer-secret";

    private Management() {
    }

    /** The port the management interface listens on. */
    public static int port() {
        return ConfigProvider.getConfig().getValue("quarkus.management.test-port", Integer.class);
    }

    /** A request without credentials. */
    public static RequestSpecification anonymous() {
        return RestAssured.given().baseUri("http://127.0.0.1").port(port());
    }

    /** A request as the operator (may change state). */
    public static RequestSpecification asOperator() {
        return anonymous().auth().preemptive().basic(OPERATOR, OPERATOR_PASSWORD);
    }

    /** A request as the viewer (may read state). */
    public static RequestSpecification asViewer() {
        return anonymous().auth().preemptive().basic(VIEWER, VIEWER_PASSWORD);
    }

    /** A request with a bearer token. */
    public static RequestSpecification withToken(String token) {
        return anonymous().header("Authorization", "Bearer " + token);
    }

    /** The Prometheus text of the service's metrics. */
    public static String metrics() {
        return anonymous().get("/q/metrics").then().statusCode(200).extract().asString();
    }
}
