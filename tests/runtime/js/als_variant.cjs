// Preloaded with `node --require` to make the runtime take its other context paths:
// ALS_VARIANT=public hides Node 20's AsyncLocalStorage internals (the public API is used,
// as on Node 24, Deno and Bun); ALS_VARIANT=none removes AsyncLocalStorage (a plain variable).
const hooks = require("node:async_hooks");
const Original = hooks.AsyncLocalStorage;
if (process.env.ALS_VARIANT === "public") {
  hooks.AsyncLocalStorage = class extends Original {
    constructor() {
      super();
      this.kResourceStore = "not a symbol";
    }
  };
} else if (process.env.ALS_VARIANT === "none") {
  hooks.AsyncLocalStorage = undefined;
}
