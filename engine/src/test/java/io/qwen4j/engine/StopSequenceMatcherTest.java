package io.qwen4j.engine;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class StopSequenceMatcherTest {

    @Test
    void holdsBackAPossibleStartAndNeverReleasesTheStopString() {
        StopSequenceMatcher m = new StopSequenceMatcher(List.of("END", "xy"));
        assertThat(m.push("abc E").text()).isEqualTo("abc ");
        assertThat(m.push("N").text()).isEmpty();
        StopSequenceMatcher.Result r = m.push("Dtail");
        assertThat(r.text()).isEmpty();
        assertThat(r.matched()).isEqualTo("END");
    }

    @Test
    void releasesHeldTextOnceItCannotMatch() {
        StopSequenceMatcher m = new StopSequenceMatcher(List.of("END"));
        assertThat(m.push("E").text()).isEmpty();
        assertThat(m.push("Nx").text()).isEqualTo("ENx");
        assertThat(m.push("EN").text()).isEmpty();
        assertThat(m.flush()).isEqualTo("EN");
    }

    @Test
    void earliestMatchWinsAndSplitsInsideAPiece() {
        StopSequenceMatcher m = new StopSequenceMatcher(List.of("cd", "b"));
        StopSequenceMatcher.Result r = m.push("abcd");
        assertThat(r.text()).isEqualTo("a");
        assertThat(r.matched()).isEqualTo("b");
    }

    @Test
    void withoutStopsEverythingPassesThrough() {
        StopSequenceMatcher m = new StopSequenceMatcher(List.of());
        assertThat(m.push("abc").text()).isEqualTo("abc");
        assertThat(new StopSequenceMatcher(List.of("")).push("abc").text()).isEqualTo("abc");
    }
}
