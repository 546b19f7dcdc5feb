package dev.consent.internal;

import dev.consent.InvalidValueException;
import dev.consent.ledger.AgeDeclaration;
import dev.consent.ledger.Choice;
import dev.consent.ledger.ChoiceFact;
import dev.consent.ledger.ConsentEvent;
import dev.consent.ledger.SubjectId;
import dev.consent.ledger.SubjectLocation;
import dev.consent.policy.PurposeId;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * The compact, immutable form of a subject's decision events that the cache holds: only what a decision
 * needs, sorted by when the choice was made (occurred-at; at the same instant every grant before every other
 * choice, so that a refusal made at the same instant comes later and wins; then sequence, then subject for
 * merged visitor chains).
 *
 * <p>The layout is flat on purpose. A cached check reads one ledger of a million, so every object it
 * dereferences is a likely cache miss; one object per event (with its own purpose id, string and byte array)
 * made a check cost about ten dependent memory loads more than a hash-map lookup. Here the marks are
 * {@value #WORDS} longs each in one array, and a mark names its purpose by an index into a {@link PurposeTable}
 * that all ledgers of a service share (and that therefore stays in the CPU's cache). The subject of a mark is
 * the ledger's owner unless a linked visitor's chain was merged in.
 *
 * <p>When each choice was <em>recorded</em> is kept as a rank in otherwise unused bits rather than as an instant
 * (which would take a fifth word per mark): marks recorded at the same instant share a rank, later ones have higher
 * ranks. With the sequence (which orders one chain's marks exactly) it says whether a refusal was recorded after a
 * grant; a flag per grant says whether any refusal sorted before it might have been, so that the fold only looks
 * when one might ({@link ConsentFold}).
 *
 * <p>A ledger of a table with answer slots ({@link PurposeTable#of(Collection, int)}, the service's) ends with a few
 * more words: the precomputed answers of the table's first purposes and the window of instants they hold for
 * ({@link ConsentFold#answered}), so that a cached check in that window reads one field instead of folding (the
 * words sit beside the marks: no further object to load). Outside the window, and on a ledger without answers, every
 * decision is folded.
 *
 * <p>Every instant, stored or asked about, maps to a microsecond count since 1970 without overflow: instants
 * beyond the {@code long} range of microseconds (about 292,000 years either way, only reachable by a store that
 * kept an event no service would record, see {@link dev.consent.ledger.LedgerInstants}) saturate to its ends, which
 * keeps their order against every instant a decision can be asked about.
 */
public final class Ledger {
    static final int WORDS = 4;
    static final Ledger EMPTY = new Ledger(null, new long[0], PurposeTable.of(List.of()), null, false, false);
    /** The most purposes whose answers a ledger holds precomputed ({@link PurposeTable#of(Collection, int)}). */
    static final int MAX_ANSWERED = 16;
    /** An answer field: the reason's ordinal plus one (0: no answer) in its low bits, the deciding mark above. */
    static final int REASON_BITS = 5;
    /** The highest deciding mark index plus one an answer field holds (its remaining 11 bits). */
    static final int MAX_ANSWER_MARK = (1 << (16 - REASON_BITS)) - 1;
    /** The words of a window that holds no instant: from after until. */
    private static final long NO_FROM = Long.MAX_VALUE;
    private static final long NO_UNTIL = Long.MIN_VALUE;
    /** The expiry word of a location mark whose reserved id names no location (a store's corrupt event). */
    static final long NO_LOCATION = 0;
    /** The expiry word of an age declaration that gives no birth date. */
    static final long NO_BIRTH_DATE = Long.MAX_VALUE;

    private static final Choice[] CHOICES = Choice.values();
    private static final long SEQUENCE_MASK = (1L << 40) - 1;
    private static final int VERSION_MAX = (1 << 24) - 1;
    private static final int AGE_MAX = 254;
    /** Whole seconds whose microseconds, plus a second's worth, still fit a long. */
    private static final long MAX_SECONDS = Long.MAX_VALUE / 1_000_000L - 1;
    private static final long OVERTAKEN = 1L << 22;
    /**
     * Decision order: occurred-at; at the same microsecond grants first (a refusal made at the same instant as a
     * grant outranks it, whatever their sequences or subjects); then sequence; then subject id.
     */
    static final Comparator<ChoiceFact> ORDER = Comparator
            .comparingLong((ChoiceFact e) -> micros(e.occurredAt()))
            .thenComparingInt((ChoiceFact e) -> e.choice() == Choice.GRANTED ? 0 : 1)
            .thenComparingLong(ChoiceFact::sequence).thenComparing(e -> e.subject().value());

    private final SubjectId owner;
    /**
     * Per mark: occurred-at micros; expiry micros (of an age declaration: the birth date's epoch day, or
     * {@link #NO_BIRTH_DATE}; of a location: its region and source, {@link #packLocation}); sequence (40 bits) and consent version (24 bits); purpose index
     * (16 bits), choice (4), GPC (bit 20), guardian (21), overtaken (22), age (bits 24-31), recording rank (32-63).
     */
    private final long[] words;
    private final PurposeTable purposes;
    /** The subject of each mark where some are not the owner's (merged visitor chains); otherwise null. */
    private final SubjectId[] subjects;
    /** Whether any mark declares an age, so that a ledger without one is not scanned for one. */
    private final boolean declaresAge;
    /** Whether any mark records a location, so that a ledger without one is not scanned for one. */
    private final boolean locates;

    private Ledger(SubjectId owner, long[] words, PurposeTable purposes, SubjectId[] subjects, boolean declaresAge,
            boolean locates) {
        this.owner = owner;
        this.words = words;
        this.purposes = purposes;
        this.subjects = subjects;
        this.declaresAge = declaresAge;
        this.locates = locates;
    }

    /**
     * The purpose ids a set of ledgers refers to, by index; immutable and shared. A mark holds its purpose's index
     * in 16 bits, so a table holds at most {@value #MAX} ids: more is refused with an {@link InvalidValueException},
     * never packed into the neighbouring bits (which would change the mark's choice and so the decision).
     */
    public static final class PurposeTable {
        /** The most purposes a table indexes: what a mark's 16 bits of purpose index can name. */
        static final int MAX = 1 << 16;
        private final PurposeId[] ids;
        private final Map<PurposeId, Integer> index;
        /** How many of the first ids a ledger of this table holds precomputed answers for; see {@link Ledger}. */
        final int answered;
        /**
         * The words after the marks that hold the answers: 0 when none are held; else the window's two words and the
         * answer fields, four to a word (the jurisdiction's field first, then one per answered purpose).
         */
        final int headerWords;
        /** The ledger of a subject with no facts, answering nothing; null when the table answers nothing. */
        final Ledger empty;

        private PurposeTable(PurposeId[] ids, int answered) {
            this.ids = ids;
            Map<PurposeId, Integer> m = new HashMap<>(ids.length * 2);
            for (int i = 0; i < ids.length; i++) {
                m.putIfAbsent(ids[i], i);
            }
            this.index = m;
            this.answered = answered;
            this.headerWords = answered == 0 ? 0 : 2 + (answered + 1 + 3) / 4;
            this.empty = answered == 0 ? null : new Ledger(null, emptyHeader(headerWords), this, null, false, false);
        }

        /**
         * A table of these ids (duplicates are kept once, the first instance wins).
         *
         * @throws InvalidValueException for more than {@value #MAX} distinct ids
         */
        public static PurposeTable of(Collection<PurposeId> ids) {
            return of(ids, 0);
        }

        /**
         * A table of these ids whose ledgers can hold the answers for the first {@code answered} of them (at most
         * {@value Ledger#MAX_ANSWERED}; those beyond are decided by the fold each time), precomputed by
         * {@link ConsentFold#answered}. Each ledger of such a table is {@link #headerWords} words longer.
         *
         * @throws InvalidValueException for more than {@value #MAX} distinct ids
         */
        public static PurposeTable of(Collection<PurposeId> ids, int answered) {
            PurposeId[] distinct = new LinkedHashSet<>(ids).toArray(new PurposeId[0]);
            if (distinct.length > MAX) {
                throw new InvalidValueException("purposes", distinct.length + " distinct purposes",
                        "exceed the " + MAX + " purposes a cached ledger can index");
            }
            return new PurposeTable(distinct, Math.max(0, Math.min(Math.min(answered, distinct.length),
                    MAX_ANSWERED)));
        }

        /**
         * This table, or a copy extended with the ids of {@code events} it does not hold (purposes that appear only
         * in stored events, e.g. written by a node with another policy version).
         *
         * @throws InvalidValueException when the table and those ids are more than {@value #MAX} purposes: the
         *     subject's decisions cannot be answered from a compact ledger, so the check fails closed
         */
        PurposeTable covering(ChoiceFact[] events) {
            LinkedHashSet<PurposeId> missing = null;
            for (ChoiceFact e : events) {
                PurposeId purpose = tablePurpose(e);
                if (!index.containsKey(purpose)) {
                    if (missing == null) {
                        missing = new LinkedHashSet<>();
                    }
                    missing.add(purpose);
                }
            }
            if (missing == null) {
                return this;
            }
            if (ids.length + missing.size() > MAX) {
                // the first id that does not fit; an id names a purpose, never a subject
                PurposeId first = missing.stream().skip(MAX - ids.length).findFirst().orElseThrow();
                throw new InvalidValueException("purpose", first.value(), "is one of " + missing.size()
                        + " purposes found only in stored events that, with the " + ids.length + " of the policies,"
                        + " exceed the " + MAX + " purposes a cached ledger can index");
            }
            PurposeId[] extended = Arrays.copyOf(ids, ids.length + missing.size());
            int i = ids.length;
            for (PurposeId id : missing) {
                extended[i++] = id;
            }
            return new PurposeTable(extended, answered); // the ids added go last: the answered ones keep their index
        }
    }

    /**
     * The purpose a mark names: an age declaration's is {@link AgeDeclaration#PURPOSE}, whatever birth date it gives;
     * a location's is {@link SubjectLocation#PURPOSE}, whatever region it gives (both kept in the mark itself).
     */
    private static PurposeId tablePurpose(ChoiceFact e) {
        return e.choice() == Choice.AGE_DECLARED ? AgeDeclaration.PURPOSE
                : e.choice() == Choice.LOCATION_RECORDED ? SubjectLocation.PURPOSE : e.purpose();
    }

    /** As {@link #of(SubjectId, Collection, PurposeTable)} with a table of only the facts' own purposes. */
    public static Ledger of(SubjectId owner, Collection<ChoiceFact> facts) {
        return of(owner, facts, PurposeTable.of(List.of()));
    }

    /** As {@link #of(SubjectId, Collection)} from full decision events. */
    public static Ledger ofEvents(SubjectId owner, Collection<ConsentEvent> events) {
        List<ChoiceFact> facts = new ArrayList<>(events.size());
        for (ConsentEvent e : events) {
            facts.add(ChoiceFact.of(e));
        }
        return of(owner, facts);
    }

    /**
     * The ledger of {@code owner} from the facts of its decision events (its own and its linked visitors'), in any
     * order. Marks refer to their purposes through {@code table} (extended for this ledger alone if it lacks one).
     */
    public static Ledger of(SubjectId owner, Collection<ChoiceFact> facts, PurposeTable table) {
        if (facts.isEmpty()) {
            return table.empty != null ? table.empty : EMPTY;
        }
        ChoiceFact[] sorted = facts.toArray(new ChoiceFact[0]);
        Arrays.sort(sorted, ORDER);
        PurposeTable purposes = table.covering(sorted);
        int n = sorted.length;
        long[] ranks = recordingRanks(sorted);
        long[] words = new long[n * WORDS + purposes.headerWords];
        if (purposes.headerWords > 0) {
            words[n * WORDS] = NO_FROM;
            words[n * WORDS + 1] = NO_UNTIL;
        }
        SubjectId[] subjects = null;
        boolean declaresAge = false;
        boolean locates = false;
        for (int i = 0; i < n; i++) {
            ChoiceFact e = sorted[i];
            if (!e.subject().equals(owner)) {
                if (subjects == null) {
                    subjects = new SubjectId[n];
                    Arrays.fill(subjects, owner);
                }
                subjects[i] = e.subject();
            }
            if (e.sequence() < 1 || e.sequence() > SEQUENCE_MASK) { // ChoiceFact refuses these; a second line
                throw new InvalidValueException("sequence", e.sequence(),
                        "must be between 1 and 2^40 - 1, the most events one chain holds");
            }
            // A consent version beyond 2^24-1 is stored as 2^24-1 and one below 1 as 0: neither is a version a
            // purpose has (Purpose caps them at 2^24-1), so such a grant fails closed (RECONSENT_REQUIRED).
            long version = Math.max(0, Math.min(e.consentVersion(), VERSION_MAX));
            // Ages above 254 are stored as 254, above every minimum age a policy may set (at most 120).
            long age = e.declaredAge().isPresent() ? Math.min(Math.max(e.declaredAge().getAsInt(), 0), AGE_MAX) + 1 : 0;
            long purpose = purposes.index.get(tablePurpose(e));
            declaresAge |= age > 0;
            locates |= e.choice() == Choice.LOCATION_RECORDED;
            int w = i * WORDS;
            words[w] = micros(e.occurredAt());
            words[w + 1] = e.choice() == Choice.AGE_DECLARED ? birthEpochDay(e)
                    : e.choice() == Choice.LOCATION_RECORDED ? packLocation(e)
                    : e.expiresAt().map(Ledger::micros).orElse(Long.MAX_VALUE);
            words[w + 2] = e.sequence() | version << 40;
            words[w + 3] = purpose | (long) e.choice().ordinal() << 16
                    | (e.gpc() || e.choice() == Choice.GPC_OVERRIDDEN ? 1L << 20 : 0) | (e.guardian() ? 1L << 21 : 0)
                    | age << 24 | ranks[i] << 32;
        }
        markOvertaken(sorted, ranks, words);
        return new Ledger(owner, words, purposes, subjects, declaresAge, locates);
    }

    /**
     * A location mark's region and source in one word: the region's characters (at most six, {@code US-CA},
     * {@code ES-CT}), eight bits each from the lowest, and the source's ordinal plus one in bits 56-59.
     * {@link #NO_LOCATION} for a reserved id that names no location (only a store that kept an event no service
     * records could hold one): such a mark is read as no location at all, which holds the subject to the strictest
     * rules.
     */
    private static long packLocation(ChoiceFact e) {
        SubjectLocation location;
        try {
            location = SubjectLocation.of(e.purpose());
        } catch (InvalidValueException notALocation) {
            return NO_LOCATION;
        }
        String region = location.region();
        long packed = 0;
        for (int c = 0; c < region.length(); c++) {
            packed |= (long) region.charAt(c) << (8 * c);
        }
        return packed | (long) (location.source().ordinal() + 1) << 56;
    }

    /**
     * The birth date an age declaration gives, as an epoch day, or {@link #NO_BIRTH_DATE}. A reserved purpose id that
     * names no date (only a store that kept an event no service records could hold one) gives none: the declared age
     * at the declaration then stands, as for an age in years.
     */
    private static long birthEpochDay(ChoiceFact e) {
        try {
            return AgeDeclaration.birthDateOf(e.purpose()).map(java.time.LocalDate::toEpochDay).orElse(NO_BIRTH_DATE);
        } catch (InvalidValueException notADate) {
            return NO_BIRTH_DATE;
        }
    }

    /**
     * The recording rank of each mark: equal for marks recorded at the same microsecond, higher for later ones.
     * At most n distinct values, so it fits the 32 bits it is given (a Java array holds fewer than 2^31 marks).
     */
    private static long[] recordingRanks(ChoiceFact[] sorted) {
        int n = sorted.length;
        long[] recorded = new long[n];
        for (int i = 0; i < n; i++) {
            recorded[i] = micros(sorted[i].recordedAt());
        }
        long[] distinct = recorded.clone();
        Arrays.sort(distinct);
        int d = 0;
        for (int i = 0; i < n; i++) {
            if (i == 0 || distinct[i] != distinct[d - 1]) {
                distinct[d++] = distinct[i];
            }
        }
        long[] ranks = new long[n];
        for (int i = 0; i < n; i++) {
            ranks[i] = Arrays.binarySearch(distinct, 0, d, recorded[i]);
        }
        return ranks;
    }

    /**
     * Flags each explicit grant that an explicit refusal sorted before it (made earlier or at the same instant) may
     * overrule because it was not recorded before the grant: of the grant's own chain, a higher sequence; of another
     * chain, a recording rank not lower. Whatever the purposes: the fold checks the purposes when a flag is set.
     */
    private static void markOvertaken(ChoiceFact[] sorted, long[] ranks, long[] words) {
        // per subject seen so far: the highest sequence and rank of its explicit refusals (few subjects per ledger)
        List<SubjectId> seen = new ArrayList<>(2);
        List<long[]> highest = new ArrayList<>(2);
        for (int i = 0; i < sorted.length; i++) {
            ChoiceFact e = sorted[i];
            if (e.choice() == Choice.GRANTED && !e.gpc()) {
                for (int k = 0; k < seen.size(); k++) {
                    long[] h = highest.get(k);
                    boolean own = seen.get(k).equals(e.subject());
                    if (own ? h[0] > e.sequence() : h[1] >= ranks[i]) {
                        words[i * WORDS + 3] |= OVERTAKEN;
                        break;
                    }
                }
            } else if (e.choice().isRefusal() && !e.gpc()) {
                int k = seen.indexOf(e.subject());
                if (k < 0) {
                    seen.add(e.subject());
                    highest.add(new long[] {e.sequence(), ranks[i]});
                } else {
                    long[] h = highest.get(k);
                    h[0] = Math.max(h[0], e.sequence());
                    h[1] = Math.max(h[1], ranks[i]);
                }
            }
        }
    }

    public int size() {
        return (words.length - purposes.headerWords) / WORDS;
    }

    private static long[] emptyHeader(int headerWords) {
        long[] words = new long[headerWords];
        words[0] = NO_FROM;
        words[1] = NO_UNTIL;
        return words;
    }

    /** Whether this ledger holds its answers for {@code at}: whether {@code at} lies in their window. */
    public boolean answersHold(Instant at) {
        long t = micros(at);
        return t >= answersFrom() && t < answersUntil();
    }

    /** How many purposes of this ledger's table it can hold answers for (0: none). */
    int answerSlots() {
        return purposes.answered;
    }

    /** The purpose of answer slot {@code k} (the table's k-th id). */
    PurposeId answerPurpose(int k) {
        return purposes.ids[k];
    }

    /**
     * A copy of this ledger holding {@code fields} (the jurisdiction's field, then one per answer slot) as its
     * answers for every instant in {@code [fromMicros, untilMicros)}. Only for a table with answer slots.
     */
    Ledger withAnswers(long fromMicros, long untilMicros, int[] fields) {
        long[] copy = words.clone();
        int base = copy.length - purposes.headerWords;
        copy[base] = fromMicros;
        copy[base + 1] = untilMicros;
        for (int f = 0; f < fields.length; f++) {
            copy[base + 2 + f / 4] |= (long) (fields[f] & 0xFFFF) << (16 * (f % 4));
        }
        return new Ledger(owner, copy, purposes, subjects, declaresAge, locates);
    }

    /** The first instant (micros) the held answers are for; {@link Long#MAX_VALUE} when none are held. */
    long answersFrom() {
        return purposes.headerWords == 0 ? NO_FROM : words[words.length - purposes.headerWords];
    }

    /** The instant (micros) from which the held answers no longer hold; {@link Long#MIN_VALUE} when none are held. */
    long answersUntil() {
        return purposes.headerWords == 0 ? NO_UNTIL : words[words.length - purposes.headerWords + 1];
    }

    /**
     * The held answer field for {@code purpose} at {@code t} (micros): 0 when none is held for it or {@code t} lies
     * outside the answers' window. Allocates nothing.
     */
    int answer(long t, PurposeId purpose) {
        long[] w = words;
        int header = purposes.headerWords;
        if (header == 0) {
            return 0;
        }
        int base = w.length - header;
        if (t < w[base] || t >= w[base + 1]) {
            return 0;
        }
        Integer k = purposes.index.get(purpose);
        if (k == null || k >= purposes.answered) {
            return 0;
        }
        int f = k + 1;
        return (int) (w[base + 2 + f / 4] >>> (16 * (f % 4))) & 0xFFFF;
    }

    /**
     * The held jurisdiction field: 0 for none (the policy declares no jurisdictions), 1 for its strictest rules, else
     * the jurisdiction's index in the policy's list plus two.
     */
    int answerJurisdiction() {
        return (int) words[words.length - purposes.headerWords + 2] & 0xFFFF;
    }

    /**
     * Microseconds since 1970, saturated to the {@code long} range. Not {@code ChronoUnit.MICROS.between}: that
     * counts nanoseconds first and overflows after 2262-04-11, which made every check of a subject with a choice or
     * expiry after it throw {@link ArithmeticException}.
     */
    static long micros(Instant t) {
        long seconds = t.getEpochSecond();
        if (seconds > MAX_SECONDS) {
            return Long.MAX_VALUE;
        }
        if (seconds < -MAX_SECONDS) {
            return Long.MIN_VALUE;
        }
        return seconds * 1_000_000L + t.getNano() / 1_000;
    }

    long occurredMicros(int i) {
        return words[i * WORDS];
    }

    long expiresMicros(int i) {
        return words[i * WORDS + 1];
    }

    long sequence(int i) {
        return words[i * WORDS + 2] & SEQUENCE_MASK;
    }

    int consentVersion(int i) {
        return (int) (words[i * WORDS + 2] >>> 40);
    }

    PurposeId purpose(int i) {
        return purposes.ids[(int) words[i * WORDS + 3] & 0xFFFF];
    }

    Choice choice(int i) {
        return CHOICES[(int) (words[i * WORDS + 3] >>> 16) & 0xF];
    }

    boolean gpc(int i) {
        return (words[i * WORDS + 3] & 1L << 20) != 0;
    }

    /** Whether an explicit refusal sorted before this grant may have been recorded after it. */
    boolean overtaken(int i) {
        return (words[i * WORDS + 3] & OVERTAKEN) != 0;
    }

    /** The mark's recording rank: equal for marks recorded at the same instant, higher for later ones. */
    long recordingRank(int i) {
        return words[i * WORDS + 3] >>> 32;
    }

    /**
     * Whether mark {@code a} was recorded strictly after mark {@code b}: in one chain, a higher sequence (the chain's
     * own order, whatever the clocks said); across chains, a later recorded-at.
     */
    boolean recordedAfter(int a, int b) {
        if (subject(a).equals(subject(b))) {
            return sequence(a) > sequence(b);
        }
        return recordingRank(a) > recordingRank(b);
    }

    boolean guardian(int i) {
        return (words[i * WORDS + 3] & 1L << 21) != 0;
    }

    /** Whether any mark declares an age. */
    boolean declaresAge() {
        return declaresAge;
    }

    /** The epoch day of the birth date an age declaration's mark gives, or {@link #NO_BIRTH_DATE}. */
    long birthEpochDay(int i) {
        return choice(i) == Choice.AGE_DECLARED ? words[i * WORDS + 1] : NO_BIRTH_DATE;
    }

    /** Whether any mark records a location. */
    boolean locates() {
        return locates;
    }

    /** The region a location mark gives ({@code US-CA}), or null for any other mark or a mark naming none. */
    String region(int i) {
        if (choice(i) != Choice.LOCATION_RECORDED) {
            return null;
        }
        long packed = words[i * WORDS + 1];
        if (packed == NO_LOCATION) {
            return null;
        }
        StringBuilder region = new StringBuilder(6);
        for (int c = 0; c < 6; c++) {
            char ch = (char) (packed >>> (8 * c) & 0xFF);
            if (ch == 0) {
                break;
            }
            region.append(ch);
        }
        return region.toString();
    }

    /** The declared age, or -1 when none was declared. */
    int declaredAge(int i) {
        return (int) (words[i * WORDS + 3] >>> 24 & 0xFF) - 1;
    }

    SubjectId subject(int i) {
        return subjects == null ? owner : subjects[i];
    }
}
