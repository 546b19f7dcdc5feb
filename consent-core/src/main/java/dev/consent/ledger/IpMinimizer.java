package dev.consent.ledger;

import dev.consent.InvalidValueException;

import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Turns a client IP address into the least the ledger needs (GDPR Art. 5(1)(c), data minimisation).
 * The default keeps the network: IPv4 to /24 and IPv6 to /48, written with the prefix length
 * ({@code 203.0.113.0/24}). A keyed hash keeps only equality, for shops that must show that two
 * choices came from one address without storing it. Minimising an already-minimised value returns it
 * unchanged, so the service can apply it to every event. Immutable and thread-safe.
 */
public final class IpMinimizer {
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Pattern IPV6_CHARS = Pattern.compile("[0-9A-Fa-f:.]+");
    private static final String HASH_PREFIX = "hmac-sha256:";
    private static final Pattern HASHED = Pattern.compile("hmac-sha256:[0-9a-f]{64}");

    private enum Mode { TRUNCATE, KEYED_HASH, DROP }

    private final Mode mode;
    private final int v4Bits;
    private final int v6Bits;
    private final byte[] key;

    private IpMinimizer(Mode mode, int v4Bits, int v6Bits, byte[] key) {
        this.mode = mode;
        this.v4Bits = v4Bits;
        this.v6Bits = v6Bits;
        this.key = key;
    }

    /**
     * IPv4 to /24, IPv6 to /48: the default.
     *
     * @return the minimiser
     */
    public static IpMinimizer truncate() {
        return truncate(24, 48);
    }

    /**
     * Keeps the network prefix of the given lengths and zeroes the rest (a 6to4 IPv6 address keeps no more of the
     * IPv4 address it carries than {@code ipv4PrefixBits}).
     *
     * @param ipv4PrefixBits how many leading bits of an IPv4 address to keep, 0 to 32
     * @param ipv6PrefixBits how many leading bits of an IPv6 address to keep, 0 to 128
     * @return the minimiser
     * @throws InvalidValueException naming the argument that is out of range
     */
    public static IpMinimizer truncate(int ipv4PrefixBits, int ipv6PrefixBits) {
        if (ipv4PrefixBits < 0 || ipv4PrefixBits > 32) {
            throw new InvalidValueException("ipv4PrefixBits", ipv4PrefixBits, "must be between 0 and 32");
        }
        if (ipv6PrefixBits < 0 || ipv6PrefixBits > 128) {
            throw new InvalidValueException("ipv6PrefixBits", ipv6PrefixBits, "must be between 0 and 128");
        }
        return new IpMinimizer(Mode.TRUNCATE, ipv4PrefixBits, ipv6PrefixBits, null);
    }

    /**
     * HMAC-SHA256 of the full address under a secret key of at least 16 bytes held by the shop.
     *
     * @param secretKey the key, copied; at least 16 bytes
     * @return the minimiser, whose values read {@code hmac-sha256:} and 64 hex digits
     * @throws InvalidValueException (field {@code secretKey}) when the key is null or shorter than 16 bytes
     */
    public static IpMinimizer keyedHash(byte[] secretKey) {
        if (secretKey == null || secretKey.length < 16) {
            throw new InvalidValueException("secretKey", secretKey == null ? null : secretKey.length + " bytes",
                    "must be at least 16 bytes");
        }
        return new IpMinimizer(Mode.KEYED_HASH, 0, 0, secretKey.clone());
    }

    /**
     * Stores no address at all.
     *
     * @return the minimiser, which turns every address into {@code null}
     */
    public static IpMinimizer drop() {
        return new IpMinimizer(Mode.DROP, 0, 0, null);
    }

