// The page header's inside as one element: logo, market selector, theme toggle, and the account (sign-in or the
// trader's name and sign-out). Its root is `display: contents`, so that its parts are the header's own flex items.
export default {
  template: `
    <div class="app-header-parts">
      <a :href="home" class="text-h6 text-weight-bold no-underline text-primary app-logo">{{ title }}</a>
      <select v-if="symbols.length" class="market-selector" :aria-label="labels.market" :title="labels.market"
              :value="symbol || ''" @change="go($event.target.value)">
        <option v-if="!symbol" value="" disabled>{{ labels.market }}</option>
        <option v-for="known in symbols" :key="known" :value="known">{{ known }}</option>
      </select>
      <div class="q-space"></div>
      <a :href="links.api_docs" class="nicegui-link api-docs hide-on-phone" :title="labels.api_docs_title">
        {{ labels.api_docs }}
      </a>
      <button type="button" class="theme-toggle shell-icon-button" :title="shownDark ? labels.light : labels.dark"
              :aria-label="shownDark ? labels.light : labels.dark" @click="toggle">
        <i class="q-icon notranslate material-icons" aria-hidden="true">{{ shownDark ? "light_mode" : "dark_mode" }}</i>
      </button>
      <div class="row items-center gap-4 account">
        <template v-if="trader">
          <i class="q-icon notranslate material-icons text-grey-7 hide-on-phone" aria-hidden="true">person</i>
          <span class="text-body1 trader-name hide-on-phone">{{ trader }}</span>
          <button type="button" class="sign-out shell-text-button" @click="go_to(links.sign_out)">
            {{ labels.sign_out }}
          </button>
        </template>
        <template v-else>
          <a :href="links.sign_in" class="nicegui-link sign-in">{{ labels.sign_in }}</a>
          <a :href="links.register" class="nicegui-link register">{{ labels.register }}</a>
        </template>
      </div>
    </div>`,
  props: {
    title: String,
    home: String,
    symbols: Array,
    symbol: String,
    market_path: String,
    trader: String,
    dark: Boolean,
    labels: Object,
    links: Object,
  },
  data() {
    return { shownDark: this.dark };
  },
  watch: {
    dark(value) {
      this.shownDark = value;
      setDark(value);
    },
  },
  mounted() {
    setDark(this.dark);
  },
  methods: {
    go(symbol) {
      if (symbol && symbol !== this.symbol) this.go_to(this.market_path + encodeURIComponent(symbol));
    },
    go_to(path) {
      window.location.href = path;
    },
    toggle() {
      // At once in this tab; the server keeps the choice for this browser's next pages.
      this.shownDark = !this.shownDark;
      setDark(this.shownDark);
      this.$emit("theme", this.shownDark);
    },
  },
};
