package io.qwen4j.api;

/**
 * A request the API refuses, carried up to the HTTP layer and written in OpenAI's error shape:
 * {@code {"error": {"message", "type", "param", "code"}}}.
 */
public final class ApiException extends RuntimeException {
    private final int status;
    private final String type;
    private final String param;
    private final String code;
    private final Integer retryAfterSeconds;

    public ApiException(int status, String type, String param, String code, String message) {
        this(status, type, param, code, message, null);
    }

    public ApiException(int status, String type, String param, String code, String message, Integer retryAfterSeconds) {
        super(message);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** 400 invalid_request_error naming the offending parameter. */
    public static ApiException invalid(String param, String message) {
        return new ApiException(400, "invalid_request_error", param, null, message);
    }

    public static ApiException notFound(String message) {
        return new ApiException(404, "not_found_error", null, null, message);
    }

    /** 404 for a model name nobody answers to, as OpenAI words it. */
    public static ApiException modelNotFound(String model) {
        return new ApiException(404, "invalid_request_error", "model", "model_not_found",
                "The model `" + model + "` does not exist or you do not have access to it.");
    }

    /** 503 with Retry-After: the server cannot take the request now, the client should come back. */
    public static ApiException overloaded(String message, int retryAfterSeconds) {
        return new ApiException(503, "server_error", null, "server_overloaded", message, retryAfterSeconds);
    }

    /** 500 for our own failures; the message stays generic for the client. */
    public static ApiException internal(String message) {
        return new ApiException(500, "server_error", null, null, message);
    }

    public int status() {
        return status;
    }

    public String type() {
        return type;
    }

    public String param() {
        return param;
    }

    public String code() {
        return code;
    }

    /** Seconds for a Retry-After header, or null. */
    public Integer retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
