package org.rescorebridge.opensearch;

import org.opensearch.common.xcontent.support.XContentMapValues;

import java.util.List;
import java.util.Map;

/**
 * Builds the text the cross-encoder sees for one hit from its {@code _source}.
 *
 * <p>Fields are read in the order given (dotted paths reach into objects), array values are
 * flattened, empty values are skipped, and the parts are joined with {@link #SEPARATOR}. The result is
 * cut to {@code max_chars} characters (never inside a surrogate pair) so one huge document cannot blow
 * the bridge's request limit. Clients that want to reproduce the bridge input (tests, evaluation)
 * must join the same way.
 */
public final class DocumentText {

    /** Between two field values. Whitespace, so word-piece tokenizers see two separate words. */
    public static final String SEPARATOR = "\n";

    private DocumentText() {}

    public static String build(Map<String, Object> source, List<String> fields, int maxChars) {
        if (source == null) {
            return "";
        }
        StringBuilder out = new StringBuilder();
        for (String field : fields) {
            append(out, XContentMapValues.extractValue(field, source));
            if (out.length() >= maxChars) {
                break;
            }
        }
        return truncate(out.toString(), maxChars);
    }

    private static void append(StringBuilder out, Object value) {
        if (value == null) {
            return;
        }
        if (value instanceof List<?>) {
            for (Object item : (List<?>) value) {
                append(out, item);
            }
            return;
        }
        if (value instanceof Map<?, ?>) {
            return; // an object names no text of its own: ask for its leaf fields instead
        }
        String text = value.toString().strip();
        if (text.isEmpty()) {
            return;
        }
        if (out.length() > 0) {
            out.append(SEPARATOR);
        }
        out.append(text);
    }

    /** Cuts {@code text} to at most {@code maxChars} chars without splitting a surrogate pair. */
    public static String truncate(String text, int maxChars) {
        if (text.length() <= maxChars) {
            return text;
        }
        int end = maxChars;
        if (end > 0 && Character.isHighSurrogate(text.charAt(end - 1))) {
            end--;
        }
        return text.substring(0, end);
    }
}
