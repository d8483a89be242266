package org.rescorebridge.opensearch;

import com.sun.net.httpserver.HttpServer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.opensearch.common.xcontent.XContentHelper;
import org.opensearch.common.xcontent.XContentType;
import org.opensearch.core.common.bytes.BytesArray;

import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Talks to a real HTTP server in this JVM (the JDK's), so timeouts and status handling are exercised for real. */
class HttpBridgeClientTest {

    private HttpServer server;
    private ExecutorService executor;
    private final AtomicReference<Map<String, Object>> lastRequest = new AtomicReference<>();
    private final AtomicInteger calls = new AtomicInteger();
    private volatile int status = 200;
    private volatile long delayMs = 0;
    private volatile String responseOverride;

    @BeforeEach
    void startServer() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        executor = Executors.newCachedThreadPool();
        server.setExecutor(executor);
        server.createContext("/v1/scores", exchange -> {
            calls.incrementAndGet();
            byte[] in = exchange.getRequestBody().readAllBytes();
            Map<String, Object> json = XContentHelper.convertToMap(new BytesArray(in), false, XContentType.JSON).v2();
            lastRequest.set(json);
            try {
                Thread.sleep(delayMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            String body = responseOverride;
            if (body == null) {
                // score = length of the document, so the test can check input order
                StringBuilder sb = new StringBuilder("{\"scores\":[");
                List<?> docs = (List<?>) json.get("documents");
                for (int i = 0; i < docs.size(); i++) {
                    sb.append(i == 0 ? "" : ",").append(docs.get(i).toString().length());
                }
                body = sb.append("],\"model\":\"m\"}").toString();
            }
            byte[] out = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            try {
                exchange.sendResponseHeaders(status, out.length);
                try (OutputStream os = exchange.getResponseBody()) {
                    os.write(out);
                }
            } catch (java.io.IOException ignored) {
                // the client gave up (timeout test)
            }
        });
        server.start();
    }

    @AfterEach
    void stopServer() {
        server.stop(0);
        executor.shutdownNow();
    }

    private String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private static HttpBridgeClient client(int timeoutMs, String... endpoints) {
        Settings s = new Settings(endpoints, timeoutMs);
        return new HttpBridgeClient(() -> new BridgeSettings.Snapshot(s.uris(), s.timeoutMs));
    }

    private record Settings(String[] endpoints, int timeoutMs) {
        List<URI> uris() {
            return java.util.Arrays.stream(endpoints).map(BridgeSettings::parseEndpoint).toList();
        }
    }

    private static int deadPort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    @Test
    void scoresInInputOrderAndSendsTheContract() throws Exception {
        Float[] scores = client(1000, url()).score("q", List.of("a", "bbb", "cc"), "default", 1000);
        assertArrayEquals(new Float[] { 1f, 3f, 2f }, scores);
        Map<String, Object> req = lastRequest.get();
        assertEquals("q", req.get("query"));
        assertEquals("default", req.get("model"));
        assertEquals(HttpBridgeClient.bridgeDeadlineMs(1000), req.get("deadline_ms"));
        assertTrue((Integer) req.get("deadline_ms") < 1000);
    }

    @Test
    void slowBridgeTimesOutNearTheDeadline() throws Exception {
        HttpBridgeClient c = client(300, url());
        c.score("q", List.of("warm"), "default", 10_000); // class loading and the first connection stay out of the timing
        delayMs = 5000;
        long start = System.nanoTime();
        BridgeException e = assertThrows(BridgeException.class, () -> c.score("q", List.of("a"), "default", 300));
        long tookMs = (System.nanoTime() - start) / 1_000_000;
        assertEquals(BridgeException.Reason.TIMEOUT, e.reason());
        // Far below the bridge's 5 s: the deadline, not the bridge, ended the call (slack for loaded CI machines).
        assertTrue(tookMs < 2000, "took " + tookMs + " ms for a 300 ms deadline");
        assertTrue(e.getMessage().contains("300 ms"), e.getMessage());
    }

    @Test
    void httpErrorsNameTheStatusAndBody() {
        status = 503;
        responseOverride = "{\"detail\":\"model not loaded\"}";
        BridgeException e = assertThrows(BridgeException.class, () -> client(1000, url()).score("q", List.of("a"), "default", 1000));
        assertEquals(BridgeException.Reason.HTTP_STATUS, e.reason());
        assertTrue(e.getMessage().contains("HTTP 503") && e.getMessage().contains("model not loaded"), e.getMessage());
    }

    @Test
    void badBodyIsABadResponse() {
        responseOverride = "{\"scores\":[1,2,3]}";
        BridgeException e = assertThrows(BridgeException.class, () -> client(1000, url()).score("q", List.of("a"), "default", 1000));
        assertEquals(BridgeException.Reason.BAD_RESPONSE, e.reason());
    }

    @Test
    void refusedConnectionIsAConnectFailure() throws Exception {
        String dead = "http://127.0.0.1:" + deadPort();
        BridgeException e = assertThrows(BridgeException.class, () -> client(1000, dead).score("q", List.of("a"), "default", 1000));
        assertEquals(BridgeException.Reason.CONNECT, e.reason());
        assertTrue(e.getMessage().contains(dead), e.getMessage());
    }

    @Test
    void failsOverFromADeadEndpointToALiveOne() throws Exception {
        HttpBridgeClient c = client(1000, "http://127.0.0.1:" + deadPort(), url());
        for (int i = 0; i < 4; i++) {
            assertArrayEquals(new Float[] { 2f }, c.score("q", List.of("ab"), "default", 1000));
        }
        assertEquals(4, calls.get());
    }

    @Test
    void noEndpointIsAClearError() {
        BridgeException e = assertThrows(BridgeException.class, () -> client(1000).score("q", List.of("a"), "default", 1000));
        assertEquals(BridgeException.Reason.NO_ENDPOINT, e.reason());
        assertTrue(e.getMessage().contains("rescore_bridge.endpoints"), e.getMessage());
    }

    @Test
    void endpointParsingAndPathPrefix() {
        assertEquals(URI.create("http://h:1/v1/scores"), BridgeSettings.scoresUri(BridgeSettings.parseEndpoint("http://h:1")));
        assertEquals(URI.create("http://h:1/v1/scores"), BridgeSettings.scoresUri(BridgeSettings.parseEndpoint("http://h:1/")));
        assertEquals(URI.create("https://h/rb/v1/scores"), BridgeSettings.scoresUri(BridgeSettings.parseEndpoint("https://h/rb/")));
        assertThrows(IllegalArgumentException.class, () -> BridgeSettings.parseEndpoint("ftp://h"));
        assertThrows(IllegalArgumentException.class, () -> BridgeSettings.parseEndpoint("localhost:8080"));
        assertThrows(IllegalArgumentException.class, () -> BridgeSettings.parseEndpoint("http://h/?x=1"));
    }

    @Test
    void bridgeDeadlineLeavesAMargin() {
        assertEquals(400, HttpBridgeClient.bridgeDeadlineMs(500));
        assertEquals(1900, HttpBridgeClient.bridgeDeadlineMs(2000));
        assertEquals(5, HttpBridgeClient.bridgeDeadlineMs(10));
        assertEquals(1, HttpBridgeClient.bridgeDeadlineMs(1));
    }
}
