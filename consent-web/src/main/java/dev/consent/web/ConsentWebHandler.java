package dev.consent.web;

import dev.consent.ConflictException;
import dev.consent.ConsentService;
import dev.consent.InvalidValueException;
import dev.consent.StoreException;
import dev.consent.UnknownPurposeException;
import dev.consent.email.DoubleOptIn;
import dev.consent.email.OneClickUnsubscribe;
import dev.consent.policy.Policy;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;

/**
 * The HTTP endpoints of the consent banner and preference centre, framework-neutral: a {@link WebRequest} in, a
 * {@link WebResponse} out, so any server can mount it through a small adapter ({@link JdkHttpServerAdapter} for the
 * JDK's own server; the Spring Boot starter has one for servlets). Every endpoint lies under a versioned base path,
 * by default {@value #DEFAULT_BASE_PATH}; {@code docs/web.md} and the OpenAPI document served at
 * {@code <base>/openapi.json} describe them.
 *
 * <p>Guarantees:
 * <ul>
 *   <li><b>What is recorded is what was shown.</b> A choice is recorded only when it quotes the notice id, the
 *       SHA-256 of the notice text and the consent version this handler shows now for the language it resolves;
 *       otherwise nothing is written (409). A request's choices are recorded all together or not at all.</li>
 *   <li><b>Whose choices.</b> The customer the host authenticated ({@link CustomerResolver}), else the anonymous
 *       visitor of the visitor cookie, a random id of 192 bits issued HttpOnly and SameSite=Lax; a client-supplied
 *       value only ever names a visitor, never a customer, and a malformed one is replaced, never used.</li>
 *   <li><b>Only the shop's own page changes state.</b> State-changing requests need a JSON body, the header
 *       {@code X-Consent-Request: 1} and a same-origin {@code Origin} or {@code Sec-Fetch-Site}.</li>
 *   <li><b>Bounded.</b> Bodies above {@link Builder#maxBodyBytes(int)} are refused (413); each customer, visitor or
 *       (before a visitor id exists) client address has a token bucket (429 with {@code Retry-After}).</li>
 *   <li><b>Errors are problem documents</b> (RFC 9457) naming the field, the value and the rule; a store failure
 *       answers 503 and never "allowed".</li>
 * </ul>
 * Immutable and thread-safe once built.
 */
public final class ConsentWebHandler {
    /** The default base path of every endpoint. */
    public static final String DEFAULT_BASE_PATH = "/consent/v1";
    /** The default name of the visitor cookie. */
    public static final String DEFAULT_VISITOR_COOKIE = "consent_visitor";
    /** The route of the static files, one path segment below the base path. */
    static final String ASSET_ROUTE = "/{file}";
    private static final Pattern BASE_PATH = Pattern.compile("(/[A-Za-z0-9._~-]+)+");

    private final String basePath;
    private final Visitors visitors;
    private final RequestGuard guard;
    private final RateLimiter limiter;
    private final int maxBodyBytes;
    private final Map<String, Route> routes;

    /**
     * One endpoint: whether it changes state with the visitor's cookie (and so is guarded against cross-site
     * requests), what its rate limit is counted under (null: not limited), and what answers it.
     */
    private record Route(boolean guarded, Function<Exchange, String> rateKey, Function<Exchange, WebResponse> endpoint) {
    }

    private ConsentWebHandler(Builder b) {
        this.basePath = b.basePath;
        this.visitors = new Visitors(b.visitorCookie, b.secureCookie, b.visitorCookieMaxAge);
        this.guard = new RequestGuard(b.allowedOrigins);
        this.limiter = new RateLimiter(b.rateBurst, b.rateRefill, b.rateKeys, b.nanoTime);
        this.maxBodyBytes = b.maxBodyBytes;
        Notices notices = new Notices(b.defaultLocale);
        EmailLandings mail = new EmailLandings(b.consents, notices, Optional.ofNullable(b.doubleOptIn),
                Optional.ofNullable(b.unsubscribe), b.basePath);
        Function<Exchange, String> bySubject = Exchange::rateKey;
        Function<Exchange, String> byToken = x -> EmailLandings.rateKey(x.request);
        Map<String, Route> r = new LinkedHashMap<>();
        r.put("GET /purposes", new Route(false, bySubject, new PurposesEndpoint(b.consents, notices)::handle));
        r.put("POST /choices", new Route(true, bySubject, new ChoicesEndpoint(b.consents, notices)::handle));
        r.put("POST /link", new Route(true, bySubject, new LinkEndpoint(b.consents)::handle));
        if (mail.confirms()) {
            r.put("GET /confirm", new Route(false, byToken, mail::confirmPage));
            r.put("POST /confirm", new Route(false, byToken, mail::confirm));
        }
        if (mail.unsubscribes()) {
            r.put("GET /unsubscribe", new Route(false, byToken, mail::unsubscribePage));
            r.put("POST /unsubscribe", new Route(false, byToken, mail::unsubscribe));
        }
        AssetsEndpoint assets = new AssetsEndpoint();
        r.put("GET " + ASSET_ROUTE, new Route(false, null,
                x -> assets.handle(x, x.request.path().substring(basePath.length() + 1))));
        this.routes = Collections.unmodifiableMap(r);
    }

