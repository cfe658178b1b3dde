// The trades tape as one element, its card and title included, newest first: the whole tape once (the `rows` prop), then `add({after, trades})` with only the
// new trades. A delta that does not follow the newest trade shown asks the server for the whole tape again.

export default {
  template: `
    <q-card flat bordered class="tape-card">
      <div class="tape-body">
      <div class="tape-title">{{ title }}</div>
      <table class="tape-table">
        <thead><tr><th v-for="column in columns" :key="column.name">{{ column.label }}</th></tr></thead>
        <tbody>
          <tr v-if="!shown.length"><td :colspan="columns.length" class="tape-empty">{{ empty }}</td></tr>
          <tr v-for="row in shown" :key="row[0]" :class="'tape-row tape-' + row[3]">
            <td :class="row[3] === 'buy' ? 'text-positive' : 'text-negative'">{{ row[1] }}</td>
            <td>{{ row[2] }}</td>
            <td class="text-grey-7">{{ row[4] }}</td>
          </tr>
        </tbody>
      </table>
      </div>
    </q-card>`,
  props: {
    title: String,
    rows: Array, // [[id, price, quantity, taker side, time], ...], newest first
    columns: Array, // [{name, label}]
    length: Number, // rows shown
    empty: String,
  },
  data() {
    return { shown: [...(this.rows || [])], waiting: false };
  },
  mounted() {
    this.$el.__tape = this;
  },
  watch: {
    rows(rows) {
      this.shown = [...rows];
      this.waiting = false;
      clearTimeout(this.retry);
    },
  },
  methods: {
    add(delta) {
      if (this.waiting) return;
      const newest = this.shown.length ? this.shown[0][0] : null;
      if (delta.trades.length && delta.trades[delta.trades.length - 1][0] <= (newest ?? -1)) return; // old news
      if (newest !== delta.after) return this.resync();
      this.shown = [...delta.trades, ...this.shown].slice(0, this.length);
    },
    resync() {
      this.waiting = true;
      this.$emit("resync", "tape_gap");
      clearTimeout(this.retry);
      this.retry = setTimeout(() => this.waiting && this.resync(), 2000);
    },
  },
};
