package io.trailwatch.local;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The JVM options and environment every local service runs with (docs/local.md). */
class ServiceOptionsTest {

    @Test
    void nativeMemoryIsTrimmed_onJavaVersionsThatCanTrimIt_only() {
        assertThat(Service.jvmOptions(Runtime.Version.parse("17.0.9"))).contains("-XX:TrimNativeHeapInterval=5000");
        assertThat(Service.jvmOptions(Runtime.Version.parse("21.0.1"))).contains("-XX:TrimNativeHeapInterval=5000");
        // an unknown -XX option stops the JVM at start: never pass it where it does not exist
        assertThat(Service.jvmOptions(Runtime.Version.parse("17.0.8"))).noneMatch(o -> o.contains("TrimNativeHeapInterval"))
                .contains("-Xmx256m", "-XX:+UseSerialGC");
    }

    @Test
    void mallocKeepsTwoArenas_unlessTheEnvironmentSaysOtherwise() {
        if (System.getenv("MALLOC_ARENA_MAX") == null) {
            assertThat(Service.ENVIRONMENT).containsEntry("MALLOC_ARENA_MAX", "2");
        } else {
            assertThat(Service.ENVIRONMENT).doesNotContainKey("MALLOC_ARENA_MAX");
        }
    }
}
