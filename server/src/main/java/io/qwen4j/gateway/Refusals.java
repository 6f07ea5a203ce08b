package io.qwen4j.gateway;

import io.qwen4j.api.ApiException;

/** The gateway's refusals, in OpenAI's error shape and codes. */
final class Refusals {
    private Refusals() {
    }

    static ApiException invalidApiKey(String message) {
        return new ApiException(401, "invalid_request_error", null, "invalid_api_key", message);
    }

    static ApiException modelNotAllowed(String model) {
        return new ApiException(403, "invalid_request_error", "model", "model_not_allowed",
                "this API key may not use the model '" + model + "'");
    }

    static ApiException modelNotPriced(String model) {
        return new ApiException(403, "invalid_request_error", "model", "model_not_priced",
                "the model '" + model + "' has no price on this server, so it cannot be billed");
    }

    static ApiException insufficientQuota(String message) {
        return new ApiException(402, "insufficient_quota", null, "insufficient_quota", message);
    }

    /** {@code type} is OpenAI's "requests" or "tokens". */
    static ApiException rateLimited(String type, String message) {
        return new ApiException(429, type, null, "rate_limit_exceeded", message);
    }

    static ApiException forbidden(String code, String message) {
        return new ApiException(403, "permission_error", null, code, message);
    }
}
