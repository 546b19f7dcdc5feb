package dev.consent.store;

import dev.consent.email.CampaignId;
import dev.consent.email.CampaignRecipient;
import dev.consent.ledger.SubjectId;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Where the email lifecycle keeps what is not a consent event: the suppression list (keyed hashes of contact
 * identifiers that must not be mailed, never the identifiers) and the recipients of each campaign with the decision
 * each was included on ({@link dev.consent.email.Suppression}, {@link dev.consent.email.CampaignFilter}).
 *
 * <p>Rules of every store SPI: expected conflicts are answered as values ({@code false}); failures throw {@link
 * dev.consent.StoreException}; a write commits durably or throws. Thread-safe and safe to share between nodes. Every
 * implementation must pass {@code EmailListStoreContract} from consent-core's test-jar. Instants are kept exactly
 * (whole microseconds).
 */
public interface EmailStore {
    /** The most hashes or subjects one call of {@link #suppressed} or {@link #campaignRecipients} takes. */
    int MAX_KEYS = 10_000;

    /**
     * Adds an entry to the suppression list.
     *
     * @param entry the entry
     * @return true when added; false when its hash is on the list already (the entry stored first is kept)
     */
    boolean suppress(SuppressionEntry entry);

    /**
     * Which of {@code keyedHashes} are on the suppression list.
     *
     * @param keyedHashes at most {@link #MAX_KEYS} hashes
     * @return those on the list
     * @throws dev.consent.InvalidValueException for more than {@link #MAX_KEYS} hashes
     */
    Set<String> suppressed(Collection<String> keyedHashes);

    /**
     * Removes the entries with these hashes, atomically.
     *
     * @param keyedHashes the hashes
     * @return how many entries were removed (0 when none was on the list)
     */
    long release(Collection<String> keyedHashes);

    /**
     * Records the recipients of a campaign atomically, all of them or none: one write for a chunk. Guarded by the
     * change feed as {@link ProcessingStore#appendUses} is: when a change-feed entry with a position above {@code
     * feedPosition} (the {@link ConsentStore#changeCursor() position} taken before the decisions the rows rest on were
     * read) names the subject of any row (a choice, restriction or objection recorded for it, a visitor linked to it
     * or a linked visitor's choice), nothing is written and the result names those subjects. Every change committed
     * before the guard reads is seen by it; a change that commits later is ordered after the rows, whose instants
     * were taken before the decisions were read.
     *
     * @param recipients the recipients
     * @param feedPosition the change-feed position of the store whose ledger decided them, read before the decisions
     * @return written; or nothing written, because a row (its campaign and subject) is recorded already or given
     *     twice, or because these subjects' consents changed since {@code feedPosition}
     */
    RecipientWrite recordRecipients(List<CampaignRecipient> recipients, long feedPosition);

    /**
     * What {@link #recordRecipients} did.
     *
     * @param written whether the rows were written
     * @param changedSubjects when not written because of the guard: the subjects whose consents changed; empty
     *     otherwise (written, or a row recorded already)
     */
    record RecipientWrite(boolean written, Set<SubjectId> changedSubjects) {
        /**
         * Checks the result.
         *
         * @param written whether the rows were written
         * @param changedSubjects the subjects whose consents changed, empty when written
         * @throws dev.consent.InvalidValueException when null, or when written names changed subjects
         */
        public RecipientWrite {
            changedSubjects = Set.copyOf(dev.consent.internal.Checks.required("changedSubjects", changedSubjects));
            if (written && !changedSubjects.isEmpty()) {
                throw new dev.consent.InvalidValueException("changedSubjects", changedSubjects,
                        "must be empty when the rows were written");
            }
        }

        /**
         * The rows were written.
         *
         * @return the result
         */
        public static RecipientWrite done() {
            return new RecipientWrite(true, Set.of());
        }

        /**
         * Nothing written: a row is recorded already or given twice.
         *
         * @return the result
         */
        public static RecipientWrite recordedAlready() {
            return new RecipientWrite(false, Set.of());
        }

        /**
         * Nothing written: these subjects' consents changed since the position given.
         *
         * @param subjects the subjects, at least one
         * @return the result
         * @throws dev.consent.InvalidValueException when {@code subjects} is empty
         */
        public static RecipientWrite changed(Set<SubjectId> subjects) {
            if (dev.consent.internal.Checks.required("subjects", subjects).isEmpty()) {
                throw new dev.consent.InvalidValueException("subjects", "[]", "must name the changed subjects");
            }
            return new RecipientWrite(false, subjects);
        }

        /**
         * Whether nothing was written because of the guard.
         *
         * @return true when {@link #changedSubjects()} is not empty
         */
        public boolean changed() {
            return !changedSubjects.isEmpty();
        }
    }

    /**
     * The recorded recipients of {@code campaign} among {@code subjects}.
     *
     * @param campaign the campaign
     * @param subjects at most {@link #MAX_KEYS} subjects
     * @return each recorded one's proof, by subject; subjects not recorded are absent
     * @throws dev.consent.InvalidValueException for more than {@link #MAX_KEYS} subjects
     */
    Map<SubjectId, CampaignRecipient> campaignRecipients(CampaignId campaign, Collection<SubjectId> subjects);

    /**
     * Deletes every campaign record of {@code subject} (on erasure).
     *
     * @param subject the erased subject
     * @return how many records were deleted
     */
    long forgetRecipient(SubjectId subject);
}
