package dev.consent.jdbc;

import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The inventory's classification itself: it must catch a scan of a per-subject table, and pass routed statements. */
class SqlInventoryTest {
    @Test
    void aStatementScanningAPerSubjectTableWithoutItsDistributionColumnFails() {
        assertThatThrownBy(() -> SqlInventory.check("x_", Set.of("SELECT subject, seq FROM x_events WHERE purpose = ?")))
                .hasMessageContaining("events: SELECT subject, seq FROM P_events WHERE purpose = ?");
        assertThatThrownBy(() -> SqlInventory.check("x_", Set.of("UPDATE x_items SET state = ? WHERE category = ?")))
                .hasMessageContaining("items:");
        assertThatThrownBy(() -> SqlInventory.check("x_", Set.of("DELETE FROM x_links WHERE linked_at < ?")))
                .hasMessageContaining("links:");
    }

    @Test
    void routedStatementsAndNamedScansPass() {
        assertThatCode(() -> SqlInventory.check("x_", Set.of(
                "SELECT e.seq FROM x_events e WHERE e.subject = ? ORDER BY e.seq",
                "SELECT * FROM x_heads WHERE subject = ANY(?)",
                "INSERT INTO x_events (subject, seq, event_id) VALUES (?, ?, ?)",
                "SELECT visitor FROM x_links WHERE customer IN (?, ?)",
                "SELECT feed_position, subject FROM x_changes WHERE feed_position > ? ORDER BY feed_position",
                "CREATE TABLE IF NOT EXISTS x_events (subject VARCHAR(200))"))).doesNotThrowAnyException();
    }
}
