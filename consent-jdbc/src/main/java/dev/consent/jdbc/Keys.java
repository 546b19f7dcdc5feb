package dev.consent.jdbc;

import dev.consent.internal.Checks;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/** The keys of a set-based read: checked and made distinct once, then split into the chunks one statement takes. */
final class Keys {
    private Keys() {
    }

    /**
     * The distinct keys of {@code values} in first-seen order.
     *
     * @throws dev.consent.InvalidValueException when the collection or one of its elements is null
     */
    static <T> List<String> distinct(String field, Collection<T> values, Function<T, String> key) {
        Set<String> out = new LinkedHashSet<>();
        for (T v : Checks.required(field, values)) {
            out.add(key.apply(Checks.required(field + "[]", v)));
        }
        return new ArrayList<>(out);
    }

    /** {@code keys} in consecutive chunks of at most {@link Dialect#chunkSize()} keys (views, not copies). */
    static List<List<String>> chunks(List<String> keys, Dialect dialect) {
        int size = dialect.chunkSize();
        List<List<String>> out = new ArrayList<>((keys.size() + size - 1) / size);
        for (int i = 0; i < keys.size(); i += size) {
            out.add(keys.subList(i, Math.min(keys.size(), i + size)));
        }
        return out;
    }
}
