package dev.consent.policy;

/**
 * The most a policy may hold. Each limit is far above what a shop's privacy policy needs (the five seed
 * policies need at most a dozen purposes, two levels of parents and a few holidays a year), and low enough that a
 * hostile or broken policy is refused in bounded time and memory, before large structures are built from it.
 *
 * <p>{@link PolicyJson} and {@link Policy.Builder} enforce the same limits. The reader refuses a document larger
 * than {@link #MAX_DOCUMENT_BYTES} after reading at most that many bytes, and an array longer than its limit
 * before reading its elements, naming the array's JSON path, its length and the limit. The builder refuses the
 * element past a limit with an {@link dev.consent.InvalidValueException} when it is added. The limits are also
 * listed in {@code docs/policy-format.md}.
 */
public final class PolicyLimits {
    /**
     * The largest policy document, in bytes of UTF-8: 4 MiB. A policy with every count below at its limit and
     * short texts fits; a real shop's policy is a few kilobytes.
     */
    public static final int MAX_DOCUMENT_BYTES = 4 * 1024 * 1024;
    /** Data categories per policy ({@code $.categories}). */
    public static final int MAX_CATEGORIES = 4_096;
    /** Purposes per policy ({@code $.purposes}). */
    public static final int MAX_PURPOSES = 4_096;
    /**
     * Ancestors per purpose: a chain of parents is at most this many purposes above the purpose itself, so that
     * {@link Policy#lineage(PurposeId)}, which every consent check walks, is at most 33 purposes long.
     */
    public static final int MAX_PARENT_DEPTH = 32;
    /** Recipients per policy ({@code $.recipients}). */
    public static final int MAX_RECIPIENTS = 4_096;
    /** Retention rules per policy ({@code $.retention}). */
    public static final int MAX_RETENTION_RULES = 4_096;
    /**
     * Entries of {@code $.rights}. One per request type is all a valid policy can have (a type given a deadline
     * twice is refused, in the builder too), so this only bounds how many duplicates are read and reported.
     */
    public static final int MAX_RIGHTS_ENTRIES = 64;
    /**
     * The most jurisdictions a policy declares ({@code jurisdictionRules}): every US state with a privacy law, the EEA
     * and the UK fit many times over, and the strictest rules are computed per purpose over all of them.
     */
    public static final int MAX_JURISDICTIONS = 64;
    /**
     * Holidays listed in a policy's calendar ({@code $.calendar.holidays}), and in any
     * {@link dev.consent.rights.BusinessCalendar}: more than 25 years of every weekday. A host that needs more
     * plugs in a {@link dev.consent.rights.HolidaySource}.
     */
    public static final int MAX_HOLIDAYS = 10_000;
    /** Weekend dates listed as working days ({@code $.calendar.workingDays}), in a policy or any calendar. */
    public static final int MAX_WORKING_DAYS = 10_000;
    /**
     * Translations of one purpose's notice ({@code $.purposes[].translations}): every ISO 639-1 language, with room
     * for regional variants.
     */
    public static final int MAX_TRANSLATIONS = 256;
    /**
     * Problems listed in one {@link InvalidPolicyException}. When a document has more, the first ones are listed
     * and a last problem at {@code $} says how many more were found, so that a broken document cannot make an
     * exception message of hundreds of megabytes.
     */
    public static final int MAX_PROBLEMS = 1_000;
    /**
     * Distinct purpose ids across all the policy versions one {@link dev.consent.ConsentService} is given: half of
     * the 65,536 purposes the cached ledger can index. The other half is kept for purposes that appear only in a
     * subject's stored events (written by a node with another policy version, or under a purpose a later version
     * dropped), which each subject's cached ledger indexes on top of the policies' purposes.
     */
    public static final int MAX_SERVICE_PURPOSES = 32_768;

    private PolicyLimits() {
    }
}
