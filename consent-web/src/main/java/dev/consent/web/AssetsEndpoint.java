package dev.consent.web;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * {@code GET /<file>}: the banner's static files ({@code banner.js}, {@code banner.css}, ...) from the class path
 * directory {@value #DIRECTORY}, and the OpenAPI document {@code openapi.json} beside it. Only a single path segment
 * of letters, digits, {@code -} and {@code _} in dot-separated parts is looked up, and only with a known file
 * extension, so no request can name a file outside that directory ({@code ..}, {@code /}, {@code \}, an encoded slash
 * and a class file never match). Each file is read once and answered with its content type, a strong {@code ETag}
 * (the SHA-256 of its bytes) and {@code Cache-Control}; a matching {@code If-None-Match} is answered 304.
 */
final class AssetsEndpoint {
    /** The class path directory the files are served from. */
    static final String DIRECTORY = "dev/consent/web/assets/";
    /** The OpenAPI document's resource, served as {@code /openapi.json}. */
    static final String OPENAPI = "dev/consent/web/openapi.json";
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*\\.([a-z0-9]+)");
    private static final Map<String, String> TYPES = Map.of(
            "js", "text/javascript; charset=utf-8",
            "css", "text/css; charset=utf-8",
            "html", "text/html; charset=utf-8",
            "json", "application/json",
            "svg", "image/svg+xml",
            "png", "image/png",
            "woff2", "font/woff2",
            "txt", "text/plain; charset=utf-8");

    private record Asset(byte[] bytes, String type, String etag) {
    }

    private final Map<String, Optional<Asset>> cache = new ConcurrentHashMap<>();

    WebResponse handle(Exchange x, String name) {
        var m = NAME.matcher(name);
        String type = m.matches() ? TYPES.get(m.group(2).toLowerCase(Locale.ROOT)) : null;
        if (type == null) {
            throw notFound(name);
        }
        String resource = name.equals("openapi.json") ? OPENAPI : DIRECTORY + name;
        Asset asset = cache.computeIfAbsent(name, n -> load(resource, type)).orElseThrow(() -> notFound(name));
        x.headers().set("ETag", asset.etag()).set("Cache-Control", "public, max-age=300");
        if (x.request.headerValues("If-None-Match").stream().flatMap(v -> java.util.Arrays.stream(v.split(",")))
                .map(String::strip).anyMatch(t -> t.equals(asset.etag()) || t.equals("*"))) {
            return x.respond(304, asset.type(), new byte[0]);
        }
        return x.respond(200, asset.type(), asset.bytes());
    }

    private static Optional<Asset> load(String resource, String type) {
        try (InputStream in = AssetsEndpoint.class.getResourceAsStream("/" + resource)) {
            if (in == null) {
                return Optional.empty();
            }
            byte[] bytes = in.readAllBytes();
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes);
            return Optional.of(new Asset(bytes, type, "\"" + HexFormat.of().formatHex(digest, 0, 16) + "\""));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + resource, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
    }

    private static Problem.ProblemException notFound(String name) {
        return Problem.of(404, "not-found", "Not found", "path", name, "is not a file this handler serves").exception();
    }
}
