{# After <head>, on every page, only while the shop owner keeps the pixel enabled. -#}
{% call when(app.enabled.is_on()) %}<script>
  window.pixelConfig = {
    id: {{ app.measurement_id.js() }},
    cookieDays: {{ app.cookie_days }},
    consent: {{ app.consent.js() }},
    shop: {{ webshop.name().js() }}
  };
</script>
<script async src="https://pixel.example/pixel.js?id={{ app.measurement_id.url_component() }}"></script>{% endcall %}
