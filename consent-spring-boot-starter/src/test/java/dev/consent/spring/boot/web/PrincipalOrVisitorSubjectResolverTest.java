package dev.consent.spring.boot.web;

import dev.consent.ledger.SubjectId;
import dev.consent.spring.boot.ConsentConfigurationException;
import jakarta.servlet.http.Cookie;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.mock.web.MockHttpServletRequest;

import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The default resolver: the principal is the customer; the cookie, which the client controls, only ever a visitor. */
class PrincipalOrVisitorSubjectResolverTest {
    private static final String UUID = "3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6b";
    private final PrincipalOrVisitorSubjectResolver resolver = new PrincipalOrVisitorSubjectResolver("visitor",
            "[A-Za-z0-9_-]{16,128}");

    private static MockHttpServletRequest request(String principal, Cookie... cookies) {
        MockHttpServletRequest request = new MockHttpServletRequest();
        if (principal != null) {
            request.setUserPrincipal(() -> principal);
        }
        if (cookies.length > 0) {
            request.setCookies(cookies);
        }
        return request;
    }

    @Test
    void theAuthenticatedPrincipalIsTheCustomerWhateverCookieTheRequestCarries() {
        assertThat(resolver.resolve(request("customer-42", new Cookie("visitor", UUID))))
                .contains(SubjectId.of("customer-42"));
    }

    @Test
    void withoutAPrincipalAValidCookieNamesAVisitor() {
        assertThat(resolver.resolve(request(null, new Cookie("visitor", UUID))))
                .contains(SubjectId.of("visitor:" + UUID));
        assertThat(resolver.resolve(request(null, new Cookie("visitor", UUID), new Cookie("visitor", UUID))))
                .as("the same id twice").contains(SubjectId.of("visitor:" + UUID));
    }

    @Test
    void aCookieThatLooksLikeACustomerIdNamesOnlyAVisitorOfThatName() {
        Optional<SubjectId> subject = resolver.resolve(request(null, new Cookie("visitor", "customer-0000000042")));
        assertThat(subject).contains(SubjectId.of("visitor:customer-0000000042"));
        assertThat(subject.get().isVisitor()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "customer-42", "visitor:3f2b8c1e9a4d4e6f8b7a", "3f2b8c1e 9a4d 4e6f 8b7a",
            "3f2b8c1e\u00009a4d4e6f8b7a", "../../../../etc/passwd00", "' OR '1'='1' -- 0000000000",
            "%00%00%00%00%00%00%00%00", "\u202e3f2b8c1e9a4d4e6f8b7a", "3f2b8c1e-9a4d-4e6f-8b7a\n1c2d3e4f5a6b"})
    void aCookieValueOutsideThePatternNamesNoOne(String hostile) {
        assertThat(resolver.resolve(request(null, new Cookie("visitor", hostile)))).isEmpty();
    }

    @Test
    void anOverlongCookieValueNamesNoOneEvenWhenThePatternAllowsIt() {
        PrincipalOrVisitorSubjectResolver lax = new PrincipalOrVisitorSubjectResolver("visitor", "[a-z]+");
        assertThat(lax.resolve(request(null, new Cookie("visitor", "a".repeat(193))))).isEmpty();
        assertThat(lax.resolve(request(null, new Cookie("visitor", "a".repeat(192))))).isPresent();
    }

    @Test
    void twoDifferentVisitorCookiesNameNoOne() {
        assertThat(resolver.resolve(request(null, new Cookie("visitor", UUID),
                new Cookie("visitor", "aaaaaaaaaaaaaaaaaaaaaaaa")))).isEmpty();
    }

    @Test
    void otherCookiesOrNoCookieNameNoOne() {
        assertThat(resolver.resolve(request(null, new Cookie("session", UUID)))).isEmpty();
        assertThat(resolver.resolve(request(null))).isEmpty();
        PrincipalOrVisitorSubjectResolver noCookie = new PrincipalOrVisitorSubjectResolver(null, "[a-z]+");
        assertThat(noCookie.resolve(request(null, new Cookie("visitor", UUID)))).isEmpty();
        assertThat(noCookie.resolve(request("customer-42"))).contains(SubjectId.of("customer-42"));
    }

    @Test
    void aPrincipalNameThatIsNoCustomerIdNamesNoOne() {
        assertThat(resolver.resolve(request("visitor:" + UUID))).as("the visitor namespace is never a customer")
                .isEmpty();
        assertThat(resolver.resolve(request("x".repeat(201)))).isEmpty();
        assertThat(resolver.resolve(request(" "))).isEmpty();
    }

    @Test
    void anInvalidPatternFailsNamingTheProperty() {
        assertThatThrownBy(() -> new PrincipalOrVisitorSubjectResolver("visitor", "[a-z"))
                .isInstanceOf(ConsentConfigurationException.class)
                .hasMessageContaining("consent.web.visitor-cookie-pattern");
    }
}
