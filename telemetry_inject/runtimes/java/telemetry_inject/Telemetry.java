/*
 * Telemetry runtime copied into instrumented repositories by telemetry-inject, as
 * <source root>/telemetry_inject/Telemetry.java (package telemetry_inject, beside the user's own
 * top-level packages).  Java 8+, java.base only, so it also compiles inside a named module
 * without a `requires` line; user code refers to it fully qualified, so no import is added.
 *
 * Configuration (environment, read once when the class initializes, at the first span):
 *   TELEMETRY_INJECT        off/0/false/no: every call is a no-op.  on/1/true/yes: spans on;
 *                           without TELEMETRY_INJECT_OUT the records go to System.err.
 *   TELEMETRY_INJECT_OUT    "stderr" or a file path (appended to; resolved once): one JSON object
 *                           per finished span (JSON Lines), the same schema as the Python runtime.
 *   TELEMETRY_INJECT_SAMPLE probability in [0, 1] that a root span (and its trace) is recorded.
 *   OTEL_SERVICE_NAME, OTEL_SERVICE_VERSION, OTEL_RESOURCE_ATTRIBUTES: service.* attributes.
 * Nothing configured: start() returns one shared no-op Span after testing a static final flag
 * (which the JIT folds away), and attr() never calls its supplier.
 *
 * Records are buffered and written when 1024 are waiting, at the first span end more than a
 * second after the previous write, at flush(), and by a shutdown hook (normal end, System.exit,
 * an uncaught exception in the last thread, SIGTERM/SIGINT); spans that end after the hook ran
 * are written at once.  Runtime.halt(), SIGKILL and a JVM crash lose what is buffered.  No thread
 * is started.  Nothing raised by this file's bookkeeping reaches user code (a failing sink drops
 * records); the exception a body throws is re-thrown unchanged, the very same object.
 *
 * Parent links: a ThreadLocal holds the current span of each thread (virtual threads included).
 * A new thread, an executor's task or a CompletableFuture stage starts a new trace.
 *
 * ---------------------------------------------------------------------------------------
 * INJECTED SHAPES: the engine (or the LLM) emits exactly these; strip removes them by text.
 *   {NAME}  Java string literal: the span name, "Cart.total", "Outer.Inner.<init>" for a
 *           constructor (code.function is the part after the last dot, code.namespace the part
 *           before it)
 *   {FILE}  Java string literal: the file's path relative to the repository, "/" separators
 *   {LINE}  decimal: line of the declaration's first line (its first annotation or modifier) in
 *           the instrumented file
 *   {I}     the body's indentation;  {NL} the file's newline
 * {NAME} and {FILE} use the escapes \" \\ \n \t \r \b \f and octal ones only, never a unicode
 * (backslash-u) escape: javac decodes those before it tokenizes, in comments too, so one could
 * end the literal (a verifier must refuse a backslash followed by u anywhere in an injected line).
 * Two whole lines around the body; every original line stays byte-identical.  OPEN goes after
 * the line holding the body's `{`, or, in a constructor whose body starts with this(...) or
 * super(...), after the line ending that call (it must stay the first statement); CLOSE goes
 * before the line holding the body's closing `}`.
 *   OPEN  {I}final telemetry_inject.Telemetry.Span _tel$ = telemetry_inject.Telemetry.start({NAME}, {FILE}, {LINE}); try {{NL}
 *   CLOSE {I}} catch (Throwable _tel$e) { _tel$.fail(_tel$e); throw _tel$e; } finally { _tel$.end(); }{NL}
 *     int total(List<Item> items) {           int total(List<Item> items) {
 *       int sum = 0;                             final telemetry_inject.Telemetry.Span _tel$ = telemetry_inject.Telemetry.start("Cart.total", "src/main/java/shop/Cart.java", 12); try {
 *       for (Item i : items) sum += i.price; ->  int sum = 0;
 *       return sum;                              for (Item i : items) sum += i.price;
 *     }                                          return sum;
 *                                                } catch (Throwable _tel$e) { _tel$.fail(_tel$e); throw _tel$e; } finally { _tel$.end(); }
 *                                              }
 * `throw _tel$e` rethrows an effectively final catch parameter: Java 7's precise rethrow, so
 * it throws only what the body can throw and compiles whatever the method declares.  The
 * try statement completes normally exactly when the body does, so reachability and the
 * definite assignment of final fields and locals are unchanged (the tests compile void and
 * value methods, bodies ending in return/throw/an endless loop, constructors assigning final
 * fields, this(...)/super(...), generic `throws X`, records, enums, interfaces, local and
 * anonymous classes with javac -Xlint:all -Werror).
 * A lazy attribute of the current span (the supplier runs only when the span is recorded;
 * whatever it throws is swallowed), a statement of its own inside the body:
 *   {I}telemetry_inject.Telemetry.attr({KEY}, () -> {EXPR});{NL}
 * (javac rejects a supplier capturing a local that is not effectively final.)
 *
 * The engine must leave a method alone when:
 *  - it has no body (abstract, interface, native), or the body's `{` line goes on with
 *    anything but a comment, or the `}` line starts with anything but the `}` (one-line
 *    bodies): there are no whole lines to put the shape between;
 *  - its parameters or body use an identifier starting with `_tel`, or the file declares or
 *    uses anything named `telemetry_inject` (a field or local of that name would obscure the
 *    package in the fully qualified name).
 * Lambdas and initializer blocks are not units.  Compact canonical constructors of records are
 * (the implicit field assignments come after the try statement).  A constructor's span starts
 * after its this(...)/super(...) call, so the constructors that call runs are its siblings.
 * Visible differences that remain: none in stack traces (the rethrow keeps the exception's own
 * trace, and the shape adds no frame); a debugger stepping through sees the extra lines.
 * Measured (bench-style loop on a 2-core VM): off, the same as an uninstrumented call (the JIT
 * folds the flag and the no-op handle); recording, about 100 ns a span on the calling thread
 * plus about 250 ns to format and write its record; a sampled-out trace, 15 ns a root and
 * 3 ns a child.
 * ---------------------------------------------------------------------------------------
 */
