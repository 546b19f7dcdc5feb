package dev.consent.web;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import dev.consent.InvalidValueException;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;

/**
 * Mounts a {@link ConsentWebHandler} on the JDK's built-in HTTP server ({@code com.sun.net.httpserver}): copies each
 * exchange into a {@link WebRequest} (reading at most one byte more than the handler takes, so an oversized body is
 * refused without being held), asks the host's {@link CustomerResolver} who is logged in, and writes the
 * {@link WebResponse} out. {@link #mount(HttpServer)} registers it at the handler's base path. Thread-safe.
 */
public final class JdkHttpServerAdapter implements HttpHandler {
    private final ConsentWebHandler handler;
    private final CustomerResolver<HttpExchange> customers;
    private final int readLimit;

    /**
     * @param handler the handler to mount
     * @param customers who the host's authentication says an exchange comes from
     * @param maxBodyBytes the handler's body limit ({@link ConsentWebHandler.Builder#maxBodyBytes(int)}); at most this
     *     and one byte more are read
     * @throws InvalidValueException when an argument is null or the limit is below 1
     */
    public JdkHttpServerAdapter(ConsentWebHandler handler, CustomerResolver<HttpExchange> customers, int maxBodyBytes) {
        if (handler == null || customers == null) {
            throw new InvalidValueException(handler == null ? "handler" : "customers", null, "is required");
        }
        if (maxBodyBytes < 1) {
            throw new InvalidValueException("maxBodyBytes", maxBodyBytes, "must be 1 or more");
        }
        this.handler = handler;
        this.customers = customers;
        this.readLimit = maxBodyBytes;
    }

    /**
     * Registers this adapter for every path under the handler's base path.
     *
     * @param server the server, started or not
     */
    public void mount(HttpServer server) {
        server.createContext(handler.basePath() + "/", this);
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            WebRequest.Builder b = WebRequest.builder(exchange.getRequestMethod(), exchange.getRequestURI().getPath())
                    .rawQuery(exchange.getRequestURI().getRawQuery());
            for (Map.Entry<String, List<String>> h : exchange.getRequestHeaders().entrySet()) {
                h.getValue().forEach(v -> b.header(h.getKey(), v));
            }
            InetSocketAddress remote = exchange.getRemoteAddress();
            if (remote != null && remote.getAddress() != null) {
                b.remoteAddress(remote.getAddress().getHostAddress());
            }
            b.body(readAtMost(exchange.getRequestBody(), readLimit + 1));
            b.customer(customers.customer(exchange));
            WebResponse response = handler.handle(b.build());
            response.headers().forEach((name, values) -> values.forEach(v -> exchange.getResponseHeaders().add(name, v)));
            byte[] body = response.body();
            boolean empty = body.length == 0 || exchange.getRequestMethod().equalsIgnoreCase("HEAD");
            exchange.sendResponseHeaders(response.status(), empty ? -1 : body.length);
            if (!empty) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
        }
    }

    private static byte[] readAtMost(InputStream in, int limit) throws IOException {
        return in.readNBytes(limit);
    }
}
