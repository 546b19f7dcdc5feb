package dev.consent.spring.boot.web;

import dev.consent.ledger.SubjectId;
import dev.consent.web.ConsentWebHandler;
import dev.consent.web.WebRequest;
import dev.consent.web.WebResponse;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Collections;
import java.util.Optional;

/**
 * Serves consent-web's {@link ConsentWebHandler} as a servlet, mapped at its base path: copies each request into a
 * {@link WebRequest} (the decoded path below the context path, at most one byte more of the body than the handler
 * takes) with the customer the application's {@link ConsentSubjectResolver} resolves (a visitor it resolves is not a
 * customer: the handler reads the visitor from its own cookie), and writes the {@link WebResponse} out as it is.
 */
public final class ConsentWebServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    private final transient ConsentWebHandler handler;
    private final transient ConsentSubjectResolver subjects;
    /** The handler's body limit: at most this and one byte more of a body are read. */
    private final int maxBodyBytes;

    /**
     * @param handler the handler
     * @param subjects the application's subject resolver; its customers are the handler's customers
     * @param maxBodyBytes the handler's body limit
     */
    public ConsentWebServlet(ConsentWebHandler handler, ConsentSubjectResolver subjects, int maxBodyBytes) {
        this.handler = handler;
        this.subjects = subjects;
        this.maxBodyBytes = maxBodyBytes;
    }

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String path = request.getServletPath() + (request.getPathInfo() == null ? "" : request.getPathInfo());
        WebRequest.Builder b = WebRequest.builder(request.getMethod(), path).rawQuery(request.getQueryString());
        for (String name : Collections.list(request.getHeaderNames())) {
            for (String value : Collections.list(request.getHeaders(name))) {
                b.header(name, value);
            }
        }
        b.remoteAddress(request.getRemoteAddr());
        b.body(request.getInputStream().readNBytes(maxBodyBytes + 1));
        Optional<SubjectId> customer = subjects.resolve(request).filter(s -> !s.isVisitor());
        b.customer(customer);
        WebResponse answer = handler.handle(b.build());
        response.setStatus(answer.status());
        answer.headers().forEach((name, values) -> values.forEach(v -> response.addHeader(name, v)));
        byte[] body = answer.body();
        if (body.length > 0) {
            response.setContentLength(body.length);
            try (OutputStream out = response.getOutputStream()) {
                out.write(body);
            }
        }
    }

    @Override
    public String toString() {
        return "ConsentWebServlet[" + handler.basePath() + ", resolver=" + subjects + "]";
    }
}
