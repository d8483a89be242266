package org.rescorebridge.opensearch;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.Proxy;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Calls the bridge's {@code POST /v1/scores} under a deadline, with the JDK's {@link HttpURLConnection}.
 *
 * <p>Why not {@code java.net.http.HttpClient}: it starts its own selector and executor threads, which
 * OpenSearch 2.x's security manager only allows with {@code modifyArbitraryThread}; the blocking client
 * runs on the calling search thread and needs nothing but the socket permission this plugin's policy
 * grants (connect, resolve), and it keeps connections alive between calls.
 *
 * <p>Deadline: the connect timeout is the whole budget and the read timeout is what is left after
 * connecting, so a call gives up after about {@code timeoutMs}. The bridge itself is told a slightly
 * shorter {@code deadline_ms} ({@link #bridgeDeadlineMs}) so it can still answer with partial scores
 * (nulls) before this side gives up. Network access runs through {@link Privileged} (one per release
 * line) because OpenSearch grants the socket permission to this plugin's own code only.
 */
public final class HttpBridgeClient implements ScoreBackend {

    private final Supplier<BridgeSettings.Snapshot> settings;
    private final AtomicInteger next = new AtomicInteger();

    public HttpBridgeClient(Supplier<BridgeSettings.Snapshot> settings) {
        this.settings = settings;
    }

    /** What the bridge is asked to respect: the call's deadline minus a margin for the way back. */
    public static int bridgeDeadlineMs(int timeoutMs) {
        int margin = Math.max(5, Math.min(100, timeoutMs / 5));
        return Math.max(1, timeoutMs - margin);
    }

    @Override
    public Float[] score(String query, List<String> documents, String model, int timeoutMs) throws BridgeException {
        List<URI> endpoints = settings.get().endpoints;
        if (endpoints.isEmpty()) {
            throw new BridgeException(
                BridgeException.Reason.NO_ENDPOINT,
                "no bridge endpoint configured: set the cluster setting [rescore_bridge.endpoints]"
            );
        }
        final byte[] body;
        try {
            body = BridgeProtocol.requestBody(query, documents, model, bridgeDeadlineMs(timeoutMs));
        } catch (IOException e) {
            throw new BridgeException(BridgeException.Reason.OTHER, "could not build the bridge request: " + e.getMessage(), e);
        }
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        int start = Math.floorMod(next.getAndIncrement(), endpoints.size());
        BridgeException last = null;
        for (int attempt = 0; attempt < endpoints.size(); attempt++) {
            long remainingMs = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (remainingMs <= 0) {
                break;
            }
            URI uri = BridgeSettings.scoresUri(endpoints.get((start + attempt) % endpoints.size()));
            try {
                return call(uri, body, documents.size(), remainingMs, timeoutMs);
            } catch (BridgeException e) {
                last = e;
                if (e.reason() != BridgeException.Reason.CONNECT) {
                    throw e; // a slow or failing bridge is not retried: the deadline is spent
                }
            }
        }
        if (last != null) {
            throw last;
        }
        throw new BridgeException(BridgeException.Reason.TIMEOUT, "bridge deadline of " + timeoutMs + " ms passed before a call could start");
    }

    private Float[] call(URI uri, byte[] body, int expected, long remainingMs, int timeoutMs) throws BridgeException {
        try {
            return Privileged.run(() -> post(uri, body, expected, remainingMs, timeoutMs));
        } catch (IOException e) {
            throw classify(uri, e, timeoutMs);
        }
    }

    private static Float[] post(URI uri, byte[] body, int expected, long remainingMs, int timeoutMs) throws BridgeException, IOException {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(remainingMs);
        HttpURLConnection conn = (HttpURLConnection) uri.toURL().openConnection(Proxy.NO_PROXY);
        boolean reusable = false;
        try {
            conn.setConnectTimeout(clampMillis(remainingMs));
            conn.setReadTimeout(clampMillis(remainingMs));
            conn.setRequestMethod("POST");
            conn.setDoOutput(true);
            conn.setUseCaches(false);
            conn.setInstanceFollowRedirects(false);
            conn.setFixedLengthStreamingMode(body.length);
            conn.setRequestProperty("Content-Type", "application/json");
            conn.setRequestProperty("Accept", "application/json");
            conn.connect();
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (left <= 0) {
                throw timeout(uri, timeoutMs, null);
            }
            conn.setReadTimeout(clampMillis(left));
            try (OutputStream out = conn.getOutputStream()) {
                out.write(body);
            }
            int status = conn.getResponseCode();
            byte[] answer;
            try (InputStream in = status >= 400 ? conn.getErrorStream() : conn.getInputStream()) {
                answer = in == null ? new byte[0] : in.readAllBytes();
            }
            reusable = true;
            if (status != 200) {
                String text = new String(answer, StandardCharsets.UTF_8).strip();
                if (text.length() > 300) {
                    text = text.substring(0, 300) + "...";
                }
                throw new BridgeException(BridgeException.Reason.HTTP_STATUS, "bridge " + uri + " answered HTTP " + status + ": " + text);
            }
            return BridgeProtocol.parseScores(answer, expected);
        } catch (SocketTimeoutException e) {
            throw timeout(uri, timeoutMs, e);
        } finally {
            if (!reusable) {
                conn.disconnect(); // never hand a connection with a pending answer back to the keep-alive pool
            }
        }
    }

    private static int clampMillis(long millis) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, millis));
    }

    private static BridgeException timeout(URI uri, int timeoutMs, Throwable cause) {
        return new BridgeException(BridgeException.Reason.TIMEOUT, "bridge " + uri + " did not answer within " + timeoutMs + " ms", cause);
    }

    private static BridgeException classify(URI uri, Throwable cause, int timeoutMs) {
        if (cause instanceof SocketTimeoutException) {
            return timeout(uri, timeoutMs, cause);
        }
        Throwable c = cause;
        while (c != null) {
            if (c instanceof ConnectException) {
                return new BridgeException(BridgeException.Reason.CONNECT, "cannot connect to bridge " + uri + ": " + describe(c), cause);
            }
            c = c.getCause();
        }
        if (cause instanceof IOException) {
            return new BridgeException(BridgeException.Reason.CONNECT, "I/O error talking to bridge " + uri + ": " + describe(cause), cause);
        }
        return new BridgeException(BridgeException.Reason.OTHER, "bridge call to " + uri + " failed: " + describe(cause), cause);
    }

    private static String describe(Throwable t) {
        String message = t.getMessage();
        return message == null || message.isEmpty() ? t.getClass().getSimpleName() : message;
    }
}
