package dev.consent.internal;

import dev.consent.ledger.Actor;
import dev.consent.ledger.Choice;
import dev.consent.ledger.ConsentEvent;
import dev.consent.ledger.Method;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.PurposeId;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;

/**
 * The compact, immutable form of a subject's decision events that the cache holds: only what a decision
 * needs, sorted by when the choice was made (occurred-at, then sequence, then subject for merged
 * visitor chains).
 */
public final class Ledger {
    static final Ledger EMPTY = new Ledger(new Mark[0]);
    private static final Comparator<Mark> ORDER = Comparator.comparingLong((Mark m) -> m.occurredMicros)
            .thenComparingLong(m -> m.sequence).thenComparing(m -> m.subject.value());

    final Mark[] marks;

    private Ledger(Mark[] marks) {
        this.marks = marks;
    }

    public static Ledger of(Collection<ConsentEvent> events) {
        if (events.isEmpty()) {
            return EMPTY;
        }
        Mark[] marks = new Mark[events.size()];
        int i = 0;
        for (ConsentEvent e : events) {
            marks[i++] = new Mark(e);
        }
        Arrays.sort(marks, ORDER);
        return new Ledger(marks);
    }

    public int size() {
        return marks.length;
    }

    static long micros(Instant t) {
        return ChronoUnit.MICROS.between(Instant.EPOCH, t);
    }

    /** One event, reduced to what decides consent. */
    static final class Mark {
        final SubjectId subject;
        final long sequence;
        final PurposeId purpose;
        final Choice choice;
        final boolean gpc;
        final boolean guardian;
        final short declaredAge;
        final int consentVersion;
        final long occurredMicros;
        final long expiresMicros;

        Mark(ConsentEvent e) {
            this.subject = e.subject();
            this.sequence = e.sequence();
            this.purpose = e.purpose();
            this.choice = e.choice();
            this.gpc = e.method() == Method.GPC;
            this.guardian = e.actor() == Actor.GUARDIAN;
            this.declaredAge = (short) (e.declaredAge().isPresent() ? e.declaredAge().getAsInt() : -1);
            this.consentVersion = e.consentVersion();
            this.occurredMicros = micros(e.occurredAt());
            this.expiresMicros = e.expiresAt().map(Ledger::micros).orElse(Long.MAX_VALUE);
        }
    }
}
