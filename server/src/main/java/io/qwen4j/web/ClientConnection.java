package io.qwen4j.web;

import io.javalin.http.Context;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.SocketChannelEndPoint;
import org.eclipse.jetty.server.ConnectionMetaData;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Whether the client of a request being answered has closed its connection, found without writing to it.
 *
 * <p>Jetty does not read an HTTP/1.1 connection while its request is handled, so a client that goes away is
 * noticed only at the next write: after minutes for a non-streaming answer, after a keep-alive interval for a
 * stream still queued or prefilling. This probe reads the socket itself, non-blocking: end of stream means the
 * client has gone (nginx's test before its 499). Plain HTTP/1.x only; over TLS or HTTP/2 it never reports.
 * Bytes found instead (a pipelined request, which clients do not send after a POST) are lost, so the probe
 * then stops and asks for the connection to close after the answer.
 */
final class ClientConnection {
    /** The most often the socket is read. */
    static final long PROBE_INTERVAL_NANOS = 100_000_000L;

    private final Context ctx;
    private final EndPoint endPoint; // null: this connection cannot be probed
    private long nextProbe;
    private boolean gone;
    private boolean stopped;

    private ClientConnection(Context ctx, EndPoint endPoint) {
        this.ctx = ctx;
        this.endPoint = endPoint;
        this.nextProbe = System.nanoTime();
    }

    static ClientConnection of(Context ctx) {
        ServletContextRequest request = ServletContextRequest.getServletContextRequest(ctx.req());
        EndPoint endPoint = null;
        if (request != null) {
            ConnectionMetaData meta = request.getConnectionMetaData();
            boolean http1 = meta.getHttpVersion() == HttpVersion.HTTP_1_1 || meta.getHttpVersion() == HttpVersion.HTTP_1_0;
            if (http1 && !meta.isSecure() && meta.getConnection().getEndPoint() instanceof SocketChannelEndPoint socket) endPoint = socket;
        }
        return new ClientConnection(ctx, endPoint);
    }

    /** True once the client has closed its side; reads the socket at most every {@link #PROBE_INTERVAL_NANOS}. */
    boolean gone() {
        if (gone || stopped || endPoint == null) return gone;
        long now = System.nanoTime();
        if (now - nextProbe < 0) return false;
        nextProbe = now + PROBE_INTERVAL_NANOS;
        try {
            ByteBuffer buffer = ByteBuffer.allocate(64);
            buffer.flip(); // Jetty fills a buffer in flush mode: empty, with room to fill
            int n = endPoint.fill(buffer);
            if (n < 0) gone = true;
            if (n > 0) {
                stopped = true;
                if (!ctx.res().isCommitted()) ctx.header("Connection", "close");
            }
        } catch (IOException e) {
            gone = true; // reset by the peer
        }
        return gone;
    }
}
