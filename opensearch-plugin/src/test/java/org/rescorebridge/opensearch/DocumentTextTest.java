package org.rescorebridge.opensearch;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class DocumentTextTest {

    @Test
    void joinsFieldsInRequestOrderSkippingMissingAndEmpty() {
        Map<String, Object> source = Map.of("title", "Aspirin", "text", " lowers fever ", "empty", "");
        assertEquals("Aspirin\nlowers fever", DocumentText.build(source, List.of("title", "missing", "empty", "text"), 100));
        assertEquals("lowers fever\nAspirin", DocumentText.build(source, List.of("text", "title"), 100));
    }

    @Test
    void flattensArraysAndReadsDottedPathsAndNumbers() {
        Map<String, Object> source = Map.of("meta", Map.of("abstract", List.of("a", "b")), "year", 2020);
        assertEquals("a\nb\n2020", DocumentText.build(source, List.of("meta.abstract", "year", "meta"), 100));
    }

    @Test
    void truncatesToMaxCharsWithoutSplittingSurrogatePairs() {
        Map<String, Object> source = Map.of("text", "ab\uD83D\uDE00cd");
        assertEquals("ab", DocumentText.build(source, List.of("text"), 3));
        assertEquals("ab\uD83D\uDE00", DocumentText.build(source, List.of("text"), 4));
        assertEquals("abc", DocumentText.truncate("abcdef", 3));
    }

    @Test
    void noSourceGivesEmptyText() {
        assertEquals("", DocumentText.build(null, List.of("title"), 10));
    }
}
