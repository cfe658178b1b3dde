"""The order tables' columns and cells: compact enough for a 400 px phone, the time and average fill price of each."""

from decimal import Decimal

from components.balances import amount_text
from models import OrderPublic

NO_FILL = "–"  # the average price of an order with no fill yet, as the stats show what is not there yet
NO_PRICE = "–"  # the value of a market order, which has no price of its own
# Compact, so that nothing scrolls sideways on a 400 px phone: no Type column (the price says "market" for a market
# order, so it said nothing more), short labels, the time without the date (as the tape shows times), and on a phone
# no Id nor Value, and the average under the price (see CSS).
COLUMNS = [
    {"name": "id", "label": "Id", "field": "id", "align": "left", "classes": "order-id", "headerClasses": "order-id"},
    {"name": "time", "label": "Time (UTC)", "field": "time", "align": "left"},
    {"name": "side", "label": "Side", "field": "side", "align": "left"},
    {"name": "price", "label": "Price", "field": "price", "align": "right"},
    {
        "name": "average_price",
        "label": "Avg",
        "field": "average_price",
        "align": "right",
        "classes": "order-average",
        "headerClasses": "order-average",
    },
    {"name": "quantity", "label": "Qty", "field": "quantity", "align": "right"},
    {
        "name": "value",
        "label": "Value",
        "field": "value",
        "align": "right",
        "classes": "order-value",
        "headerClasses": "order-value",
    },
    {"name": "filled_quantity", "label": "Filled", "field": "filled_quantity", "align": "right"},
    {"name": "status", "label": "Status", "field": "status", "align": "left", "classes": "order-status"},
]
# The open orders' extra column: Amend and Cancel.
ACTIONS_COLUMN = {"name": "cancel", "label": "", "field": "id"}


def closed_columns(quote: str) -> list[dict]:
    """A history's columns: when the order closed (its last change) instead of when it was placed, and its fees."""
    columns = [dict(column) for column in COLUMNS]
    columns[1] = {"name": "time", "label": "Closed (UTC)", "field": "time", "align": "left"}
    fee = {"name": "fee", "label": f"Fee ({quote})", "field": "fee", "align": "right", "classes": "order-fee"}
    return [*columns[:-1], fee, columns[-1]]


# A cancelled row keeps a (disabled) button of the same size, so no row below moves by a pixel either.
# On a phone each button is its icon alone (the word takes a column's width there).
CANCEL_CELL = r"""
<q-td :props="props">
  <q-btn v-if="props.row.cancelled" flat dense no-caps disable class="cancelled-mark" aria-label="cancelled">
    <span class="button-word">cancelled</span><q-icon name="block" size="16px" class="button-icon" />
  </q-btn>
  <template v-else>
    <q-btn flat dense no-caps color="primary" class="amend-order" aria-label="Amend"
           title="Change the price or the size" @click="() => $parent.$emit('amend', props.row.id)">
      <span class="button-word">Amend</span><q-icon name="edit" size="16px" class="button-icon" />
    </q-btn>
    <q-btn flat dense no-caps color="negative" class="cancel-order" aria-label="Cancel"
           @click="() => $parent.$emit('cancel', props.row.id)">
      <span class="button-word">Cancel</span><q-icon name="close" size="16px" class="button-icon" />
    </q-btn>
  </template>
</q-td>
"""
CSS = """
.my-open-orders tr.cancelled-row td { color: #9e9e9e !important; }
.my-open-orders td:last-child { white-space: nowrap; }
.my-open-orders .button-icon { display: none; }
.my-orders-table .phone-only { display: none; }
/* A phone: no Id (Cancel names the row) nor value, the average under the price, tighter cells, a smaller font, and a
   status that may take two lines. */
@media (max-width: 600px) {
  .my-orders-table .q-table th, .my-orders-table .q-table td { padding: 0 3px; font-size: 12px; }
  .my-orders-table .order-id, .my-orders-table .order-average, .my-orders-table .order-value { display: none; }
  .my-orders-table .phone-only { display: block; }
  .my-orders-table td.order-status { white-space: normal; line-height: 1.1; }
  .my-open-orders .button-word { display: none; }
  .my-open-orders .button-icon { display: inline-flex; }
  .my-open-orders .cancel-order, .my-open-orders .amend-order, .my-open-orders .cancelled-mark {
    padding: 0 2px; min-height: 0; }
}
"""
# On a phone the average fill price goes under the price (two prices side by side take a third of the width).
PRICE_CELL = r"""
<q-td :props="props">
  {{ props.value }}<div class="phone-only text-grey-7">{{ props.row.average_price }}</div>
</q-td>
"""
PRICE_HEADER = r"""
<q-th :props="props">{{ props.col.label }}<div class="phone-only">Avg</div></q-th>
"""
SIDE_CELL = r"""
<q-td :props="props"
      :class="props.row.cancelled ? '' : props.value === 'buy' ? 'text-positive' : 'text-negative'">
  {{ props.value }}
</q-td>
"""


def order_row(order: OrderPublic) -> dict:
    return {
        "id": order.id,
        "time": order.created_at.strftime("%H:%M:%S"),
        "side": order.side,
        "price": order.price or "market",
        "average_price": order.average_price or NO_FILL,
        "quantity": order.quantity,
        "value": order_value(order),
        "filled_quantity": order.filled_quantity,
        "status": order.status.replace("_", " "),
    }


def order_value(order: OrderPublic) -> str:
    """Price x quantity in the quote currency, exact, without zeros past the price's decimals: 99.50 x 0.2000, 19.90."""
    if order.price is None:
        return NO_PRICE
    places = len(order.price.partition(".")[2])
    return amount_text(f"{Decimal(order.price) * Decimal(order.quantity):f}", places)


def closed_row(order: OrderPublic, quote_places: int) -> dict:
    """A closed order's row: the time it closed (its last change), and the fees it paid (in the quote asset)."""
    fees = sum((Decimal(fill.fee) for fill in order.trades), Decimal(0))
    return {
        **order_row(order),
        "time": order.updated_at.strftime("%H:%M:%S"),
        "fee": amount_text(f"{fees:f}", quote_places) if order.trades else NO_FILL,
    }
