{# Before </head>, on every page: the consent reminder in the shop's accent colour. -#}
<style>
  .pixel-consent { border-top: 3px solid {{ app.accent }}; padding: 1em; }
</style>