    /**
     * A builder over the consent service whose policy and ledger the endpoints read and write.
     *
     * @param consents the consent service
     * @return the builder
     * @throws InvalidValueException when {@code consents} is null
     */
    public static Builder builder(ConsentService consents) {
        return new Builder(consents);
    }

    /**
     * The base path every endpoint lies under.
     *
     * @return e.g. {@value #DEFAULT_BASE_PATH}
     */
    public String basePath() {
        return basePath;
    }

    /**
     * The routes served, as {@code METHOD /path} below the base path, the files as {@value #ASSET_ROUTE}: what the
     * OpenAPI document must describe.
     */
    Set<String> routes() {
        return new LinkedHashSet<>(routes.keySet());
    }

    /**
     * Answers one request. Never throws for what the client sent: every refusal is a problem document.
     *
     * @param request the request
     * @return the response to write out as it is
     */
    public WebResponse handle(WebRequest request) {
        Exchange x = new Exchange(request, visitors);
        try {
            if (!request.path().startsWith(basePath + "/")) {
                throw notFound(request.path());
            }
            String sub = request.path().substring(basePath.length());
            String template = template(sub);
            Route route = routes.get(request.method() + " " + template);
            if (route == null) {
                throw served(template) ? Problem.of(405, "method-not-allowed", "Method not allowed", "method",
                        request.method(), "is not served at " + sub).exception() : notFound(sub);
            }
            if (request.bodyLength() > maxBodyBytes) {
                throw Problem.of(413, "body-too-large", "The body is too large", "body",
                        Integer.toString(request.bodyLength()), "must be at most " + maxBodyBytes + " bytes")
                        .exception();
            }
            if (route.guarded()) {
                guard.checkStateChange(request);
            }
            if (route.rateKey() != null) {
                long wait = limiter.take(route.rateKey().apply(x));
                if (wait > 0) {
                    long seconds = Math.max(1, (wait + 999_999_999L) / 1_000_000_000L);
                    throw new Problem(429, "rate-limited", "Too many requests", null, null,
                            "wait " + seconds + " s before the next request", Map.of("Retry-After",
                            Long.toString(seconds))).exception();
                }
            }
            return route.endpoint().apply(x);
        } catch (Problem.ProblemException e) {
            return e.problem().response();
        } catch (UnknownPurposeException e) {
            return Problem.of(400, "unknown-purpose", "The policy declares no such purpose", "purpose", e.purpose(),
                    e.getMessage()).response();
        } catch (InvalidValueException e) {
            // the library's own check: its value may be an id the client did not send, so it is not quoted
            return Problem.badRequest(e.field(), null, e.rule()).response();
        } catch (ConflictException e) {
            return Problem.of(409, "conflict", "The request conflicts with what is recorded", null, null,
                    e.getMessage()).response();
        } catch (StoreException e) {
            return Problem.of(503, "store-unavailable", "The consent store cannot be reached", null, null,
                    "nothing was recorded or answered; try again later").response();
        }
    }

    /** The route template a path below the base path falls under: its own, else one segment names a file. */
    private String template(String sub) {
        return served(sub) || sub.indexOf('/', 1) >= 0 ? sub : ASSET_ROUTE;
    }

    private boolean served(String template) {
        return routes.keySet().stream().anyMatch(k -> k.endsWith(" " + template));
    }

    private static Problem.ProblemException notFound(String path) {
        return Problem.of(404, "not-found", "Not found", "path", path, "is not an endpoint of this handler")
                .exception();
    }

