package dev.consent.jdbc.reliability;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A JVM started from the test classpath (and module path) running one main class of the test tree, whose standard output is read
 * as whole lines only: a line the child was killed in the middle of writing (no line feed yet) is dropped, never
 * taken for a shorter one.
 */
final class ChildJvm implements AutoCloseable {
    private final Process process;
    private final Thread reader;
    private final List<String> lines = new ArrayList<>();
    private final BlockingQueue<String> incoming = new LinkedBlockingQueue<>();
    private final Path stderr;

    private ChildJvm(Process process, Path stderr) {
        this.process = process;
        this.stderr = stderr;
        this.reader = new Thread(this::readLines, "child-stdout-" + process.pid());
        reader.setDaemon(true);
        reader.start();
    }

    /** Starts {@code mainClass} with {@code args}; the child's standard error goes to {@code stderr}. */
    static ChildJvm start(Class<?> mainClass, Path stderr, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // a small, quickly started JVM: these children live for a second or two
        command.add("-Xmx256m");
        command.add("-XX:+UseSerialGC");
        command.add("-XX:TieredStopAtLevel=1");
        command.add("-Xshare:auto");
        command.add("-Duser.timezone=America/Sao_Paulo");
        // the child runs on the class path: the tests' class path plus what this JVM has on its module path
        // (consent-core, consent-jdbc and their dependencies when the tests run as modules)
        String modulePath = System.getProperty("jdk.module.path", "");
        command.add("-cp");
        command.add(System.getProperty("java.class.path")
                + (modulePath.isEmpty() ? "" : File.pathSeparator + modulePath));
        command.add(mainClass.getName());
        command.addAll(List.of(args));
        Files.createDirectories(stderr.getParent());
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.appendTo(stderr.toFile()))
                .redirectInput(ProcessBuilder.Redirect.PIPE).start();
        p.getOutputStream().close();
        return new ChildJvm(p, stderr);
    }

    private void readLines() {
        try (InputStream in = process.getInputStream()) {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            int n;
            while ((n = in.read(buf)) > 0) {
                for (int i = 0; i < n; i++) {
                    if (buf[i] == '\n') {
                        String s = line.toString(StandardCharsets.UTF_8);
                        line.reset();
                        synchronized (lines) {
                            lines.add(s);
                        }
                        incoming.add(s);
                    } else {
                        line.write(buf[i]);
                    }
                }
            }
            // whatever is left in `line` was cut off by the kill: not a line
        } catch (IOException e) {
            // the pipe closes when the child dies
        }
    }

    /** Waits up to {@code timeoutMillis} for a line starting with {@code prefix}; false if none came. */
    boolean awaitLine(String prefix, long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            String s = incoming.poll(left, TimeUnit.NANOSECONDS);
            if (s != null && s.startsWith(prefix)) {
                return true;
            }
            if (s == null && !process.isAlive() && incoming.isEmpty()) {
                return false;
            }
        }
    }

    /** SIGKILL (on Unix {@link Process#destroyForcibly()} sends SIGKILL), then waits for the child and its output. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("child " + process.pid() + " did not die within 30 s of SIGKILL");
        }
        reader.join(30_000);
    }

    /** Waits for the child to exit by itself; false if it is still running after {@code timeoutMillis}. */
    boolean awaitExit(long timeoutMillis) throws InterruptedException {
        boolean exited = process.waitFor(timeoutMillis, TimeUnit.MILLISECONDS);
        if (exited) {
            reader.join(30_000);
        }
        return exited;
    }

    int exitValue() {
        return process.exitValue();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Every complete line read so far. */
    List<String> lines() {
        synchronized (lines) {
            return List.copyOf(lines);
        }
    }

    Path stderr() {
        return stderr;
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }
}
