package dev.consent.ledger;

/** The last event of a subject's chain: its sequence and hash. The next event follows it. */
public record ChainHead(SubjectId subject, long sequence, String hash) {
}
