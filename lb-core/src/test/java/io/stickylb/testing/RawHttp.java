package io.stickylb.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A raw-socket HTTP/1.1 client for tests that need exact bytes on the wire (hop-by-hop headers, pipelining,
 * malformed requests) or a specific local source address. Reads responses framed by Content-Length, chunked coding or
 * close.
 */
public final class RawHttp implements AutoCloseable {

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    public RawHttp(int port) throws IOException {
        this(null, port);
    }

    /** Connects from {@code localAddress} (e.g. 127.0.0.7) when given, to 127.0.0.1:port. */
    public RawHttp(String localAddress, int port) throws IOException {
        socket = new Socket();
        if (localAddress != null) {
            socket.bind(new InetSocketAddress(localAddress, 0));
        }
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        socket.setSoTimeout(15_000);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    public RawHttp send(String raw) throws IOException {
        out.write(raw.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        return this;
    }

    public OutputStream output() {
        return out;
    }

    public Socket socket() {
        return socket;
    }

    /** Reads one response; {@code head} says whether it answers a HEAD request (no body). */
    public Response read(boolean head) throws IOException {
        String statusLine = readLine();
        if (statusLine == null) {
            return null;
        }
        Map<String, String> headers = new LinkedHashMap<>();
        String line;
        while ((line = readLine()) != null && !line.isEmpty()) {
            int colon = line.indexOf(':');
            String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = line.substring(colon + 1).trim();
            headers.merge(name, value, (a, b) -> a + ", " + b);
        }
        int status = Integer.parseInt(statusLine.split(" ")[1]);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        boolean bodyless = head || status == 204 || status == 304 || status < 200;
        if (!bodyless) {
            if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
                readChunked(body);
            } else if (headers.containsKey("content-length")) {
                long n = Long.parseLong(headers.get("content-length"));
                for (long i = 0; i < n; i++) {
                    int b = in.read();
                    if (b < 0) {
                        throw new IOException("connection closed after " + i + " of " + n + " body bytes");
                    }
                    body.write(b);
                }
            } else {
                in.transferTo(body);
            }
        }
        return new Response(statusLine, status, headers, body.toString(StandardCharsets.ISO_8859_1));
    }

    public Response read() throws IOException {
        return read(false);
    }

    /** True when the peer closed the connection (reads EOF within the socket timeout). */
    public boolean closedByPeer() {
        try {
            return in.read() < 0;
        } catch (IOException e) {
            return true;
        }
    }

    private void readChunked(ByteArrayOutputStream body) throws IOException {
        while (true) {
            String sizeLine = readLine();
            int semi = sizeLine.indexOf(';');
            int size = Integer.parseInt((semi < 0 ? sizeLine : sizeLine.substring(0, semi)).trim(), 16);
            if (size == 0) {
                String trailer;
                while ((trailer = readLine()) != null && !trailer.isEmpty()) {
                    // trailers are ignored
                }
                return;
            }
            for (int i = 0; i < size; i++) {
                body.write(in.read());
            }
            readLine();
        }
    }

    private String readLine() throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') {
                int len = sb.length();
                return len > 0 && sb.charAt(len - 1) == '\r' ? sb.substring(0, len - 1) : sb.toString();
            }
            sb.append((char) c);
        }
        return sb.length() == 0 ? null : sb.toString();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    /** One parsed response. Header names are lower case. */
    public record Response(String statusLine, int status, Map<String, String> headers, String body) {
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }
}
