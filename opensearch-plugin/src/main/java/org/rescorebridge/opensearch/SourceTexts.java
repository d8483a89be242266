package org.rescorebridge.opensearch;

import org.apache.lucene.index.StoredFields;
import org.apache.lucene.search.IndexSearcher;
import org.opensearch.core.common.bytes.BytesReference;
import org.opensearch.index.fieldvisitor.FieldsVisitor;
import org.opensearch.search.lookup.SourceLookup;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;

/** Reads hits' {@code _source} from the shard's stored fields and turns it into bridge input. */
final class SourceTexts {

    private SourceTexts() {}

    /**
     * @param docs top-level doc ids, in any order
     * @return the text of each doc (same order as {@code docs}); "" when it has no _source or no text
     */
    static String[] load(IndexSearcher searcher, int[] docs, List<String> fields, int maxChars) throws IOException {
        String[] texts = new String[docs.length];
        Integer[] byDocId = new Integer[docs.length];
        for (int i = 0; i < docs.length; i++) {
            byDocId[i] = i;
        }
        // Stored fields are laid out by doc id: read forwards.
        Arrays.sort(byDocId, (a, b) -> Integer.compare(docs[a], docs[b]));
        StoredFields storedFields = searcher.getIndexReader().storedFields();
        for (int i : byDocId) {
            FieldsVisitor visitor = new FieldsVisitor(true);
            storedFields.document(docs[i], visitor);
            BytesReference source = visitor.source();
            texts[i] = source == null ? "" : DocumentText.build(SourceLookup.sourceAsMap(source), fields, maxChars);
        }
        return texts;
    }
}
