#!/usr/bin/env node
// Function declarations and expressions in a CommonJS module: names come from the
// declaration, else from what the function is assigned to.
"use strict";

const path = require("node:path");

function total(items) {
  let sum = 0;
  for (const item of items) sum += item.price;
  return sum;
}

function outer(a) {
  return inner(a) * 2;

  function inner(x) {
    return x + 1;
  }
}

function strictHelper() {
  "use strict";
  return this;
}

const square = function (n) {
  return n * n;
};

const named = function realName(n) {
  return n > 0 ? realName(n - 1) : 0;
};

exports.join = function (a, b) {
  return path.join(a, b);
};

module.exports.split = function (p) {
  return p.split(path.sep);
};

Cart.prototype.add = function (item) {
  this.items.push(item);
};

function Cart() {
  this.items = [];
}

(function () {
  console.log("iife");
})();

function withDefaults(a = 1, { b, c: [d] } = { c: [2] }, ...rest) {
  return a + b + d + rest.length;
}

function hoisted(flag) {
  if (flag) return helper();
  var later = 1;
  return later;
  function helper() {
    return "helper";
  }
}
