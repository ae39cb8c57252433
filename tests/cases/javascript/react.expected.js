// JSX in a .js file: components are functions like any other.
import * as _tel from "./_telemetry_utils.cjs";
import React from "react";

export function Greeting({ name }) {
  const _tel$ = _tel.start("Greeting", "", 5); try {
  return <p className="greeting">Hello, {name}!</p>;
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
}

export const List = ({ items }) => _tel.call("List", "", 11, () => (
  <ul>
    {items.map((item) => _tel.call("List.<anonymous>@13", "", 13, () => (
      <li key={item.id}>{item.label}</li>
    )))}
  </ul>
));

export default function App() {
  const _tel$ = _tel.start("App", "", 19); try {
  const [count, setCount] = React.useState(0);
  return <button onClick={() => _tel.call("App.<anonymous>@22", "", 22, () => setCount(count + 1))}>{count}</button>;
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
}