package telemetry_inject;

import java.io.File;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.reflect.Array;
import java.lang.reflect.Method;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

/** Spans for instrumented methods: {@code start(...)}, then {@code fail}/{@code end} on the handle. */
public final class Telemetry {
    private static final int MAX_LEN = 256;
    private static final int FLUSH_AT = 1024;
    private static final long FLUSH_AFTER_NS = 1_000_000_000L;
    private static final String[] SENSITIVE = {"password", "passwd", "secret", "token", "key", "auth",
        "cookie", "session", "credential", "private"};

    /** The handle returned when nothing is recorded: telemetry off, or inside an unsampled trace. */
    private static final Span NOOP = new Span();
    /** The current "span" of a thread inside a sampled-out trace. */
    private static final Span UNSAMPLED = new Span();
    private static final Recorder RECORDER = Recorder.create();
    private static final boolean ON = RECORDER != null;

    private Telemetry() {
    }

    /** Start a span for a method body; it is the thread's current span until {@link Span#end()}. */
    public static Span start(String name, String filepath, int lineno) {
        if (!ON) {
            return NOOP;
        }
        return RECORDER.start(name, filepath, lineno);
    }

    /**
     * Set attribute {@code name} of the current span to {@code value.get()}, evaluated only when
     * the span is recorded.  Sensitive-looking names are redacted, long values truncated, and
     * whatever the supplier throws is swallowed.
     */
    public static void attr(String name, Supplier<?> value) {
        if (!ON) {
            return;
        }
        RECORDER.attr(name, value);
    }

    /** Write buffered span records now (also done at exit). */
    public static void flush() {
        if (ON) {
            RECORDER.flush();
        }
    }

    /** A started span.  Instances come from {@link Telemetry#start}; no-ops unless recording. */
    public static class Span {
        Span() {
        }

        /** Record {@code error} as the reason the body failed (the caller re-throws it). */
        public void fail(Throwable error) {
        }

