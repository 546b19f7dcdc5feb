package dev.consent.store;

import dev.consent.InvalidValueException;
import dev.consent.email.CampaignId;
import dev.consent.email.CampaignRecipient;
import dev.consent.internal.Checks;
import dev.consent.ledger.SubjectId;

import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The suppression list and campaign recipients in this JVM's memory, over the {@link InMemoryConsentStore} whose
 * change feed guards {@link #recordRecipients}; for tests, demos and single-node hosts; nothing survives a restart.
 * Every operation holds that store's write lock (the lock its appends and links take), so each is atomic, and the
 * guard and the write are one step with respect to every consent change. Thread-safe.
 */
public final class InMemoryEmailStore implements EmailStore {
    private final InMemoryConsentStore consents;
    /** The consent store's write lock. */
    private final Object lock;
    private final Map<String, SuppressionEntry> suppression = new HashMap<>();
    /** Campaign records by subject id, then campaign id: erasure finds a subject's records at once. */
    private final Map<String, Map<String, CampaignRecipient>> recipients = new HashMap<>();

    /**
     * An empty store guarded by the change feed of {@code consents}.
     *
     * @param consents the consent store whose ledger decides the recipients recorded here
     * @throws InvalidValueException if {@code consents} is null
     */
    public InMemoryEmailStore(InMemoryConsentStore consents) {
        this.consents = Checks.required("consents", consents);
        this.lock = consents.lock;
    }

    @Override
    public boolean suppress(SuppressionEntry entry) {
        synchronized (lock) {
            Checks.required("entry", entry);
            return suppression.putIfAbsent(entry.keyedHash(), entry) == null;
        }
    }

    @Override
    public Set<String> suppressed(Collection<String> keyedHashes) {
        synchronized (lock) {
            checkSize("keyedHashes", keyedHashes);
            Set<String> out = new HashSet<>();
            for (String h : keyedHashes) {
                if (suppression.containsKey(Checks.required("keyedHashes[]", h))) {
                    out.add(h);
                }
            }
            return out;
        }
    }

    @Override
    public long release(Collection<String> keyedHashes) {
        synchronized (lock) {
            Checks.required("keyedHashes", keyedHashes);
            long removed = 0;
            for (String h : Set.copyOf(keyedHashes)) {
                removed += suppression.remove(h) == null ? 0 : 1;
            }
            return removed;
        }
    }

    @Override
    public RecipientWrite recordRecipients(List<CampaignRecipient> rows, long feedPosition) {
        Checks.required("recipients", rows);
        Set<SubjectId> subjects = new HashSet<>();
        rows.forEach(r -> subjects.add(Checks.required("recipients[]", r).subject()));
        synchronized (lock) {
            Set<List<String>> seen = new HashSet<>();
            for (CampaignRecipient r : rows) {
                boolean stored = recipients.getOrDefault(r.subject().value(), Map.of())
                        .containsKey(r.campaign().value());
                if (stored || !seen.add(List.of(r.campaign().value(), r.subject().value()))) {
                    return RecipientWrite.recordedAlready();
                }
            }
            Set<SubjectId> changed = consents.changedSinceLocked(feedPosition, subjects);
            if (!changed.isEmpty()) {
                return RecipientWrite.changed(changed);
            }
            for (CampaignRecipient r : rows) {
                recipients.computeIfAbsent(r.subject().value(), s -> new HashMap<>()).put(r.campaign().value(), r);
            }
            return RecipientWrite.done();
        }
    }

    @Override
    public Map<SubjectId, CampaignRecipient> campaignRecipients(CampaignId campaign,
            Collection<SubjectId> subjects) {
        synchronized (lock) {
            Checks.required("campaign", campaign);
            checkSize("subjects", subjects);
            Map<SubjectId, CampaignRecipient> out = new LinkedHashMap<>();
            for (SubjectId s : subjects) {
                CampaignRecipient r = recipients.getOrDefault(Checks.required("subjects[]", s).value(), Map.of())
                        .get(campaign.value());
                if (r != null) {
                    out.put(s, r);
                }
            }
            return out;
        }
    }

    @Override
    public long forgetRecipient(SubjectId subject) {
        synchronized (lock) {
            Checks.required("subject", subject);
            Map<String, CampaignRecipient> gone = recipients.remove(subject.value());
            return gone == null ? 0 : gone.size();
        }
    }

    private static void checkSize(String field, Collection<?> keys) {
        if (Checks.required(field, keys).size() > MAX_KEYS) {
            throw new InvalidValueException(field, keys.size() + " keys", "must be at most " + MAX_KEYS);
        }
    }
}
