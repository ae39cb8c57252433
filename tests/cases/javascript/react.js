// JSX in a .js file: components are functions like any other.
import React from "react";

export function Greeting({ name }) {
  return <p className="greeting">Hello, {name}!</p>;
}

export const List = ({ items }) => (
  <ul>
    {items.map((item) => (
      <li key={item.id}>{item.label}</li>
    ))}
  </ul>
);

export default function App() {
  const [count, setCount] = React.useState(0);
  return <button onClick={() => setCount(count + 1)}>{count}</button>;
}
