package io.qwen4j.store;

import java.sql.SQLException;

/** A failure of the store itself (connection, SQL), as opposed to a refusal such as an insufficient balance. */
public final class StoreException extends RuntimeException {
    public StoreException(SQLException cause) {
        super("store: " + cause.getMessage(), cause);
    }

    public StoreException(String message) {
        super(message);
    }
}
