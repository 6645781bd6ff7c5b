package io.trailwatch.local;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

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
    void theServicesThatHandleEveryEvent_runOnlyTheOptimizingCompiler_andTheFindingServicesOnlyTheQuickOne() {
        for (String service : List.of("ingest", "detect")) {
            assertThat(Service.jvmOptions(service)).as(service).containsAll(Service.JVM_OPTIONS)
                    .contains("-XX:-TieredCompilation").doesNotContain("-XX:TieredStopAtLevel=1");
        }
        for (String service : List.of("notify", "remediate", "console")) {
            assertThat(Service.jvmOptions(service)).as(service).containsAll(Service.JVM_OPTIONS)
                    .contains("-XX:TieredStopAtLevel=1").doesNotContain("-XX:-TieredCompilation");
        }
    }

    @Test
    void everyServicesOptions_startThisMachinesJvm() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        for (String service : List.of("ingest", "detect", "notify", "remediate", "console")) {
            List<String> cmd = new ArrayList<>(List.of(java));
            cmd.addAll(Service.jvmOptions(service));
            cmd.add("-version");
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes());
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(service + ": " + output).isZero();
        }
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
