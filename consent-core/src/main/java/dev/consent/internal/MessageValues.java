package dev.consent.internal;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.ZoneId;
import java.time.temporal.TemporalAccessor;
import java.time.temporal.TemporalAmount;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The one routine that puts a value into an exception message. Public only so that the packages of this library
 * can share it; not part of the supported API.
 *
 * <p>Messages end up in logs, tickets and monitoring, so a value that may be personal data (a subject id, an email
 * address, an IP address, free evidence text, a client's event id) is never shown: {@link #inMessage} shows it as
 * {@code <redacted: 17 chars, #3fa9c2d1>}, its length and a tag. The tag is an HMAC-SHA256 prefix under a random key
 * drawn when this class is loaded: within one process the same value always gets the same tag (so two log lines
 * about one value can be matched), and nobody holding a list of emails can compute it (an unkeyed hash prefix could
 * be matched against such a list). Values that cannot be personal data are shown in full, quoted and escaped:
 * numbers, instants, durations, enum constants, and the policy's vocabulary and the host's configuration (purpose
 * and category ids, policy fields, builder settings), whose fields are listed here. A field not listed is redacted:
 * a field added later fails closed.
 */
public final class MessageValues {
    private static final int QUOTE_LIMIT = 80;
    private static final byte[] TAG_KEY = new byte[32];

    static {
        new SecureRandom().nextBytes(TAG_KEY);
    }

    /**
     * Fields that must hold a dotted id of the policy's vocabulary: shown when the value is one (an unknown purpose
     * id is the useful part of the message), redacted when it is not (then nothing says what the caller passed).
     */
    private static final Set<String> DOTTED_ID_FIELDS = Set.of("purpose", "category", "anchor", "id", "policy.id",
            "retention.id", "recipient.id");

    /** Fields whose values come from the policy document or from the host's own configuration, never from a subject. */
    private static final Set<String> CONFIGURATION_FIELDS = Set.of("policy", "handler", "dialect", "tablePrefix",
            "calendar", "contributor.name", "period", "amount",
            "referenceKey.id", "referenceKey", "referenceKey.secret", "checkpointKey", "secretKey");

    /** Prefixes of policy-document fields (titles, descriptions, legal references, rules). */
    private static final List<String> POLICY_PREFIXES = List.of("policy.", "purpose.", "category.", "retention.",
            "recipient.", "controller.", "rights.", "calendar.", "extension.", "acknowledge.");

    private MessageValues() {
    }

    /**
     * {@code value} as it may appear in a message about {@code field}: {@code null}, the value quoted (when it cannot
     * be personal data, see the class comment), or its redacted form.
     */
    public static String inMessage(String field, Object value) {
        if (value == null) {
            return "null";
        }
        return shown(field, value) ? quote(value) : redact(value);
    }

    /** Whether {@link #inMessage} shows {@code value} in full for {@code field}. */
    public static boolean shown(String field, Object value) {
        if (value instanceof Number || value instanceof Boolean || value instanceof Enum<?>
                || value instanceof TemporalAccessor || value instanceof TemporalAmount || value instanceof ZoneId) {
            return true;
        }
        if (field == null) {
            return false;
        }
        if (DOTTED_ID_FIELDS.contains(field)) {
            return Checks.isDottedId(String.valueOf(value));
        }
        if (CONFIGURATION_FIELDS.contains(field)) {
            return true;
        }
        for (String prefix : POLICY_PREFIXES) {
            if (field.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    /**
     * A value that is not personal data as it reads in a message: quoted, shortened when long, and with control,
     * format and lone surrogate characters escaped, so that a hostile value cannot break or disguise the message line.
     */
    public static String quote(Object value) {
        String s = String.valueOf(value);
        String shown = s.length() > QUOTE_LIMIT ? s.substring(0, QUOTE_LIMIT) : s;
        StringBuilder out = new StringBuilder(shown.length() + 16).append('"');
        escape(shown, true, out);
        if (shown.length() < s.length()) {
            return out.append("...\" (").append(s.length()).append(" chars)").toString();
        }
        return out.append('"').toString();
    }

    /** {@code s} with control, format and lone surrogate characters escaped as {@code \}{@code uXXXX}. */
    public static String escape(String s) {
        StringBuilder out = new StringBuilder(s.length());
        escape(s, false, out);
        return out.toString();
    }

    private static void escape(String s, boolean quoted, StringBuilder out) {
        s.codePoints().forEach(cp -> {
            int type = Character.getType(cp);
            if (quoted && (cp == '"' || cp == '\\')) {
                out.append('\\').appendCodePoint(cp);
            } else if (Character.isISOControl(cp) || type == Character.FORMAT || type == Character.SURROGATE) {
                out.append(String.format("\\u%04x", cp));
            } else {
                out.appendCodePoint(cp);
            }
        });
    }

    /** The redacted form of a value that may be personal data: its length and a tag, never a character of it. */
    public static String redact(Object value) {
        String s = String.valueOf(value);
        return "<redacted: " + s.length() + (s.length() == 1 ? " char" : " chars") + ", #" + tag(s) + ">";
    }

    /** The tag {@link #redact} shows: 8 hex digits of HMAC-SHA256 under this process's random key. */
    public static String tag(String s) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(TAG_KEY, "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(s.getBytes(StandardCharsets.UTF_8)), 0, 4);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is required of every Java platform", e);
        }
    }
}
