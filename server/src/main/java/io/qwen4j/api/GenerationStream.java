package io.qwen4j.api;

/** A running generation: cancel it when the client has gone. */
public interface GenerationStream {

    void cancel();
}
