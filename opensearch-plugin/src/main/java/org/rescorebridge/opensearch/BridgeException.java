package org.rescorebridge.opensearch;

/** The bridge could not score a window; {@link #reason()} is what the stats count it under. */
public final class BridgeException extends Exception {

    private static final long serialVersionUID = 1L;

    /** Failure classes, counted separately in the plugin stats. */
    public enum Reason {
        NO_ENDPOINT,
        CONNECT,
        TIMEOUT,
        HTTP_STATUS,
        BAD_RESPONSE,
        OTHER;

        public String jsonName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final Reason reason;

    public BridgeException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public BridgeException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