        /** End the span: it stops being current and its record is buffered. */
        public void end() {
        }
    }

    /** Per thread: the current span (a Live one, UNSAMPLED or null). */
    private static final class Context {
        Span current;
    }

    /** A sampled-out root: records nothing, but its callees must know that. */
    private static final class Unsampled extends Span {
        private Context context;

        Unsampled(Context context) {
            this.context = context;
        }

        @Override
        public void end() {
            try {
                if (context != null) {
                    context.current = null;
                    context = null;
                }
            } catch (Throwable ignored) {
                // nothing to undo
            }
        }
    }

    private static final class Live extends Span {
        final String name;
        final String filepath;
        final int lineno;
        final long traceHigh;
        final long traceLow;
        final long id;
        final long parentId; // 0: a root
        final long t0;
        long duration = -1;
        String errorType;
        String errorMessage;
        Map<String, Object> attrs;
        String thread;
        Context context;
        Span previous;

        Live(String name, String filepath, int lineno, long traceHigh, long traceLow, long parentId,
             Context context, Span previous) {
            this.name = name;
            this.filepath = filepath;
            this.lineno = lineno;
            this.traceHigh = traceHigh;
            this.traceLow = traceLow;
            this.id = newId();
            this.parentId = parentId;
            this.context = context;
            this.previous = previous;
            this.t0 = System.nanoTime();
        }

        @Override
        public void fail(Throwable error) {
            try {
                if (errorType != null || duration >= 0) {
                    return;
                }
                String type = error == null ? "null" : error.getClass().getName();
                String message;
                try {
                    message = error == null ? "" : error.getMessage();
                } catch (Throwable unprintable) {
                    message = "<unprintable " + type + ">";
                }
                errorMessage = truncate(message == null ? "" : message);
                errorType = truncate(type);
            } catch (Throwable ignored) {
                // the span keeps status OK
            }
        }

        @Override
        public void end() {
            long t1 = System.nanoTime();
            try {
                if (duration >= 0) {
                    return;
                }
                context.current = previous;
                context = null;
                previous = null;
                duration = t1 - t0;
                thread = Thread.currentThread().getName();
                RECORDER.add(this, t1);
            } catch (Throwable ignored) {
                // the record is dropped
            }
        }
    }

