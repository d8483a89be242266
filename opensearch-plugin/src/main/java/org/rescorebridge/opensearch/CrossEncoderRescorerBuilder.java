package org.rescorebridge.opensearch;

import org.opensearch.core.ParseField;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.xcontent.ObjectParser;
import org.opensearch.core.xcontent.XContentBuilder;
import org.opensearch.core.xcontent.XContentParser;
import org.opensearch.index.query.QueryRewriteContext;
import org.opensearch.index.query.QueryShardContext;
import org.opensearch.search.rescore.RescoreContext;
import org.opensearch.search.rescore.RescorerBuilder;

import java.io.IOException;
import java.util.List;
import java.util.Objects;

/**
 * The {@code cross_encoder} rescore section: parsing, validation, wire format and per-shard context.
 *
 * <pre>
 * "rescore": {"window_size": 100,
 *   "cross_encoder": {"query_text": "...", "fields": ["title", "text"], "model": "default",
 *     "query_weight": 1.0, "rescore_query_weight": 1.0, "score_mode": "total",
 *     "max_chars": 4000, "timeout_ms": 500, "on_failure": "keep_first_stage"}}
 * </pre>
 * Only {@code query_text} is required. The weights and {@code score_mode} default to the query
 * rescorer's (1.0, 1.0, total); {@code timeout_ms} defaults to the cluster setting
 * {@code rescore_bridge.timeout_ms}.
 */
public final class CrossEncoderRescorerBuilder extends RescorerBuilder<CrossEncoderRescorerBuilder> {

    public static final String NAME = "cross_encoder";

    public static final List<String> DEFAULT_FIELDS = List.of("title", "text");
    public static final String DEFAULT_MODEL = "default";
    public static final float DEFAULT_QUERY_WEIGHT = 1.0f;
    public static final float DEFAULT_RESCORE_QUERY_WEIGHT = 1.0f;
    public static final ScoreMode DEFAULT_SCORE_MODE = ScoreMode.TOTAL;
    public static final int DEFAULT_MAX_CHARS = 4000;
    public static final int MAX_MAX_CHARS = 100_000;
    public static final FailurePolicy DEFAULT_ON_FAILURE = FailurePolicy.KEEP_FIRST_STAGE;

    static final ParseField QUERY_TEXT = new ParseField("query_text");
    static final ParseField FIELDS = new ParseField("fields");
    static final ParseField MODEL = new ParseField("model");
    static final ParseField QUERY_WEIGHT = new ParseField("query_weight");
    static final ParseField RESCORE_QUERY_WEIGHT = new ParseField("rescore_query_weight");
    static final ParseField SCORE_MODE = new ParseField("score_mode");
    static final ParseField MAX_CHARS = new ParseField("max_chars");
    static final ParseField TIMEOUT_MS = new ParseField("timeout_ms");
    static final ParseField ON_FAILURE = new ParseField("on_failure");

    private static final ObjectParser<CrossEncoderRescorerBuilder, Void> PARSER = new ObjectParser<>(NAME);
    static {
        PARSER.declareString(CrossEncoderRescorerBuilder::queryText, QUERY_TEXT);
        PARSER.declareStringArray(CrossEncoderRescorerBuilder::fields, FIELDS);
        PARSER.declareString(CrossEncoderRescorerBuilder::model, MODEL);
        PARSER.declareFloat(CrossEncoderRescorerBuilder::queryWeight, QUERY_WEIGHT);
        PARSER.declareFloat(CrossEncoderRescorerBuilder::rescoreQueryWeight, RESCORE_QUERY_WEIGHT);
        PARSER.declareString((b, v) -> b.scoreMode(ScoreMode.fromString(v)), SCORE_MODE);
        PARSER.declareInt(CrossEncoderRescorerBuilder::maxChars, MAX_CHARS);
        PARSER.declareInt(CrossEncoderRescorerBuilder::timeoutMs, TIMEOUT_MS);
        PARSER.declareString((b, v) -> b.onFailure(FailurePolicy.fromString(v)), ON_FAILURE);
    }

