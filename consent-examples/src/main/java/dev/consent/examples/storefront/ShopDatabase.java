package dev.consent.examples.storefront;

import dev.consent.jdbc.JdbcStore;
import dev.consent.jdbc.JoinedTransaction;
import dev.consent.recipients.RecipientNotifier;
import dev.consent.retention.DisposalHandler;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;

/**
 * The shop's own tables, next to the library's in the same database: customers, orders, support tickets, access
 * logs and the notifications it passes on to its recipients. The library never touches them; the disposal handlers
 * and the recipient notifier here do, when retention or the recipients' outbox says so.
 */
final class ShopDatabase {
    private final DataSource dataSource;
    private final AtomicLong orderIds = new AtomicLong();
    private final AtomicLong ticketIds = new AtomicLong();
    private final AtomicLong logIds = new AtomicLong();

    ShopDatabase(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    void createTables() throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE shop_customers (id VARCHAR(64) PRIMARY KEY, email VARCHAR(200), name VARCHAR(200),"
                    + " signed_up_at TIMESTAMP WITH TIME ZONE NOT NULL, closed_at TIMESTAMP WITH TIME ZONE)");
            s.execute("CREATE TABLE shop_orders (id BIGINT PRIMARY KEY, customer_id VARCHAR(64), total_cents BIGINT"
                    + " NOT NULL, shipping_address VARCHAR(300), ordered_at TIMESTAMP WITH TIME ZONE NOT NULL)");
            s.execute("CREATE INDEX shop_orders_customer ON shop_orders (customer_id)");
            s.execute("CREATE TABLE shop_tickets (id BIGINT PRIMARY KEY, customer_id VARCHAR(64) NOT NULL, body"
                    + " VARCHAR(2000), opened_at TIMESTAMP WITH TIME ZONE NOT NULL, resolved_at TIMESTAMP WITH TIME ZONE)");
            s.execute("CREATE INDEX shop_tickets_customer ON shop_tickets (customer_id)");
            s.execute("CREATE TABLE shop_access_logs (id BIGINT PRIMARY KEY, customer_id VARCHAR(64) NOT NULL, ip"
                    + " VARCHAR(64), path VARCHAR(300), at TIMESTAMP WITH TIME ZONE NOT NULL)");
            s.execute("CREATE INDEX shop_access_logs_customer ON shop_access_logs (customer_id)");
            // what the shop's integration sends on to its recipients: written by the recipient notifier below
            s.execute("CREATE TABLE shop_recipient_notifications (idempotency_key VARCHAR(64) PRIMARY KEY,"
                    + " recipient_id VARCHAR(100) NOT NULL, action VARCHAR(16) NOT NULL, customer_id VARCHAR(64)"
                    + " NOT NULL, categories VARCHAR(1000) NOT NULL, purposes VARCHAR(1000) NOT NULL,"
                    + " told_at TIMESTAMP WITH TIME ZONE NOT NULL)");
        }
    }

    /**
     * The recipient notifier: the shop's own code, writing each notice to a table its integration with the recipients
     * (the email service provider's suppression API, the payment processor's tickets) reads. Idempotent: a notice
     * delivered again (same idempotency key) finds its row there and writes nothing (H2's {@code MERGE ... KEY}).
     */
    RecipientNotifier recipientNotifier(Clock clock) {
        return n -> update("MERGE INTO shop_recipient_notifications (idempotency_key, recipient_id, action, customer_id,"
                + " categories, purposes, told_at) KEY (idempotency_key) VALUES (?, ?, ?, ?, ?, ?, ?)",
                n.idempotencyKey(), n.recipientId(), n.action().name(), n.subject().value(),
                String.join(" ", n.categories().stream().map(Object::toString).toList()),
                String.join(" ", n.purposes().stream().map(Object::toString).toList()),
                Timestamp.from(clock.instant()));
    }

    /** The shop's recipient notifications, oldest first: "mailer WITHDRAWAL dave contact.email (marketing.email)". */
    List<String> recipientNotifications() throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT recipient_id, action, customer_id, categories, purposes FROM shop_recipient_notifications"
                        + " ORDER BY told_at, recipient_id, action")) {
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1) + " " + rs.getString(2) + " " + rs.getString(3) + " " + rs.getString(4)
                            + " (" + rs.getString(5) + ")");
                }
            }
        }
        return out;
    }

    void addCustomers(List<String[]> rows, Instant at) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(
                "INSERT INTO shop_customers (id, email, name, signed_up_at) VALUES (?, ?, ?, ?)")) {
            for (String[] r : rows) {
                ps.setString(1, r[0]);
                ps.setString(2, r[1]);
                ps.setString(3, r[2]);
                ps.setTimestamp(4, Timestamp.from(at));
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /** Places orders, one per customer given, with no retention anchors: orders from before the shop recorded them. */
    void addOrders(List<String> customers, long totalCents, String address, Instant at) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(
                "INSERT INTO shop_orders (id, customer_id, total_cents, shipping_address, ordered_at) VALUES (?, ?, ?, ?, ?)")) {
            for (String customer : customers) {
                ps.setLong(1, orderIds.incrementAndGet());
                ps.setString(2, customer);
                ps.setLong(3, totalCents);
                ps.setString(4, address);
                ps.setTimestamp(5, Timestamp.from(at));
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    void addTicket(String customer, String body, Instant opened, Instant resolved) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(
                "INSERT INTO shop_tickets (id, customer_id, body, opened_at, resolved_at) VALUES (?, ?, ?, ?, ?)")) {
            ps.setLong(1, ticketIds.incrementAndGet());
            ps.setString(2, customer);
            ps.setString(3, body);
            ps.setTimestamp(4, Timestamp.from(opened));
            ps.setTimestamp(5, Timestamp.from(resolved));
            ps.executeUpdate();
        }
    }

    /**
     * Places one order and writes its access log line in one transaction of the shop's, which {@code store} joins
     * while {@code alongside} runs: the library's writes there (the order's retention anchors) commit with the order
     * or, when anything fails, roll back with it. Neither is ever left without the other. Rethrows what failed.
     */
    void placeOrder(JdbcStore store, String customer, long totalCents, String address, Instant at, Runnable alongside)
            throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (JoinedTransaction joined = store.join(c)) {
                try {
                    execute(c, "INSERT INTO shop_orders (id, customer_id, total_cents, shipping_address, ordered_at)"
                            + " VALUES (?, ?, ?, ?, ?)", orderIds.incrementAndGet(), customer, totalCents, address,
                            Timestamp.from(at));
                    execute(c, "INSERT INTO shop_access_logs (id, customer_id, ip, path, at) VALUES (?, ?, ?, ?, ?)",
                            logIds.incrementAndGet(), customer, "198.51.100.23", "/checkout", Timestamp.from(at));
                    alongside.run();
                    c.commit();
                } catch (RuntimeException | SQLException e) {
                    c.rollback();
                    throw e;
                }
            } finally {
                c.setAutoCommit(true);
            }
        }
    }

    void closeAccount(String customer, Instant at) throws SQLException {
        update("UPDATE shop_customers SET closed_at = ? WHERE id = ?", Timestamp.from(at), customer);
    }

    /**
     * Erases a customer the retention records knew nothing of, by hand, as the shop's privacy team would: the name
     * and email go, the orders are anonymized (the amounts stay for the books, as tax law asks), tickets and access
     * logs are deleted. Returns what was done, for the erasure request's answer.
     */
    String eraseCustomer(String customer) throws SQLException {
        long orders = count("SELECT COUNT(*) FROM shop_orders WHERE customer_id = '" + customer.replace("'", "''") + "'");
        update("UPDATE shop_customers SET name = NULL, email = NULL WHERE id = ?", customer);
        update("UPDATE shop_orders SET customer_id = NULL, shipping_address = NULL WHERE customer_id = ?", customer);
        update("DELETE FROM shop_tickets WHERE customer_id = ?", customer);
        update("DELETE FROM shop_access_logs WHERE customer_id = ?", customer);
        return "name and email deleted from the customer record; " + orders + " order(s) anonymized, their amounts kept"
                + " for the books (tax law); support tickets and access logs deleted";
    }

    /** Counts of what the shop holds: customers with an email, orders, orders still naming a customer, tickets, logs. */
    Map<String, Long> counts() throws SQLException {
        return Map.of(
                "customers with an email", count("SELECT COUNT(*) FROM shop_customers WHERE email IS NOT NULL"),
                "customers with a name", count("SELECT COUNT(*) FROM shop_customers WHERE name IS NOT NULL"),
                "orders", count("SELECT COUNT(*) FROM shop_orders"),
                "orders naming a customer", count("SELECT COUNT(*) FROM shop_orders WHERE customer_id IS NOT NULL"),
                "support tickets", count("SELECT COUNT(*) FROM shop_tickets"),
                "access log lines", count("SELECT COUNT(*) FROM shop_access_logs"));
    }

    /**
     * The customer's email address, while the customer record holds one: what the library puts on its suppression list
     * when the customer is erased, asked before anything is erased.
     */
    List<String> emailsOf(String customer) {
        List<String> out = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT email FROM shop_customers WHERE id = ? AND email IS NOT NULL")) {
            ps.setString(1, customer);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("the customer table cannot be read", e);
        }
        return out;
    }

    List<String> ordersOf(String customer) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT id, total_cents, ordered_at FROM shop_orders WHERE customer_id = ? ORDER BY id")) {
            ps.setString(1, customer);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add("order " + rs.getLong(1) + " (" + rs.getLong(2) / 100.0 + " EUR, "
                            + rs.getTimestamp(3).toInstant() + ")");
                }
            }
        }
        return out;
    }

    /**
     * The disposal handlers: the shop's own code, deleting or anonymizing its own rows of one category. Each is
     * idempotent (a repeated call with the same idempotency key finds nothing left to do) and covers data up to
     * the request's cutoff, so that data collected after the item fell due is left alone.
     */
    DisposalHandler emailHandler() {
        return r -> update("UPDATE shop_customers SET email = NULL WHERE id = ?", r.item().subject().value());
    }

    DisposalHandler profileHandler() {
        return r -> update("UPDATE shop_customers SET name = NULL, email = NULL WHERE id = ?", r.item().subject().value());
    }

    DisposalHandler ordersHandler() {
        return r -> {
            String who = r.item().subject().value();
            Timestamp cutoff = Timestamp.from(r.dueAt());
            switch (r.action()) {
                case DELETE -> update("DELETE FROM shop_orders WHERE customer_id = ? AND ordered_at <= ?", who, cutoff);
                // anonymized: the amounts stay for the books, nothing names the customer any more
                case ANONYMIZE -> update("UPDATE shop_orders SET customer_id = NULL, shipping_address = NULL"
                        + " WHERE customer_id = ? AND ordered_at <= ?", who, cutoff);
                case REVIEW -> throw new IllegalStateException("orders are never put up for review in this shop");
            }
        };
    }

    DisposalHandler ticketsHandler() {
        return r -> update("DELETE FROM shop_tickets WHERE customer_id = ? AND opened_at <= ?",
                r.item().subject().value(), Timestamp.from(r.dueAt()));
    }

    DisposalHandler logsHandler() {
        return r -> update("DELETE FROM shop_access_logs WHERE customer_id = ? AND at <= ?",
                r.item().subject().value(), Timestamp.from(r.dueAt()));
    }

    private void update(String sql, Object... args) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            execute(c, sql, args);
        }
    }

    private static void execute(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            ps.executeUpdate();
        }
    }

    private long count(String sql) throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
