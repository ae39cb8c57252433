"use strict"; function first() {
  return 1;
}
