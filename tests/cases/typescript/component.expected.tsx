// TSX: JSX and generic arrows (written `<T,>` in .tsx files).
import * as _tel from "./_telemetry_utils.mjs";
import * as React from "react";

export function Greeting({ name }: { name: string }): React.JSX.Element {
  const _tel$ = _tel.start("Greeting", "", 5); try {
  return <p>Hello, {name}!</p>;
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
}

export const List = <T,>({ items }: { items: T[] }) => _tel.call("List", "", 11, () => <ul>{items.map((item, i) => _tel.call("List.<anonymous>@11", "", 11, () => <li key={i}>{String(item)}</li>))}</ul>);
