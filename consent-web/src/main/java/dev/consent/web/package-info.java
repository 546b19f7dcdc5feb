/**
 * The consent banner's and preference centre's HTTP endpoints, framework-neutral: {@link
 * dev.consent.web.ConsentWebHandler} takes a {@link dev.consent.web.WebRequest} and answers a {@link
 * dev.consent.web.WebResponse}; {@link dev.consent.web.JdkHttpServerAdapter} mounts it on the JDK's own HTTP server,
 * and the Spring Boot starter mounts it as a servlet. The banner's files are served from the class path directory
 * {@code dev/consent/web/assets/}; the endpoints are described by the OpenAPI document served at
 * {@code <base path>/openapi.json} and by {@code docs/web.md}.
 */
package dev.consent.web;
