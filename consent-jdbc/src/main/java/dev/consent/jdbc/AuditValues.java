package dev.consent.jdbc;

import dev.consent.internal.Checks;
import dev.consent.retention.Anchor;
import dev.consent.retention.DisposalRecord;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.Optional;

/** A disposal audit entry's columns, validated and converted before any connection is borrowed. */
record AuditValues(DisposalRecord r, Instant at, Optional<Instant> anchorAt, Instant cutoff) {
    /** The audit table's columns, in the order {@link #bind} binds them (the sequence first). */
    static final String COLUMNS = "seq, recorded_at, item_ref, category, purpose, rule_id, policy_version,"
            + " anchor, anchor_at, cutoff, action, outcome, attempt, idempotency_key, node, failure";

    static AuditValues of(DisposalRecord r, Dialect dialect) {
        Checks.text("audit.itemReference", r.itemReference(), 100);
        Checks.text("audit.category", r.category(), 100);
        Checks.optionalText("audit.purpose", Checks.required("audit.purpose", r.purpose()), 100);
        Checks.text("audit.ruleId", r.ruleId(), 100);
        Checks.text("audit.policyVersion", r.policyVersion(), 50);
        Checks.required("audit.anchor", r.anchor());
        Checks.required("audit.anchorAt", r.anchorAt());
        Checks.required("audit.action", r.action());
        Checks.required("audit.outcome", r.outcome());
        Checks.text("audit.idempotencyKey", r.idempotencyKey(), 200);
        Checks.text("audit.node", r.node(), 100);
        Checks.optionalText("audit.failure", Checks.required("audit.failure", r.failure()).orElse(null), 1000);
        return new AuditValues(r, StoredInstants.roundedUp("audit.at", r.at(), dialect),
                r.anchorAt().map(t -> StoredInstants.roundedUp("audit.anchorAt", t, dialect)),
                StoredInstants.roundedUp("audit.cutoff", r.dueAt(), dialect));
    }

    /** Binds the {@link #COLUMNS} from parameter 1, with {@code sequence} as the entry's sequence. */
    void bind(PreparedStatement ps, long sequence, Dialect dialect) throws SQLException {
        ps.setLong(1, sequence);
        dialect.setInstant(ps, 2, at);
        ps.setString(3, r.itemReference());
        ps.setString(4, r.category());
        ps.setString(5, r.purpose());
        ps.setString(6, r.ruleId());
        ps.setString(7, r.policyVersion());
        ps.setString(8, r.anchor().map(Anchor::name).orElse(null));
        dialect.setInstant(ps, 9, anchorAt.orElse(null));
        dialect.setInstant(ps, 10, cutoff);
        ps.setString(11, r.action().name());
        ps.setString(12, r.outcome().name());
        ps.setInt(13, r.attempt());
        ps.setString(14, r.idempotencyKey());
        ps.setString(15, r.node());
        if (r.failure().isPresent()) {
            ps.setString(16, r.failure().get());
        } else {
            ps.setNull(16, Types.VARCHAR);
        }
    }
}
