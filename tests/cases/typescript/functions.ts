// Typed functions: annotations, generics, overloads (the signatures are not units),
// declare, type predicates and assertion functions.
declare function external(x: number): void;

export function total(prices: readonly number[]): number {
  let sum = 0;
  for (const p of prices) sum += p;
  return sum;
}

export function parse(text: string): number;
export function parse(text: string | null): number | null;
export function parse(text: string | null): number | null {
  if (text === null) return null;
  return Number(text);
}

export function identity<T extends object>(value: T): T {
  return value;
}

export function isText(value: unknown): value is string {
  return typeof value === "string";
}

export function assertText(value: unknown): asserts value is string {
  if (typeof value !== "string") throw new TypeError("not text");
}

export function fail(message: string): never {
  throw new Error(message);
}

export async function load<T>(fetcher: () => Promise<T>): Promise<T | undefined> {
  const value = await fetcher();
  return value ?? undefined;
}

export function* range(n: number): Generator<number, string, number | undefined> {
  for (let i = 0; i < n; i += 1) {
    const sent = yield i;
    if (sent !== undefined) i += sent;
  }
  return "done";
}

export function withThis(this: { name: string }, greeting: string): string {
  return `${greeting}, ${this.name}`;
}

export function implicitReturn(flag: boolean) {
  if (flag) {
    return 1;
  }
}