    /**
     * The minimised form of {@code ip}. Addresses are parsed as literals, never looked up in the name service.
     *
     * @param ip an IPv4 or IPv6 literal, optionally with a prefix length, or an already minimised value
     * @return the minimised form; {@code null} for {@code null} (and for every address when dropping)
     * @throws InvalidValueException (field {@code evidence.ip}) when {@code ip} is not an address literal, has a
     *         prefix longer than the address, or is a prefix where a keyed hash needs a full address
     */
    public String minimize(String ip) {
        if (ip == null) {
            return null;
        }
        if (mode == Mode.DROP) {
            return null;
        }
        if (mode == Mode.KEYED_HASH && HASHED.matcher(ip).matches()) {
            return ip; // already minimised by this mode: a full 64-digit digest, nothing else passes through
        }
        String literal = ip;
        int given = -1;
        int slash = ip.indexOf('/');
        if (slash >= 0) {
            literal = ip.substring(0, slash);
            String bits = ip.substring(slash + 1);
            if (!bits.matches("\\d{1,3}")) {
                throw invalid(ip);
            }
            given = Integer.parseInt(bits);
        }
        // Parsed here, never by InetAddress.getByName: that one asks the name service for anything it does not
        // read as a literal, and an evidence field must never cause a network lookup.
        byte[] bytes = literal.indexOf(':') >= 0 ? parseIpv6(literal) : parseIpv4(literal);
        if (bytes == null) {
            throw invalid(ip);
        }
        if (given > bytes.length * 8) {
            throw new InvalidValueException("evidence.ip", ip, "has a prefix length beyond the address size ("
                    + bytes.length * 8 + " bits)");
        }
        if (bytes.length == 16 && isIpv4Mapped(bytes)) {
            bytes = Arrays.copyOfRange(bytes, 12, 16);
            given = given < 0 ? -1 : Math.max(0, given - 96);
        }
        if (mode == Mode.KEYED_HASH) {
            if (given >= 0) {
                throw new InvalidValueException("evidence.ip", ip, "must be a full address to be hashed, not a prefix");
            }
            return HASH_PREFIX + hmac(bytes);
        }
        int bits = bytes.length == 4 ? v4Bits : v6Bits;
        if (bytes.length == 16 && (bytes[0] & 0xff) == 0x20 && (bytes[1] & 0xff) == 0x02) {
            // 6to4 (RFC 3056) carries the whole public IPv4 address in bits 16-47: keep no more of it than of IPv4
            bits = Math.min(bits, 16 + v4Bits);
        }
        if (given >= 0) {
            bits = Math.min(bits, given);
        }
        byte[] masked = Arrays.copyOf(bytes, bytes.length);
        for (int i = 0; i < masked.length; i++) {
            int keep = Math.max(0, Math.min(8, bits - i * 8));
            masked[i] = (byte) (masked[i] & (0xff << (8 - keep)));
        }
        return (masked.length == 4 ? formatIpv4(masked) : formatIpv6(masked)) + "/" + bits;
    }

    /** The address is never quoted (it is personal data); the rule says what is wrong with it where it can. */
    private static InvalidValueException invalid(String ip) {
        boolean padded = !ip.isEmpty() && (Character.isWhitespace(ip.charAt(0))
                || Character.isWhitespace(ip.charAt(ip.length() - 1)));
        return new InvalidValueException("evidence.ip", ip, padded
                ? "must be an IPv4 or IPv6 address literal without leading or trailing whitespace"
                : "must be an IPv4 or IPv6 address literal");
    }

