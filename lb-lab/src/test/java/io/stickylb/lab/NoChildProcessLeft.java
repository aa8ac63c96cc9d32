package io.stickylb.lab;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/** Fails a test that leaves a backend process of the lab running: every run must stop what it started. */
final class NoChildProcessLeft implements AfterEachCallback {

    @Override
    public void afterEach(ExtensionContext context) {
        assertThat(ChildProcesses.alive()).as("child processes still running").isZero();
    }
}
