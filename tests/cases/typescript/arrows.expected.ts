// Arrows with types: return types, generics, `as const`, async; arrows TypeScript may
// read a type predicate from are left alone (the in-line wrapper would hide it).
import * as _tel from "./_telemetry_utils.mjs";
export const double = (x: number): number => _tel.call("double", "", 4, () => x * 2);
export const first = <T,>(items: readonly T[]): T | undefined => _tel.call("first", "", 5, () => items[0]);
export const pick: () => { kind: "a" } = () => _tel.call("pick", "", 6, () => ({ kind: "a" }));
export const tuple = () => _tel.call("tuple", "", 7, () => [1, "a"] as const);
export const later = async (n: number): Promise<"ok" | "no"> => await _tel.callAsync("later", "", 8, async () => (n > 0 ? "ok" : "no"));
export const describe = (value: unknown) => _tel.call("describe", "", 9, () => typeof value);

export const handler = async (n: number) => {
  const _tel$ = _tel.startAsync("handler", "", 11); return await _tel$.run(async () => { try {
  return { n, text: await later(n) } as const;
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); } });
};

const values: (number | undefined)[] = [1, undefined, 3];
export const defined: number[] = values.filter((v) => v !== undefined);
export const positive: number[] = values.filter((v): v is number => _tel.call("<anonymous>@19", "", 19, () => v !== undefined && v > 0));
export const negated = values.filter((v) => !v);
export const strings: string[] = ["a", 1].filter((v) => isString(v));
export const lengths = ["a", "bb"].map((s) => _tel.call("<anonymous>@22", "", 22, () => s.length));

function isString(value: unknown): value is string {
  const _tel$ = _tel.start("isString", "", 24); try {
  return typeof value === "string";
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
}

export const sorted = [3, 1, 2].sort((a, b) => _tel.call("<anonymous>@30", "", 30, () => a - b));
