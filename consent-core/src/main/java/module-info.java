/**
 * consent-core: policy as code, the consent ledger and its checks, retention, rights requests and exports, signed
 * consent receipts, the store SPI and its in-memory implementation.
 *
 * <p>What this descriptor guarantees: every exported package is supported API; {@code dev.consent.internal} is
 * readable by {@code dev.consent.jdbc} alone, so an application on the module path that imports it does not
 * compile; no package is open to deep reflection (the library reads and writes JSON through Jackson's tree and
 * streaming APIs, never by binding into its own classes). Resources (the export document's JSON Schema) are read
 * by the module's own classes.
 *
 * <p>{@code com.nimbusds.jose.jwt} (nimbus-jose-jwt) is optional: only signing and verifying receipts need it, and
 * they fail with a clear {@link IllegalStateException} when it is missing. On the module path it is there when the
 * application requires it or names it with {@code --add-modules}; on the class path it is found as well.
 */
@SuppressWarnings("module") // dev.consent.jdbc, the target of the qualified export, is built after this module
module dev.consent.core {
    requires com.fasterxml.jackson.databind;
    // SubjectDataContributor hands contributors a JsonGenerator
    requires transitive com.fasterxml.jackson.core;
    requires com.github.benmanes.caffeine;
    requires org.slf4j;
    requires java.sql;
    requires static com.nimbusds.jose.jwt;

    exports dev.consent;
    exports dev.consent.email;
    exports dev.consent.ledger;
    exports dev.consent.policy;
    exports dev.consent.processing;
    exports dev.consent.receipt;
    exports dev.consent.recipients;
    exports dev.consent.retention;
    exports dev.consent.rights;
    exports dev.consent.store;

    exports dev.consent.internal to dev.consent.jdbc;
}
