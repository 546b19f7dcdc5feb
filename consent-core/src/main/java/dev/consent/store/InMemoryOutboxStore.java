package dev.consent.store;

import dev.consent.InvalidValueException;
import dev.consent.internal.Checks;
import dev.consent.internal.StoreArguments;
import dev.consent.ledger.ConsentEvent;
import dev.consent.ledger.SubjectId;
import dev.consent.recipients.DeliveryHistory;
import dev.consent.recipients.DeliveryRecord;
import dev.consent.recipients.OutboxBacklog;
import dev.consent.recipients.OutboxEntry;
import dev.consent.recipients.RecipientNotice;
import dev.consent.rights.RightsRequest;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The recipients' outbox held in this JVM's memory, over an {@link InMemoryConsentStore} and an
 * {@link InMemoryRightsStore}: a notice is added under the lock of the store whose write caused it, in the same step
 * as that write, so there is either the change and its notices or neither; a delivery's history step is written under
 * the rights store's lock together with the delivery. Complete and thread-safe, for tests, demos and single-node
 * hosts; nothing survives a restart.
 */
public final class InMemoryOutboxStore implements OutboxStore {
    private final InMemoryConsentStore consents;
    private final InMemoryRightsStore rights;
    /** Guards the outbox and the delivery audit; taken after the consent or rights store's lock, never before. */
    private final Object lock = new Object();
    /** In recording order. */
    private final Map<String, OutboxRow> outbox = new LinkedHashMap<>();
    private final List<DeliveryRecord> deliveries = new ArrayList<>();

    private record OutboxRow(OutboxEntry entry, ClaimRow claim) {
    }

    private record ClaimRow(String token, String owner, Instant leaseUntil) {
    }

    /**
     * The outbox whose notices join the appends of {@code consents} and the request saves of {@code rights}.
     *
     * @param consents the consent store whose appends the notices join
     * @param rights the rights store whose request saves the notices join
     * @throws InvalidValueException if either is null
     */
    public InMemoryOutboxStore(InMemoryConsentStore consents, InMemoryRightsStore rights) {
        this.consents = Checks.required("consents", consents);
        this.rights = Checks.required("rights", rights);
    }

    /** {@inheritDoc} Under the consent store's write lock: the append and the notices, or nothing. */
    @Override
    public ConsentStore.AppendResult append(List<ConsentEvent> events, List<RecipientNotice> notices) {
        List<RecipientNotice> checked = checkedNotices(notices);
        if (Checks.required("events", events).isEmpty() && !checked.isEmpty()) {
            throw new InvalidValueException("notices", checked.size() + " notices",
                    "are written only with the events that caused them");
        }
        synchronized (consents.lock) {
            ConsentStore.AppendResult result = consents.append(events);
            if (result.appended()) {
                addNotices(checked);
            }
            return result;
        }
    }

    /** {@inheritDoc} Under the rights store's lock: the save and the notices, or nothing. */
    @Override
    public boolean saveRequest(RightsRequest request, List<RecipientNotice> notices) {
        List<RecipientNotice> checked = checkedNotices(notices);
        synchronized (rights.lock) {
            boolean saved = rights.saveRequest(request);
            if (saved) {
                addNotices(checked);
            }
            return saved;
        }
    }

    private static List<RecipientNotice> checkedNotices(List<RecipientNotice> notices) {
        Checks.required("notices", notices);
        notices.forEach(n -> Checks.required("notices[]", n));
        return List.copyOf(notices);
    }

    private void addNotices(List<RecipientNotice> notices) {
        synchronized (lock) {
            for (RecipientNotice n : notices) {
                outbox.putIfAbsent(n.id(), new OutboxRow(OutboxEntry.pending(n), null));
            }
        }
    }

