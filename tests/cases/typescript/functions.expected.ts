// Typed functions: annotations, generics, overloads (the signatures are not units),
// declare, type predicates and assertion functions.
import * as _tel from "./_telemetry_utils.mjs";
declare function external(x: number): void;

export function total(prices: readonly number[]): number {
  const _tel$ = _tel.start("total", "", 6); try {
  let sum = 0;
  for (const p of prices) sum += p;
  return sum;
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
}

export function parse(text: string): number;
export function parse(text: string | null): number | null;
export function parse(text: string | null): number | null {
  const _tel$ = _tel.start("parse", "", 16); try {
  if (text === null) return null;
  return Number(text);
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
}

export function identity<T extends object>(value: T): T {
  const _tel$ = _tel.start("identity", "", 23); try {
  return value;
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
}

export function isText(value: unknown): value is string {
  const _tel$ = _tel.start("isText", "", 29); try {
  return typeof value === "string";
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
}

export function assertText(value: unknown): asserts value is string {
  const _tel$ = _tel.start("assertText", "", 35); try {
  if (typeof value !== "string") throw new TypeError("not text");
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
}

export function fail(message: string): never {
  const _tel$ = _tel.start("fail", "", 41); try {
  throw new Error(message);
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
}

export async function load<T>(fetcher: () => Promise<T>): Promise<T | undefined> {
  const _tel$ = _tel.startAsync("load", "", 47); return await _tel$.run(async () => { try {
  const value = await fetcher();
  return value ?? undefined;
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); } });
}

export function* range(n: number): Generator<number, string, number | undefined> {
  const _tel$ = _tel.startDetached("range", "", 54); try {
  for (let i = 0; i < n; i += 1) {
    const sent = yield i;
    if (sent !== undefined) i += sent;
  }
  return "done";
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
}

export function withThis(this: { name: string }, greeting: string): string {
  const _tel$ = _tel.start("withThis", "", 64); try {
  return `${greeting}, ${this.name}`;
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
}

export function implicitReturn(flag: boolean) {
  const _tel$ = _tel.start("implicitReturn", "", 70); try {
  if (flag) {
    return 1;
  }
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
}
