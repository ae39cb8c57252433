// Async functions, generators and async generators, declared and as expressions.
async function load(id) {
  const row = await db.get(id);
  return row;
}

function* range(n) {
  for (let i = 0; i < n; i += 1) {
    yield i;
  }
}

async function* stream(source) {
  for await (const chunk of source) {
    yield chunk;
  }
}

const gen = function* () {
  yield 1;
};

const asyncExpression = async function () {
  return arguments.length;
};

async function usesArguments(a) {
  await null;
  return [a, arguments.length];
}

const store = {
  async fetch(key) {
    return this.cache[key];
  },
  *keys() {
    yield* Object.keys(this.cache);
  },
  async *values() {
    yield* Object.values(this.cache);
  },
};
