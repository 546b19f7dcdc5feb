package dev.consent;

import dev.consent.internal.Checks;
import dev.consent.internal.LedgerPruning;
import dev.consent.ledger.ChainCheckpoint;
import dev.consent.ledger.ChainHead;
import dev.consent.ledger.ChainVerification;
import dev.consent.ledger.ConsentChain;
import dev.consent.ledger.ConsentEvent;
import dev.consent.ledger.SubjectId;
import dev.consent.ledger.VisitorId;
import dev.consent.policy.PolicyVersions;
import dev.consent.store.ConsentStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.Period;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The ledger's own retention: verifies chains against their signed checkpoints, prunes the superseded prefix of a
 * chain behind a new checkpoint, and prunes or erases change-feed entries. The rules each operation keeps are stated on
 * the {@link ConsentService} methods that expose it. Logs name no subject.
 */
final class LedgerPruner {
    private static final Logger LOG = LoggerFactory.getLogger(LedgerPruner.class);

    private final ConsentStore store;
    private final Clock clock;
    private final PolicyVersions versions;
    /** Null when none was configured: chains then verify only without a checkpoint, and nothing can be pruned. */
    private final byte[] checkpointKey;
    /** The smallest age of change-feed entries that may go: the staleness bound when the feed is read. */
    private final Optional<Duration> stalenessBound;
    private final Consumer<SubjectId> changed;

    LedgerPruner(ConsentStore store, Clock clock, PolicyVersions versions, byte[] checkpointKey,
            Optional<Duration> stalenessBound, Consumer<SubjectId> changed) {
        this.store = store;
        this.clock = clock;
        this.versions = versions;
        this.checkpointKey = checkpointKey;
        this.stalenessBound = stalenessBound;
        this.changed = changed;
    }

    /** As {@link ConsentService#verify}. */
    ChainVerification verify(SubjectId subject) {
        Optional<ChainHead> head = Optional.ofNullable(store.heads(List.of(subject)).get(subject));
        return ConsentChain.verify(subject, new PagedEvents(store, subject), head, store.checkpoint(subject),
                checkpointKey);
    }

    /** As {@link ConsentService#pruneLedger}, which states what it throws. */
    Optional<ChainCheckpoint> pruneLedger(SubjectId subject, Period keep) {
        if (checkpointKey == null) {
            throw new InvalidValueException("checkpointKey", null,
                    "is required to prune: a pruned chain is verified through a signed checkpoint");
        }
        if (keep == null || keep.isNegative()) {
            throw new InvalidValueException("keep", keep, "must be a non-negative period");
        }
        ChainVerification before = verify(subject);
        if (!before.intact()) {
            throw new ConflictException("subject's chain is broken at " + before.firstBreak().orElseThrow()
                    + "; it is not pruned so that the evidence of tampering is kept");
        }
        Instant now = clock.instant();
        List<ConsentEvent> history = new ArrayList<>();
        new PagedEvents(store, subject).forEachRemaining(history::add);
        Optional<LedgerPruning.Prefix> prefix = LedgerPruning.prunablePrefix(history, versions.at(now), now, keep);
        if (prefix.isEmpty()) {
            LOG.debug("ledger pruning: nothing of the chain has been superseded for {} yet", keep);
            return Optional.empty();
        }
        Instant horizon = store.checkpoint(subject).map(c -> c.horizon().isAfter(prefix.get().horizon()) ? c.horizon()
                : prefix.get().horizon()).orElse(prefix.get().horizon());
        ChainCheckpoint cp = ChainCheckpoint.sign(subject, prefix.get().sequence(), prefix.get().hash(),
                now.truncatedTo(ChronoUnit.MICROS), horizon, checkpointKey);
        if (!store.prune(cp)) {
            throw new ConflictException("subject's chain changed while it was being pruned; nothing was pruned");
        }
        changed.accept(subject);
        VisitorId.from(subject).flatMap(store::customerOf).ifPresent(changed);
        LOG.debug("ledger pruning: events up to #{} pruned behind a checkpoint, horizon {}", cp.sequence(), horizon);
        return Optional.of(cp);
    }

    /** As {@link ConsentService#pruneChangeFeed}, which states what it throws. */
    long pruneChangeFeed(Duration olderThan) {
        long pruned = store.pruneChanges(feedCutoff(olderThan));
        LOG.debug("change feed pruning: {} entries older than {} removed", pruned, olderThan);
        return pruned;
    }

    /** As {@link ConsentService#eraseFromChangeFeed}, which states what it throws. */
    long eraseFromChangeFeed(SubjectId subject, Duration olderThan) {
        Checks.required("subject", subject);
        long left = store.eraseChanges(subject, feedCutoff(olderThan));
        LOG.debug("change feed erasure: {} entries naming the subject left", left);
        return left;
    }

    private Instant feedCutoff(Duration olderThan) {
        if (olderThan == null || olderThan.isNegative() || olderThan.isZero()) {
            throw new InvalidValueException("olderThan", olderThan, "must be a positive duration");
        }
        if (stalenessBound.isPresent() && olderThan.compareTo(stalenessBound.get()) < 0) {
            throw new InvalidValueException("olderThan", olderThan, "must be at least the staleness bound "
                    + stalenessBound.get() + ": a smaller bound would prune entries nodes are still "
                    + "expected to read, making them drop their caches");
        }
        try {
            return clock.instant().minus(olderThan);
        } catch (ArithmeticException | DateTimeException e) {
            throw new InvalidValueException("olderThan", olderThan, "reaches before the earliest instant there is");
        }
    }
}