    static long newId() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long id;
        do {
            id = random.nextLong();
        } while (id == 0);
        return id;
    }

    static String truncate(String text) {
        if (text.length() <= MAX_LEN) {
            return text;
        }
        int cut = MAX_LEN - 1;
        if (Character.isHighSurrogate(text.charAt(cut - 1))) {
            cut -= 1; // never split a surrogate pair
        }
        return text.substring(0, cut) + "\u2026";
    }

    /** The recording side: configuration, sampling, the buffer and the sink. */
    private static final class Recorder {
        private final ThreadLocal<Context> contexts = ThreadLocal.withInitial(Context::new);
        private final String sink; // "stderr" or an absolute path
        private final double sample;
        private final Map<String, Object> service;
        private final Object bufferLock = new Object();
        private final Object writeLock = new Object();
        private final Map<String, Head> heads = new HashMap<>(); // these three under writeLock
        private String lastThread;
        private String lastThreadJson;
        private final String serviceJson;
        private final long pid = pid();
        private List<Live> buffer = new ArrayList<>();
        private volatile long writtenAt = System.nanoTime();
        private volatile long offset = wallClockOffset();
        private volatile boolean exiting;

        private Recorder(String sink, double sample, Map<String, Object> service) {
            this.sink = sink;
            this.sample = sample;
            this.service = service;
            this.serviceJson = attributes(new StringBuilder(), service).toString();
        }

        static Recorder create() {
            try {
                String mode = env("TELEMETRY_INJECT").toLowerCase(Locale.ROOT);
                if (Arrays.asList("off", "0", "false", "no").contains(mode)) {
                    return null;
                }
                String out = env("TELEMETRY_INJECT_OUT");
                if (out.isEmpty() && Arrays.asList("on", "1", "true", "yes").contains(mode)) {
                    out = "stderr";
                }
                if (out.isEmpty()) {
                    return null;
                }
                String sink = out.equals("stderr") ? out : new File(out).getAbsolutePath();
                Recorder recorder = new Recorder(sink, sampleRate(env("TELEMETRY_INJECT_SAMPLE")), serviceAttributes());
                try {
                    Runtime.getRuntime().addShutdownHook(new Thread(recorder::flushAtExit, "telemetry-inject-exit"));
                } catch (IllegalStateException alreadyExiting) {
                    recorder.exiting = true;
                }
                return recorder;
            } catch (Throwable broken) {
                return null; // telemetry off rather than a failing class initializer
            }
        }

        Span start(String name, String filepath, int lineno) {
            try {
                Context context = contexts.get();
                Span parent = context.current;
                Span span;
                if (parent == null) {
                    if (sample < 1.0 && !(ThreadLocalRandom.current().nextDouble() < sample)) {
                        span = new Unsampled(context);
                        context.current = UNSAMPLED;
                        return span;
                    }
                    long high = newId();
                    span = new Live(name, filepath, lineno, high, newId(), 0, context, null);
                } else if (parent instanceof Live) {
                    Live live = (Live) parent;
                    span = new Live(name, filepath, lineno, live.traceHigh, live.traceLow, live.id, context, live);
                } else {
                    return NOOP; // inside an unsampled trace
                }
                context.current = span;
                return span;
            } catch (Throwable broken) {
                return NOOP;
            }
        }

        void attr(String name, Supplier<?> value) {
            try {
                Span current = contexts.get().current;
                if (!(current instanceof Live) || name == null || value == null) {
                    return;
                }
                Live live = (Live) current;
                Object cleaned = clean(name, value.get());
                if (live.attrs == null) {
                    live.attrs = new LinkedHashMap<>();
                }
                live.attrs.put(name, cleaned);
            } catch (Throwable ignored) {
                // lazily evaluated attributes never fail the caller
            }
        }

        void add(Live span, long now) {
            int size;
            synchronized (bufferLock) {
                buffer.add(span);
                size = buffer.size();
            }
            if (size >= FLUSH_AT || now - writtenAt >= FLUSH_AFTER_NS || exiting) {
                flush();
            }
        }

        void flushAtExit() {
            exiting = true;
            flush();
        }

        void flush() {
            try {
                synchronized (writeLock) {
                    List<Live> records;
                    synchronized (bufferLock) {
                        records = buffer;
                        buffer = new ArrayList<>();
                    }
                    writtenAt = System.nanoTime();
                    offset = wallClockOffset();
                    if (records.isEmpty()) {
                        return;
                    }
                    StringBuilder text = new StringBuilder(records.size() * 400);
                    for (Live record : records) {
                        int mark = text.length();
                        try {
                            format(text, record);
                        } catch (RuntimeException broken) {
                            text.setLength(mark); // this record only
                        }
                    }
                    write(text.toString().getBytes(StandardCharsets.UTF_8));
                }
            } catch (Throwable ignored) {
                // a failing sink drops records; it never reaches user code
            }
        }

        private void write(byte[] bytes) throws IOException {
            if (sink.equals("stderr")) {
                System.err.write(bytes, 0, bytes.length);
                System.err.flush();
                return;
            }
            try (OutputStream out = new FileOutputStream(sink, true)) { // O_APPEND: shareable
                out.write(bytes);
            }
        }

        private void format(StringBuilder out, Live span) {
            Head head = heads.get(span.name);
            if (head == null || head.lineno != span.lineno || !head.filepath.equals(span.filepath)) {
                String key = span.name + '\u0000' + span.filepath + '\u0000' + span.lineno;
                head = heads.get(key);
                if (head == null) {
                    head = new Head(String.valueOf(span.name), String.valueOf(span.filepath), span.lineno);
                    heads.put(key, head);
                    heads.putIfAbsent(head.name, head);
                }
            }
            out.append(head.text);
            hex(out, span.traceHigh);
            hex(out, span.traceLow);
            out.append("\",\"span_id\":\"");
            hex(out, span.id);
            out.append("\",\"parent_span_id\":");
            if (span.parentId == 0) {
                out.append("null");
            } else {
                hex(out.append('"'), span.parentId).append('"');
            }
            out.append(",\"start_ns\":").append(span.t0 + offset).append(",\"duration_ns\":").append(span.duration);
            if (span.errorType == null) {
                out.append(",\"status\":\"OK\",\"error.type\":null,\"error.message\":null");
            } else {
                json(out.append(",\"status\":\"ERROR\",\"error.type\":"), span.errorType).append(",\"error.message\":");
                json(out, span.errorMessage);
            }
            if (!span.thread.equals(lastThread)) {
                lastThread = span.thread;
                lastThreadJson = json(new StringBuilder(",\"thread\":"), span.thread)
                    .append(",\"pid\":").append(pid).append(",\"attributes\":").toString();
            }
            out.append(lastThreadJson);
            if (span.attrs == null) {
                out.append(serviceJson).append("}\n");
                return;
            }
            Map<String, Object> attrs = new LinkedHashMap<>(service);
            attrs.putAll(span.attrs);
            attributes(out, attrs).append("}\n");
        }

        /** Where wall-clock nanoseconds are, relative to System.nanoTime(). */
        private static long wallClockOffset() {
            Instant now = Instant.now();
            return now.getEpochSecond() * 1_000_000_000L + now.getNano() - System.nanoTime();
        }
    }

    /** The constant start of a function's records, up to the trace id. */
    private static final class Head {
        final String name;
        final String filepath;
        final int lineno;
        final String text;

        Head(String name, String filepath, int lineno) {
            this.name = name;
            this.filepath = filepath;
            this.lineno = lineno;
            int dot = name.lastIndexOf('.');
            StringBuilder out = new StringBuilder("{\"name\":");
            json(out, name).append(",\"code.filepath\":");
            json(out, filepath).append(",\"code.lineno\":").append(lineno).append(",\"code.function\":");
            json(out, name.substring(dot + 1)).append(",\"code.namespace\":");
            json(out, dot < 0 ? "" : name.substring(0, dot)).append(",\"trace_id\":\"");
            this.text = out.toString();
        }
    }

    static StringBuilder attributes(StringBuilder out, Map<String, Object> attrs) {
        out.append('{');
        boolean first = true;
        for (Map.Entry<String, Object> entry : attrs.entrySet()) {
            if (!first) {
                out.append(',');
            }
            first = false;
            json(out, entry.getKey()).append(':');
            Object value = entry.getValue();
            if (value instanceof String) {
                json(out, (String) value);
            } else {
                out.append(value); // Boolean, Long, BigInteger, finite Double or Float
            }
        }
        return out.append('}');
    }

    static Object clean(String name, Object value) {
        String lowered = name.toLowerCase(Locale.ROOT);
        for (String word : SENSITIVE) {
            if (lowered.contains(word)) {
                return "[REDACTED]";
            }
        }
        if (value instanceof Boolean || value instanceof BigInteger) {
            return value;
        }
        if (value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof Byte) {
            return ((Number) value).longValue();
        }
        if (value instanceof Double || value instanceof Float) {
            double number = ((Number) value).doubleValue();
            return Double.isNaN(number) || Double.isInfinite(number) ? value.toString() : value;
        }
        String text;
        if (value != null && value.getClass().isArray()) {
            text = value instanceof Object[] ? Arrays.deepToString((Object[]) value) : primitiveArray(value);
        } else {
            text = String.valueOf(value);
        }
        return truncate(text);
    }

    private static String primitiveArray(Object array) {
        StringBuilder text = new StringBuilder("[");
        int length = Array.getLength(array);
        for (int i = 0; i < length && text.length() <= MAX_LEN; i++) {
            text.append(i == 0 ? "" : ", ").append(Array.get(array, i));
        }
        return text.append(']').toString();
    }

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    static StringBuilder hex(StringBuilder out, long value) {
        char[] digits = new char[16]; // scalar-replaced by the JIT
        for (int i = 15; i >= 0; i--) {
            digits[i] = HEX[(int) value & 0xf];
            value >>>= 4;
        }
        return out.append(digits);
    }

    /** Append {@code text} as a JSON string; a lone surrogate becomes an escape. */
    static StringBuilder json(StringBuilder out, String text) {
        out.append('"');
        int length = text.length();
        for (int i = 0; i < length; i++) {
            char c = text.charAt(i);
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c == '\n') {
                out.append("\\n");
            } else if (c == '\r') {
                out.append("\\r");
            } else if (c == '\t') {
                out.append("\\t");
            } else if (c < 0x20 || (Character.isSurrogate(c) && !pairedAt(text, i))) {
                out.append("\\u").append(HEX[c >> 12 & 0xf]).append(HEX[c >> 8 & 0xf])
                    .append(HEX[c >> 4 & 0xf]).append(HEX[c & 0xf]);
            } else if (Character.isHighSurrogate(c)) {
                out.append(c).append(text.charAt(++i));
            } else {
                out.append(c);
            }
        }
        return out.append('"');
    }

    private static boolean pairedAt(String text, int i) {
        char c = text.charAt(i);
        return Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1));
    }

    private static String env(String name) {
        String value = System.getenv(name);
        return value == null ? "" : value.trim();
    }

    static double sampleRate(String text) {
        if (text.isEmpty()) {
            return 1.0;
        }
        try {
            double rate = Double.parseDouble(text);
            return Double.isNaN(rate) ? 1.0 : Math.max(0.0, Math.min(1.0, rate));
        } catch (NumberFormatException notANumber) {
            return 1.0;
        }
    }

    static Map<String, Object> serviceAttributes() {
        Map<String, String> fromResource = new HashMap<>();
        for (String item : env("OTEL_RESOURCE_ATTRIBUTES").split(",")) {
            int at = item.indexOf('=');
            String key = at < 0 ? "" : item.substring(0, at).trim();
            if (at > 0 && (key.equals("service.name") || key.equals("service.version"))) {
                fromResource.put(key, percentDecode(item.substring(at + 1).trim()));
            }
        }
        Map<String, Object> attrs = new LinkedHashMap<>();
        String name = env("OTEL_SERVICE_NAME");
        if (name.isEmpty()) {
            name = fromResource.getOrDefault("service.name", "unknown_service");
        }
        attrs.put("service.name", name);
        String version = env("OTEL_SERVICE_VERSION");
        if (version.isEmpty()) {
            version = fromResource.getOrDefault("service.version", "");
        }
        if (!version.isEmpty()) {
            attrs.put("service.version", version);
        }
        return attrs;
    }

    private static String percentDecode(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        byte[] decoded = new byte[bytes.length];
        int length = 0;
        for (int i = 0; i < bytes.length; i++) {
            int high = i + 2 < bytes.length ? Character.digit(bytes[i + 1], 16) : -1;
            int low = high >= 0 ? Character.digit(bytes[i + 2], 16) : -1;
            if (bytes[i] == '%' && low >= 0) {
                decoded[length++] = (byte) (high << 4 | low);
                i += 2;
            } else {
                decoded[length++] = bytes[i];
            }
        }
        return new String(decoded, 0, length, StandardCharsets.UTF_8);
    }

    /** The process id: ProcessHandle on Java 9+, the runtime MXBean's "pid@host" on Java 8. */
    private static long pid() {
        try {
            Class<?> handle = Class.forName("java.lang.ProcessHandle");
            Object current = handle.getMethod("current").invoke(null);
            return (Long) handle.getMethod("pid").invoke(current);
        } catch (Throwable notJava9) {
            try {
                Class<?> factory = Class.forName("java.lang.management.ManagementFactory");
                Object bean = factory.getMethod("getRuntimeMXBean").invoke(null);
                Method getName = bean.getClass().getMethod("getName");
                getName.setAccessible(true);
                String name = (String) getName.invoke(bean);
                return Long.parseLong(name.substring(0, name.indexOf('@')));
            } catch (Throwable unknown) {
                return 0;
            }
        }
    }
}