    private static boolean isIpv4Mapped(byte[] b) {
        for (int i = 0; i < 10; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff;
    }

    /** Dotted-decimal IPv4, four parts of 0-255 without leading zeros (which some parsers read as octal). */
    static byte[] parseIpv4(String s) {
        if (!IPV4.matcher(s).matches()) {
            return null;
        }
        String[] parts = s.split("\\.");
        byte[] out = new byte[4];
        for (int i = 0; i < 4; i++) {
            String p = parts[i];
            if (p.length() > 1 && p.charAt(0) == '0') {
                return null;
            }
            int v = Integer.parseInt(p);
            if (v > 255) {
                return null;
            }
            out[i] = (byte) v;
        }
        return out;
    }

    /** RFC 4291 section 2.2 text forms: eight groups, one "::", an embedded dotted IPv4 tail. No zone ids. */
    static byte[] parseIpv6(String s) {
        if (s.isEmpty() || s.length() > 45 || !IPV6_CHARS.matcher(s).matches()) {
            return null;
        }
        int gap = s.indexOf("::");
        if (gap >= 0 && s.indexOf("::", gap + 1) >= 0) {
            return null;
        }
        String head = gap >= 0 ? s.substring(0, gap) : s;
        String tail = gap >= 0 ? s.substring(gap + 2) : "";
        java.util.List<Integer> left = groups(head, gap < 0);
        java.util.List<Integer> right = gap >= 0 ? groups(tail, true) : java.util.List.of();
        if (left == null || right == null) {
            return null;
        }
        int total = left.size() + right.size();
        if (gap < 0 && total != 8 || gap >= 0 && total > 7) {
            return null;
        }
        byte[] out = new byte[16];
        int i = 0;
        for (int g : left) {
            out[i++] = (byte) (g >> 8);
            out[i++] = (byte) g;
        }
        i = 16 - right.size() * 2;
        for (int g : right) {
            out[i++] = (byte) (g >> 8);
            out[i++] = (byte) g;
        }
        return out;
    }

    /** 16-bit groups of one side of "::"; a dotted IPv4 address may end the last side. */
    private static java.util.List<Integer> groups(String side, boolean last) {
        java.util.List<Integer> out = new java.util.ArrayList<>();
        if (side.isEmpty()) {
            return out;
        }
        String[] parts = side.split(":", -1);
        for (int k = 0; k < parts.length; k++) {
            String p = parts[k];
            if (last && k == parts.length - 1 && p.indexOf('.') >= 0) {
                byte[] v4 = parseIpv4(p);
                if (v4 == null) {
                    return null;
                }
                out.add((v4[0] & 0xff) << 8 | v4[1] & 0xff);
                out.add((v4[2] & 0xff) << 8 | v4[3] & 0xff);
            } else if (p.isEmpty() || p.length() > 4 || p.indexOf('.') >= 0) {
                return null;
            } else {
                out.add(Integer.parseInt(p, 16));
            }
        }
        return out;
    }

    private static String formatIpv4(byte[] b) {
        return (b[0] & 0xff) + "." + (b[1] & 0xff) + "." + (b[2] & 0xff) + "." + (b[3] & 0xff);
    }

    /** RFC 5952: lower-case hex, no leading zeros, the longest run (of two or more) of zero groups as "::". */
    private static String formatIpv6(byte[] b) {
        String[] groups = new String[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = Integer.toHexString((b[2 * i] & 0xff) << 8 | b[2 * i + 1] & 0xff);
        }
        return compressIpv6(String.join(":", groups));
    }

    private String hmac(byte[] address) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(address));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is required of every Java platform", e);
        }
    }

    /** RFC 5952 form: the longest run of zero groups becomes "::". */
    private static String compressIpv6(String full) {
        String[] groups = full.split(":");
        int bestStart = -1;
        int bestLen = 0;
        for (int i = 0; i < groups.length; ) {
            if (groups[i].equals("0")) {
                int j = i;
                while (j < groups.length && groups[j].equals("0")) {
                    j++;
                }
                if (j - i > bestLen && j - i > 1) {
                    bestStart = i;
                    bestLen = j - i;
                }
                i = j;
            } else {
                i++;
            }
        }
        if (bestStart < 0) {
            return full;
        }
        String head = String.join(":", Arrays.copyOfRange(groups, 0, bestStart));
        String tail = String.join(":", Arrays.copyOfRange(groups, bestStart + bestLen, groups.length));
        return head + "::" + tail;
    }

    @Override
    public String toString() {
        return switch (mode) {
            case TRUNCATE -> "IpMinimizer[truncate /" + v4Bits + ", /" + v6Bits + "]";
            case KEYED_HASH -> "IpMinimizer[keyed hash]";
            case DROP -> "IpMinimizer[drop]";
        };
    }

}
