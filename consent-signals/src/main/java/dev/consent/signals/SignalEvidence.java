package dev.consent.signals;

import dev.consent.ledger.ConsentEvent;
import dev.consent.ledger.Evidence;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.StringJoiner;

/**
 * The evidence of a choice a signal string implies: {@code noticeId} names the kind of string, {@code noticeHash}
 * holds its SHA-256, {@code locale} its consent language (TCF), and {@code reference} the fields that show where it
 * came from, as {@code key=value} pairs separated by {@code ;}: {@code lastUpdated}, {@code created}, {@code cmpId},
 * {@code cmpVersion}, {@code vendorListVersion}, {@code policyVersion} (TCF) and {@code sections} (GPP).
 */
final class SignalEvidence {
    static final String TCF = "iab-tcf-v2";
    static final String GPP = "iab-gpp-v1";

    private SignalEvidence() {
    }

    static Evidence tcf(TcString tc, String hash) {
        return Evidence.builder().noticeId(TCF).noticeHash(hash).locale(tc.consentLanguage().toLowerCase(
                java.util.Locale.ROOT)).reference(tcfFields(tc).toString()).build();
    }

    static Evidence gpp(GppString gpp) {
        StringJoiner ref = gpp.tcfEu().map(SignalEvidence::tcfFields).orElseGet(() -> new StringJoiner(";"));
        StringJoiner ids = new StringJoiner(",");
        gpp.sectionIds().forEach(id -> ids.add(String.valueOf(id)));
        ref.add("sections=" + ids);
        Evidence.Builder b = Evidence.builder().noticeId(GPP).noticeHash(gpp.sha256()).reference(ref.toString());
        gpp.tcfEu().ifPresent(tc -> b.locale(tc.consentLanguage().toLowerCase(java.util.Locale.ROOT)));
        return b.build();
    }

    private static StringJoiner tcfFields(TcString tc) {
        StringJoiner ref = new StringJoiner(";");
        ref.add("lastUpdated=" + tc.lastUpdated());
        ref.add("created=" + tc.created());
        ref.add("cmpId=" + tc.cmpId());
        ref.add("cmpVersion=" + tc.cmpVersion());
        ref.add("vendorListVersion=" + tc.vendorListVersion());
        ref.add("policyVersion=" + tc.policyVersion());
        return ref;
    }

    /** The LastUpdated a signal event's evidence records, if it records one. */
    static Optional<Instant> lastUpdated(ConsentEvent e) {
        String ref = e.evidence().reference();
        if (ref == null) {
            return Optional.empty();
        }
        for (String pair : List.of(ref.split(";"))) {
            if (pair.startsWith("lastUpdated=")) {
                return Optional.of(Instant.parse(pair.substring("lastUpdated=".length())));
            }
        }
        return Optional.empty();
    }
}
