// A loose script outside any package: the runtime goes to the repository root.
function greet(name) {
  return `hello ${name}`;
}

console.log(greet("tool"));