    @Override
    public List<NoticeClaim> claimNotices(Instant now, int limit, String owner, Duration lease) {
        StoreArguments.limit(limit);
        Checks.required("now", now);
        Checks.text("owner", owner, 100);
        Checks.required("lease", lease);
        synchronized (lock) {
            List<OutboxRow> due = new ArrayList<>();
            for (OutboxRow row : outbox.values()) {
                OutboxEntry e = row.entry();
                if (e.state() == OutboxEntry.State.PENDING && !e.nextAttemptAt().orElseThrow().isAfter(now)
                        && (row.claim() == null || !row.claim().leaseUntil().isAfter(now))) {
                    due.add(row);
                }
            }
            due.sort(Comparator.comparing((OutboxRow r) -> r.entry().nextAttemptAt().orElseThrow())
                    .thenComparing(r -> r.entry().notice().id()));
            List<NoticeClaim> out = new ArrayList<>();
            for (OutboxRow row : due.subList(0, Math.min(limit, due.size()))) {
                ClaimRow claim = new ClaimRow(UUID.randomUUID().toString(), owner, now.plus(lease));
                outbox.put(row.entry().notice().id(), new OutboxRow(row.entry(), claim));
                out.add(new NoticeClaim(row.entry(), claim.token(), owner, claim.leaseUntil(),
                        row.entry().attempts() + 1));
            }
            return List.copyOf(out);
        }
    }

    /** {@inheritDoc} Under the rights store's lock and then the outbox's, so the history step joins the delivery. */
    @Override
    public boolean finishNotice(NoticeFinish finish) {
        Checks.required("finish", finish);
        String id = finish.claim().entry().notice().id();
        synchronized (rights.lock) {
            synchronized (lock) {
                OutboxRow row = outbox.get(id);
                if (row == null || row.claim() == null || !row.claim().token().equals(finish.claim().token())) {
                    return false;
                }
                OutboxEntry e = row.entry();
                DeliveryRecord audit = finish.audit();
                OutboxEntry next = audit.outcome() == DeliveryRecord.Outcome.DELIVERED
                        ? new OutboxEntry(e.notice(), OutboxEntry.State.DELIVERED, e.attempts(), Optional.empty(),
                                Optional.of(audit.at()), e.lastFailure())
                        : new OutboxEntry(e.notice(), OutboxEntry.State.PENDING, finish.claim().attempt(),
                                finish.retryAt(), Optional.empty(), audit.failure());
                outbox.put(id, new OutboxRow(next, null));
                deliveries.add(audit.withSequence(deliveries.size() + 1L));
                if (finish.historyNote().isPresent() && e.notice().requestId().isPresent()) {
                    rights.replaceLocked(e.notice().requestId().get(), e.notice().subject(),
                            r -> DeliveryHistory.withDelivery(r, audit.at(), finish.historyNote().get()));
                }
                return true;
            }
        }
    }

    @Override
    public Optional<OutboxEntry> notice(String id) {
        synchronized (lock) {
            return Optional.ofNullable(outbox.get(Checks.required("id", id))).map(OutboxRow::entry);
        }
    }

    @Override
    public List<OutboxEntry> notices(SubjectId subject) {
        Checks.required("subject", subject);
        synchronized (lock) {
            return outbox.values().stream().map(OutboxRow::entry).filter(e -> e.notice().subject().equals(subject))
                    .sorted(Comparator.comparing((OutboxEntry e) -> e.notice().recordedAt())
                            .thenComparing(e -> e.notice().id()))
                    .toList();
        }
    }

    @Override
    public List<DeliveryRecord> deliveries(long afterSequence, int limit) {
        StoreArguments.limit(limit);
        synchronized (lock) {
            int from = (int) Math.min(Math.max(afterSequence, 0), deliveries.size());
            return List.copyOf(deliveries.subList(from, (int) Math.min(deliveries.size(), (long) from + limit)));
        }
    }

    @Override
    public OutboxBacklog backlog(int limit) {
        StoreArguments.backlogLimit(limit);
        synchronized (lock) {
            int pending = 0;
            boolean more = false;
            Instant oldest = null;
            for (OutboxRow row : outbox.values()) {
                OutboxEntry e = row.entry();
                if (e.state() != OutboxEntry.State.PENDING) {
                    continue;
                }
                Instant due = e.nextAttemptAt().orElseThrow();
                oldest = oldest == null || due.isBefore(oldest) ? due : oldest;
                if (pending < limit) {
                    pending++;
                } else {
                    more = true;
                }
            }
            return pending == 0 ? OutboxBacklog.EMPTY : new OutboxBacklog(pending, more, Optional.of(oldest));
        }
    }
}
