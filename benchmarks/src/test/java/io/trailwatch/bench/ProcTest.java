package io.trailwatch.bench;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class ProcTest {

    @Test
    void aThreadsCpuTicksAreReadAfterItsNameEvenWhenTheNameHoldsSpacesAndParentheses() {
        String stat = "4242 (C2 Compiler (x) 1) S 4200 4200 4200 0 -1 1077936192 100 0 0 0 1234 56 0 0 20 0 30 0 500 0 0";

        assertThat(Proc.threadTicks(stat)).isEqualTo(1234 + 56);
    }

    @Test
    void theCompilerThreadsOfThisJvmHaveSpentCpu() {
        double nanos = Proc.compilerNanos(ProcessHandle.current().pid());

        assertThat(nanos).isGreaterThan(0).isLessThan(Proc.cpuNanos(ProcessHandle.current().pid()));
    }

    @Test
    void theCollectorOfThisJvmHasSpentCpuAfterACollection() {
        long pid = ProcessHandle.current().pid();
        for (int i = 0; i < 20; i++) {
            System.gc();
        }

        assertThat(Proc.collectorNanos(pid)).isGreaterThan(0).isLessThan(Proc.cpuNanos(pid));
    }

    @Test
    void aProcessThatIsGoneHasNoCompilerOrCollectorTime() {
        assertThat(Proc.compilerNanos(Long.MAX_VALUE)).isNaN();
        assertThat(Proc.collectorNanos(Long.MAX_VALUE)).isNaN();
        assertThat(Proc.kafkaClientNanos(Long.MAX_VALUE)).isNaN();
    }

    @Test
    void kafkaClientThreads_areTheClientsNetworkHeartbeatAdminAndPollingThreads_butNotAStreamThreadThatProcesses() {
        // names as /proc/PID/task/TID/comm gives them: cut to 15 characters
        assertThat(java.util.List.of("kafka-producer-", "kafka-coordinat", "kafka-admin-cli", "smallrye-kafka-"))
                .allMatch(Proc::kafkaClientThread);
        assertThat(java.util.List.of("trailwatch-dete", "ingest-object-3", "C2 CompilerThre", "VM Thread", "vert.x-eventloo"))
                .noneMatch(Proc::kafkaClientThread);
    }

    @Test
    void aFrozenProcessStandsStill_andGoesOnWhenLetGo() throws Exception {
        Process busy = new ProcessBuilder("sh", "-c", "while :; do :; done").start();
        try {
            long pid = busy.pid();
            Proc.signal(pid, "STOP");
            // the signal is sent; the kernel stops the process a moment later
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(state(pid)).as("stopped").isEqualTo('T'));
            long frozenAt = Proc.cpuNanos(pid);
            // 200 ms: a window in which a running loop would certainly have spent CPU
            await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(1))
                    .untilAsserted(() -> assertThat(Proc.cpuNanos(pid)).as("a frozen process spends no CPU").isEqualTo(frozenAt));

            Proc.signal(pid, "CONT");
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                assertThat(state(pid)).isNotEqualTo('T');
                assertThat(Proc.cpuNanos(pid)).as("it runs again").isGreaterThan(frozenAt);
            });
        } finally {
            busy.destroyForcibly().waitFor();
        }
    }

    @Test
    void signallingAProcessThatIsGone_isAnError() throws Exception {
        Process done = new ProcessBuilder("true").start();
        done.waitFor();

        assertThatThrownBy(() -> Proc.signal(done.pid(), "CONT")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("kill -CONT " + done.pid());
    }

    /** The state letter of /proc/PID/stat: R running, S sleeping, T stopped. */
    private static char state(long pid) throws Exception {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        return stat.charAt(stat.lastIndexOf(')') + 2);
    }
}
