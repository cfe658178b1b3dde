// The order book as one element: its title and controls, asks over the last price, spread and mid over bids, kept up
// to date by deltas (app/feed/book_delta.py). The server sends the whole book once (the `book` prop) and then `apply(delta)` calls with only the levels that
// changed. A delta must start at the sequence shown and end on its checksum; when either is off the ladder asks
// the server for the whole book again ("resync") and ignores deltas until it comes.

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(text) {
  let c = 0xffffffff;
  for (let i = 0; i < text.length; i++) c = CRC_TABLE[(c ^ text.charCodeAt(i)) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// Kraken's checksum string: the top 10 asks then the top 10 bids, best first, price then size, without the
// decimal point and the leading zeros (the same as `checksum_text` in app/feed/book_delta.py).
const digits = (text) => text.replace(".", "").replace(/^0+/, "");
function checksumOf(asks, bids) {
  const levels = [...asks.slice(0, 10), ...bids.slice(0, 10)];
  return crc32(levels.map(([price, size]) => digits(price) + digits(size)).join(""));
}

// The lines shown with the book (`TEXTS` in app/feed/book_delta.py): a delta carries those that changed.
const TEXTS = ["spread", "mid", "last", "direction"];
const TEXT_DEFAULTS = { spread: "", mid: "", last: "–", direction: "" };

// Decimal texts as scaled integers, so that totals and notionals are exact.
function scaled(text) {
  const [whole, fraction = ""] = text.split(".");
  return [BigInt(whole + fraction), fraction.length];
}
function decimalText(value, places) {
  const negative = value < 0n;
  let digitsText = (negative ? -value : value).toString().padStart(places + 1, "0");
  const text = places ? digitsText.slice(0, -places) + "." + digitsText.slice(-places) : digitsText;
  return (negative ? "-" : "") + text;
}
function rounded(value, from, to) {
  if (to >= from) return value * 10n ** BigInt(to - from);
  const unit = 10n ** BigInt(from - to);
  const quotient = value / unit;
  const remainder = value % unit;
  // Half to even, as Python's Decimal rounds by default.
  if (remainder * 2n > unit || (remainder * 2n === unit && quotient % 2n === 1n)) return quotient + 1n;
  return quotient;
}

// The rows of one side: its asks or bids table (the asks' head is the only header the ladder shows).
const side = (name, head) => `
      <table class="ob-table ob-${name}">
        ${head ? '<thead><tr><th v-for="column in shown" :key="column" :class="\'ob-head-\' + column">{{ config.labels[column] }}</th></tr></thead>' : ""}
        <tbody>
          <tr v-if="!${name}.length"><td :colspan="shown.length" class="ob-empty">{{ config.empty.${name} }}</td></tr>
          <tr v-for="row in rows('${name.slice(0, -1)}')" :key="row.key" class="ob-row cursor-pointer"
              :class="[row.flash ? 'ob-flash' : '', row.mine ? 'ob-mine' : '']" :title="row.mine ? 'Your order rests here' : null"
              @click="$emit('pick', row.price)">
            <td v-for="column in shown" :key="column" :class="cellClass(row, column)">
              <div v-if="column === 'price'" class="ob-bar ob-bar-${name.slice(0, -1)}" :style="{width: row.depth + '%'}"></div>
              <span class="ob-cell">{{ row[column] }}</span>
            </td>
          </tr>
        </tbody>
      </table>`;

export default {
  template: `
    <q-card flat bordered class="ob-ladder">
      <div class="ob-head">
        <div class="ob-title">{{ config.title }}</div>
        <button type="button" class="ob-notional-toggle ob-control" :class="{'ob-on': notional}"
                :aria-pressed="notional ? 'true' : 'false'" :title="config.notional_title" @click="notional = !notional">
          {{ config.notional_button }}</button>
        <select class="ob-grouping ob-control" :value="group" title="Price grouping" aria-label="Price grouping"
                @change="$emit('group', Number($event.target.value))">
          <option v-for="[value, label] in config.groupings" :key="value" :value="value">{{ label }}</option>
        </select>
      </div>${side("asks", true)}
      <div class="ob-middle book-middle rounded">
        <div class="ob-last" :class="colour">
          <span class="last-price">{{ last }}</span>
          <q-icon class="last-arrow" :name="arrow" :data-direction="direction" aria-hidden="true" />
        </div>
        <div class="ob-spread-mid text-caption"><div class="spread">{{ spread }}</div><div class="mid">{{ mid }}</div></div>
      </div>${side("bids", false)}
    </q-card>`,
  props: {
    book: Object, // {sequence, checksum, asks: [[price, size], ...], bids: [...], spread, mid, last, direction}
    mine: Object, // {asks: [price, ...], bids: [...]}: levels holding one of the trader's resting orders
    group: Number, // the price grouping shown, in ticks (the server sends the grouped book)
    // What never changes on a page, one object shared by every page of the market: {title, columns: [name, ...],
    // labels: {name: label}, places: {size, notional}, empty: {asks, bids}, groupings: [[ticks, label], ...],
    // notional_button, notional_title}
    config: Object,
  },
  data() {
    return { asks: [], bids: [], sequence: -1, versions: {}, flashing: {}, waiting: false, resyncs: 0, marks: this.mine,
             spread: "", mid: "", last: "–", direction: "", notional: this.config.columns.includes("notional") };
  },
  created() {
    this.load(this.book);
  },
  mounted() {
    this.$el.__ladder = this; // for tests and developers poking at a page
  },
  watch: {
    book(book) {
      this.load(book);
    },
    mine(mine) {
      this.marks = mine;
    },
  },
  computed: {
    shown() {
      // The Value toggle shows or hides the notional column here, in the browser: the server sends the same book.
      const names = this.config.columns.filter((name) => name !== "notional");
      return this.notional ? [...names, "notional"] : names;
    },
    colour() {
      return { up: "text-positive", down: "text-negative" }[this.direction] || "";
    },
    arrow() {
      return { up: "arrow_upward", down: "arrow_downward" }[this.direction] || "";
    },
    deepest() {
      const sum = (levels) => levels.reduce((total, [, size]) => total + scaled(size)[0], 0n);
      const deepest = [sum(this.asks), sum(this.bids)].reduce((a, b) => (a > b ? a : b));
      return deepest || 1n;
    },
  },
  methods: {
    mark(mine) {
      this.marks = mine;
    },
    load(book) {
      if (!book) return;
      this.asks = book.asks.map((level) => [...level]);
      this.bids = book.bids.map((level) => [...level]);
      this.sequence = book.sequence;
      for (const key of TEXTS) this[key] = book[key] ?? TEXT_DEFAULTS[key];
      this.flashing = {};
      this.versions = {};
      this.waiting = false;
      clearTimeout(this.retry);
    },
    apply(delta) {
      if (this.waiting || delta.sequence <= this.sequence) return; // a snapshot is coming, or this one is old
      if (delta.from !== this.sequence) return this.resync("gap");
      const flashing = {};
      for (const [name, side] of [["asks", "ask"], ["bids", "bid"]]) {
        const changes = delta[name];
        if (!changes) continue;
        const levels = new Map(this[name]);
        for (const [price, size] of Object.entries(changes)) {
          if (size === null) {
            levels.delete(price);
            delete this.versions[side + price];
          } else {
            levels.set(price, size);
            const key = side + price;
            this.versions[key] = (this.versions[key] || 0) + 1;
            flashing[key] = true;
          }
        }
        const order = name === "asks" ? 1 : -1;
        this[name] = [...levels].sort((a, b) => order * (parseFloat(a[0]) - parseFloat(b[0])));
      }
      this.flashing = flashing;
      this.sequence = delta.sequence;
      for (const key of TEXTS) if (key in delta) this[key] = delta[key] ?? TEXT_DEFAULTS[key];
      if (checksumOf(this.asks, this.bids) !== delta.checksum) this.resync("checksum");
    },
    resync(reason) {
      // Ask once, and again every 2 s until the whole book comes (the server answers at most once a second).
      this.waiting = true;
      this.resyncs += 1;
      this.$emit("resync", reason);
      clearTimeout(this.retry);
      this.retry = setTimeout(() => this.waiting && this.resync(reason), 2000);
    },
    rows(side) {
      const levels = side === "ask" ? this.asks : this.bids;
      const mine = new Set((this.marks && this.marks[side + "s"]) || []);
      let total = 0n;
      const rows = levels.map(([price, size]) => {
        const [lots] = scaled(size);
        total += lots;
        const [priceValue, pricePlaces] = scaled(price);
        const notional = rounded(priceValue * lots, pricePlaces + this.config.places.size, this.config.places.notional);
        const key = side + price;
        return {
          key: key + ":" + (this.versions[key] || 0), // a new key replays the flash
          price, size, lots, mine: mine.has(price), flash: !!this.flashing[key],
          total: decimalText(total, this.config.places.size),
          depth: Number((total * 200n + this.deepest) / (2n * this.deepest)), // a share of the deeper side, rounded
          notional: decimalText(notional, this.config.places.notional),
        };
      });
      return side === "ask" ? rows.reverse() : rows;
    },
    cellClass(row, name) {
      if (name !== "price") return "ob-" + name;
      return "ob-price " + (row.key.startsWith("ask") ? "text-negative" : "text-positive");
    },
  },
};
