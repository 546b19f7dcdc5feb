package dev.consent.spring.boot;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.core.io.Resource;

import java.time.Duration;
import java.util.List;

/**
 * The consent.* properties the auto-configuration reads. Bound once at start-up and immutable; the values are
 * checked by the library's builders, whose refusals name the property's builder setting and value.
 *
 * @param policy the privacy policy as JSON, e.g. classpath:privacy-policy.json; parsed and validated at
 *     start-up (required unless the application defines its own Policy bean)
 * @param store where the library keeps its state: jdbc (the default, on the application's DataSource) or
 *     in-memory (single node, lost on restart: tests and demos only, never chosen implicitly)
 * @param jdbc the JDBC store's settings
 * @param service the consent service's cache and change-feed settings
 * @param retention the retention service's settings
 * @param sweeper the scheduled sweeper's settings
 * @param rights the rights-request settings
 * @param web the web integration's settings (the Global Privacy Control filter and its subject resolution)
 */
@ConfigurationProperties("consent")
public record ConsentProperties(Resource policy, @DefaultValue("jdbc") StoreType store, @DefaultValue Jdbc jdbc,
        @DefaultValue Service service, @DefaultValue Retention retention, @DefaultValue Sweeper sweeper,
        @DefaultValue Rights rights, @DefaultValue Web web) {

    /** Where the library keeps its state. */
    public enum StoreType {
        /** consent-jdbc's store on the application's DataSource. */
        JDBC,
        /** The in-memory store: one node, nothing survives a restart. */
        IN_MEMORY
    }

    /**
     * Who brings the JDBC store's tables. Unset ({@code consent.jdbc.schema} not given) means {@link #FLYWAY} when
     * Flyway is on the class path, else {@link #LIQUIBASE} when Liquibase is, else {@link #CREATE}.
     */
    public enum SchemaMode {
        /** The library's initialiser creates the tables and applies missing migrations at start-up. */
        CREATE,
        /**
         * The application manages the schema (Flyway, Liquibase, a DBA); start-up only checks that every migration
         * this version needs is recorded, and fails naming the missing ones.
         */
        VALIDATE,
        /**
         * A Flyway instance of the library's own applies consent-jdbc's migrations at start-up, from their own location
         * into their own history table ({@code consent.jdbc.history-table}), apart from the application's Flyway; then
         * start-up checks the result as {@link #VALIDATE} does.
         */
        FLYWAY,
        /**
         * Liquibase applies consent-jdbc's migrations at start-up through the changelog the starter ships, into its own
         * history and lock tables, apart from the application's changelog; then start-up checks the result as
         * {@link #VALIDATE} does.
         */
        LIQUIBASE
    }

    /**
     * The JDBC store.
     *
     * @param tablePrefix the prefix of every table name: a lower-case letter, then up to 20 lower-case letters,
     *     digits or underscores
     * @param schema who creates and migrates the tables (see {@link SchemaMode}); null (unset) detects Flyway, then
     *     Liquibase, on the class path, else the library's initialiser creates them
     * @param historyTable with {@code flyway} or {@code liquibase}: the tool's history table of the library's
     *     migrations (Liquibase's lock table adds {@code _lock}); null means {@code <table-prefix>schema_history}
     * @param changeNotifications PostgreSQL only: notify other nodes of changes on commit (LISTEN/NOTIFY); turn off
     *     behind a pooler in transaction mode
     * @param joinSpringTransactions whether the store's operations join the Spring-managed transaction the calling
     *     thread is in on the store's DataSource ({@link SpringConnectionBinding}) and commit or roll back with it;
     *     false: the store always commits its own transactions. An application's own
     *     {@link dev.consent.jdbc.ConnectionBinding} bean is used either way
     */
    public record Jdbc(@DefaultValue("consent_") String tablePrefix, SchemaMode schema, String historyTable,
            @DefaultValue("true") boolean changeNotifications, @DefaultValue("true") boolean joinSpringTransactions) {

        /**
         * The tool's history table of the library's migrations: {@code historyTable}, else the prefix's default.
         *
         * @return the history table's name; never blank
         */
        public String effectiveHistoryTable() {
            return historyTable == null || historyTable.isBlank() ? tablePrefix + "schema_history" : historyTable;
        }
    }

    /**
     * The consent service.
     *
     * @param cacheSize how many subjects' ledgers the cache holds; 0 disables caching
     * @param changeFeedPollInterval how often the change feed is read to drop cache entries other nodes changed;
     *     0 turns polling off, which is right only when this node is the store's only writer
     * @param maxStaleness the longest a cached answer may lag other nodes' writes (defaults to three poll intervals)
     * @param bulkChunkSize how many subjects bulk checks read from the store per call
     * @param futureTolerance how far after the time of recording a choice's occurred-at may lie
     * @param recordStatistics whether the service counts checks by purpose and reason, cache hits and misses, appends
     *     and conflicts, for the {@code consent.checks}, {@code consent.cache.*} and {@code consent.appends.*} meters
     */
    public record Service(@DefaultValue("100000") long cacheSize, @DefaultValue("1s") Duration changeFeedPollInterval,
            Duration maxStaleness, @DefaultValue("1000") int bulkChunkSize,
            @DefaultValue("5s") Duration futureTolerance, @DefaultValue("true") boolean recordStatistics) {
    }

    /**
     * The retention service.
     *
     * @param referenceKey the current HMAC key of tombstones and the disposal audit (required)
     * @param retiredReferenceKeys former keys, kept only to recognise references made with them
     */
    public record Retention(ReferenceKey referenceKey, List<ReferenceKey> retiredReferenceKeys) {
        /**
         * Never null: no retired keys reads as an empty list.
         *
         * @param referenceKey the current HMAC key of tombstones and the disposal audit (required)
         * @param retiredReferenceKeys former keys, kept only to recognise references made with them; null reads as
         *     none
         */
        public Retention {
            retiredReferenceKeys = retiredReferenceKeys == null ? List.of() : List.copyOf(retiredReferenceKeys);
        }
    }

    /**
     * A reference key. Keep the secret in the application's secret store (an environment variable, a vault), never in
     * the database the references are kept in.
     *
     * @param id the key's name, 1 to 32 characters of [A-Za-z0-9._-], e.g. 2026-01
     * @param secret the secret, Base64-encoded, at least 16 bytes once decoded
     */
    public record ReferenceKey(String id, String secret) {
        /** Hides the secret: the record's default would print it. */
        @Override
        public String toString() {
            return "ReferenceKey[id=" + id + ", secret=" + (secret == null ? "none" : "(hidden)") + "]";
        }
    }

    /**
     * The sweeper and its schedule. Every node may sweep: items are claimed with leases, so none is handled twice at
     * once.
     *
     * @param enabled whether this node sweeps on a schedule (the sweeper bean exists either way: erasures use it)
     * @param fixedDelay the pause between the end of one sweep and the start of the next
     * @param cron a cron expression (six fields, Spring's syntax) to sweep at instead of the fixed delay
     * @param initialDelay the pause after start-up before the first sweep on a fixed delay
     * @param maxItems the most items one sweep takes up
     * @param maxDuration the time budget of one sweep; a sweep calls no handler once it is spent
     * @param node this node's name in claims and the audit (defaults to a random one)
     * @param lease how long a claim is exclusive
     * @param batchSize how many items one store call claims
     * @param handlerTimeout how long one disposal handler call may take (defaults to a fifth of the lease)
     * @param healthThreshold how long without a completed sweep the health indicator reports the sweeper down
     *     (defaults to three sweep intervals plus the time budget)
     */
    public record Sweeper(@DefaultValue("false") boolean enabled, @DefaultValue("5m") Duration fixedDelay, String cron,
            @DefaultValue("30s") Duration initialDelay, @DefaultValue("1000") int maxItems,
            @DefaultValue("30s") Duration maxDuration, String node, @DefaultValue("5m") Duration lease,
            @DefaultValue("1000") int batchSize, Duration handlerTimeout, Duration healthThreshold) {
    }

    /**
     * Rights requests.
     *
     * @param metricsRefresh how long the open and overdue counts of the metrics are reused before the store is read
     *     again (counting reads every open request)
     */
    public record Rights(@DefaultValue("1m") Duration metricsRefresh) {
    }

    /**
     * The web integration: whose request it is, and the Global Privacy Control filter.
     *
     * @param visitorCookie the name of the cookie holding an anonymous visitor's id, issued by the application (a
     *     random id); unset: only authenticated requests have a subject. Its value is client-controlled: it names
     *     only a visitor ({@code visitor:<value>}), never a customer, and a value that does not match
     *     {@code visitorCookiePattern} is ignored
     * @param visitorCookiePattern the whole of an acceptable visitor id (a Java regular expression); the default takes
     *     16 to 128 letters, digits, hyphens and underscores: a UUID or a Base64url token
     * @param gpc the Global Privacy Control filter
     */
    public record Web(String visitorCookie, @DefaultValue("[A-Za-z0-9_-]{16,128}") String visitorCookiePattern,
            @DefaultValue Gpc gpc) {
    }

    /**
     * The Global Privacy Control filter ({@code Sec-GPC: 1}).
     *
     * @param enabled whether the filter is registered in a servlet web application
     * @param cacheSize how many subjects this node remembers as having had the signal applied (under the policy
     *     version in force), so that their further requests do not read the store
     * @param recheckAfter how long a subject is remembered; after that its next signal is applied again, which
     *     records nothing unless its choices changed since (e.g. an explicit opt-in the signal is now overridden by)
     */
    public record Gpc(@DefaultValue("true") boolean enabled, @DefaultValue("10000") int cacheSize,
            @DefaultValue("1h") Duration recheckAfter) {
    }
}
