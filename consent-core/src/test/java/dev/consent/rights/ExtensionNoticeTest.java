package dev.consent.rights;

import dev.consent.ConsentService;
import dev.consent.InvalidValueException;
import dev.consent.ledger.SubjectId;
import dev.consent.store.InMemoryStore;
import dev.consent.testing.MutableClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.LocalDate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * GDPR Art. 12(3) (seed 003: "we will inform you in advance"): an extension is told to the subject within the
 * original period. The notice date is the caller's; when the extension was recorded is the clock's; an extension
 * recorded after the original deadline is accepted but flagged late, and does not take the request off the overdue
 * report. Seed 003's terms: ACCESS within 5 business days, extendable to 30 days.
 */
class ExtensionNoticeTest {
    /** Received Wednesday 4 June 2025, 10:00 in Berlin; 9 June is Whit Monday. */
    private static final Instant RECEIVED = Instant.parse("2025-06-04T08:00:00Z");
    /** The end of Thursday 12 June 2025 in Berlin: the fifth business day is over. */
    private static final Instant ORIGINAL_DUE = Instant.parse("2025-06-12T22:00:00Z");

    private final MutableClock clock = new MutableClock(RECEIVED);
    private final InMemoryStore store = new InMemoryStore();
    private final ConsentService consents = ConsentService.builder().policy(RightsServiceTest.shop003()).store(store)
            .clock(clock).build();
    private final RightsService rights = RightsService.builder().consents(consents).store(store).build();

    @AfterEach
    void close() {
        consents.close();
    }

    private RightsRequest verifiedAccessRequest() {
        RightsRequest r = rights.receive(SubjectId.of("alice"), RequestType.ACCESS, "email");
        assertThat(r.deadline().orElseThrow().dueBefore()).isEqualTo(ORIGINAL_DUE);
        return rights.verifyIdentity(r.id(), "support", "account email");
    }

    @Test
    void anExtensionInTimeKeepsBothDatesAndIsNotLate() {
        RightsRequest r = verifiedAccessRequest();
        clock.set(Instant.parse("2025-06-11T15:30:00.1234567Z"));
        Instant toldAt = Instant.parse("2025-06-11T09:00:00Z");
        RightsRequest extended = rights.extend(r.id(), "dpo", "complex request: several accounts", toldAt);

        RightsRequest.Extension e = extended.extensionNotice().orElseThrow();
        assertThat(e.subjectToldAt()).isEqualTo(toldAt);
        assertThat(e.recordedAt()).isEqualTo(Instant.parse("2025-06-11T15:30:00.123456Z"));
        assertThat(e.original()).isEqualTo(r.deadline().orElseThrow());
        assertThat(e.late()).isFalse();
        assertThat(extended.extendedLate()).isFalse();
        assertThat(extended.deadline().orElseThrow().lastDay()).isEqualTo(LocalDate.of(2025, 7, 4));
        assertThat(extended.history().get(extended.history().size() - 1).note())
                .isEqualTo("complex request: several accounts");

        clock.set(ORIGINAL_DUE.plusSeconds(86_400));
        assertThat(rights.overdue()).as("extended in time: not overdue until the extended deadline").isEmpty();
        clock.set(Instant.parse("2025-07-04T22:00:00Z"));
        assertThat(rights.overdue()).extracting(RightsRequest::id).containsExactly(r.id());
    }

    @Test
    void aNoticeDatedAtOrAfterTheOriginalDeadlineIsRefusedNamingTheStepsLeft() {
        RightsRequest r = verifiedAccessRequest();
        clock.set(Instant.parse("2025-06-13T08:00:00Z"));
        for (Instant toldAt : new Instant[] {ORIGINAL_DUE, Instant.parse("2025-06-13T07:00:00Z")}) {
            assertThatThrownBy(() -> rights.extend(r.id(), "dpo", "complex", toldAt))
                    .isInstanceOf(InvalidValueException.class)
                    .hasMessageContaining("must be before the original deadline 2025-06-12T22:00:00Z")
                    .hasMessageContaining("GDPR Art. 12(3)")
                    .hasMessageContaining("allowed next steps: startWork (to IN_PROGRESS), complete (to COMPLETED),"
                            + " refuse (to REFUSED)")
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("extend ("));
        }
        RightsRequest unchanged = rights.request(r.id());
        assertThat(unchanged).isEqualTo(r);
        assertThat(rights.overdue()).extracting(RightsRequest::id).containsExactly(r.id());
    }

    @Test
    void aNoticeDatedInTheFutureIsRefused() {
        RightsRequest r = verifiedAccessRequest();
        assertThatThrownBy(() -> rights.extend(r.id(), "dpo", "complex", RECEIVED.plusSeconds(60)))
                .isInstanceOf(InvalidValueException.class).hasMessageContaining("must not be in the future");
    }

    /**
     * Recorded on Friday 13 June, after the original deadline, with a notice dated Wednesday 11 June: accepted
     * (Art. 12(3) asks for the notice, not for its entry), but flagged late in the history, kept on the overdue
     * report until answered, and shown in the export (see {@code SubjectExportTest}).
     */
    @Test
    void anExtensionRecordedAfterTheOriginalDeadlineIsFlaggedLateAndStaysOverdue() {
        RightsRequest r = verifiedAccessRequest();
        clock.set(Instant.parse("2025-06-13T08:00:00Z"));
        assertThat(rights.overdue()).extracting(RightsRequest::id).containsExactly(r.id());

        Instant toldAt = Instant.parse("2025-06-11T09:00:00Z");
        RightsRequest extended = rights.extend(r.id(), "dpo", "complex request: several accounts", toldAt);

        RightsRequest.Extension e = extended.extensionNotice().orElseThrow();
        assertThat(e.subjectToldAt()).isEqualTo(toldAt);
        assertThat(e.recordedAt()).isEqualTo(Instant.parse("2025-06-13T08:00:00Z"));
        assertThat(e.late()).isTrue();
        assertThat(extended.extendedLate()).isTrue();
        assertThat(extended.deadline().orElseThrow().lastDay()).isEqualTo(LocalDate.of(2025, 7, 4));
        assertThat(extended.history().get(extended.history().size() - 1).note())
                .startsWith("LATE EXTENSION: recorded 2025-06-13T08:00:00Z, after the original deadline (end of"
                        + " 2025-06-12, due before 2025-06-12T22:00:00Z); subject told 2025-06-11T09:00:00Z.")
                .endsWith("complex request: several accounts");

        assertThat(rights.overdue()).as("a late extension does not take the request off the overdue report")
                .extracting(RightsRequest::id).containsExactly(r.id());
        assertThat(rights.overdue().get(0).extendedLate()).isTrue();
        assertThat(rights.request(r.id()).overdueAt(Instant.parse("2025-06-20T08:00:00Z"))).isTrue();

        rights.complete(r.id(), "dpo", "export sent");
        assertThat(rights.overdue()).isEmpty();
        assertThat(rights.request(r.id()).extendedLate()).as("the flag stays in the record").isTrue();
    }
}
