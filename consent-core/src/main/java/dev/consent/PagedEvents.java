package dev.consent;

import dev.consent.ledger.ConsentEvent;
import dev.consent.ledger.SubjectId;
import dev.consent.store.ConsentStore;

import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/** The events of one subject's own chain, in sequence order, read from the store a page at a time as iterated. */
final class PagedEvents implements Iterator<ConsentEvent> {
    /** Events read per round trip. */
    static final int PAGE = 500;

    private final ConsentStore store;
    private final SubjectId subject;
    private List<ConsentEvent> page = List.of();
    private int index;
    private long after;
    private boolean exhausted;

    PagedEvents(ConsentStore store, SubjectId subject) {
        this.store = store;
        this.subject = subject;
    }

    @Override
    public boolean hasNext() {
        if (index < page.size()) {
            return true;
        }
        if (exhausted) {
            return false;
        }
        page = store.events(subject, after, PAGE);
        index = 0;
        if (page.size() < PAGE) {
            exhausted = true;
        }
        if (!page.isEmpty()) {
            after = page.get(page.size() - 1).sequence();
        }
        return !page.isEmpty();
    }

    @Override
    public ConsentEvent next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        return page.get(index++);
    }
}