    /** Configures a handler; {@link #build()} checks the whole. Not thread-safe. */
    public static final class Builder {
        private final ConsentService consents;
        private String basePath = DEFAULT_BASE_PATH;
        private String visitorCookie = DEFAULT_VISITOR_COOKIE;
        private boolean secureCookie = true;
        private Duration visitorCookieMaxAge = Duration.ofDays(180);
        private Set<String> allowedOrigins = Set.of();
        private int maxBodyBytes = 16 * 1024;
        private int rateBurst = 30;
        private Duration rateRefill = Duration.ofSeconds(1);
        private long rateKeys = 100_000;
        private LongSupplier nanoTime = System::nanoTime;
        private String defaultLocale;
        private DoubleOptIn doubleOptIn;
        private OneClickUnsubscribe unsubscribe;

        private Builder(ConsentService consents) {
            if (consents == null) {
                throw new InvalidValueException("consents", null, "is required");
            }
            this.consents = consents;
        }

        /**
         * The base path of every endpoint; default {@value ConsentWebHandler#DEFAULT_BASE_PATH}.
         *
         * @param path one or more segments, each {@code /} and unreserved URL characters, no trailing slash
         * @return this builder
         * @throws InvalidValueException when the path is not of that form
         */
        public Builder basePath(String path) {
            if (path == null || !BASE_PATH.matcher(path).matches()) {
                throw new InvalidValueException("basePath", path, "must be /segment[/segment...] of unreserved URL"
                        + " characters, without a trailing slash, e.g. /consent/v1");
            }
            this.basePath = path;
            return this;
        }

        /**
         * The visitor cookie's name; default {@value ConsentWebHandler#DEFAULT_VISITOR_COOKIE}.
         *
         * @param name an RFC 6265 cookie name (letters, digits, {@code -} and {@code _}), 1 to 64 characters
         * @return this builder
         * @throws InvalidValueException when the name is not of that form
         */
        public Builder visitorCookie(String name) {
            if (name == null || !name.matches("[A-Za-z0-9_-]{1,64}")) {
                throw new InvalidValueException("visitorCookie", name, "must be 1 to 64 letters, digits, - or _");
            }
            this.visitorCookie = name;
            return this;
        }

        /**
         * Whether the visitor cookie is marked {@code Secure} (sent over HTTPS only); default true. Turn it off only
         * for plain-HTTP development servers.
         *
         * @param secure whether to mark it
         * @return this builder
         */
        public Builder secureCookie(boolean secure) {
            this.secureCookie = secure;
            return this;
        }

        /**
         * How long the visitor cookie lives; default 180 days: the CNIL's recommendation on cookies and other
         * trackers (délibération n° 2020-092 of 17 September 2020) holds keeping a choice six months, then asking
         * again, to be good practice.
         *
         * @param maxAge from one hour to 400 days (the longest cookie lifetime browsers keep, RFC 6265bis)
         * @return this builder
         * @throws InvalidValueException when out of range
         */
        public Builder visitorCookieMaxAge(Duration maxAge) {
            if (maxAge == null || maxAge.compareTo(Duration.ofHours(1)) < 0 || maxAge.compareTo(Duration.ofDays(400)) > 0) {
                throw new InvalidValueException("visitorCookieMaxAge", maxAge, "must be from 1 hour to 400 days");
            }
            this.visitorCookieMaxAge = maxAge;
            return this;
        }

        /**
         * The origins state-changing requests may come from; default none, meaning the origin whose host and port
         * are the request's own {@code Host} header. Set it when a proxy rewrites {@code Host}.
         *
         * @param origins full origins such as {@code https://shop.example}
         * @return this builder
         * @throws InvalidValueException when an origin is not scheme://host[:port]
         */
        public Builder allowedOrigins(Set<String> origins) {
            if (origins == null) {
                throw new InvalidValueException("allowedOrigins", null, "is required");
            }
            for (String o : origins) {
                if (o == null || !o.matches("https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?")) {
                    throw new InvalidValueException("allowedOrigins", o, "must be scheme://host[:port], e.g."
                            + " https://shop.example");
                }
            }
            this.allowedOrigins = Set.copyOf(origins);
            return this;
        }

        /**
         * The largest request body taken; default 16 KiB.
         *
         * @param bytes from 1 KiB to 1 MiB
         * @return this builder
         * @throws InvalidValueException when out of range
         */
        public Builder maxBodyBytes(int bytes) {
            if (bytes < 1024 || bytes > 1024 * 1024) {
                throw new InvalidValueException("maxBodyBytes", bytes, "must be from 1024 to 1048576");
            }
            this.maxBodyBytes = bytes;
            return this;
        }

