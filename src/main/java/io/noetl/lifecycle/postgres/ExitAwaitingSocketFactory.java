package io.noetl.lifecycle.postgres;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import javax.net.SocketFactory;

/**
 * pgJDBC's sockets for the operator's connections ({@code socketFactory}), whose close waits until the server has
 * closed its end. pgJDBC closes a connection by sending Terminate and closing the socket at once; the server backend
 * leaves {@code pg_stat_activity} a moment later, as it exits, before it closes the socket. Waiting for that end of
 * the stream (at most {@link #EXIT_WAIT_MILLIS}) makes a closed connection gone for the server too before the budget
 * lets another be opened in its place, so the server never counts more of the operator's connections than the budget.
 */
public final class ExitAwaitingSocketFactory extends SocketFactory {
    /** The longest a close waits for the server to end the connection. */
    static final int EXIT_WAIT_MILLIS = 2_000;

    @Override
    public Socket createSocket() {
        return new ExitAwaitingSocket();
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
        Socket s = new ExitAwaitingSocket();
        s.connect(new java.net.InetSocketAddress(host, port));
        return s;
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
        Socket s = new ExitAwaitingSocket();
        s.bind(new java.net.InetSocketAddress(localHost, localPort));
        s.connect(new java.net.InetSocketAddress(host, port));
        return s;
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
        Socket s = new ExitAwaitingSocket();
        s.connect(new java.net.InetSocketAddress(host, port));
        return s;
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
            throws IOException {
        Socket s = new ExitAwaitingSocket();
        s.bind(new java.net.InetSocketAddress(localAddress, localPort));
        s.connect(new java.net.InetSocketAddress(address, port));
        return s;
    }

    /** A socket whose close first reads, and drops, what the server still sends until it closes its end. */
    static final class ExitAwaitingSocket extends Socket {
        private boolean closing;

        @Override
        public synchronized void close() throws IOException {
            if (closing || isClosed()) {
                super.close();
                return;
            }
            closing = true;
            try {
                if (isConnected() && !isInputShutdown()) {
                    setSoTimeout(EXIT_WAIT_MILLIS);
                    InputStream in = getInputStream();
                    byte[] drop = new byte[512];
                    long until = System.nanoTime() + EXIT_WAIT_MILLIS * 1_000_000L;
                    while (in.read(drop) >= 0 && System.nanoTime() - until < 0) {
                        // the server's last words (an SSL close_notify) are of no interest
                    }
                }
            } catch (SocketTimeoutException | SocketException e) {
                // timed out or reset: the server has gone or will not say; close anyway
            } finally {
                super.close();
            }
        }
    }
}
