package io.qwen4j.engine;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class BuildInfoTest {

    @Test
    void theBuildFilledInTheVersion() {
        BuildInfo b = BuildInfo.current();
        assertThat(b.version()).matches("\\d+\\.\\d+\\.\\d+.*");
        assertThat(b.commit()).matches("unknown|[0-9a-f]{7,40}");
        assertThat(b.id()).startsWith(b.version());
    }
}
