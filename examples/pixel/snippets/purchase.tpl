<script>
  var pixelId = '<{$app_vars.measurement_id|escape:"javascript"}>';
  var cookieDays = <{$app_vars.cookie_days|string_format:"%d"}>;
  window.pixelQueue = window.pixelQueue || [];
  window.pixelQueue.push(['purchase', pixelId, cookieDays]);
</script>
