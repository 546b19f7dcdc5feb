package dev.consent.ledger;

import dev.consent.InvalidValueException;

import java.net.InetAddress;
import java.net.UnknownHostException;
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
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}(/\\d{1,2})?");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*(/\\d{1,3})?");
    private static final String HASH_PREFIX = "hmac-sha256:";

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

    /** IPv4 to /24, IPv6 to /48: the default. */
    public static IpMinimizer truncate() {
        return truncate(24, 48);
    }

    public static IpMinimizer truncate(int ipv4PrefixBits, int ipv6PrefixBits) {
        if (ipv4PrefixBits < 0 || ipv4PrefixBits > 32) {
            throw new InvalidValueException("ipv4PrefixBits", ipv4PrefixBits, "must be between 0 and 32");
        }
        if (ipv6PrefixBits < 0 || ipv6PrefixBits > 128) {
            throw new InvalidValueException("ipv6PrefixBits", ipv6PrefixBits, "must be between 0 and 128");
        }
        return new IpMinimizer(Mode.TRUNCATE, ipv4PrefixBits, ipv6PrefixBits, null);
    }

    /** HMAC-SHA256 of the full address under a secret key of at least 16 bytes held by the shop. */
    public static IpMinimizer keyedHash(byte[] secretKey) {
        if (secretKey == null || secretKey.length < 16) {
            throw new InvalidValueException("secretKey", secretKey == null ? null : secretKey.length + " bytes",
                    "must be at least 16 bytes");
        }
        return new IpMinimizer(Mode.KEYED_HASH, 0, 0, secretKey.clone());
    }

    /** Stores no address at all. */
    public static IpMinimizer drop() {
        return new IpMinimizer(Mode.DROP, 0, 0, null);
    }

    /** The minimised form of {@code ip}; {@code null} stays {@code null}. Rejects what is not an address. */
    public String minimize(String ip) {
        if (ip == null) {
            return null;
        }
        if (mode == Mode.DROP) {
            return null;
        }
        if (mode == Mode.KEYED_HASH && ip.startsWith(HASH_PREFIX)) {
            return ip;
        }
        String literal = ip;
        int given = -1;
        int slash = ip.indexOf('/');
        boolean v4 = IPV4.matcher(ip).matches();
        boolean v6 = !v4 && IPV6.matcher(ip).matches();
        if (!v4 && !v6) {
            throw new InvalidValueException("evidence.ip", ip, "must be an IPv4 or IPv6 address literal");
        }
        if (slash >= 0) {
            literal = ip.substring(0, slash);
            given = Integer.parseInt(ip.substring(slash + 1));
        }
        byte[] bytes;
        try {
            // Only literals reach this point (checked above), so no name lookup happens.
            bytes = InetAddress.getByName(literal).getAddress();
        } catch (UnknownHostException | RuntimeException e) {
            throw new InvalidValueException("evidence.ip", ip, "must be an IPv4 or IPv6 address literal");
        }
        if (mode == Mode.KEYED_HASH) {
            if (given >= 0) {
                throw new InvalidValueException("evidence.ip", ip, "must be a full address to be hashed, not a prefix");
            }
            return HASH_PREFIX + hmac(bytes);
        }
        int bits = bytes.length == 4 ? v4Bits : v6Bits;
        if (given >= 0) {
            bits = Math.min(bits, given);
        }
        byte[] masked = Arrays.copyOf(bytes, bytes.length);
        for (int i = 0; i < masked.length; i++) {
            int keep = Math.max(0, Math.min(8, bits - i * 8));
            masked[i] = (byte) (masked[i] & (0xff << (8 - keep)));
        }
        try {
            String text = InetAddress.getByAddress(masked).getHostAddress();
            if (bytes.length == 16) {
                text = compressIpv6(text);
            }
            return text + "/" + bits;
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
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
