package dev.consent.email;

import dev.consent.InvalidValueException;
import dev.consent.internal.Checks;
import dev.consent.internal.StoreCalls;
import dev.consent.store.EmailStore;
import dev.consent.store.SuppressionEntry;

import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The suppression list: contact addresses that must not be mailed again, kept as keyed hashes (HMAC-SHA256 under a key
 * the shop holds, {@link SuppressionKeys}) of their {@linkplain EmailAddress normalised} form, never the address. It
 * survives the erasure of the subject (GDPR Art. 17(3)(b) and Art. 21(3): keeping the minimum needed to honour an
 * objection to direct marketing and not to re-subscribe an erased address from an import or a form somebody else
 * filled in) while holding nothing that names anyone to whoever lacks the key.
 *
 * <p>Guarantees: an address is looked up under every key of the ring, so a key rotation never lets a suppressed
 * address through; a sub-address is kept unless {@link Builder#stripSubaddress} was set, and then stripped both when
 * suppressing and when looking up; an entry is removed only through {@link DoubleOptIn#confirm} of a token issued for
 * that address ({@link DoubleOptIn#request(dev.consent.ledger.SubjectId, dev.consent.policy.PurposeId,
 * dev.consent.ledger.Capture, EmailAddress)}): the address owner's own confirmed opt-in, never an import or an
 * administrator's call. A store that cannot be read fails the lookup ({@link dev.consent.StoreException}), never
 * answers "not suppressed". Thread-safe.
 */
public final class Suppression {
    private final EmailStore store;
    private final SuppressionKeys keys;
    private final Clock clock;
    private final boolean stripSubaddress;

    private Suppression(Builder b) {
        this.store = b.store;
        this.keys = b.keys;
        this.clock = b.clock;
        this.stripSubaddress = b.stripSubaddress;
    }

    /**
     * A builder that needs a store and keys.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Puts an address on the list.
     *
     * @param address the address
     * @param reason why it may not be mailed
     * @return true when added; false when it was on the list already (under any key; the first entry is kept)
     * @throws dev.consent.StoreException when the store cannot be read or written
     */
    public boolean suppress(EmailAddress address, SuppressionReason reason) {
        Checks.required("reason", reason);
        if (isSuppressed(address)) {
            return false;
        }
        String id = identifier(address);
        return store.suppress(new SuppressionEntry(keys.hash(keys.currentKeyId(), id), keys.currentKeyId(), reason,
                clock.instant().truncatedTo(ChronoUnit.MICROS)));
    }

    /**
     * Whether the address is on the list.
     *
     * @param address the address
     * @return true when it must not be mailed
     * @throws dev.consent.StoreException when the store cannot be read
     */
    public boolean isSuppressed(EmailAddress address) {
        return !suppressedAmong(List.of(Checks.required("address", address))).isEmpty();
    }

    /**
     * Which of the addresses are on the list: one store read per {@value EmailStore#MAX_KEYS} hashes.
     *
     * @param addresses the addresses
     * @return those on the list
     * @throws dev.consent.StoreException when the store cannot be read
     */
    public Set<EmailAddress> suppressedAmong(Collection<EmailAddress> addresses) {
        Checks.required("addresses", addresses);
        List<String> ids = keys.keyIds();
        Map<String, EmailAddress> byHash = new HashMap<>(addresses.size() * ids.size() * 2);
        for (EmailAddress a : addresses) {
            String id = identifier(Checks.required("addresses[]", a));
            for (String k : ids) {
                byHash.put(keys.hash(k, id), a);
            }
        }
        Set<EmailAddress> out = new LinkedHashSet<>();
        List<String> hashes = new ArrayList<>(byHash.keySet());
        for (int from = 0; from < hashes.size(); from += EmailStore.MAX_KEYS) {
            List<String> chunk = hashes.subList(from, Math.min(hashes.size(), from + EmailStore.MAX_KEYS));
            StoreCalls.read("suppressed", () -> store.suppressed(chunk)).forEach(h -> out.add(byHash.get(h)));
        }
        return out;
    }

    /** The address's hashes under every key of the ring, the current key's first. */
    List<String> hashes(EmailAddress address) {
        String id = identifier(Checks.required("address", address));
        List<String> out = new ArrayList<>();
        keys.keyIds().forEach(k -> out.add(keys.hash(k, id)));
        return out;
    }

    /** Removes the entries with these hashes: only {@link DoubleOptIn#confirm} calls it, on the owner's proof. */
    long release(Collection<String> hashes) {
        return store.release(hashes);
    }

    /** The store the list is kept in (erasure forgets a subject's campaign records there too). */
    EmailStore store() {
        return store;
    }

    private String identifier(EmailAddress address) {
        return (stripSubaddress ? address.withoutSubaddress() : address).value();
    }

    /** Configures a {@link Suppression}; setters check their argument. */
    public static final class Builder {
        private EmailStore store;
        private SuppressionKeys keys;
        private Clock clock = Clock.systemUTC();
        private boolean stripSubaddress;

        private Builder() {
        }

        /**
         * Required: where the list is kept.
         *
         * @param store the store
         * @return this builder
         * @throws InvalidValueException when null
         */
        public Builder store(EmailStore store) {
            this.store = Checks.required("store", store);
            return this;
        }

        /**
         * Required: the keys the addresses are hashed under.
         *
         * @param keys the ring
         * @return this builder
         * @throws InvalidValueException when null
         */
        public Builder keys(SuppressionKeys keys) {
            this.keys = Checks.required("keys", keys);
            return this;
        }

        /**
         * The clock that dates entries; defaults to the system clock (UTC).
         *
         * @param clock the clock
         * @return this builder
         * @throws InvalidValueException when null
         */
        public Builder clock(Clock clock) {
            this.clock = Checks.required("clock", clock);
            return this;
        }

        /**
         * Whether a sub-address ({@code alice+news@shop.example}) is stripped before hashing, so that suppressing
         * one sub-address suppresses the mailbox and all its sub-addresses. Off by default: a sub-address may be a
         * mailbox of its own, and not every provider delivers it to the main one. Changing it after entries were
         * made leaves them under the identifiers they were hashed from.
         *
         * @param strip true to strip
         * @return this builder
         */
        public Builder stripSubaddress(boolean strip) {
            this.stripSubaddress = strip;
            return this;
        }

        /**
         * Builds the list.
         *
         * @return the list
         * @throws InvalidValueException when the store or the keys are missing
         */
        public Suppression build() {
            Checks.required("store", store);
            Checks.required("keys", keys);
            return new Suppression(this);
        }
    }
}
