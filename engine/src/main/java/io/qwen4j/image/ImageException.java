package io.qwen4j.image;

/**
 * An image that cannot be used: unsupported or corrupt bytes, too many pixels, an impossible shape. The
 * message says what is wrong in words fit for an API error (the server answers 400 with it).
 */
public final class ImageException extends Exception {

    public ImageException(String message) {
        super(message);
    }

    public ImageException(String message, Throwable cause) {
        super(message, cause);
    }
}
