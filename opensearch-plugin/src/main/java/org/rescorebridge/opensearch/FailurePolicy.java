package org.rescorebridge.opensearch;

import java.util.Locale;

/** What a shard does when the bridge cannot score its window (down, slow, or answering garbage). */
public enum FailurePolicy {
    /** Return the shard's hits exactly as the first stage ranked them (scores untouched). */
    KEEP_FIRST_STAGE,
    /** Fail the shard's search with a 502 that names the bridge error. */
    FAIL;

    public String jsonName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static FailurePolicy fromString(String value) {
        for (FailurePolicy policy : values()) {
            if (policy.jsonName().equals(value)) {
                return policy;
            }
        }
        throw new IllegalArgumentException("[cross_encoder] unknown on_failure [" + value + "]; expected keep_first_stage or fail");
    }
}
