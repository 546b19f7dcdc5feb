package dev.consent.retention;

import dev.consent.StoreException;
import dev.consent.policy.Policy;
import dev.consent.store.Claim;
import dev.consent.store.RetentionStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The sweeper's judgement of one claimed item, just before disposal: the verdict on the item and its subject's holds
 * as read at most {@code refreshHoldsAfter} ago, the handler call if it is due, and the audit entry of the attempt;
 * and the recording of a batch's attempts in one store call.
 */
final class ItemJudge {
    private static final Logger LOG = LoggerFactory.getLogger(Sweeper.class);
    /** How long an item found held waits before the sweeper looks at it again, unless the hold is released. */
    private static final Duration HELD_RECHECK = Duration.ofDays(1);

    private final Sweeper sweeper;

    ItemJudge(Sweeper sweeper) {
        this.sweeper = sweeper;
    }

    /** An attempt whose handler has run (or was not called), waiting to be recorded. */
    record Pending(RetentionStore.FinishedAttempt attempt, DisposalRecord.Outcome outcome) {
    }

    /**
     * Judges one claimed item on {@code item} (as read at most {@code refreshHoldsAfter} ago) and the subject's
     * {@code holds}, and calls its handler through {@code batch} if it is due; returns the attempt to record.
     */
    Pending attempt(Claim claim, RetainedItem item, List<LegalHold> holds, SweepBatch batch) {
        // the ledger keeps microseconds: backoffs and due instants are computed from a truncated "now"
        Instant now = sweeper.clock.instant().truncatedTo(ChronoUnit.MICROS);
        // 1. holds are checked again here, just before disposal, not only when planning
        // judged under the policy version in force now, which the audit entry names
        RetentionEngine engine = sweeper.retention.engineAt(now);
        RetentionVerdict v = engine.evaluate(item.facts(holds), now);
        Instant dueAt = item.dueAt().orElse(now);
        DisposalAction action = v.action().orElse(DisposalAction.DELETE);
        String ruleId = v.decidingRule().orElse("none");
        String reference = sweeper.referenceKey.itemReference(item.key()); // an HMAC: computed once per attempt
        String key = reference + ":" + dueAt.toEpochMilli() + ":" + action;
        Attempt a = new Attempt(claim, engine.policy(), dueAt, action, ruleId, reference, key);
        if (v.status() == RetentionVerdict.Status.HELD) {
            // holds are not in the due index: look again once a day, or when the hold is released
            return a.pending(item.withRetry(item.attempts(), now.plus(HELD_RECHECK)),
                    DisposalRecord.Outcome.SKIPPED_HELD, Optional.empty());
        }
        if (v.status() != RetentionVerdict.Status.DUE) {
            return a.pending(item.withDueOrNone(v.dueAt()).withoutRetry(),
                    DisposalRecord.Outcome.SKIPPED_NOT_DUE, Optional.empty());
        }
        DisposalHandler handler = sweeper.handlers.get(item.key().category());
        if (handler == null) {
            return a.pending(item.withRetry(claim.attempt(), now.plus(sweeper.retryMax)),
                    DisposalRecord.Outcome.NO_HANDLER, Optional.empty());
        }
        DisposalRequest request = new DisposalRequest(item.key(), action, ruleId, dueAt, key, claim.attempt());
        RetainedItem retry = item.withRetry(claim.attempt(), now.plus(sweeper.backoff(claim.attempt())));
        Optional<String> failure = batch.call(handler, request,
                givenUp -> a.pending(retry, DisposalRecord.Outcome.FAILED, Optional.of(givenUp)));
        if (failure.isPresent()) {
            return a.pending(retry, DisposalRecord.Outcome.FAILED, failure);
        }
        return a.pending(item.withState(RetainedItem.State.DISPOSED).withoutRetry(),
                DisposalRecord.Outcome.DISPOSED, Optional.empty());
    }

    /**
     * What every outcome of one attempt shares: the claim, the policy version judged under, the item's due instant, the
     * action, rule, the item's reference (of the claimed item's key, which the judged item shares) and key.
     */
    private final class Attempt {
        private final Claim claim;
        private final Policy policy;
        private final Instant dueAt;
        private final DisposalAction action;
        private final String ruleId;
        private final String reference;
        private final String key;

        Attempt(Claim claim, Policy policy, Instant dueAt, DisposalAction action, String ruleId, String reference,
                String key) {
            this.claim = claim;
            this.policy = policy;
            this.dueAt = dueAt;
            this.action = action;
            this.ruleId = ruleId;
            this.reference = reference;
            this.key = key;
        }

        /** The attempt with this outcome, its item as it is to be saved, and its audit entry. */
        Pending pending(RetainedItem updated, DisposalRecord.Outcome outcome, Optional<String> failure) {
            ItemKey item = claim.item().key();
            Optional<RetentionRule> rule = policy.retentionRules().stream()
                    .filter(r -> r.id().equals(ruleId)).findFirst();
            Optional<Anchor> anchor = rule.map(RetentionRule::anchor);
            DisposalRecord audit = new DisposalRecord(0, sweeper.clock.instant().truncatedTo(ChronoUnit.MICROS),
                    reference, item.category().value(), item.purposeKey(), ruleId,
                    policy.version(), anchor, anchor.map(a -> claim.item().anchors().get(a)), dueAt,
                    action, outcome, claim.attempt(), key, sweeper.node, failure);
            return new Pending(new RetentionStore.FinishedAttempt(claim, updated, audit), outcome);
        }
    }

    /**
     * Records attempts in one store call; returns their outcomes in order, null where the claim was lost to another
     * sweeper.
     */
    List<DisposalRecord.Outcome> record(List<Pending> pending) {
        if (pending.isEmpty()) {
            return List.of();
        }
        List<RetentionStore.FinishedAttempt> attempts = new ArrayList<>(pending.size());
        for (Pending p : pending) {
            attempts.add(p.attempt());
        }
        List<Boolean> recorded = sweeper.store.finishClaims(attempts);
        if (recorded.size() != pending.size()) {
            throw new StoreException("finishClaims", "the store answered " + recorded.size() + " finishes for "
                    + pending.size());
        }
        List<DisposalRecord.Outcome> out = new ArrayList<>(pending.size());
        int lost = 0;
        for (int i = 0; i < pending.size(); i++) {
            if (recorded.get(i)) {
                out.add(pending.get(i).outcome());
            } else {
                lost++;
                out.add(null);
            }
        }
        LOG.debug("retention sweep on {}: recorded {} attempts", sweeper.node, pending.size() - lost);
        if (lost > 0) {
            LOG.warn("retention sweep on {}: {} disposal claims expired before they were recorded; another sweeper"
                    + " has taken the items over", sweeper.node, lost);
        }
        return out;
    }
}
