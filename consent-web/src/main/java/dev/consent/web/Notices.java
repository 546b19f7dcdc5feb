package dev.consent.web;

import dev.consent.policy.NoticeText;
import dev.consent.policy.Policy;
import dev.consent.policy.Purpose;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Picks the notice shown for a purpose, from the policy in force and nowhere else: the purpose's translation into the
 * requested language, else into its primary language ({@code de} for {@code de-AT}), else the purpose's own title and
 * description, in the policy's language ({@link Purpose#translations()}, {@link Purpose#notice()}). A policy's
 * translations are written for the consent version of that policy document, so a purpose's notice and its version
 * always come from the same place, and the hash a choice quotes is the hash of the text shown.
 */
final class Notices {
    private static final Pattern LANGUAGE_TAG = Pattern.compile("[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,4}");
    private final String fallbackLocale;

    /**
     * @param fallbackLocale the language of a policy that states none ({@link Policy#language()})
     */
    Notices(String fallbackLocale) {
        this.fallbackLocale = fallbackLocale;
    }

    /** The language the policy's own texts are in. */
    String policyLocale(Policy policy) {
        return policy.language().flatMap(Notices::canonical).orElse(fallbackLocale);
    }

    ShownNotice notice(Policy policy, Purpose purpose, Optional<String> requested) {
        String own = policyLocale(policy);
        for (String locale : candidates(requested, own)) {
            if (locale.equals(own)) {
                break;
            }
            Optional<NoticeText> t = purpose.translation(locale);
            if (t.isPresent()) {
                return ShownNotice.of(purpose, locale, t.get().title(), t.get().text());
            }
        }
        NoticeText n = purpose.notice();
        return ShownNotice.of(purpose, own, n.title(), n.text());
    }

    /**
     * The languages a page can be shown in, best first, for the landing pages: the requested language or its primary
     * one when {@code offered} has it, else {@code own}.
     */
    static String pick(Optional<String> requested, List<String> offered, String own) {
        for (String locale : candidates(requested, own)) {
            if (offered.contains(locale)) {
                return locale;
            }
        }
        return own;
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

    /**
     * A language tag in its canonical case ({@code de-DE}), or empty when it is not a well-formed tag this module
     * takes: a 2 or 3 letter language and up to four subtags of 1 to 8 letters or digits.
     */
    static Optional<String> canonical(String tag) {
        if (tag == null || tag.length() > 35 || !LANGUAGE_TAG.matcher(tag).matches()) {
            return Optional.empty();
        }
        String c = Locale.forLanguageTag(tag).toLanguageTag();
        return c.equals("und") ? Optional.empty() : Optional.of(c);
    }
}
