package dev.consent.web;

import dev.consent.policy.Policy;
import dev.consent.policy.Purpose;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Picks the notice shown for a purpose: the requested language, else its primary language ({@code de} for
 * {@code de-AT}), else the policy's own language, whose texts are the purpose's title and description in the policy.
 * A translation is taken only when it was written for the purpose's current consent version.
 */
final class Notices {
    private final NoticeCatalogue catalogue;
    private final String fallbackLocale;

    /**
     * @param catalogue the translations
     * @param fallbackLocale the language of a policy that states none ({@link Policy#language()})
     */
    Notices(NoticeCatalogue catalogue, String fallbackLocale) {
        this.catalogue = catalogue;
        this.fallbackLocale = fallbackLocale;
    }

    /** The language the policy's own texts are in. */
    String policyLocale(Policy policy) {
        return policy.language().flatMap(NoticeCatalogue::canonical).orElse(fallbackLocale);
    }

    ShownNotice notice(Policy policy, Purpose purpose, Optional<String> requested) {
        String own = policyLocale(policy);
        for (String locale : candidates(requested, own)) {
            Optional<NoticeCatalogue.Translation> t = catalogue.translation(purpose.id(), locale)
                    .filter(x -> x.version() == purpose.consentVersion());
            if (t.isPresent()) {
                return ShownNotice.of(purpose, locale, t.get().title(), t.get().text());
            }
            if (locale.equals(own)) {
                break;
            }
        }
        String text = purpose.description() == null || purpose.description().isBlank() ? purpose.title()
                : purpose.description();
        return ShownNotice.of(purpose, own, purpose.title(), text);
    }

    private static List<String> candidates(Optional<String> requested, String own) {
        List<String> out = new ArrayList<>();
        requested.ifPresent(r -> {
            out.add(r);
            int dash = r.indexOf('-');
            if (dash > 0) {
                out.add(r.substring(0, dash));
            }
        });
        out.add(own);
        return out;
    }
}
