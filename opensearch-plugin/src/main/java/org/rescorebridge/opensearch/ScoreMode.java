package org.rescorebridge.opensearch;

import java.util.Locale;

/**
 * How a window hit's weighted first-stage score and weighted cross-encoder score are combined.
 *
 * <p>The first five mirror OpenSearch's query rescorer ({@code score_mode}) so that existing rescore
 * tuning carries over; {@code replace} keeps only the weighted cross-encoder score, which is the
 * usual choice for a cross-encoder because its scale has nothing to do with BM25's.
 */
public enum ScoreMode {
    TOTAL {
        @Override
        public float combine(float first, float second) {
            return first + second;
        }
    },
    MULTIPLY {
        @Override
        public float combine(float first, float second) {
            return first * second;
        }
    },
    AVG {
        @Override
        public float combine(float first, float second) {
            return (first + second) / 2f;
        }
    },
    MAX {
        @Override
        public float combine(float first, float second) {
            return Math.max(first, second);
        }
    },
    MIN {
        @Override
        public float combine(float first, float second) {
            return Math.min(first, second);
        }
    },
    REPLACE {
        @Override
        public float combine(float first, float second) {
            return second;
        }
    };

    /**
     * @param first  first-stage score already multiplied by {@code query_weight}
     * @param second cross-encoder score already multiplied by {@code rescore_query_weight}
     */
    public abstract float combine(float first, float second);

    /** The name used in requests and explanations. */
    public String jsonName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses a request value, naming the accepted ones when it is not one of them. */
    public static ScoreMode fromString(String value) {
        for (ScoreMode mode : values()) {
            if (mode.jsonName().equals(value)) {
                return mode;
            }
        }
        throw new IllegalArgumentException(
            "[cross_encoder] unknown score_mode [" + value + "]; expected one of total, multiply, avg, max, min, replace"
        );
    }
}
