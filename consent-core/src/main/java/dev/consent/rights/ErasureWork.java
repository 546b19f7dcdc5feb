package dev.consent.rights;

import dev.consent.ConsentService;
import dev.consent.InvalidValueException;
import dev.consent.internal.Checks;
import dev.consent.internal.RecipientSelection;
import dev.consent.ledger.Choice;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.CategoryId;
import dev.consent.policy.Policy;
import dev.consent.policy.PurposeId;
import dev.consent.email.EmailErasure;
import dev.consent.processing.ProcessingLog;
import dev.consent.recipients.NoticeAction;
import dev.consent.recipients.RecipientNotice;
import dev.consent.retention.ErasureAnswer;
import dev.consent.retention.RetentionService;
import dev.consent.retention.Sweeper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The work of an erasure request for {@link RightsService#erase}: consents withdrawn, retention asked, due items
 * disposed of at once when a sweeper is given, the processing log pseudonymised, recipients told, and the shop's own
 * data sources asked when retention knows nothing of the subject. The answer it returns says of each item what
 * really happened: disposed of only when the disposal is recorded, otherwise due, for the next sweep.
 */
final class ErasureWork {
    private static final Logger LOG = LoggerFactory.getLogger(RightsService.class);

    private final RequestMoves moves;
    private final ConsentService consents;
    /** Null when erasures are not carried out. */
    private final RetentionService retention;
    /** Null: the next sweep disposes of what an erasure makes due. */
    private final Sweeper sweeper;
    /** Null when no processing log is kept. */
    private final ProcessingLog processing;
    /** Null when no email erasure is configured. */
    private final EmailErasure email;
    private final List<SubjectDataContributor> contributors;

    ErasureWork(RequestMoves moves, ConsentService consents, RetentionService retention, Sweeper sweeper,
            ProcessingLog processing, EmailErasure email, List<SubjectDataContributor> contributors) {
        this.email = email;
        this.moves = moves;
        this.consents = consents;
        this.retention = retention;
        this.sweeper = sweeper;
        this.processing = processing;
        this.contributors = List.copyOf(contributors);
    }

    /** Carries out the verified erasure request {@code r}; see {@link RightsService#erase}. */
    ErasureAnswer erase(RightsRequest r, String actor) {
        if (retention == null) {
            throw new InvalidValueException("retention", null, "is required to carry out erasure requests");
        }
        String requestId = r.id();
        if (email != null) {
            // first, while the host still knows the addresses: an erasure never goes ahead without its suppression
            email.erase(r.subject());
        }
        consents.withdrawAll(r.subject(), RequestMoves.systemCapture(requestId, "erasure"));
        ErasureAnswer answer = retention.requestErasure(r.subject());
        if (sweeper != null) {
            answer = answer.withDisposals(sweeper.disposeDue(r.subject()));
        }
        List<RecipientNotice> notices = new ArrayList<>();
        Instant now = moves.now();
        Policy policy = consents.policyAt(now);
        if (!policy.recipients().isEmpty()) {
            Set<CategoryId> kept = new HashSet<>();
            answer.kept().forEach(e -> kept.add(e.item().category()));
            Set<PurposeId> granted = grantedPurposes(r.subject());
            notices.addAll(RecipientSelection.forRequest(policy, r, NoticeAction.ERASURE, c -> !kept.contains(c),
                    granted, now));
            notices.addAll(RecipientSelection.forRequest(policy, r, NoticeAction.RESTRICTION, kept::contains, granted,
                    now));
        }
        String explained = answer.explain();
        if (processing != null) {
            long entries = processing.pseudonymise(r.subject());
            explained += "\nThe record of how your data was used no longer names you (" + entries + " processing log "
                    + "entries now kept under a pseudonym, with their dates, for accountability: GDPR Art. 5(2)).";
        }
        if (!answer.nothingKnown()) {
            complete(requestId, actor, explained, notices);
            return answer;
        }
        HostData host = askContributors(r.subject());
        if (host.noneHeld()) {
            complete(requestId, actor, explained + "\n" + host.text(), notices);
        } else {
            String outcome = explained + "\n" + host.text() + "\nThe request stays open until the shop"
                    + " confirms what it erased (GDPR Art. 17(1), Art. 5(2)).";
            moves.move(requestId, RequestStatus.AWAITING_HOST_CONFIRMATION, "erase", actor,
                    changed -> "no retained item of the subject is known; awaiting the shop's confirmation of what it"
                            + " erased", changed -> RequestMoves.withOutcome(changed, outcome), notices);
        }
        return answer;
    }

    private void complete(String requestId, String actor, String answer, List<RecipientNotice> notices) {
        moves.move(requestId, RequestStatus.COMPLETED, RequestStatus.COMPLETED.action(), actor, changed -> "completed",
                r -> RequestMoves.withOutcome(r, answer), notices);
    }

    /** The purposes the subject, or a visitor linked to it, ever granted: whose recipients may have its data. */
    Set<PurposeId> grantedPurposes(SubjectId subject) {
        Set<PurposeId> out = new HashSet<>();
        List<SubjectId> chains = new ArrayList<>();
        consents.visitorsOf(subject).forEach(v -> chains.add(v.subject()));
        chains.add(subject);
        for (SubjectId s : chains) {
            consents.forEachEvent(s, e -> {
                if (e.choice() == Choice.GRANTED) {
                    out.add(e.purpose());
                }
            });
        }
        return out;
    }

    /** What the contributors said of the subject's data in the shop's own tables. */
    private record HostData(boolean noneHeld, String text) {
    }

    /**
     * Asks every contributor whether the shop's tables behind it hold the subject's data. A contributor that throws
     * counts as one that cannot tell (fail closed: the request then waits for the shop's confirmation).
     */
    private HostData askContributors(SubjectId subject) {
        if (contributors.isEmpty()) {
            return new HostData(false, "No data contributor reports on the shop's own tables.");
        }
        List<String> none = new ArrayList<>();
        List<String> others = new ArrayList<>();
        for (SubjectDataContributor c : contributors) {
            SubjectDataContributor.Presence presence;
            try {
                presence = Checks.required("presence", c.presence(subject));
            } catch (RuntimeException e) {
                LOG.warn("data contributor {} failed to say whether it holds a subject's data ({}); the erasure waits"
                        + " for the shop's confirmation", c.name(), e.getClass().getName());
                others.add(c.name() + " could not be asked");
                continue;
            }
            switch (presence) {
                case NONE -> none.add(c.name());
                case HOLDS_DATA -> others.add(c.name() + " holds data of the subject");
                case UNKNOWN -> others.add(c.name() + " cannot tell whether it holds data of the subject");
            }
        }
        if (others.isEmpty()) {
            return new HostData(true, "The shop's own data sources report holding none of the subject's data: "
                    + String.join(", ", none) + ".");
        }
        return new HostData(false, "The shop's own data sources: " + String.join("; ", others)
                + (none.isEmpty() ? "" : "; " + String.join(", ", none) + " hold none") + ".");
    }
}
