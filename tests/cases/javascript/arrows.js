// Arrow functions: expression bodies are wrapped in place, block bodies get the two lines,
// block bodies that cannot take lines (one-liners) are wrapped in place too.
const double = (x) => x * 2;
const asyncDouble = async (x) => (await x) * 2;
const make = () => ({ kind: "made" });
const curried = (a) => (b) => a + b;
const single = x => x;

const block = (items) => {
  return items.filter(Boolean);
};

const asyncBlock = async (url) => {
  const response = await fetch(url);
  return response.json();
};

const oneLine = (x) => { return x + 1; };

function process(items) {
  return items
    .map((item) => item.value)
    .filter((value) => {
      return value > 0;
    });
}

setTimeout(() => {
  console.log("later");
}, 10);

function withCallbackDefault(callback = () => "default") {
  return callback();
}

const conditional = (flag) =>
  flag
    ? "yes"
    : "no";

const commented = (x) => x + 1; // trailing comment stays after the wrapper
