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
     * Records the recipients of a campaign atomically, all of them or none: one write for a chunk.
     *
     * @param recipients the recipients
     * @return true when written; false, writing nothing, when one of them (its campaign and subject) is recorded
     *     already or given twice
     */
    boolean recordRecipients(List<CampaignRecipient> recipients);

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
