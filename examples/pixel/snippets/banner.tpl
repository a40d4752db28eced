{# After <body>, on every page: the shop owner's banner (rich text, raw by design) when consent
   is "full", and the no-JavaScript page view. -#}
{% call when(app.consent.equals(ConsentMode::Full)) %}{% call and_when(app.banner.is_set()) %}<div class="pixel-consent" data-consent="{{ app.consent.attr() }}" hidden>{{ app.banner }}</div>{% endcall %}{% endcall %}
<noscript><img src="https://pixel.example/collect?id={{ app.measurement_id.url_component() }}&amp;event=page_view" width="1" height="1" alt=""></noscript>
