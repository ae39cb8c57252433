export const slugify = (text) => text.toLowerCase().replace(/\s+/g, "-");

export class Counter {
  value = 0;

  bump() {
    this.value += 1;
    return this.value;
  }
}
