/**
 * consent-web: the HTTP endpoints of the consent banner and preference centre as one framework-neutral handler
 * ({@link dev.consent.web.ConsentWebHandler}), and an adapter for the JDK's built-in HTTP server.
 *
 * <p>What this descriptor guarantees: {@code dev.consent.web} is the whole API; the banner's files and the OpenAPI
 * document are resources read by the module's own classes; nothing is open to reflection (JSON is read and written
 * through Jackson's tree API).
 */
module dev.consent.web {
    requires transitive dev.consent.core;
    requires com.fasterxml.jackson.databind;
    requires com.github.benmanes.caffeine;
    requires transitive jdk.httpserver;

    exports dev.consent.web;
}
