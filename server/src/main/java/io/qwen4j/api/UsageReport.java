package io.qwen4j.api;

/**
 * What one generation request cost, reported exactly once at its end whatever the end was: the seam for
 * billing, rate limits and logs.
 *
 * @param requestId the id the response carries ({@code chatcmpl-…}, {@code cmpl-…})
 * @param endpoint  {@code /v1/chat/completions} or {@code /v1/completions}
 * @param model     the model name the client asked for
 * @param usage     tokens used (for an abort: up to the moment generation stopped)
 * @param outcome   how it ended
 */
public record UsageReport(String requestId, String endpoint, String model, Usage usage, Outcome outcome) {

    public enum Outcome { SUCCESS, ERROR, CLIENT_ABORT }
}
