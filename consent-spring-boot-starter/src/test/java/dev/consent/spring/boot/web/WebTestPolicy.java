package dev.consent.spring.boot.web;

import dev.consent.ConsentService;
import dev.consent.policy.Policy;
import dev.consent.policy.PolicyJson;
import dev.consent.policy.PurposeId;
import dev.consent.store.ConsentStore;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** The web tests' policy: a newsletter on consent, and sharing with advertisers flagged for sale or sharing. */
final class WebTestPolicy {
    static final PurposeId SHARING = PurposeId.of("ads.sharing");
    static final PurposeId NEWSLETTER = PurposeId.of("marketing.email");

    private WebTestPolicy() {
    }

    static Policy policy() {
        try (InputStream in = WebTestPolicy.class.getResourceAsStream("/web-policy.json")) {
            return PolicyJson.read(in, "web-policy.json");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ConsentService consents(ConsentStore store) {
        return ConsentService.builder().policy(policy()).store(store).build();
    }
}
