// TSX: JSX and generic arrows (written `<T,>` in .tsx files).
import * as React from "react";

export function Greeting({ name }: { name: string }): React.JSX.Element {
  return <p>Hello, {name}!</p>;
}

export const List = <T,>({ items }: { items: T[] }) => <ul>{items.map((item, i) => <li key={i}>{String(item)}</li>)}</ul>;
