package app;

import app.shapes.Shapes;
import java.io.IOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** Instrumented by hand in the documented shape (main is not: the spans it starts are roots); `java app.Main MODE` prints what it saw. */
public final class Main {
    static final AtomicInteger EVALUATED = new AtomicInteger();

    private Main() {
    }

    public static void main(String[] args) throws Exception {
        String mode = args.length > 0 ? args[0] : "shapes";
        switch (mode) {
            case "shapes":
                System.out.println(shapes());
                break;
            case "errors":
                System.out.println(errors());
                break;
            case "attributes":
                System.out.println(attributes() + " evaluated=" + EVALUATED.get());
                break;
            case "off":
                System.out.println(many(2000) + " evaluated=" + EVALUATED.get());
                break;
            case "many":
                long before = System.currentTimeMillis();
                int sum = many(3000);
                System.out.println(sum + " " + before + " " + System.currentTimeMillis() + " evaluated=" + EVALUATED.get());
                break;
            case "threads":
                System.out.println(threads(Integer.parseInt(args[1]), Integer.parseInt(args[2])));
                break;
            case "sampling":
                int total = 0;
                for (int i = 0; i < 400; i++) {
                    total += root(i);
                }
                System.out.println("sum=" + total);
                break;
            case "exit":
                finished();
                exits(3);
                break;
            case "crash":
                finished();
                crash();
                break;
            case "hook":
                Runtime.getRuntime().addShutdownHook(new Thread(Main::lateWork, "user-hook"));
                finished();
                break;
            default:
                throw new IllegalArgumentException(mode);
        }
    }

    static String shapes() {
        final telemetry_inject.Telemetry.Span _tel$ = telemetry_inject.Telemetry.start("Main.shapes", "app/Main.java", 65); try {
        List<Object> seen = new ArrayList<>();
        Shapes shape = new Shapes(2);
        shape.record("a");
        shape.record("");
        seen.add(shape.loopUntil(5));
        seen.add(new Shapes.Derived(1, 2).loopUntil(4));
        seen.add(Shapes.max(Arrays.asList(3, 9, 4)));
        seen.add(shape.gather("x", "y", null, "z"));
        seen.add(shape.lambdas(5));
        seen.add(Shapes.kind(4) + "/" + Shapes.kind(-1));
        seen.add(Shapes.describe(1) + "/" + Shapes.describe(7));
        seen.add(Shapes.Level.HIGH.weigh(3));
        seen.add(Shapes.Named.of("ann").greet());
        seen.add(new Shapes.Point(4).sum());
        try {
            seen.add(Shapes.read(false));
        } catch (IOException unexpected) {
            seen.add(unexpected);
        }
        seen.add(Shapes.log());
        return seen.toString();
        } catch (Throwable _tel$e) { _tel$.fail(_tel$e); throw _tel$e; } finally { _tel$.end(); }
    }

    static String errors() {
        final telemetry_inject.Telemetry.Span _tel$ = telemetry_inject.Telemetry.start("Main.errors", "app/Main.java", 91); try {
        List<Object> seen = new ArrayList<>();
        try {
            Shapes.read(true);
        } catch (IOException caught) {
            seen.add("io:" + (caught == Shapes.lastThrown) + ":" + caught.getMessage());
        }
        try {
            Shapes.unsupported();
        } catch (UnsupportedOperationException caught) {
            seen.add("unsupported:" + (caught == Shapes.lastThrown));
        }
        try {
            Shapes.sneaky(new InterruptedException("sneaky"));
        } catch (InterruptedException caught) {
            seen.add("generic:" + (caught == Shapes.lastThrown));
        }
        try {
            new Shapes.Point(-1, 2);
        } catch (IllegalArgumentException caught) {
            seen.add("record:" + caught.getMessage());
        }
        try {
            new Shapes(-1);
        } catch (IllegalArgumentException caught) {
            seen.add("constructor:" + caught.getMessage());
        }
        try {
            deepFailure(3);
        } catch (StackOverflowError caught) {
            seen.add("error:" + (caught == Shapes.lastThrown) + ":" + caught.getStackTrace()[0].getMethodName());
        }
        return seen.toString();
        } catch (Throwable _tel$e) { _tel$.fail(_tel$e); throw _tel$e; } finally { _tel$.end(); }
    }

    static int deepFailure(int depth) {
        final telemetry_inject.Telemetry.Span _tel$ = telemetry_inject.Telemetry.start("Main.deepFailure", "app/Main.java", 128); try {
        if (depth == 0) {
            StackOverflowError error = new StackOverflowError("pretend");
            Shapes.lastThrown = error;
            throw error;
        }
        return deepFailure(depth - 1) + 1;
        } catch (Throwable _tel$e) { _tel$.fail(_tel$e); throw _tel$e; } finally { _tel$.end(); }
    }