    private final RescoreBridgeRuntime runtime;
    private String queryText;
    private List<String> fields = DEFAULT_FIELDS;
    private String model = DEFAULT_MODEL;
    private float queryWeight = DEFAULT_QUERY_WEIGHT;
    private float rescoreQueryWeight = DEFAULT_RESCORE_QUERY_WEIGHT;
    private ScoreMode scoreMode = DEFAULT_SCORE_MODE;
    private int maxChars = DEFAULT_MAX_CHARS;
    private Integer timeoutMs; // null: the cluster default at execution time
    private FailurePolicy onFailure = DEFAULT_ON_FAILURE;

    public CrossEncoderRescorerBuilder(String queryText, RescoreBridgeRuntime runtime) {
        this.runtime = runtime;
        queryText(queryText);
    }

    private CrossEncoderRescorerBuilder(RescoreBridgeRuntime runtime) {
        this.runtime = runtime;
    }

    /** Reads the builder sent by another node (same field order as {@link #doWriteTo}). */
    public CrossEncoderRescorerBuilder(StreamInput in, RescoreBridgeRuntime runtime) throws IOException {
        super(in);
        this.runtime = runtime;
        queryText = in.readString();
        fields = List.of(in.readStringArray());
        model = in.readString();
        queryWeight = in.readFloat();
        rescoreQueryWeight = in.readFloat();
        scoreMode = in.readEnum(ScoreMode.class);
        maxChars = in.readVInt();
        timeoutMs = in.readOptionalVInt();
        onFailure = in.readEnum(FailurePolicy.class);
    }

    public static CrossEncoderRescorerBuilder fromXContent(XContentParser parser, RescoreBridgeRuntime runtime) throws IOException {
        CrossEncoderRescorerBuilder builder = PARSER.parse(parser, new CrossEncoderRescorerBuilder(runtime), null);
        if (builder.queryText == null) {
            throw new IllegalArgumentException("[cross_encoder] requires [query_text]");
        }
        return builder;
    }

    @Override
    protected void doWriteTo(StreamOutput out) throws IOException {
        out.writeString(queryText);
        out.writeStringArray(fields.toArray(new String[0]));
        out.writeString(model);
        out.writeFloat(queryWeight);
        out.writeFloat(rescoreQueryWeight);
        out.writeEnum(scoreMode);
        out.writeVInt(maxChars);
        out.writeOptionalVInt(timeoutMs);
        out.writeEnum(onFailure);
    }

    @Override
    public String getWriteableName() {
        return NAME;
    }

    @Override
    public RescorerBuilder<CrossEncoderRescorerBuilder> rewrite(QueryRewriteContext ctx) {
        return this;
    }

    @Override
    protected void doXContent(XContentBuilder builder, Params params) throws IOException {
        builder.startObject(NAME);
        builder.field(QUERY_TEXT.getPreferredName(), queryText);
        builder.field(FIELDS.getPreferredName(), fields);
        builder.field(MODEL.getPreferredName(), model);
        builder.field(QUERY_WEIGHT.getPreferredName(), queryWeight);
        builder.field(RESCORE_QUERY_WEIGHT.getPreferredName(), rescoreQueryWeight);
        builder.field(SCORE_MODE.getPreferredName(), scoreMode.jsonName());
        builder.field(MAX_CHARS.getPreferredName(), maxChars);
        if (timeoutMs != null) {
            builder.field(TIMEOUT_MS.getPreferredName(), timeoutMs);
        }
        builder.field(ON_FAILURE.getPreferredName(), onFailure.jsonName());
        builder.endObject();
    }

    @Override
    protected RescoreContext innerBuildContext(int windowSize, QueryShardContext context) {
        int timeout = timeoutMs != null ? timeoutMs : runtime.settings().current().timeoutMs;
        return new CrossEncoderRescoreContext(
            windowSize,
            runtime.rescorer(),
            queryText,
            fields,
            model,
            queryWeight,
            rescoreQueryWeight,
            scoreMode,
            maxChars,
            timeout,
            onFailure
        );
    }

