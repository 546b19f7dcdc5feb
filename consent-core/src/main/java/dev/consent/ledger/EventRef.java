package dev.consent.ledger;

/** Points at one event of the ledger: a subject's chain and a position in it. */
public record EventRef(SubjectId subject, long sequence) {

    @Override
    public String toString() {
        return "#" + sequence;
    }
}
