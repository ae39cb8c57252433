// Arrows with types: return types, generics, `as const`, async; arrows TypeScript may
// read a type predicate from are left alone (the in-line wrapper would hide it).
export const double = (x: number): number => x * 2;
export const first = <T,>(items: readonly T[]): T | undefined => items[0];
export const pick: () => { kind: "a" } = () => ({ kind: "a" });
export const tuple = () => [1, "a"] as const;
export const later = async (n: number): Promise<"ok" | "no"> => (n > 0 ? "ok" : "no");
export const describe = (value: unknown) => typeof value;

export const handler = async (n: number) => {
  return { n, text: await later(n) } as const;
};

const values: (number | undefined)[] = [1, undefined, 3];
export const defined: number[] = values.filter((v) => v !== undefined);
export const positive: number[] = values.filter((v): v is number => v !== undefined && v > 0);
export const negated = values.filter((v) => !v);
export const strings: string[] = ["a", 1].filter((v) => isString(v));
export const lengths = ["a", "bb"].map((s) => s.length);

function isString(value: unknown): value is string {
  return typeof value === "string";
}

export const sorted = [3, 1, 2].sort((a, b) => a - b);
