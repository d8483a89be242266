package org.rescorebridge.opensearch;

import java.io.IOException;
import java.security.AccessController;
import java.security.PrivilegedActionException;
import java.security.PrivilegedExceptionAction;

/**
 * Runs a {@link SocketAction} on OpenSearch 2.x (and 3.0-3.1), where the security manager (2.x) or the
 * first Java agents (3.0, 3.1, which honour the JDK's {@code AccessController} frame) grant the socket
 * permission to this plugin's code only: {@code doPrivileged} stops the permission check at this frame,
 * so the search code below it on the stack needs no grant of its own.
 */
final class Privileged {

    private Privileged() {}

    @SuppressWarnings("removal") // the security manager is how OpenSearch 2.x enforces plugin policies
    static <T> T run(SocketAction<T> action) throws IOException, BridgeException {
        try {
            return AccessController.doPrivileged((PrivilegedExceptionAction<T>) action::run);
        } catch (PrivilegedActionException e) {
            Exception cause = e.getException();
            if (cause instanceof IOException) {
                throw (IOException) cause;
            }
            if (cause instanceof BridgeException) {
                throw (BridgeException) cause;
            }
            throw new IOException(cause); // unreachable: SocketAction throws nothing else that is checked
        }
    }
}