    // Setters validate so that a bad request fails at parse time with a 400 that names the field.

    public CrossEncoderRescorerBuilder queryText(String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("[cross_encoder] [query_text] must be a non-empty string");
        }
        this.queryText = value;
        return this;
    }

    public CrossEncoderRescorerBuilder fields(List<String> value) {
        if (value == null || value.isEmpty() || value.stream().anyMatch(f -> f == null || f.isBlank())) {
            throw new IllegalArgumentException("[cross_encoder] [fields] must be a non-empty list of field names");
        }
        this.fields = List.copyOf(value);
        return this;
    }

    public CrossEncoderRescorerBuilder model(String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("[cross_encoder] [model] must be a non-empty string");
        }
        this.model = value;
        return this;
    }

    public CrossEncoderRescorerBuilder queryWeight(float value) {
        this.queryWeight = finite(value, QUERY_WEIGHT);
        return this;
    }

    public CrossEncoderRescorerBuilder rescoreQueryWeight(float value) {
        this.rescoreQueryWeight = finite(value, RESCORE_QUERY_WEIGHT);
        return this;
    }

    public CrossEncoderRescorerBuilder scoreMode(ScoreMode value) {
        this.scoreMode = Objects.requireNonNull(value);
        return this;
    }

    public CrossEncoderRescorerBuilder maxChars(int value) {
        if (value < 1 || value > MAX_MAX_CHARS) {
            throw new IllegalArgumentException("[cross_encoder] [max_chars] must be between 1 and " + MAX_MAX_CHARS + ", got " + value);
        }
        this.maxChars = value;
        return this;
    }

    public CrossEncoderRescorerBuilder timeoutMs(int value) {
        if (value < 1 || value > BridgeSettings.MAX_TIMEOUT_MS) {
            throw new IllegalArgumentException(
                "[cross_encoder] [timeout_ms] must be between 1 and " + BridgeSettings.MAX_TIMEOUT_MS + ", got " + value
            );
        }
        this.timeoutMs = value;
        return this;
    }

    public CrossEncoderRescorerBuilder onFailure(FailurePolicy value) {
        this.onFailure = Objects.requireNonNull(value);
        return this;
    }

    private static float finite(float value, ParseField field) {
        if (!Float.isFinite(value)) {
            throw new IllegalArgumentException("[cross_encoder] [" + field.getPreferredName() + "] must be a finite number");
        }
        return value;
    }

    public String queryText() {
        return queryText;
    }

    public List<String> fields() {
        return fields;
    }

    public String model() {
        return model;
    }

    public float queryWeight() {
        return queryWeight;
    }

    public float rescoreQueryWeight() {
        return rescoreQueryWeight;
    }

    public ScoreMode scoreMode() {
        return scoreMode;
    }

    public int maxChars() {
        return maxChars;
    }

    public Integer timeoutMs() {
        return timeoutMs;
    }

    public FailurePolicy onFailure() {
        return onFailure;
    }

    @Override
    public boolean equals(Object obj) {
        if (!super.equals(obj)) {
            return false;
        }
        CrossEncoderRescorerBuilder o = (CrossEncoderRescorerBuilder) obj;
        return queryText.equals(o.queryText)
            && fields.equals(o.fields)
            && model.equals(o.model)
            && Float.compare(queryWeight, o.queryWeight) == 0
            && Float.compare(rescoreQueryWeight, o.rescoreQueryWeight) == 0
            && scoreMode == o.scoreMode
            && maxChars == o.maxChars
            && Objects.equals(timeoutMs, o.timeoutMs)
            && onFailure == o.onFailure;
    }

    @Override
    public int hashCode() {
        return Objects.hash(
            super.hashCode(),
            queryText,
            fields,
            model,
            queryWeight,
            rescoreQueryWeight,
            scoreMode,
            maxChars,
            timeoutMs,
            onFailure
        );
    }
}
