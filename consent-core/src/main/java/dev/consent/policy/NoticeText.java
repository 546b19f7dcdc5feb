package dev.consent.policy;

import dev.consent.internal.Checks;

/**
 * A purpose's notice in one language other than the policy's own: the title and the text a banner shows for it
 * ({@link Purpose#translations()}). The text is what a consent's evidence hashes ({@code Evidence.hashOf}), so it is
 * kept exactly as written, never trimmed or rewritten. Guarantees: both fields are present, not blank, free of control
 * characters (a tab is allowed) and within the lengths of a purpose's own title and description.
 *
 * @param title the purpose's title in that language, at most {@value #MAX_TITLE} characters
 * @param text the notice text in that language, at most {@value #MAX_TEXT} characters
 */
public record NoticeText(String title, String text) {
    /** The longest title: a purpose's own title limit. */
    public static final int MAX_TITLE = 300;
    /** The longest text: a purpose's own description limit. */
    public static final int MAX_TEXT = 4000;

    /**
     * Checks both fields.
     *
     * @param title not blank, at most {@value #MAX_TITLE} characters
     * @param text not blank, at most {@value #MAX_TEXT} characters
     * @throws dev.consent.InvalidValueException (field {@code translation.title} or {@code translation.text}) naming
     *     the rule broken
     */
    public NoticeText {
        Checks.text("translation.title", title, MAX_TITLE);
        Checks.text("translation.text", text, MAX_TEXT);
    }
}
