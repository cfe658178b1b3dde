// The market's stats bar as one element: the symbol, then each stat's title over its value (`data-stat` = title).
export default {
  template: `
    <div class="row items-end gap-8 px-2 market-stats">
      <div class="text-h6 text-weight-bold">{{ symbol }}</div>
      <div v-for="stat in stats" :key="stat.title" class="column gap-0">
        <div class="text-caption text-grey-7">{{ stat.title }}</div>
        <div class="text-body1 text-weight-medium" :class="stat.tone" :data-stat="stat.title">{{ stat.value }}</div>
      </div>
    </div>`,
  props: {
    symbol: String,
    stats: Array,
  },
};
