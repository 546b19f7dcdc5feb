package dev.consent.examples.storefront;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.consent.ConsentService;
import dev.consent.jdbc.JdbcStore;
import dev.consent.policy.Policy;
import dev.consent.web.ConsentWebHandler;
import dev.consent.web.CustomerResolver;
import dev.consent.web.JdkHttpServerAdapter;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Map;

/**
 * The storefront's pages, served with the consent banner and preference centre (Storefront {@code --serve}): a product
 * page and an account page, each with the banner's one script tag and a footer "Privacy settings" link; the account
 * page renders the preference centre inline. The consent endpoints (under {@code /consent/v1}) record into the
 * library's tables on embedded H2, through consent-web's handler on the JDK's own HTTP server. The notices, in
 * English, German and French, are the policy's own ({@code storefront-policy.json}). Visitors are anonymous: the shop
 * has no login here.
 */
final class StorefrontServer implements AutoCloseable {
    /** Path to page resource and its content type. */
    private static final Map<String, String[]> PAGES = Map.of(
            "/", new String[] {"index.html", "text/html; charset=utf-8"},
            "/account", new String[] {"account.html", "text/html; charset=utf-8"},
            "/shop.css", new String[] {"shop.css", "text/css; charset=utf-8"});

    private final HikariDataSource dataSource;
    private final ConsentService consents;
    private final HttpServer server;

    private StorefrontServer(HikariDataSource dataSource, ConsentService consents, HttpServer server) {
        this.dataSource = dataSource;
        this.consents = consents;
        this.server = server;
    }

    /**
     * Starts serving on {@code address} (port 0: any free port).
     *
     * @param address where to listen
     * @param policy the shop's policy
     * @return the running server; close it to stop
     * @throws IOException when the address cannot be bound
     */
    static StorefrontServer start(InetSocketAddress address, Policy policy) throws IOException {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl("jdbc:h2:mem:storefront-web-" + System.nanoTime() + ";DB_CLOSE_DELAY=-1");
        config.setMaximumPoolSize(4);
        config.setPoolName("storefront-web");
        HikariDataSource dataSource = new HikariDataSource(config);
        ConsentService consents = null;
        try {
            consents = ConsentService.builder().policy(policy)
                    .store(JdbcStore.builder(dataSource).tablePrefix("consent_").build()).build();
            ConsentWebHandler handler = ConsentWebHandler.builder(consents)
                    // a demonstration served over plain HTTP on this machine: a shop serves HTTPS and keeps it on
                    .secureCookie(false)
                    .build();
            HttpServer server = HttpServer.create(address, 0);
            new JdkHttpServerAdapter(handler, CustomerResolver.anonymous(), 16 * 1024).mount(server);
            server.createContext("/", StorefrontServer::page);
            server.start();
            return new StorefrontServer(dataSource, consents, server);
        } catch (IOException | RuntimeException e) {
            if (consents != null) {
                consents.close();
            }
            dataSource.close();
            throw e;
        }
    }

    /**
     * Where the product page is.
     *
     * @return e.g. {@code http://127.0.0.1:8080/}
     */
    URI uri() {
        InetSocketAddress a = server.getAddress();
        return URI.create("http://" + a.getAddress().getHostAddress() + ":" + a.getPort() + "/");
    }

    /**
     * The consent service the banner records into.
     *
     * @return the service
     */
    ConsentService consents() {
        return consents;
    }

    private static void page(HttpExchange exchange) throws IOException {
        try (exchange) {
            String[] page = PAGES.get(exchange.getRequestURI().getPath());
            if (page == null || !exchange.getRequestMethod().equals("GET")) {
                exchange.sendResponseHeaders(page == null ? 404 : 405, -1);
                return;
            }
            byte[] body;
            try (InputStream in = StorefrontServer.class.getResourceAsStream("/storefront/pages/" + page[0])) {
                body = in.readAllBytes();
            }
            exchange.getResponseHeaders().add("Content-Type", page[1]);
            exchange.getResponseHeaders().add("X-Content-Type-Options", "nosniff");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        consents.close();
        dataSource.close();
    }
}
