package io.trailwatch.devkit;

/** The class path of this JVM as a child JVM needs it. */
final class Classpath {

    private Classpath() {
    }

    /**
     * Surefire runs tests from a manifest-only jar and publishes the real class path as {@code surefire.test.class.path};
     * elsewhere (benchmarks, the local launcher) {@code java.class.path} is the real one.
     */
    static String current() {
        String surefire = System.getProperty("surefire.test.class.path");
        return surefire != null && !surefire.isBlank() ? surefire : System.getProperty("java.class.path");
    }
}
