package dev.consent.spring.boot.web;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.consent.ConsentService;
import dev.consent.InvalidValueException;
import dev.consent.StoreException;
import dev.consent.ledger.Evidence;
import dev.consent.ledger.GpcSignal;
import dev.consent.ledger.IpMinimizer;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.Policy;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.web.filter.OncePerRequestFilter;

import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * Applies a Global Privacy Control signal ({@code Sec-GPC: 1}, GPC specification section 3; honoured as an opt-out of
 * sale and sharing under Cal. Code Regs. tit. 11, § 7025) for the request's subject, through
 * {@link ConsentService#applyGpc}, before the rest of the chain runs.
 *
 * <p>Guarantees:
 * <ul>
 *   <li>A request without {@code Sec-GPC: 1}, or whose {@link ConsentSubjectResolver} finds no subject, is passed on
 *       untouched: nothing is read or written.</li>
 *   <li>Once per change, not per request: a subject whose signal was applied under the policy version in force is
 *       remembered (at most {@code cacheSize} subjects, each for {@code recheckAfter}), and its further requests read
 *       nothing. Applying again after that writes nothing unless the subject's choices changed since, because
 *       {@code applyGpc} records a signal only where none is on record since the last explicit choice. On one node,
 *       concurrent first requests of one subject apply the signal once.</li>
 *   <li>The evidence is the request's: user agent, locale (when the client sent {@code Accept-Language}) and the
 *       client address {@link HttpServletRequest#getRemoteAddr()}, which is the forwarded client's when the
 *       application trusts its proxies ({@code server.forward-headers-strategy}); this filter never reads
 *       {@code X-Forwarded-For} itself. The address is minimised by the consent service's {@link IpMinimizer} before
 *       it is stored; a field the ledger cannot hold (not an address, too long, control characters) is left out.</li>
 *   <li>The page never breaks because of the signal: when the store or the resolver fails, the failure is logged
 *       without personal data (no subject, no address, no header value), counted ({@link #failures()}), and the
 *       request goes on; the subject is not remembered, so its next request tries again.</li>
 * </ul>
 * Thread-safe.
 */
public class ConsentGpcFilter extends OncePerRequestFilter {
    /**
     * The filter's order: after Spring Security's filter chain (-100, so the principal is known) and Spring's
     * {@code ForwardedHeaderFilter} (first of all), before the application's own filters at the default order.
     */
    public static final int ORDER = -90;
    /** The request header of the signal. */
    public static final String HEADER = "Sec-GPC";

    private static final Logger LOG = LoggerFactory.getLogger(ConsentGpcFilter.class);
    /** Parses only, to leave out what is not an address; the service's own minimiser minimises what is stored. */
    private static final IpMinimizer ADDRESS_CHECK = IpMinimizer.truncate(32, 128);

    private final ConsentService consents;
    private final ConsentSubjectResolver resolver;
    private final Cache<String, Boolean> applied;
    private final AtomicLong applications = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();

    /**
     * @param consents the consent service the signal is applied through
     * @param resolver whose request it is
     * @param cacheSize how many subjects are remembered as having had the signal applied, at least 1
     * @param recheckAfter how long each is remembered, positive
     * @throws InvalidValueException when an argument is missing or out of range
     */
    public ConsentGpcFilter(ConsentService consents, ConsentSubjectResolver resolver, int cacheSize,
            Duration recheckAfter) {
        this(consents, resolver, cacheSize, recheckAfter, Ticker.systemTicker());
    }

    ConsentGpcFilter(ConsentService consents, ConsentSubjectResolver resolver, int cacheSize, Duration recheckAfter,
            Ticker ticker) {
        if (consents == null) {
            throw new InvalidValueException("consents", null, "is required");
        }
        if (resolver == null) {
            throw new InvalidValueException("resolver", null, "is required");
        }
        if (cacheSize < 1) {
            throw new InvalidValueException("consent.web.gpc.cache-size", cacheSize, "must be at least 1");
        }
        if (recheckAfter == null || recheckAfter.isNegative() || recheckAfter.isZero()) {
            throw new InvalidValueException("consent.web.gpc.recheck-after", recheckAfter, "must be positive");
        }
        this.consents = consents;
        this.resolver = resolver;
        this.applied = Caffeine.newBuilder().maximumSize(cacheSize).expireAfterWrite(recheckAfter).ticker(ticker)
                .build();
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String signal = request.getHeader(HEADER);
        if (signal != null && signal.strip().equals("1")) {
            apply(request);
        }
        chain.doFilter(request, response);
    }

    private void apply(HttpServletRequest request) {
        try {
            Optional<SubjectId> subject = resolver.resolve(request);
            if (subject.isEmpty()) {
                return;
            }
            Policy policy = consents.policy();
            // a new policy version may flag more purposes for sale or sharing: the signal is applied again under it
            String key = policy.id() + '\n' + policy.version() + '\n' + subject.get().value();
            applied.get(key, applyNow(subject.get(), request));
        } catch (RuntimeException e) {
            failures.incrementAndGet();
            LOG.warn("Global Privacy Control signal not applied, the request goes on: {}", describe(e));
        }
    }

    private Function<String, Boolean> applyNow(SubjectId subject, HttpServletRequest request) {
        return key -> {
            consents.applyGpc(subject, GpcSignal.received().withEvidence(evidence(request)));
            applications.incrementAndGet();
            return Boolean.TRUE;
        };
    }

    /** The request's evidence, each field only when the ledger can hold it. */
    static Evidence evidence(HttpServletRequest request) {
        String userAgent = request.getHeader("User-Agent");
        String locale = request.getHeader("Accept-Language") == null ? null : request.getLocale().toLanguageTag();
        locale = "und".equals(locale) ? null : locale; // what an unreadable Accept-Language gives
        return new Evidence(null, null, holdable(locale, true), holdable(userAgent, false),
                address(request.getRemoteAddr()), null);
    }

    /** The value when evidence can hold it as a locale or a user agent, else null (it is left out, not refused). */
    private static String holdable(String value, boolean isLocale) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            new Evidence(null, null, isLocale ? value : null, isLocale ? null : value, null, null);
            return value;
        } catch (InvalidValueException e) {
            return null;
        }
    }

    private static String address(String ip) {
        if (ip == null) {
            return null;
        }
        try {
            ADDRESS_CHECK.minimize(ip);
            return ip;
        } catch (InvalidValueException e) {
            return null; // e.g. a Unix domain socket's path, or a proxy's "unknown"
        }
    }

    /** A failure without personal data: the store's own description (which quotes no values), else the type. */
    private static String describe(RuntimeException e) {
        return e instanceof StoreException ? e.getMessage() : e.getClass().getName();
    }

    /**
     * How many times this filter applied the signal (read the store, and wrote what was new), since start.
     *
     * @return the number of applications; never decreases
     */
    public long applications() {
        return applications.get();
    }

    /**
     * How many signals this filter could not apply (the store or the resolver failed), since start.
     *
     * @return the number of failures; never decreases
     */
    public long failures() {
        return failures.get();
    }

    @Override
    public String toString() {
        return "ConsentGpcFilter[resolver=" + resolver + "]";
    }
}
