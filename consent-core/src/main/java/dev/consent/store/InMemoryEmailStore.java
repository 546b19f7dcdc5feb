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
 * The suppression list and campaign recipients in this JVM's memory, for tests, demos and single-node hosts; nothing
 * survives a restart. Every operation holds one lock, so each is atomic. Thread-safe.
 */
public final class InMemoryEmailStore implements EmailStore {
    private final Map<String, SuppressionEntry> suppression = new HashMap<>();
    /** Campaign records by subject id, then campaign id: erasure finds a subject's records at once. */
    private final Map<String, Map<String, CampaignRecipient>> recipients = new HashMap<>();

    /** An empty store. */
    public InMemoryEmailStore() {
    }

    @Override
    public synchronized boolean suppress(SuppressionEntry entry) {
        Checks.required("entry", entry);
        return suppression.putIfAbsent(entry.keyedHash(), entry) == null;
    }

    @Override
    public synchronized Set<String> suppressed(Collection<String> keyedHashes) {
        checkSize("keyedHashes", keyedHashes);
        Set<String> out = new HashSet<>();
        for (String h : keyedHashes) {
            if (suppression.containsKey(Checks.required("keyedHashes[]", h))) {
                out.add(h);
            }
        }
        return out;
    }

    @Override
    public synchronized long release(Collection<String> keyedHashes) {
        Checks.required("keyedHashes", keyedHashes);
        long removed = 0;
        for (String h : Set.copyOf(keyedHashes)) {
            removed += suppression.remove(h) == null ? 0 : 1;
        }
        return removed;
    }

    @Override
    public synchronized boolean recordRecipients(List<CampaignRecipient> rows) {
        Checks.required("recipients", rows);
        Set<List<String>> seen = new HashSet<>();
        for (CampaignRecipient r : rows) {
            Checks.required("recipients[]", r);
            boolean stored = recipients.getOrDefault(r.subject().value(), Map.of()).containsKey(r.campaign().value());
            if (stored || !seen.add(List.of(r.campaign().value(), r.subject().value()))) {
                return false;
            }
        }
        for (CampaignRecipient r : rows) {
            recipients.computeIfAbsent(r.subject().value(), s -> new HashMap<>()).put(r.campaign().value(), r);
        }
        return true;
    }

    @Override
    public synchronized Map<SubjectId, CampaignRecipient> campaignRecipients(CampaignId campaign,
            Collection<SubjectId> subjects) {
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

    @Override
    public synchronized long forgetRecipient(SubjectId subject) {
        Checks.required("subject", subject);
        Map<String, CampaignRecipient> gone = recipients.remove(subject.value());
        return gone == null ? 0 : gone.size();
    }

    private static void checkSize(String field, Collection<?> keys) {
        if (Checks.required(field, keys).size() > MAX_KEYS) {
            throw new InvalidValueException(field, keys.size() + " keys", "must be at most " + MAX_KEYS);
        }
    }
}
