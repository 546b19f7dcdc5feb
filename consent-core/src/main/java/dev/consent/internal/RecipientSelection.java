package dev.consent.internal;

import dev.consent.ledger.Choice;
import dev.consent.ledger.ChoiceFact;
import dev.consent.ledger.ConsentEvent;
import dev.consent.ledger.Method;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.CategoryId;
import dev.consent.policy.LegalBasis;
import dev.consent.policy.Policy;
import dev.consent.policy.Purpose;
import dev.consent.policy.PurposeId;
import dev.consent.policy.Recipient;
import dev.consent.recipients.NoticeAction;
import dev.consent.recipients.RecipientNotice;
import dev.consent.rights.RightsRequest;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Which recipients are told of a change, and of what (GDPR Art. 19: "to each recipient to whom the personal data have
 * been disclosed"; seed 001_f688c41ce3130c59.txt, section 4.2, the recipients table). Public only so that the packages
 * of this library can share it; not part of the supported API.
 *
 * <p>The rules, the same for every action:
 * <ol>
 *   <li>A recipient is told of a purpose it receives data for (its {@link Recipient#purposes()}), among the purposes
 *       the change affects.</li>
 *   <li>Only where the subject's data may have been disclosed to it: a purpose on a basis other than consent always
 *       (the library cannot know whether an order was shared with the carrier, so it assumes so), a consent purpose
 *       only if the subject, or a visitor linked to it, granted it or a purpose above it at some time. Telling a
 *       recipient about a subject it never received would itself disclose that subject.</li>
 *   <li>The categories told are those the recipient receives that those purposes hold (all it receives, when the
 *       policy's lists do not meet), narrowed to the categories the change concerns. A recipient left with none is not
 *       told.</li>
 * </ol>
 */
public final class RecipientSelection {

    private RecipientSelection() {
    }

    /** Whether any event is a withdrawal or a restriction, the choices recipients are told of. */
    public static boolean concernsRecipients(Collection<ConsentEvent> events) {
        for (ConsentEvent e : events) {
            if (action(e.choice()) != null) {
                return true;
            }
        }
        return false;
    }

    /** Whether any of the policies names a recipient. */
    public static boolean anyRecipients(Collection<Policy> policies) {
        return policies.stream().anyMatch(p -> !p.recipients().isEmpty());
    }

    private static NoticeAction action(Choice c) {
        return switch (c) {
            case WITHDRAWN -> NoticeAction.WITHDRAWAL;
            case RESTRICTED -> NoticeAction.RESTRICTION;
            default -> null;
        };
    }

    /**
     * The notices for consent events about to be appended: for each subject, one notice per recipient for its
     * withdrawals (GDPR Art. 7(3): the purposes withdrawn and those beneath them) and one for its restrictions
     * (Art. 18 and 19: the purposes restricted and those beneath them, except those on a legal obligation or vital
     * interests, which a restriction does not stop). {@code facts} are the subjects' decision facts before the
     * append; grants in the batch itself count too. A notice names the rights request its events were recorded for
     * (method {@link Method#RIGHTS_REQUEST}, the request id as evidence reference, as the rights service records
     * them).
     */
    public static List<RecipientNotice> forEvents(Function<Instant, Policy> policyAt, List<ConsentEvent> events,
            Map<SubjectId, List<ChoiceFact>> facts, Instant recordedAt) {
        Map<SubjectId, Map<NoticeAction, List<ConsentEvent>>> groups = new LinkedHashMap<>();
        Map<SubjectId, Set<PurposeId>> granted = new LinkedHashMap<>();
        for (ConsentEvent e : events) {
            if (e.choice() == Choice.GRANTED) {
                granted.computeIfAbsent(e.subject(), s -> new TreeSet<>()).add(e.purpose());
            }
            NoticeAction action = action(e.choice());
            if (action != null) {
                groups.computeIfAbsent(e.subject(), s -> new LinkedHashMap<>())
                        .computeIfAbsent(action, a -> new ArrayList<>()).add(e);
            }
        }
        Instant recorded = recordedAt.truncatedTo(ChronoUnit.MICROS);
        List<RecipientNotice> out = new ArrayList<>();
        for (Map.Entry<SubjectId, Map<NoticeAction, List<ConsentEvent>>> bySubject : groups.entrySet()) {
            SubjectId subject = bySubject.getKey();
            Set<PurposeId> grants = granted.computeIfAbsent(subject, s -> new TreeSet<>());
            for (ChoiceFact f : facts.getOrDefault(subject, List.of())) {
                if (f.choice() == Choice.GRANTED) {
                    grants.add(f.purpose());
                }
            }
            for (Map.Entry<NoticeAction, List<ConsentEvent>> group : bySubject.getValue().entrySet()) {
                List<ConsentEvent> cause = group.getValue();
                Instant occurredAt = cause.stream().map(ConsentEvent::occurredAt).min(Instant::compareTo).orElseThrow();
                Policy policy = policyAt.apply(occurredAt);
                Set<PurposeId> chosen = new TreeSet<>();
                cause.forEach(e -> chosen.add(e.purpose()));
                Set<PurposeId> affected = new TreeSet<>();
                for (Purpose p : policy.purposes()) {
                    boolean beneath = policy.lineage(p.id()).stream().anyMatch(q -> chosen.contains(q.id()));
                    boolean exempt = group.getKey() == NoticeAction.RESTRICTION
                            && (p.basis() == LegalBasis.LEGAL_OBLIGATION || p.basis() == LegalBasis.VITAL_INTERESTS);
                    if (beneath && !exempt) {
                        affected.add(p.id());
                    }
                }
                List<String> causes = cause.stream().map(e -> e.id().value()).sorted().toList();
                out.addAll(notices(policy, subject, group.getKey(), affected, mayHaveReceived(policy, grants),
                        c -> true, causes, requestOf(cause), occurredAt, recorded));
            }
        }
        return out;
    }

    /**
     * The notices for a rights request carried out at {@code at}: one per recipient of any purpose whose data in
     * {@code scope} it receives, where it may have received the subject's data ({@code granted}: the consent purposes
     * the subject, or a visitor linked to it, ever granted).
     */
    public static List<RecipientNotice> forRequest(Policy policy, RightsRequest request, NoticeAction action,
            Predicate<CategoryId> scope, Set<PurposeId> granted, Instant at) {
        Set<PurposeId> all = new TreeSet<>();
        policy.purposes().forEach(p -> all.add(p.id()));
        return notices(policy, request.subject(), action, all, mayHaveReceived(policy, granted), scope,
                List.of("request:" + request.id()), Optional.of(request.id()), at.truncatedTo(ChronoUnit.MICROS),
                at.truncatedTo(ChronoUnit.MICROS));
    }

    private static Predicate<PurposeId> mayHaveReceived(Policy policy, Set<PurposeId> granted) {
        return id -> {
            Purpose p = policy.purpose(id);
            return p.basis() != LegalBasis.CONSENT
                    || policy.lineage(id).stream().anyMatch(q -> granted.contains(q.id()));
        };
    }

    private static List<RecipientNotice> notices(Policy policy, SubjectId subject, NoticeAction action,
            Set<PurposeId> affected, Predicate<PurposeId> mayHaveReceived, Predicate<CategoryId> scope,
            List<String> causes, Optional<String> requestId, Instant occurredAt, Instant recordedAt) {
        List<RecipientNotice> out = new ArrayList<>();
        for (Recipient r : policy.recipients()) {
            Set<PurposeId> purposes = new TreeSet<>();
            Set<CategoryId> held = new TreeSet<>();
            for (PurposeId p : r.purposes()) {
                if (affected.contains(p) && mayHaveReceived.test(p)) {
                    purposes.add(p);
                    held.addAll(policy.purpose(p).categories());
                }
            }
            if (purposes.isEmpty()) {
                continue;
            }
            Set<CategoryId> categories = new TreeSet<>(r.categories());
            categories.retainAll(held);
            if (categories.isEmpty()) {
                categories.addAll(r.categories());
            }
            categories.removeIf(scope.negate());
            if (categories.isEmpty()) {
                continue;
            }
            out.add(new RecipientNotice(RecipientNotice.idOf(action, r.id(), causes), subject, r.id(), r.name(),
                    r.role(), action, new TreeSet<>(purposes), new TreeSet<>(categories), requestId, occurredAt,
                    recordedAt));
        }
        return out;
    }

    /** The rights request a group of events was recorded for, when they all name the same one. */
    private static Optional<String> requestOf(List<ConsentEvent> events) {
        String reference = null;
        for (ConsentEvent e : events) {
            String ref = e.evidence().reference();
            if (e.method() != Method.RIGHTS_REQUEST || ref == null || ref.isBlank() || ref.length() > 100
                    || reference != null && !reference.equals(ref)) {
                return Optional.empty();
            }
            reference = ref;
        }
        return Optional.ofNullable(reference);
    }
}
