package io.qwen4j.web;

import io.qwen4j.api.ApiException;
import io.qwen4j.api.ChoiceDelta;
import io.qwen4j.api.ChoiceEnd;
import io.qwen4j.api.GenerationListener;
import io.qwen4j.api.Usage;
import io.qwen4j.gateway.Reservation;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** Hands a backend's events to the request's thread, which writes them out. */
final class GenerationEvents implements GenerationListener {
    sealed interface Event permits Delta, End, Done, Failed {
    }

    record Delta(int choice, ChoiceDelta delta) implements Event {
    }

    record End(int choice, ChoiceEnd end) implements Event {
    }

    record Done(Usage usage) implements Event {
    }

    record Failed(ApiException error, Usage usage) implements Event {
    }

    /** Opens the request's credit reservation once its size is known (the gateway's seam). */
    @FunctionalInterface
    interface Admission {
        Reservation reserve(int promptTokens, int maxCompletionTokens);
    }

    private final BlockingQueue<Event> queue = new LinkedBlockingQueue<>();
    private final Admission admission;
    private volatile Reservation reservation;

    GenerationEvents(Admission admission) {
        this.admission = admission;
    }

    @Override
    public void onAdmit(int promptTokens, int maxCompletionTokens) {
        reservation = admission.reserve(promptTokens, maxCompletionTokens);
    }

    /** The reservation opened by {@link #onAdmit}, or null when the request was refused before it. */
    Reservation reservation() {
        return reservation;
    }

    @Override
    public void onDelta(int choice, ChoiceDelta delta) {
        queue.add(new Delta(choice, delta));
    }

    @Override
    public void onChoiceEnd(int choice, ChoiceEnd end) {
        queue.add(new End(choice, end));
    }

    @Override
    public void onComplete(Usage usage) {
        queue.add(new Done(usage));
    }

    @Override
    public void onError(ApiException error, Usage partial) {
        queue.add(new Failed(error, partial));
    }

    /** The next event, or null after {@code millis} without one. */
    Event poll(long millis) throws InterruptedException {
        return queue.poll(millis, TimeUnit.MILLISECONDS);
    }
}
