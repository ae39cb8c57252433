// Types of the telemetry runtime (_telemetry_utils.cjs); _telemetry_utils.d.mts re-exports them.

/** A started span, as returned by start / startAsync / startDetached. */
export interface SpanHandle {
  /** Record `error` on the span (status ERROR, error.type, error.message) and return it unchanged. */
  fail<E>(error: E): E;
  /** End the span; a sync span also stops being the current one. */
  end(): void;
}

/** A span for an async function: `run` makes it current for `fn` and everything it awaits. */
export interface AsyncSpanHandle extends SpanHandle {
  run<T>(fn: () => T): T;
}

/** Start a span for a sync function body; it is the current span until `end()`. */
export declare function start(name: string, filepath: string, lineno: number): SpanHandle;
/** Start a span for an async function body; see `AsyncSpanHandle.run`. */
export declare function startAsync(name: string, filepath: string, lineno: number): AsyncSpanHandle;
/** Start a span that never becomes current (generators and async generators). */
export declare function startDetached(name: string, filepath: string, lineno: number): SpanHandle;
/** Call `fn()` inside a span (expression-bodied arrow functions). */
export declare function call<T>(name: string, filepath: string, lineno: number, fn: () => T): T;
/** Call the async `fn()` inside a span that ends when its promise settles; returns that promise. */
export declare function callAsync<T>(name: string, filepath: string, lineno: number, fn: () => T): T;
/** Set attribute `name` of the current span to `valueFn()`, evaluated only when recording; its exceptions are swallowed. */
export declare function attr(name: string, valueFn: () => unknown): void;
/** Write buffered span records now (also done at process exit). */
export declare function flush(): void;
