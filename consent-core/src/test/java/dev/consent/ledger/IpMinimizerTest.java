package dev.consent.ledger;

import dev.consent.InvalidValueException;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.Permission;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

class IpMinimizerTest {
    private static final byte[] KEY = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] OTHER_KEY = "fedcba9876543210".getBytes(StandardCharsets.US_ASCII);

    private final IpMinimizer standard = IpMinimizer.truncate();

    private static void assertRejectedAsIp(IpMinimizer minimizer, String input) {
        Throwable t = catchThrowable(() -> minimizer.minimize(input));
        assertThat(t).as("minimize(%s)", input).isInstanceOf(InvalidValueException.class)
                .hasMessageStartingWith("evidence.ip: ");
        assertThat(((InvalidValueException) t).field()).isEqualTo("evidence.ip");
        assertThat(((InvalidValueException) t).value()).isEqualTo(input);
    }

    @Nested
    class DefaultTruncation {
        @ParameterizedTest
        @CsvSource({
                "203.0.113.77, 203.0.113.0/24",
                "192.0.2.255, 192.0.2.0/24",
                "0.0.0.0, 0.0.0.0/24",
                "255.255.255.255, 255.255.255.0/24",
                "10.1.2.3, 10.1.2.0/24",
        })
        void ipv4KeepsTheSlash24(String input, String expected) {
            assertThat(standard.minimize(input)).isEqualTo(expected);
        }

        @ParameterizedTest
        @CsvSource({
                "2001:db8:abcd:12:3456:789a:bcde:f012, 2001:db8:abcd::/48",
                // RFC 5952: lower case, no leading zeros, longest zero run compressed
                "2001:0DB8:ABCD:0012:0000:0000:0000:0001, 2001:db8:abcd::/48",
                "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff, 2001:db8:ffff::/48",
                "2001:db8::1, 2001:db8::/48",
                "::1, ::/48",
                "::, ::/48",
                "fe80::1:2:3:4, fe80::/48",
                "2001:db8:0:0:1:0:0:1, 2001:db8::/48",
        })
        void ipv6KeepsTheSlash48InCompressedForm(String input, String expected) {
            assertThat(standard.minimize(input)).isEqualTo(expected);
        }

        @Test
        void nullStaysNull() {
            assertThat(standard.minimize(null)).isNull();
            assertThat(IpMinimizer.keyedHash(KEY).minimize(null)).isNull();
            assertThat(IpMinimizer.drop().minimize(null)).isNull();
        }

        @Test
        void aGivenPrefixIsNeverWidenedAndNeverNarrowedPastTheRule() {
            assertThat(standard.minimize("192.0.2.77/16")).isEqualTo("192.0.0.0/16");
            assertThat(standard.minimize("192.0.2.77/32")).isEqualTo("192.0.2.0/24");
            assertThat(standard.minimize("2001:db8::/32")).isEqualTo("2001:db8::/32");
            assertThat(standard.minimize("2001:db8:1:2::/64")).isEqualTo("2001:db8:1::/48");
        }

        @ParameterizedTest
        @ValueSource(strings = {"203.0.113.77", "192.0.2.0/24", "10.0.0.0/8", "2001:db8:abcd:12::1",
                "2001:db8::/32", "::1", "::ffff:192.0.2.1", "fe80::/10"})
        void minimisingAMinimisedValueReturnsIt(String input) {
            for (IpMinimizer m : List.of(standard, IpMinimizer.truncate(16, 32), IpMinimizer.truncate(32, 128),
                    IpMinimizer.truncate(0, 0))) {
                String once = m.minimize(input);
                assertThat(m.minimize(once)).as("%s on %s", m, input).isEqualTo(once);
            }
        }
    }

    @Nested
    class Ipv4InIpv6 {
        /**
         * Java reads an IPv4-mapped IPv6 literal as the IPv4 address itself, so the IPv4 rule applies: only the
         * /24 is kept, written in IPv4 form. The IPv6 prefix length is never applied to it, even a long one.
         */
        @ParameterizedTest
        @ValueSource(strings = {"::ffff:192.0.2.1", "::FFFF:192.0.2.1", "::ffff:c000:201",
                "0:0:0:0:0:ffff:192.0.2.1", "::ffff:192.0.2.1/128", "::ffff:192.0.2.1/120"})
        void mappedAddressesKeepOnlyTheIpv4Slash24(String input) {
            assertThat(standard.minimize(input)).isEqualTo("192.0.2.0/24");
            assertThat(IpMinimizer.truncate(24, 128).minimize(input)).isEqualTo("192.0.2.0/24");
            assertThat(IpMinimizer.truncate(16, 128).minimize(input)).isEqualTo("192.0.0.0/16");
        }

        @Test
        void mappedAndPlainIpv4HashAlike() {
            IpMinimizer keyed = IpMinimizer.keyedHash(KEY);
            assertThat(keyed.minimize("::ffff:192.0.2.1")).isEqualTo(keyed.minimize("192.0.2.1"));
        }

        @Test
        void otherEmbeddingsKeepNoneOfTheIpv4AddressBeyondTheSlash48() {
            // IPv4-compatible (deprecated), IPv4-translated and NAT64 keep the IPv4 part in the low 32 bits
            assertThat(standard.minimize("::192.0.2.1")).isEqualTo("::/48");
            assertThat(standard.minimize("::ffff:0:192.0.2.1")).isEqualTo("::/48");
            assertThat(standard.minimize("64:ff9b::192.0.2.1")).isEqualTo("64:ff9b::/48");
        }

        /**
         * A 6to4 address (RFC 3056, 2002::/16) carries the site's public IPv4 address in bits 16 to 47, so a /48
         * keeps all 32 bits of it: 2002:c000:0201::1 minimises to 2002:c000:201::/48, which is 192.0.2.1
         * whole, where a plain IPv4 address would keep only 192.0.2.0/24.
         */
        @Test
        void sixToFourKeepsNoMoreThanTheIpv4Slash24() {
            String kept = standard.minimize("2002:c000:0201:1::1");
            assertThat(kept).isNotEqualTo("2002:c000:201::/48");
            assertThat(kept).isEqualTo("2002:c000:200::/40");
        }
    }

    @Nested
    class CustomPrefixes {
        @Test
        void shorterPrefixes() {
            IpMinimizer m = IpMinimizer.truncate(16, 32);
            assertThat(m.minimize("203.0.113.77")).isEqualTo("203.0.0.0/16");
            assertThat(m.minimize("2001:db8:abcd::1")).isEqualTo("2001:db8::/32");
        }

        @Test
        void prefixesThatAreNotOnAByteBoundary() {
            IpMinimizer m = IpMinimizer.truncate(20, 36);
            assertThat(m.minimize("203.0.127.255")).isEqualTo("203.0.112.0/20");
            assertThat(m.minimize("2001:db8:ffff::1")).isEqualTo("2001:db8:f000::/36");
        }

        @Test
        void aSixtyFourKeepsASingleZeroGroupUncompressed() {
            // RFC 5952 4.2.2: "::" never stands for a single 16-bit zero field
            assertThat(IpMinimizer.truncate(24, 64).minimize("2001:db8:0:1:1:1:1:1")).isEqualTo("2001:db8:0:1::/64");
        }

        @Test
        void fullLengthKeepsTheAddressInRfc5952Form() {
            IpMinimizer m = IpMinimizer.truncate(32, 128);
            assertThat(m.minimize("203.0.113.7")).isEqualTo("203.0.113.7/32");
            assertThat(m.minimize("2001:DB8:0:0:0:0:0:1")).isEqualTo("2001:db8::1/128");
            // longest run of zeros is compressed; of two equally long runs, the first (RFC 5952 4.2.3)
            assertThat(m.minimize("2001:0:0:1:0:0:0:1")).isEqualTo("2001:0:0:1::1/128");
            assertThat(m.minimize("2001:db8:0:0:1:0:0:1")).isEqualTo("2001:db8::1:0:0:1/128");
            assertThat(m.minimize("2001:db8:1:1:1:1:1:1")).isEqualTo("2001:db8:1:1:1:1:1:1/128");
        }

        @Test
        void zeroKeepsNothing() {
            IpMinimizer m = IpMinimizer.truncate(0, 0);
            assertThat(m.minimize("203.0.113.7")).isEqualTo("0.0.0.0/0");
            assertThat(m.minimize("2001:db8::1")).isEqualTo("::/0");
        }

        @Test
        void outOfRangePrefixLengthsAreRejected() {
            assertThatThrownBy(() -> IpMinimizer.truncate(-1, 48)).isInstanceOf(InvalidValueException.class)
                    .hasMessageStartingWith("ipv4PrefixBits:");
            assertThatThrownBy(() -> IpMinimizer.truncate(33, 48)).isInstanceOf(InvalidValueException.class)
                    .hasMessageStartingWith("ipv4PrefixBits:");
            assertThatThrownBy(() -> IpMinimizer.truncate(24, -1)).isInstanceOf(InvalidValueException.class)
                    .hasMessageStartingWith("ipv6PrefixBits:");
            assertThatThrownBy(() -> IpMinimizer.truncate(24, 129)).isInstanceOf(InvalidValueException.class)
                    .hasMessageStartingWith("ipv6PrefixBits:");
        }
    }

    @Nested
    class KeyedHash {
        private final IpMinimizer keyed = IpMinimizer.keyedHash(KEY);

        @Test
        void knownVectors() {
            // openssl: printf c0000201 | xxd -r -p | openssl dgst -sha256 -mac HMAC -macopt key:0123456789abcdef
            assertThat(keyed.minimize("192.0.2.1"))
                    .isEqualTo("hmac-sha256:0400ee4de38e1234a7f90549cb8b8eb4c3017b1e688b3bd87e66b79ea653063b");
            assertThat(keyed.minimize("2001:db8::1"))
                    .isEqualTo("hmac-sha256:509e5a7b677c46c0a03b17bcbbffe57fe295bb0b648c4cb66e02f855fe1e3545");
        }

        @Test
        void sameAddressSameHashWhateverTheNotation() {
            assertThat(keyed.minimize("2001:DB8:0:0:0:0:0:1")).isEqualTo(keyed.minimize("2001:db8::1"));
            assertThat(IpMinimizer.keyedHash(KEY.clone()).minimize("192.0.2.1")).isEqualTo(keyed.minimize("192.0.2.1"));
        }

        @Test
        void differentAddressesOrKeysGiveDifferentHashes() {
            assertThat(keyed.minimize("192.0.2.2")).isNotEqualTo(keyed.minimize("192.0.2.1"));
            assertThat(IpMinimizer.keyedHash(OTHER_KEY).minimize("192.0.2.1")).isNotEqualTo(keyed.minimize("192.0.2.1"))
                    .startsWith("hmac-sha256:");
        }

        @Test
        void theKeyIsCopied() {
            byte[] key = KEY.clone();
            IpMinimizer m = IpMinimizer.keyedHash(key);
            String before = m.minimize("192.0.2.1");
            key[0] ^= 1;
            assertThat(m.minimize("192.0.2.1")).isEqualTo(before);
        }

        @Test
        void aHashIsReturnedUnchanged() {
            String once = keyed.minimize("203.0.113.9");
            assertThat(keyed.minimize(once)).isEqualTo(once);
        }

        @Test
        void aPrefixCannotBeHashed() {
            assertThatThrownBy(() -> keyed.minimize("192.0.2.0/24")).isInstanceOf(InvalidValueException.class)
                    .hasMessageStartingWith("evidence.ip:").hasMessageContaining("full address");
            assertRejectedAsIp(keyed, "2001:db8::/48");
        }

        @Test
        void garbageIsRejectedToo() {
            assertRejectedAsIp(keyed, "example.com");
            assertRejectedAsIp(keyed, "256.1.1.1");
        }

        @Test
        void shortOrMissingKeysAreRejected() {
            assertThatThrownBy(() -> IpMinimizer.keyedHash(new byte[15])).isInstanceOf(InvalidValueException.class)
                    .hasMessageStartingWith("secretKey:");
            assertThatThrownBy(() -> IpMinimizer.keyedHash(null)).isInstanceOf(InvalidValueException.class)
                    .hasMessageStartingWith("secretKey:");
        }

        @Test
        void theTruncatingMinimiserDoesNotTakeAHashForAnAddress() {
            assertRejectedAsIp(standard, keyed.minimize("192.0.2.1"));
        }

        /**
         * Anything that merely starts with {@code hmac-sha256:} is taken for a hash and stored verbatim, so a
         * raw address written after the prefix reaches the ledger un-minimised.
         */
        @Test
        void onlyARealHashPassesThrough() {
            assertRejectedAsIp(keyed, "hmac-sha256:203.0.113.7");
            assertRejectedAsIp(keyed, "hmac-sha256:");
            assertRejectedAsIp(keyed, "hmac-sha256:2001:db8::1");
        }
    }

    @Nested
    class Drop {
        @Test
        void keepsNothing() {
            IpMinimizer drop = IpMinimizer.drop();
            assertThat(drop.minimize("203.0.113.7")).isNull();
            assertThat(drop.minimize("2001:db8::1")).isNull();
            assertThat(drop.minimize("192.0.2.0/24")).isNull();
            assertThat(drop.toString()).contains("drop");
        }
    }

    @Nested
    class Rejects {
        @ParameterizedTest
        @ValueSource(strings = {"example.com", "localhost", "my-host", "host.local", "shop.example.", "xn--bcher-kva.example",
                "LOCALHOST", "ip6-localhost"})
        void hostNames(String input) {
            List<String> lookups = nameLookupsDuring(() -> assertRejectedAsIp(standard, input));
            assertThat(lookups).as("name lookups for %s", input).isEmpty();
        }

        @ParameterizedTest
        @ValueSource(strings = {"", " ", "1.2.3", "1.2.3.4.5", "1.2.3.4:80", "[::1]", "[::1]:443", "fe80::1%eth0",
                "2001:db8::g", ":::", "1::2::3", "abc:def", "1:2:3:4:5:6:7:8:9", " 192.0.2.1", "192.0.2.1 ",
                "192.0.2.1/", "192.0.2.1/-1", "192.0.2.1/x", "\u0661.2.3.4", "0x7f.0.0.1", "http://192.0.2.1/",
                "hmac-sha256:0400ee4de38e1234a7f90549cb8b8eb4c3017b1e688b3bd87e66b79ea653063b"})
        void garbage(String input) {
            List<String> lookups = nameLookupsDuring(() -> assertRejectedAsIp(standard, input));
            assertThat(lookups).as("name lookups for %s", input).isEmpty();
        }

        @ParameterizedTest
        @ValueSource(strings = {"256.0.0.1", "192.0.2.300", "999.1.1.1", "1.2.3.256", "300.300.300.300"})
        void outOfRangeOctets(String input) {
            assertRejectedAsIp(standard, input);
        }

        /**
         * The out-of-range octets above are rejected, but only after Java's resolver was asked for them as host
         * names: {@code InetAddress.getByName("999.1.1.1")} does not recognise a literal and queries the name
         * service (observed with strace: /etc/hosts is read and a UDP query goes to the nameserver on port 53).
         * Literals that begin with a dot and contain a colon (".1:2") go the same way.
         */
        @ParameterizedTest
        @ValueSource(strings = {"999.1.1.1", "256.0.0.1", "192.0.2.300", ".1:2", "..::.."})
        void neverAsksTheNameService(String input) {
            List<String> lookups = nameLookupsDuring(() -> assertRejectedAsIp(standard, input));
            assertThat(lookups).as("name lookups for %s", input).isEmpty();
        }

        @ParameterizedTest
        @ValueSource(strings = {"192.0.2.1/33", "192.0.2.1/99", "2001:db8::1/129", "2001:db8::1/999"})
        void prefixLengthsBeyondTheAddressSize(String input) {
            assertRejectedAsIp(standard, input);
        }

        @Test
        void theLookupDetectorSeesALookup() {
            // The detector refuses the lookup before any query is made; it must notice this one.
            List<String> lookups = nameLookupsDuring(() -> catchThrowable(() -> InetAddress.getByName("shop.invalid")));
            assertThat(lookups).containsExactly("shop.invalid");
            List<String> none = nameLookupsDuring(() -> standard.minimize("192.0.2.1"));
            assertThat(none).isEmpty();
        }
    }

    /**
     * The host names Java's resolver was asked for while {@code action} ran. Every name lookup passes
     * {@code SecurityManager.checkConnect(host, -1)} first (literals do not); this one records the host and
     * refuses, so no query leaves the machine. The previous security manager is restored afterwards.
     */
    @SuppressWarnings("removal")
    private static List<String> nameLookupsDuring(Runnable action) {
        List<String> hosts = Collections.synchronizedList(new ArrayList<>());
        SecurityManager previous = System.getSecurityManager();
        System.setSecurityManager(new SecurityManager() {
            @Override
            public void checkPermission(Permission perm) {
            }

            @Override
            public void checkPermission(Permission perm, Object context) {
            }

            @Override
            public void checkConnect(String host, int port) {
                if (port == -1) {
                    hosts.add(host);
                    throw new SecurityException("test: no name lookups allowed (" + host + ")");
                }
            }
        });
        try {
            action.run();
        } finally {
            System.setSecurityManager(previous);
        }
        return new ArrayList<>(hosts);
    }
}
