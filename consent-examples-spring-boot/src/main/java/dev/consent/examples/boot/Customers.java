package dev.consent.examples.boot;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Repository;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** The shop's customers table ({@code db/migration/V1__customers.sql}); it knows nothing of consent. */
@Repository
public class Customers {
    private final JdbcTemplate jdbc;

    Customers(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** A customer row; {@code email} is null once disposed of. */
    public record Customer(String id, String email, String name) {
    }

    /** Adds a customer. */
    public void add(String id, String email, String name, Instant at) {
        jdbc.update("INSERT INTO customers (id, email, name, created_at) VALUES (?, ?, ?, ?)", id, email, name,
                Timestamp.from(at));
    }

    /** The customer, if the shop has it. */
    public Optional<Customer> find(String id) {
        return jdbc.query("SELECT id, email, name FROM customers WHERE id = ?",
                (rs, n) -> new Customer(rs.getString(1), rs.getString(2), rs.getString(3)), id).stream().findFirst();
    }

    /** The ids of every customer with an email address, oldest first: a campaign's audience before consent. */
    public List<String> withEmail() {
        return jdbc.queryForList("SELECT id FROM customers WHERE email IS NOT NULL ORDER BY created_at, id",
                String.class);
    }

    /** Deletes a customer's email address; idempotent. */
    public void forgetEmail(String id) {
        jdbc.update("UPDATE customers SET email = NULL WHERE id = ?", id);
    }

    /** Deletes the customer's row; idempotent. */
    public void delete(String id) {
        jdbc.update("DELETE FROM customers WHERE id = ?", id);
    }
}
