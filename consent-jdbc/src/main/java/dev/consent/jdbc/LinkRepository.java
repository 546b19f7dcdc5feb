package dev.consent.jdbc;

import dev.consent.InvalidValueException;
import dev.consent.StoreException;
import dev.consent.jdbc.Transactions.Outcome;
import dev.consent.ledger.SubjectId;
import dev.consent.ledger.VisitorId;
import dev.consent.store.ConsentStore.LinkResult;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Table {@code links}: which customer an anonymous visitor became (one row per visitor, never changed). A link is
 * a change of the customer, so it writes a change-feed entry. Every method runs on the connection it is handed, inside
 * the caller's transaction; none commits.
 */
final class LinkRepository {
    private final Dialect dialect;
    private final ChangeFeedRepository feed;
    private final String links;

    LinkRepository(Dialect dialect, String prefix, ChangeFeedRepository feed) {
        this.dialect = dialect;
        this.feed = feed;
        this.links = prefix + "links";
    }

    /** The links table's name (the decision read joins it). */
    String table() {
        return links;
    }

    /** The customer {@code visitor} is linked to; with {@code lock}, read with a locking read. */
    Optional<SubjectId> customerOf(Connection c, SubjectId visitor, boolean lock) throws SQLException {
        return Sql.queryOne(c, "SELECT customer FROM " + links + " WHERE visitor = ?" + (lock ? " FOR UPDATE" : ""),
                ps -> ps.setString(1, visitor.value()), rs -> SubjectId.of(rs.getString(1)));
    }

    /** The visitors linked to {@code customer}, oldest link first. */
    List<VisitorId> visitorsOf(Connection c, SubjectId customer) throws SQLException {
        return List.copyOf(Sql.query(c, "SELECT visitor FROM " + links + " WHERE customer = ? ORDER BY linked_at, visitor",
                ps -> ps.setString(1, customer.value()), rs -> {
                    String visitor = rs.getString(1);
                    // a row written before the namespaces were kept apart names no visitor: the store is damaged
                    return VisitorId.from(SubjectId.of(visitor)).orElseThrow(() -> new InvalidValueException(
                            "links.visitor", visitor, "must be in the visitor namespace (" + VisitorId.PREFIX + "...)"));
                }));
    }

    /**
     * The customers of those of {@code sortedKeys} that are linked visitors, read with a locking read (which sees the
     * newest committed links at any isolation level), in chunks.
     */
    Map<SubjectId, SubjectId> lockCustomers(Connection c, List<String> sortedKeys) throws SQLException {
        Map<SubjectId, SubjectId> customers = new HashMap<>();
        for (List<String> chunk : Keys.chunks(sortedKeys, dialect)) {
            try (PreparedStatement ps = c.prepareStatement("SELECT visitor, customer FROM " + links + " WHERE "
                    + dialect.oneOf("visitor", chunk.size()) + " FOR UPDATE")) {
                dialect.bindKeys(c, ps, 1, chunk);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        customers.put(SubjectId.of(rs.getString(1)), SubjectId.of(rs.getString(2)));
                    }
                }
            }
        }
        return customers;
    }

    /**
     * Links {@code visitor} to {@code customer} at {@code at} (exact to the microsecond) with the customer's change-feed
     * entry. The link row is read with a locking read, so a committed link is never missed; two links of one visitor
     * written at once meet on the primary key, and the second, a unique violation, is answered by
     * {@link #afterDuplicate}. An existing link is an answer to roll back with. An append to the visitor that read the
     * links before this link committed wrote no entry for the customer: this link's own entry, committed after the
     * append's events, covers it, or, if the append commits last, the numbering of its entries adds the customer's
     * ({@link ChangeFeedRepository#number}).
     */
    Outcome<LinkResult> link(Connection c, VisitorId visitor, SubjectId customer, Instant at) throws SQLException {
        feed.notifyOnCommit(c); // delivered only if the link commits
        Optional<SubjectId> existing = customerOf(c, visitor.subject(), true);
        if (existing.isPresent()) {
            return Outcome.rollback(existing.get().equals(customer) ? LinkResult.ALREADY_LINKED
                    : LinkResult.LINKED_ELSEWHERE);
        }
        Sql.update(c, "INSERT INTO " + links + " (visitor, customer, linked_at) VALUES (?, ?, ?)", ps -> {
            ps.setString(1, visitor.subject().value());
            ps.setString(2, customer.value());
            dialect.setInstant(ps, 3, at);
        });
        feed.insert(c, List.of(customer), at);
        return Outcome.commit(LinkResult.LINKED);
    }

    /**
     * The answer to a link refused as a duplicate (another link of the visitor committed first): the stored link
     * decides it.
     */
    LinkResult afterDuplicate(Connection c, VisitorId visitor, SubjectId customer) throws SQLException {
        // a locking read: it sees the link that won, committed, even from the snapshot of a host's transaction
        SubjectId stored = customerOf(c, visitor.subject(), true).orElseThrow(() -> new StoreException("link",
                "the link of a visitor was refused as a duplicate but cannot be read back"));
        return stored.equals(customer) ? LinkResult.ALREADY_LINKED : LinkResult.LINKED_ELSEWHERE;
    }
}
