// A market's chart in its card: the candles (with interval buttons) or the depth curves, drawn with the ECharts that
// NiceGUI ships (the import map's "nicegui-echart", as nicegui/elements/echart/echart.js imports it).
// The data comes as ONE JSON string prop (`series`, shared by every page of the market on the server) and then as
// `draw(data)` calls with the same data parsed; everything else of the chart's options is built here, once.
import { echarts } from "nicegui-echart";

const UP = "#21ba45";
const DOWN = "#c10015";
// Mid-grey text and faint lines read on the light and the dark theme alike (ECharts' theme is set only once).
const AXIS_TEXT = { color: "#9e9e9e" };
const AXIS = { axisLabel: AXIS_TEXT, axisLine: { lineStyle: { color: "#757575" } } };
const SPLIT = { splitLine: { lineStyle: { color: "rgba(128, 128, 128, .2)" } } };

function candleOptions() {
  return {
    animation: false,
    tooltip: { trigger: "axis", axisPointer: { type: "cross" } },
    axisPointer: { link: [{ xAxisIndex: "all" }] },
    grid: [
      { left: 56, right: 12, top: 8, height: "64%" },
      { left: 56, right: 12, top: "78%", bottom: 20 },
    ],
    xAxis: [
      { ...AXIS, type: "category", data: [], boundaryGap: true, axisLabel: { show: false } },
      { ...AXIS, type: "category", gridIndex: 1, data: [], boundaryGap: true },
    ],
    yAxis: [
      { ...AXIS, ...SPLIT, scale: true, splitNumber: 4 },
      { ...SPLIT, gridIndex: 1, splitNumber: 1, axisLabel: { show: false } },
    ],
    series: [
      { name: "Price", type: "candlestick", data: [],
        itemStyle: { color: UP, color0: DOWN, borderColor: UP, borderColor0: DOWN } },
      { name: "Volume", type: "bar", xAxisIndex: 1, yAxisIndex: 1, data: [] },
    ],
  };
}

// Candles are [label, open, close, low, high, volume, up]: exact decimal texts (ECharts reads numeric strings).
function candleData(candles) {
  const times = candles.map((c) => c[0]);
  return {
    xAxis: [{ data: times }, { data: times }],
    series: [
      { data: candles.map((c) => [c[1], c[2], c[3], c[4]]) },
      { data: candles.map((c) => ({ value: c[5], itemStyle: { color: c[6] ? UP : DOWN } })) },
    ],
  };
}

function depthSeries(name, colour) {
  return {
    name, type: "line",
    // A bid level holds from the next lower level up to its price, an ask level from its price up to the next one.
    step: name === "Bids" ? "start" : "end",
    symbol: "none", data: [],
    lineStyle: { color: colour }, itemStyle: { color: colour }, areaStyle: { color: colour, opacity: 0.15 },
  };
}

function depthOptions(places) {
  return {
    animation: false,
    grid: { left: 50, right: 16, top: 10, bottom: 30 },
    tooltip: { trigger: "axis" },
    // Prices at the book's decimals, on the axis and in the tooltip alike.
    xAxis: {
      ...AXIS, ...SPLIT, type: "value", scale: true,
      // A phone's narrow chart drops the labels that would overlap.
      axisLabel: { ...AXIS_TEXT, formatter: (value) => value.toFixed(places), hideOverlap: true },
      axisPointer: { label: { formatter: (p) => p.value.toFixed(places) } },
    },
    yAxis: { ...AXIS, ...SPLIT, type: "value" },
    series: [depthSeries("Bids", UP), depthSeries("Asks", DOWN)],
  };
}

// Depth data is [bid points, ask points], each point [price, cumulative size], prices ascending.
const depthData = ([bids, asks]) => ({ series: [{ data: bids }, { data: asks }] });

export default {
  template: `
    <q-card flat bordered class="nicegui-card market-chart p-2 gap-1">
      <div class="row w-full items-center justify-between no-wrap">
        <div class="text-subtitle1 text-weight-medium">{{ title }}</div>
        <q-btn-toggle v-if="intervals && intervals.length" class="candle-interval" dense no-caps size="sm"
                      :model-value="chosen" :options="intervals.map((i) => ({ label: i, value: i }))"
                      @update:model-value="choose" />
      </div>
      <div ref="canvas" :class="['w-full', 'market-chart-canvas', kind === 'candles' ? 'h-56' : 'h-36']"></div>
    </q-card>`,
  props: {
    kind: String, // "candles" or "depth"
    title: String, // the card's title, e.g. "Price"
    series: String, // the data as JSON (see candleData and depthData)
    intervals: Array, // candles: the interval buttons' values, e.g. ["1m", "5m"]
    interval: String, // candles: the interval shown
    places: Number, // depth: the price's decimals (the book's tick)
  },
  data() {
    return { chosen: this.interval, drawn: null };
  },
  watch: {
    interval(interval) {
      this.chosen = interval;
    },
    series(series) {
      this.draw(JSON.parse(series));
    },
  },
  async mounted() {
    this.$el.__chart = this; // for tests and developers poking at a page
    await new Promise((resolve) => setTimeout(resolve, 0)); // let Tailwind's classes size the canvas first
    if (!this.$refs.canvas) return; // unmounted meanwhile
    this.chart = echarts.init(this.$refs.canvas);
    this.chart.setOption(this.kind === "candles" ? candleOptions() : depthOptions(this.places ?? 2));
    this.resizeObserver = new ResizeObserver(() => this.chart.resize());
    this.resizeObserver.observe(this.$refs.canvas);
    this.draw(this.pending ?? JSON.parse(this.series || "null"));
  },
  beforeUnmount() {
    this.resizeObserver?.disconnect();
    this.chart?.dispose();
    this.chart = null;
  },
  methods: {
    draw(data) {
      if (!this.chart) {
        this.pending = data; // came before the chart was made: drawn by mounted()
        return;
      }
      if (!data) return;
      this.drawn = data; // for tests: what the chart was last given
      this.chart.setOption(this.kind === "candles" ? candleData(data) : depthData(data));
    },
    choose(interval) {
      this.chosen = interval; // at once, as a toggle does; the server then sends that interval's candles
      this.$emit("interval", interval);
    },
  },
};
