package dev.consent.recipients;

import dev.consent.InvalidValueException;
import dev.consent.internal.Checks;
import dev.consent.ledger.SubjectId;
import dev.consent.store.NoticeClaim;
import dev.consent.store.NoticeFinish;
import dev.consent.store.OutboxStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Delivers the recipients' outbox: claims due notices, hands each to the host's {@link RecipientNotifier} and records
 * the attempt. This is how a withdrawal, restriction, erasure or rectification reaches every recipient the policy
 * names (GDPR Art. 19; Art. 17(2) for recipients that are controllers; seed 001_f688c41ce3130c59.txt, section 4.2).
 * The host runs {@link #deliver} on a schedule, as it runs the retention sweeper.
 *
 * <p>Guarantees:
 * <ul>
 *   <li><b>At least once.</b> A notice is written with the change that caused it and stays pending until a notifier
 *       call for it returned and that was recorded. A dispatcher that dies mid-batch leaves its notices claimed until
 *       the lease ends; they are then delivered again with the same idempotency key.</li>
 *   <li><b>Never two at once.</b> Dispatchers on any number of nodes never hold the same notice while its lease runs
 *       ({@link OutboxStore#claimNotices}).</li>
 *   <li><b>Retried with backoff.</b> A notifier that throws is called again after {@code base * 2^(attempt-1)},
 *       capped at {@code max} (default 1 min to 6 h), while the other notices go on. A notice is never dropped: one that
 *       keeps failing stays pending, and visible in {@link #notices(SubjectId)} and the audit.</li>
 *   <li><b>Audited without personal data.</b> Every attempt appends a {@link DeliveryRecord}: notice id, recipient,
 *       action, purposes, categories, outcome, attempt, node and the failure's exception class, never the subject or an
 *       exception message. Logs carry the same, no more.</li>
 *   <li><b>Listed in the request's history.</b> A delivery of a notice caused by a rights request adds "told
 *       &lt;recipient&gt; at &lt;instant&gt;: ..." to that request's history, in the same atomic write that marks it
 *       delivered.</li>
 * </ul>
 * Thread-safe.
 */
public final class RecipientDispatcher {
    private static final Logger LOG = LoggerFactory.getLogger(RecipientDispatcher.class);

    private final OutboxStore store;
    private final RecipientNotifier notifier;
    private final Clock clock;
    private final String node;
    private final Duration lease;
    private final int batchSize;
    private final Duration retryBase;
    private final Duration retryMax;

    private RecipientDispatcher(Builder b) {
        this.store = b.store;
        this.notifier = b.notifier;
        this.clock = b.clock;
        this.node = b.node;
        this.lease = b.lease;
        this.batchSize = b.batchSize;
        this.retryBase = b.retryBase;
        this.retryMax = b.retryMax;
    }

    /**
     * A builder that needs a store and a notifier; every other setting has a default.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Delivers due notices until none is left or the budget is spent: at most {@code maxNotices} claimed, and no new
     * batch claimed after {@code maxDuration}. Safe to run on several nodes at once.
     *
     * @param maxNotices the most notices to claim in this run, 1 or more
     * @param maxDuration after how long no new batch is claimed (a batch already claimed is finished)
     * @return how many notices were claimed, delivered and failed, how many claims were lost to another node, and
     *         whether the budget ran out
     * @throws InvalidValueException when {@code maxNotices} is below 1 or {@code maxDuration} is null
     */
    public DeliveryReport deliver(int maxNotices, Duration maxDuration) {
        if (maxNotices < 1) {
            throw new InvalidValueException("maxNotices", maxNotices, "must be 1 or more");
        }
        long deadline = System.nanoTime() + Checks.required("maxDuration", maxDuration).toNanos();
        int claimed = 0;
        int delivered = 0;
        int failed = 0;
        int lost = 0;
        boolean exhausted = false;
        while (true) {
            if (claimed >= maxNotices || System.nanoTime() >= deadline) {
                exhausted = true;
                break;
            }
            List<NoticeClaim> claims = store.claimNotices(now(), Math.min(batchSize, maxNotices - claimed), node,
                    lease);
            if (claims.isEmpty()) {
                break;
            }
            claimed += claims.size();
            for (NoticeClaim claim : claims) {
                NoticeFinish finish = attempt(claim);
                if (!store.finishNotice(finish)) {
                    lost++;
                    LOG.warn("a recipient notice claim lapsed before its attempt was recorded; another dispatcher has "
                            + "taken the notice over (notice {})", claim.entry().notice().id());
                } else if (finish.audit().outcome() == DeliveryRecord.Outcome.DELIVERED) {
                    delivered++;
                } else {
                    failed++;
                }
            }
        }
        DeliveryReport report = new DeliveryReport(claimed, delivered, failed, lost, exhausted);
        if (claimed > 0) {
            LOG.info("recipient outbox on {}: {}", node, report);
        }
        return report;
    }

    private NoticeFinish attempt(NoticeClaim claim) {
        RecipientNotice notice = claim.entry().notice();
        try {
            notifier.tell(RecipientNotification.of(notice, claim.attempt()));
        } catch (Exception | AssertionError e) {
            Instant at = now();
            Duration backoff = backoff(claim.attempt());
            // the class only: a notifier's message may quote the subject's address
            LOG.warn("recipient notifier failed telling {} of {} on attempt {} ({}); retrying in {}",
                    notice.recipientId(), notice.action(), claim.attempt(), e.getClass().getName(), backoff);
            return new NoticeFinish(claim, audit(notice, at, DeliveryRecord.Outcome.FAILED, claim.attempt(),
                    Optional.of(e.getClass().getName())), Optional.of(at.plus(backoff)), Optional.empty());
        }
        Instant at = now();
        return new NoticeFinish(claim, audit(notice, at, DeliveryRecord.Outcome.DELIVERED, claim.attempt(),
                Optional.empty()), Optional.empty(),
                notice.requestId().map(r -> DeliveryHistory.note(notice, at)));
    }

    private DeliveryRecord audit(RecipientNotice n, Instant at, DeliveryRecord.Outcome outcome, int attempt,
            Optional<String> failure) {
        return new DeliveryRecord(0, at, n.id(), n.recipientId(), n.action(), n.purposes(), n.categories(), outcome,
                attempt, node, failure.map(f -> f.length() <= 200 ? f : f.substring(0, 200)));
    }

    /** Exponential: base, doubling per failed attempt, capped at the maximum. */
    Duration backoff(int attempt) {
        long factor = 1L << Math.min(attempt - 1, 30);
        Duration d = retryBase.multipliedBy(factor);
        return d.compareTo(retryMax) > 0 || d.isNegative() ? retryMax : d;
    }

    /** The stores keep microseconds: every instant here is truncated to them. */
    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }

    /**
     * Every notice about a subject, pending and delivered, oldest first.
     *
     * @param subject whose notices
     * @return the entries as the outbox holds them now
     */
    public List<OutboxEntry> notices(SubjectId subject) {
        return store.notices(Checks.required("subject", subject));
    }

    /**
     * Delivery audit entries after {@code afterSequence}, in order: page on with the last entry's sequence.
     *
     * @param afterSequence 0 for the first page
     * @param limit the most entries to return
     * @return the entries, in sequence order
     */
    public List<DeliveryRecord> deliveries(long afterSequence, int limit) {
        return store.deliveries(afterSequence, limit);
    }

    /** Configures a {@link RecipientDispatcher}; every setting is validated in {@link #build()}. */
    public static final class Builder {
        private OutboxStore store;
        private RecipientNotifier notifier;
        private Clock clock = Clock.systemUTC();
        private String node = "node-" + UUID.randomUUID().toString().substring(0, 8);
        private Duration lease = Duration.ofMinutes(5);
        private int batchSize = 100;
        private Duration retryBase = Duration.ofMinutes(1);
        private Duration retryMax = Duration.ofHours(6);

        private Builder() {
        }

        /**
         * Required: the store the notices are written to, the same one the consent service and the rights service
         * write through (so that deliveries reach the requests' histories).
         *
         * @param store the outbox store
         * @return this builder
         */
        public Builder store(OutboxStore store) {
            this.store = store;
            return this;
        }

        /**
         * Required: the host's code that tells a recipient.
         *
         * @param notifier the notifier
         * @return this builder
         */
        public Builder notifier(RecipientNotifier notifier) {
            this.notifier = notifier;
            return this;
        }

        /**
         * The clock that dates attempts, claims and backoffs. Default: UTC system clock.
         *
         * @param clock the clock
         * @return this builder
         */
        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        /**
         * This node's name in claims and the audit. Defaults to a random one.
         *
         * @param name at most 100 characters
         * @return this builder
         */
        public Builder node(String name) {
            this.node = name;
            return this;
        }

        /**
         * How long a claim is exclusive; a dead dispatcher's notices are delivered by another after it. Longer than the
         * slowest notifier call. Default 5 min.
         *
         * @param lease a positive duration
         * @return this builder
         */
        public Builder lease(Duration lease) {
            this.lease = lease;
            return this;
        }

        /**
         * How many notices one claim takes. Default 100.
         *
         * @param notices 1 to 10,000
         * @return this builder
         */
        public Builder batchSize(int notices) {
            this.batchSize = notices;
            return this;
        }

        /**
         * Backoff after a failed attempt: base, doubling per attempt, capped at max. Default 1 min to 6 h.
         *
         * @param base the wait after the first failure, positive
         * @param max the longest wait, no shorter than {@code base}
         * @return this builder
         */
        public Builder retryBackoff(Duration base, Duration max) {
            this.retryBase = base;
            this.retryMax = max;
            return this;
        }

        /**
         * The dispatcher, once every setting is checked.
         *
         * @return the dispatcher
         * @throws InvalidValueException naming the setting that is missing or out of range
         */
        public RecipientDispatcher build() {
            Checks.required("store", store);
            Checks.required("notifier", notifier);
            Checks.required("clock", clock);
            Checks.text("node", node, 100);
            if (lease == null || lease.isNegative() || lease.isZero()) {
                throw new InvalidValueException("lease", lease, "must be a positive duration");
            }
            if (batchSize < 1 || batchSize > 10_000) {
                throw new InvalidValueException("batchSize", batchSize, "must be between 1 and 10000");
            }
            if (retryBase == null || retryBase.isNegative() || retryBase.isZero() || retryMax == null
                    || retryMax.compareTo(retryBase) < 0) {
                throw new InvalidValueException("retryBackoff", retryBase + ".." + retryMax,
                        "must be a positive base no larger than the maximum");
            }
            return new RecipientDispatcher(this);
        }
    }
}
