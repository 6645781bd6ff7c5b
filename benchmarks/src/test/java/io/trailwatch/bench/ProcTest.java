package io.trailwatch.bench;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

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
}
