{# After <body>, on every page: the shop owner's banner (rich text, raw by design) when consent
   is "full", and the no-JavaScript page view. -#}
{{ app.consent.if_is(ConsentMode::Full) }}{{ app.banner.if_set() }}<div class="pixel-consent" data-consent="{{ app.consent.attr() }}" hidden>{{ app.banner }}</div>{{ smarty.end_if() }}{{ smarty.end_if() }}
<noscript><img src="https://pixel.example/collect?id={{ app.measurement_id.url_component() }}&amp;event=page_view" width="1" height="1" alt=""></noscript>
