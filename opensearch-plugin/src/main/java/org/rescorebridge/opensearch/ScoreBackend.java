package org.rescorebridge.opensearch;

import java.util.List;

/** Something that scores (query, document) pairs within a deadline: the bridge over HTTP in production. */
public interface ScoreBackend {

    /**
     * @return one score per document in input order; null = left unscored (deadline reached)
     * @throws BridgeException when no usable answer arrived within {@code timeoutMs}
     */
    Float[] score(String query, List<String> documents, String model, int timeoutMs) throws BridgeException;
}
