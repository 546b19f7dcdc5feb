package dev.consent;

/** Shared argument checks; package-level detail that keeps messages uniform. */
final class Values {
    private static final int QUOTE_LIMIT = 80;

    private Values() {
    }

    static String quote(Object value) {
        if (value == null) {
            return "null";
        }
        String s = String.valueOf(value);
        if (s.length() > QUOTE_LIMIT) {
            s = s.substring(0, QUOTE_LIMIT) + "... (" + s.length() + " chars)";
        }
        StringBuilder out = new StringBuilder(s.length() + 2).append('"');
        s.codePoints().forEach(cp -> {
            if (cp == '"' || cp == '\\') {
                out.append('\\').appendCodePoint(cp);
            } else if (Character.isISOControl(cp) || Character.getType(cp) == Character.FORMAT) {
                out.append(String.format("\\u%04x", cp));
            } else {
                out.appendCodePoint(cp);
            }
        });
        return out.append('"').toString();
    }
}