    static String attributes() {
        final telemetry_inject.Telemetry.Span _tel$ = telemetry_inject.Telemetry.start("Main.attributes", "app/Main.java", 139); try {
        telemetry_inject.Telemetry.attr("user.id", () -> 42);
        telemetry_inject.Telemetry.attr("order.count", () -> 7_000_000_000L);
        telemetry_inject.Telemetry.attr("cart.total", () -> 9.5);
        telemetry_inject.Telemetry.attr("ratio", () -> 0.1f);
        telemetry_inject.Telemetry.attr("flag", () -> Boolean.TRUE);
        telemetry_inject.Telemetry.attr("big", () -> BigInteger.TEN.pow(30));
        telemetry_inject.Telemetry.attr("nan", () -> Double.NaN);
        telemetry_inject.Telemetry.attr("nothing", () -> null);
        telemetry_inject.Telemetry.attr("db.password", () -> "hunter2");
        telemetry_inject.Telemetry.attr("X-Api-KEY", () -> "k");
        telemetry_inject.Telemetry.attr("Session_Cookie", () -> "c");
        telemetry_inject.Telemetry.attr("auth_header", () -> "Bearer x");
        telemetry_inject.Telemetry.attr("body", () -> "x".repeat(300));
        telemetry_inject.Telemetry.attr("emoji", () -> "a".repeat(254) + new String(Character.toChars(0x1F600)) + "tail");
        telemetry_inject.Telemetry.attr("quote", () -> "say \"hi\"\n\t" + (char) 1 + (char) 0xD800);
        telemetry_inject.Telemetry.attr("items", () -> new int[] {1, 2, 3});
        telemetry_inject.Telemetry.attr("names", () -> new String[] {"a", "b"});
        telemetry_inject.Telemetry.attr("broken", () -> { throw new IllegalStateException("supplier failed"); });
        telemetry_inject.Telemetry.attr("unprintable", () -> new Unprintable());
        telemetry_inject.Telemetry.attr("lazy", () -> EVALUATED.incrementAndGet());
        return "ok";
        } catch (Throwable _tel$e) { _tel$.fail(_tel$e); throw _tel$e; } finally { _tel$.end(); }
    }

    /** An attribute value whose toString throws. */
    static final class Unprintable {
        @Override
        public String toString() {
            throw new IllegalStateException("toString failed");
        }
    }

    static int many(int n) {
        final telemetry_inject.Telemetry.Span _tel$ = telemetry_inject.Telemetry.start("Main.many", "app/Main.java", 173); try {
        int sum = 0;
        for (int i = 0; i < n; i++) {
            sum += leaf(i);
        }
        return sum;
        } catch (Throwable _tel$e) { _tel$.fail(_tel$e); throw _tel$e; } finally { _tel$.end(); }
    }

    static int leaf(int i) {
        final telemetry_inject.Telemetry.Span _tel$ = telemetry_inject.Telemetry.start("Main.leaf", "app/Main.java", 183); try {
        telemetry_inject.Telemetry.attr("i", () -> EVALUATED.incrementAndGet() > 0 ? i : -1);
        return i;
        } catch (Throwable _tel$e) { _tel$.fail(_tel$e); throw _tel$e; } finally { _tel$.end(); }
    }

    static String threads(int count, int perThread) throws InterruptedException {
        final telemetry_inject.Telemetry.Span _tel$ = telemetry_inject.Telemetry.start("Main.threads", "app/Main.java", 190); try {
        List<Thread> threads = new ArrayList<>();
        AtomicInteger total = new AtomicInteger();
        for (int t = 0; t < count; t++) {
            final int id = t;
            threads.add(new Thread(() -> total.addAndGet(work(id, perThread)), "worker-" + t));
        }
        for (Thread thread : threads) {
            thread.start();
        }
        for (Thread thread : threads) {
            thread.join();
        }
        return "total=" + total.get();
        } catch (Throwable _tel$e) { _tel$.fail(_tel$e); throw _tel$e; } finally { _tel$.end(); }
    }

    static int work(int id, int perThread) {
        final telemetry_inject.Telemetry.Span _tel$ = telemetry_inject.Telemetry.start("Main.work", "app/Main.java", 208); try {
        telemetry_inject.Telemetry.attr("worker", () -> id);
        int sum = 0;
        for (int i = 0; i < perThread; i++) {
            sum += leaf(i);
        }
        return sum;
        } catch (Throwable _tel$e) { _tel$.fail(_tel$e); throw _tel$e; } finally { _tel$.end(); }
    }

    static int root(int i) {
        final telemetry_inject.Telemetry.Span _tel$ = telemetry_inject.Telemetry.start("Main.root", "app/Main.java", 219); try {
        return leaf(i) + leaf(1);
        } catch (Throwable _tel$e) { _tel$.fail(_tel$e); throw _tel$e; } finally { _tel$.end(); }
    }

    static void finished() {
        final telemetry_inject.Telemetry.Span _tel$ = telemetry_inject.Telemetry.start("Main.finished", "app/Main.java", 225); try {
        System.out.println("finished");
        } catch (Throwable _tel$e) { _tel$.fail(_tel$e); throw _tel$e; } finally { _tel$.end(); }
    }

    static void exits(int code) {
        final telemetry_inject.Telemetry.Span _tel$ = telemetry_inject.Telemetry.start("Main.exits", "app/Main.java", 231); try {
        System.exit(code);
        } catch (Throwable _tel$e) { _tel$.fail(_tel$e); throw _tel$e; } finally { _tel$.end(); }
    }

    static void crash() {
        final telemetry_inject.Telemetry.Span _tel$ = telemetry_inject.Telemetry.start("Main.crash", "app/Main.java", 237); try {
        throw new IllegalStateException("fatal: crash");
        } catch (Throwable _tel$e) { _tel$.fail(_tel$e); throw _tel$e; } finally { _tel$.end(); }
    }

    static void lateWork() {
        final telemetry_inject.Telemetry.Span _tel$ = telemetry_inject.Telemetry.start("Main.lateWork", "app/Main.java", 243); try {
        System.out.println("late");
        } catch (Throwable _tel$e) { _tel$.fail(_tel$e); throw _tel$e; } finally { _tel$.end(); }
    }
}
