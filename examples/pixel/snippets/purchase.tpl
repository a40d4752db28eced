{# Before </body> on /thanks: the purchase, one item per order line, the way Shoporama's own
   themes loop over `$order->getProducts()`; then the shop owner's extra code (raw by design). -#}
{% call when(app.enabled.is_on()) %}<script>
  window.pixelQueue = window.pixelQueue || [];
  window.pixelQueue.push(['purchase', {
    id: {{ app.measurement_id.js() }},
    transaction_id: {{ order.order_id() }},
    value: {{ order.total_price() }},
    currency: {{ webshop.currency().js() }},
    items: [{% call each_with_commas(order.lines()) %}
      { item_id: {{ line.product_id() }}, item_name: {{ line.name().js() }}, price: {{ line.unit_price() }}, quantity: {{ line.amount().int() }} }{% endcall %}
    ]
  }]);
</script>
{{ app.extra_code }}{% endcall %}
