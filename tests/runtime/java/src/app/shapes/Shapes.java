package app.shapes;

import java.io.IOException;
import java.io.StringReader;
import java.io.BufferedReader;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.IntUnaryOperator;
import java.util.function.Supplier;

/** Every kind of Java method body the shape wraps, each instrumented by hand. */
public class Shapes {
    public static Throwable lastThrown;
    private static final List<String> LOG = new ArrayList<>();

    private final int base;
    private final String label;

    static {
        LOG.add("static init"); // initializer blocks are not units
    }

    public Shapes(int base) {
        this(base, "shape");
        final telemetry_inject.Telemetry.Span _tel$ = telemetry_inject.Telemetry.start("Shapes.<init>", "app/shapes/Shapes.java", 24); try {
        LOG.add("delegating constructor");
        } catch (Throwable _tel$e) { _tel$.fail(_tel$e); throw _tel$e; } finally { _tel$.end(); }
    }

    public Shapes(int base, String label) {
        final telemetry_inject.Telemetry.Span _tel$ = telemetry_inject.Telemetry.start("Shapes.<init>", "app/shapes/Shapes.java", 31); try {
        if (base < 0) {
            throw new IllegalArgumentException("negative base");
        }
        this.base = base; // final fields assigned inside the try are definitely assigned after it
        this.label = label;
        } catch (Throwable _tel$e) { _tel$.fail(_tel$e); throw _tel$e; } finally { _tel$.end(); }
    }

    public static String read(boolean fail) throws IOException {
        final telemetry_inject.Telemetry.Span _tel$ = telemetry_inject.Telemetry.start("Shapes.read", "app/shapes/Shapes.java", 41); try {
        if (fail) {
            IOException error = new IOException("disk on fire");
            lastThrown = error;
            throw error;
        }
        try (BufferedReader reader = new BufferedReader(new StringReader("read\nrest"))) {
            return reader.readLine();
        }
        } catch (Throwable _tel$e) { _tel$.fail(_tel$e); throw _tel$e; } finally { _tel$.end(); }
    }

    public void record(String what) {
        final telemetry_inject.Telemetry.Span _tel$ = telemetry_inject.Telemetry.start("Shapes.record", "app/shapes/Shapes.java", 54); try {
        LOG.add(label + ":" + what);
        if (what.isEmpty()) {
            return;
        }
        LOG.add("recorded");
        } catch (Throwable _tel$e) { _tel$.fail(_tel$e); throw _tel$e; } finally { _tel$.end(); }
    }

    public int loopUntil(int limit) {
        final telemetry_inject.Telemetry.Span _tel$ = telemetry_inject.Telemetry.start("Shapes.loopUntil", "app/shapes/Shapes.java", 64); try {
        int i = 0;
        while (true) {
            if (++i >= limit) {
                return i * base;
            }
        }
        } catch (Throwable _tel$e) { _tel$.fail(_tel$e); throw _tel$e; } finally { _tel$.end(); }
    }

    public static int unsupported() {
        final telemetry_inject.Telemetry.Span _tel$ = telemetry_inject.Telemetry.start("Shapes.unsupported", "app/shapes/Shapes.java", 75); try {
        UnsupportedOperationException error = new UnsupportedOperationException("never");
        lastThrown = error;
        throw error;
        } catch (Throwable _tel$e) { _tel$.fail(_tel$e); throw _tel$e; } finally { _tel$.end(); }
    }

    public static <T extends Comparable<T>> T max(List<T> items) {
        final telemetry_inject.Telemetry.Span _tel$ = telemetry_inject.Telemetry.start("Shapes.max", "app/shapes/Shapes.java", 83); try {
        return Collections.max(items);
        } catch (Throwable _tel$e) { _tel$.fail(_tel$e); throw _tel$e; } finally { _tel$.end(); }
    }

    public static <X extends Exception> void sneaky(X error) throws X {
        final telemetry_inject.Telemetry.Span _tel$ = telemetry_inject.Telemetry.start("Shapes.sneaky", "app/shapes/Shapes.java", 89); try {
        lastThrown = error;
        throw error;
        } catch (Throwable _tel$e) { _tel$.fail(_tel$e); throw _tel$e; } finally { _tel$.end(); }
    }

    @SafeVarargs
    public final synchronized <T> List<T> gather(T... items) {
        final telemetry_inject.Telemetry.Span _tel$ = telemetry_inject.Telemetry.start("Shapes.gather", "app/shapes/Shapes.java", 96); try {
        List<T> out = new ArrayList<>();
        outer:
        for (T item : items) {
            for (int i = 0; i < base; i++) {
                if (item == null) {
                    break outer;
                }
                out.add(item);
            }
        }
        return out;
        } catch (Throwable _tel$e) { _tel$.fail(_tel$e); throw _tel$e; } finally { _tel$.end(); }
    }

    public int lambdas(int x) {
        final telemetry_inject.Telemetry.Span _tel$ = telemetry_inject.Telemetry.start("Shapes.lambdas", "app/shapes/Shapes.java", 113); try {
        IntUnaryOperator twice = y -> y * 2; // lambdas are not units
        Supplier<Integer> later = () -> twice.applyAsInt(x) + base;
        class Local {
            int triple(int y) {
                final telemetry_inject.Telemetry.Span _tel$ = telemetry_inject.Telemetry.start("Shapes.lambdas.Local.triple", "app/shapes/Shapes.java", 118); try {
                return 3 * y;
                } catch (Throwable _tel$e) { _tel$.fail(_tel$e); throw _tel$e; } finally { _tel$.end(); }
            }
        }
        Object anonymous = new Object() {
            @Override
            public String toString() {
                final telemetry_inject.Telemetry.Span _tel$ = telemetry_inject.Telemetry.start("Shapes.lambdas.toString", "app/shapes/Shapes.java", 125); try {
                return "anon" + new Local().triple(x);
                } catch (Throwable _tel$e) { _tel$.fail(_tel$e); throw _tel$e; } finally { _tel$.end(); }
            }
        };
        return later.get() + anonymous.toString().length();
        } catch (Throwable _tel$e) { _tel$.fail(_tel$e); throw _tel$e; } finally { _tel$.end(); }
    }