        /**
         * The rate limit per customer, visitor or (before a visitor id exists) client address: a bucket of
         * {@code burst} requests, refilled by one every {@code refill}; default 30 and one second.
         *
         * @param burst the most requests at once, 1 to 10,000
         * @param refill the time one request's token takes to come back, from 1 ms to 1 hour
         * @return this builder
         * @throws InvalidValueException when out of range
         */
        public Builder rateLimit(int burst, Duration refill) {
            if (burst < 1 || burst > 10_000) {
                throw new InvalidValueException("rateLimit.burst", burst, "must be from 1 to 10000");
            }
            if (refill == null || refill.compareTo(Duration.ofMillis(1)) < 0 || refill.compareTo(Duration.ofHours(1)) > 0) {
                throw new InvalidValueException("rateLimit.refill", refill, "must be from 1 ms to 1 hour");
            }
            this.rateBurst = burst;
            this.rateRefill = refill;
            return this;
        }

        /**
         * The most keys whose buckets are remembered at once; default 100,000 (the least recently used are
         * forgotten first, which refills them).
         *
         * @param keys 1 or more
         * @return this builder
         * @throws InvalidValueException when below 1
         */
        public Builder rateLimitKeys(long keys) {
            if (keys < 1) {
                throw new InvalidValueException("rateLimitKeys", keys, "must be 1 or more");
            }
            this.rateKeys = keys;
            return this;
        }

        /**
         * The time source of the rate limiter, in nanoseconds (as {@link System#nanoTime()}); for tests.
         *
         * @param nanoTime the time source
         * @return this builder
         * @throws InvalidValueException when null
         */
        public Builder rateLimitTicker(LongSupplier nanoTime) {
            if (nanoTime == null) {
                throw new InvalidValueException("rateLimitTicker", null, "is required");
            }
            this.nanoTime = nanoTime;
            return this;
        }

        /**
         * The language of the policy's own texts when the policy states none ({@link Policy#language()}).
         *
         * @param locale a BCP 47 language tag such as {@code en}
         * @return this builder
         * @throws InvalidValueException when not a language tag
         */
        public Builder defaultLocale(String locale) {
            this.defaultLocale = Notices.canonical(locale).orElseThrow(() -> new InvalidValueException(
                    "defaultLocale", locale, "must be a BCP 47 language tag such as en"));
            return this;
        }

        /**
         * Serves the double opt-in confirmation landing, {@code GET} and {@code POST /confirm}; without it those
         * routes are not served.
         *
         * @param doubleOptIn the double opt-in over the same consent service
         * @return this builder
         * @throws InvalidValueException when null
         */
        public Builder doubleOptIn(DoubleOptIn doubleOptIn) {
            if (doubleOptIn == null) {
                throw new InvalidValueException("doubleOptIn", null, "is required");
            }
            this.doubleOptIn = doubleOptIn;
            return this;
        }

        /**
         * Serves the one-click unsubscribe (RFC 8058), {@code POST /unsubscribe?token=...}, and its landing page,
         * {@code GET /unsubscribe}; without it those routes are not served. The unsubscribe links must point at
         * {@code <base path>/unsubscribe} on the shop's HTTPS origin.
         *
         * @param unsubscribe the one-click unsubscribe over the same consent service
         * @return this builder
         * @throws InvalidValueException when null
         */
        public Builder oneClickUnsubscribe(OneClickUnsubscribe unsubscribe) {
            if (unsubscribe == null) {
                throw new InvalidValueException("unsubscribe", null, "is required");
            }
            this.unsubscribe = unsubscribe;
            return this;
        }

        /**
         * The handler.
         *
         * @return the handler, independent of this builder
         * @throws InvalidValueException when the policy in force states no language and no
         *     {@link #defaultLocale(String)} was given
         */
        public ConsentWebHandler build() {
            Policy policy = consents.policy();
            if (policy.language().isEmpty() && defaultLocale == null) {
                throw new InvalidValueException("defaultLocale", null, "is required: policy " + policy.id()
                        + " version " + policy.version() + " states no language for its own texts");
            }
            if (defaultLocale == null) {
                defaultLocale = policy.language().flatMap(Notices::canonical).orElseThrow(() ->
                        new InvalidValueException("defaultLocale", policy.language().get(),
                                "the policy's language is not a language tag; give defaultLocale"));
            }
            return new ConsentWebHandler(this);
        }
    }
}
