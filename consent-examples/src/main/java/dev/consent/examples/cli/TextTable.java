package dev.consent.examples.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A plain-text table: a header row and left-aligned columns two spaces apart, each as wide as its widest cell. The
 * last column is not padded, so long descriptions run on without pushing the others apart. Tabs and line breaks in
 * cells become spaces, so one row is always one line.
 */
final class TextTable {
    private final List<String> headers;
    private final List<List<String>> rows = new ArrayList<>();

    TextTable(String... headers) {
        this.headers = List.of(headers);
    }

    TextTable row(Object... cells) {
        if (cells.length != headers.size()) {
            throw new IllegalArgumentException("a row of " + cells.length + " cells for " + headers.size() + " columns");
        }
        rows.add(Arrays.stream(cells).map(TextTable::cell).toList());
        return this;
    }

    boolean isEmpty() {
        return rows.isEmpty();
    }

    private static String cell(Object value) {
        String s = value == null ? "-" : value.toString();
        return s.isEmpty() ? "-" : s.replaceAll("[\\t\\r\\n]+", " ");
    }

    void print(PrintStream out) {
        int[] widths = new int[headers.size()];
        for (int c = 0; c < widths.length; c++) {
            widths[c] = headers.get(c).length();
            for (List<String> r : rows) {
                widths[c] = Math.max(widths[c], r.get(c).length());
            }
        }
        line(out, headers, widths);
        for (List<String> r : rows) {
            line(out, r, widths);
        }
    }

    private static void line(PrintStream out, List<String> cells, int[] widths) {
        StringBuilder b = new StringBuilder();
        for (int c = 0; c < cells.size(); c++) {
            String s = cells.get(c);
            b.append(s);
            if (c < cells.size() - 1) {
                b.append(" ".repeat(widths[c] - s.length() + 2));
            }
        }
        out.println(b.toString().stripTrailing());
    }
}
