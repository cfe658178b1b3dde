// The phone's tabs over the market page's sections, as one element of native buttons (styled as Quasar's tabs), and
// the grid of the sections under them: the element's children, with a visitor's sign-in cards drawn here from props.
// A tap shows its tab's section at once (the grid's class) and tells the server, which keeps the choice.
// The bar sticks under the header while the page scrolls: its `top` follows the header's height (it wraps on a phone).
export default {
  template: `
    <div class="market-sections">
    <div class="q-tabs row no-wrap items-center q-tabs--not-scrollable q-tabs--horizontal q-tabs--dense market-tabs"
         role="tablist" :style="{ top: top + 'px' }">
      <div class="q-tabs__content row no-wrap items-center self-stretch relative-position q-tabs__content--align-justify">
        <button v-for="tab in tabs" :key="tab.name" type="button" role="tab" :data-tab="tab.name"
                :aria-selected="tab.name === shown ? 'true' : 'false'"
                class="q-tab relative-position self-stretch flex flex-center text-center q-tab--full q-tab--no-caps q-focusable q-hoverable cursor-pointer"
                :class="tab.name === shown ? 'q-tab--active' : 'q-tab--inactive'" @click="choose(tab.name)">
          <div class="q-focus-helper"></div>
          <div class="q-tab__content self-stretch flex-center relative-position q-anchor--skip non-selectable column">
            <div class="q-tab__label">{{ tab.label }}</div>
          </div>
          <div class="q-tab__indicator absolute-bottom"></div>
        </button>
      </div>
    </div>
    <div :class="'w-full market-grid tab-' + shown">
      <slot></slot>
      <div v-for="card in cards" :key="card.title" :class="'q-card q-card--bordered q-card--flat no-shadow column w-full p-4 gap-2 sign-in-card ' + card.class">
        <div class="text-subtitle1">{{ card.title }}</div>
        <div class="row gap-4">
          <a class="nicegui-link" :href="links.sign_in">{{ labels.sign_in }}</a>
          <a class="nicegui-link" :href="links.register">{{ labels.register }}</a>
        </div>
      </div>
    </div>
    </div>`,
  props: {
    tabs: Array,
    chosen: String,
    cards: Array, // a visitor's sign-in cards: [{title, class}], none for a trader
    labels: Object,
    links: Object,
  },
  data() {
    return { shown: this.chosen, top: 0 };
  },
  watch: {
    chosen(value) {
      this.shown = value;
    },
  },
  mounted() {
    const header = document.querySelector(".q-header");
    if (!header) return;
    this.observer = new ResizeObserver(() => (this.top = header.offsetHeight));
    this.observer.observe(header);
  },
  unmounted() {
    this.observer?.disconnect();
  },
  methods: {
    choose(name) {
      this.shown = name;
      this.$emit("choose", name);
    },
  },
};
