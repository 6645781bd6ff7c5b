package io.trailwatch.devkit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** What a run leaves behind in the temporary directory: its logs at most. */
class ScratchTest {

    @TempDir
    Path tmp;

    @Test
    void aRunsStateIsDeleted_allButWhatItKeeps() throws Exception {
        Path state = Files.createDirectories(tmp.resolve("run"));
        Files.createDirectories(state.resolve("kafka/data/trailwatch.events.v2-0"));
        Files.writeString(state.resolve("kafka/data/trailwatch.events.v2-0/00000000000000000000.log"), "records");
        Files.writeString(state.resolve("endpoints.json"), "{}");
        Files.createDirectories(state.resolve("logs"));
        Files.writeString(state.resolve("logs/ingest.log"), "started");

        Scratch.deleteAllBut(state, Set.of("logs"));

        try (var left = Files.list(state)) {
            assertThat(left.map(p -> p.getFileName().toString())).containsExactly("logs");
        }
        assertThat(state.resolve("logs/ingest.log")).hasContent("started");

        Scratch.delete(state);
        assertThat(state).doesNotExist();
        Scratch.delete(state); // nothing there: nothing to do
        Scratch.deleteAllBut(state, Set.of("logs"));
    }
}