    public static String kind(int n) {
        final telemetry_inject.Telemetry.Span _tel$ = telemetry_inject.Telemetry.start("Shapes.kind", "app/shapes/Shapes.java", 136); try {
        switch (n % 3) {
            case 0:
                return "zero";
            case 1:
                return "one";
            default:
                return n < 0 ? "negative" : "two";
        }
        } catch (Throwable _tel$e) { _tel$.fail(_tel$e); throw _tel$e; } finally { _tel$.end(); }
    }

    public static String describe(int n) {
        final telemetry_inject.Telemetry.Span _tel$ = telemetry_inject.Telemetry.start("Shapes.describe", "app/shapes/Shapes.java", 149); try {
        return switch (n) {
            case 1 -> "one";
            default -> {
                String many = "many:";
                yield many + n;
            }
        };
        } catch (Throwable _tel$e) { _tel$.fail(_tel$e); throw _tel$e; } finally { _tel$.end(); }
    }

    public static List<String> log() {
        final telemetry_inject.Telemetry.Span _tel$ = telemetry_inject.Telemetry.start("Shapes.log", "app/shapes/Shapes.java", 161); try {
        return new ArrayList<>(LOG);
        } catch (Throwable _tel$e) { _tel$.fail(_tel$e); throw _tel$e; } finally { _tel$.end(); }
    }

    /** A nested class whose constructor delegates to super(...) over two lines. */
    public static class Derived extends Shapes {
        private final int extra;

        public Derived(int base,
                       int extra) {
            super(base
                  + extra);
            final telemetry_inject.Telemetry.Span _tel$ = telemetry_inject.Telemetry.start("Shapes.Derived.<init>", "app/shapes/Shapes.java", 171); try {
            this.extra = extra;
            } catch (Throwable _tel$e) { _tel$.fail(_tel$e); throw _tel$e; } finally { _tel$.end(); }
        }

        @Override
        public int loopUntil(int limit) {
            final telemetry_inject.Telemetry.Span _tel$ = telemetry_inject.Telemetry.start("Shapes.Derived.loopUntil", "app/shapes/Shapes.java", 180); try {
            return super.loopUntil(limit) + extra;
            } catch (Throwable _tel$e) { _tel$.fail(_tel$e); throw _tel$e; } finally { _tel$.end(); }
        }
    }

    public enum Level {
        LOW(1), HIGH(10);

        private final int weight;

        Level(int weight) {
            final telemetry_inject.Telemetry.Span _tel$ = telemetry_inject.Telemetry.start("Shapes.Level.<init>", "app/shapes/Shapes.java", 193); try {
            this.weight = weight;
            } catch (Throwable _tel$e) { _tel$.fail(_tel$e); throw _tel$e; } finally { _tel$.end(); }
        }

        public int weigh(int n) {
            final telemetry_inject.Telemetry.Span _tel$ = telemetry_inject.Telemetry.start("Shapes.Level.weigh", "app/shapes/Shapes.java", 199); try {
            return n * weight;
            } catch (Throwable _tel$e) { _tel$.fail(_tel$e); throw _tel$e; } finally { _tel$.end(); }
        }
    }

    public interface Named {
        String name();

        default String greet() {
            final telemetry_inject.Telemetry.Span _tel$ = telemetry_inject.Telemetry.start("Shapes.Named.greet", "app/shapes/Shapes.java", 209); try {
            return "hello " + name();
            } catch (Throwable _tel$e) { _tel$.fail(_tel$e); throw _tel$e; } finally { _tel$.end(); }
        }

        static Named of(String name) {
            final telemetry_inject.Telemetry.Span _tel$ = telemetry_inject.Telemetry.start("Shapes.Named.of", "app/shapes/Shapes.java", 215); try {
            return () -> name;
            } catch (Throwable _tel$e) { _tel$.fail(_tel$e); throw _tel$e; } finally { _tel$.end(); }
        }
    }

    public record Point(int x, int y) {
        public Point {
            final telemetry_inject.Telemetry.Span _tel$ = telemetry_inject.Telemetry.start("Shapes.Point.<init>", "app/shapes/Shapes.java", 223); try {
            if (x < 0 || y < 0) {
                throw new IllegalArgumentException("negative point");
            }
            } catch (Throwable _tel$e) { _tel$.fail(_tel$e); throw _tel$e; } finally { _tel$.end(); }
        }

        public Point(int both) {
            this(both, both);
            final telemetry_inject.Telemetry.Span _tel$ = telemetry_inject.Telemetry.start("Shapes.Point.<init>", "app/shapes/Shapes.java", 231); try {
            } catch (Throwable _tel$e) { _tel$.fail(_tel$e); throw _tel$e; } finally { _tel$.end(); }
        }

        public int sum() {
            final telemetry_inject.Telemetry.Span _tel$ = telemetry_inject.Telemetry.start("Shapes.Point.sum", "app/shapes/Shapes.java", 237); try {
            return x + y;
            } catch (Throwable _tel$e) { _tel$.fail(_tel$e); throw _tel$e; } finally { _tel$.end(); }
        }
    }
}
