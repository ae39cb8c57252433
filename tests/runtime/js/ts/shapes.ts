// Every shape in a strict TypeScript file.  The CommonJS check imports ./_telemetry_utils.cjs
// instead (the test rewrites the import line); everything else is the same text.
import * as _tel from "./_telemetry_utils.mjs";

export function total(prices: readonly number[]): number {
  const _tel$ = _tel.start("total", "shapes.ts", 5); try {
  let sum = 0;
  for (const p of prices) sum += p;
  _tel.attr("items", () => prices.length);
  return sum;
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
}

export function fail(message: string): never {
  const _tel$ = _tel.start("fail", "shapes.ts", 14); try {
  throw new Error(message);
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
}

export function assertText(value: unknown): asserts value is string {
  const _tel$ = _tel.start("assertText", "shapes.ts", 20); try {
  if (typeof value !== "string") fail("not text");
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
}

export function parse(text: string): number;
export function parse(text: string | null): number | null;
export function parse(text: string | null): number | null {
  const _tel$ = _tel.start("parse", "shapes.ts", 28); try {
  if (text === null) return null;
  let value: number;
  if (text.startsWith("0x")) value = parseInt(text, 16);
  else value = Number(text);
  return value;
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
}

export async function kind(n: number): Promise<"small" | "large"> {
  const _tel$ = _tel.startAsync("kind", "shapes.ts", 38); return await _tel$.run(async () => { try {
  await null;
  if (n > 10) return "large";
  return "small";
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); } });
}

export async function first<T>(items: AsyncIterable<T>): Promise<T | undefined> {
  const _tel$ = _tel.startAsync("first", "shapes.ts", 46); return await _tel$.run(async () => { try {
  for await (const item of items) return item;
  return undefined;
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); } });
}

export function* range(n: number): Generator<number, string, number | undefined> {
  const _tel$ = _tel.startDetached("range", "shapes.ts", 53); try {
  for (let i = 0; i < n; i += 1) {
    const sent = yield i;
    if (sent !== undefined) i += sent;
  }
  return "done";
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
}

export async function* countdown(n: number): AsyncGenerator<number> {
  const _tel$ = _tel.startDetached("countdown", "shapes.ts", 63); try {
  while (n > 0) yield n--;
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
}

class Shape {
  constructor(readonly label: string) {}

  describe(this: Shape): string {
    const _tel$ = _tel.start("Shape.describe", "shapes.ts", 72); try {
    return this.label;
    } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
  }
}

export class Circle extends Shape {
  radius = 1;
  #scale: number;

  constructor(radius: number, private readonly unit: string) {
    super("circle");
    const _tel$ = _tel.start("Circle.constructor", "shapes.ts", 83); try {
    this.radius = radius;
    this.#scale = 2;
    } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
  }

  get area(): number {
    const _tel$ = _tel.start("Circle.area", "shapes.ts", 91); try {
    return Math.PI * this.radius ** 2 * this.#scale;
    } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
  }

  set diameter(d: number) {
    const _tel$ = _tel.start("Circle.diameter", "shapes.ts", 97); try {
    this.radius = d / 2;
    } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
  }

  override describe(): string {
    const _tel$ = _tel.start("Circle.describe", "shapes.ts", 103); try {
    return `${super.describe()}(${this.radius}${this.unit})`;
    } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
  }

  async grow(by: number): Promise<this> {
    const _tel$ = _tel.startAsync("Circle.grow", "shapes.ts", 109); return await _tel$.run(async () => { try {
    await null;
    this.radius += by;
    return this;
    } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); } });
  }
}

export const isText = (value: unknown): value is string => _tel.call("isText", "shapes.ts", 118, () => typeof value === "string");
export const pick: () => { kind: "a" } = () => _tel.call("pick", "shapes.ts", 119, () => ({ kind: "a" }));
export const later = async (n: number): Promise<"ok" | "no"> => await _tel.callAsync("later", "shapes.ts", 120, async () => (n > 0 ? "ok" : "no"));
export const handler = async (n: number) => {
  const _tel$ = _tel.startAsync("handler", "shapes.ts", 121); return await _tel$.run(async () => { try {
  return { n, text: await later(n) } as const;
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); } });
};

export async function main(): Promise<string[]> {
  const _tel$ = _tel.startAsync("main", "shapes.ts", 127); return await _tel$.run(async () => { try {
  const circle = new Circle(2, "cm");
  circle.diameter = 6;
  await circle.grow(1);
  const gen = range(3);
  const seen = [gen.next().value, gen.next(1).value, gen.next().value];
  return [
    String(total([1, 2, 3])), circle.describe(), circle.area.toFixed(2), await kind(11),
    String(await first(countdown(3))), String(seen), String(isText("x")), pick().kind,
    (await handler(1)).text, String(parse("0x10")),
  ];
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); } });
}
