// The dev console's script: progressive enhancement only. Every form works without it.
// - "Reload options" on an external list fetches it again from the app's own endpoint.
// - The chart refreshes itself every 10 seconds.
"use strict";
(function () {
  function shopId() {
    var input = document.querySelector('input[name="webshop_id"]');
    return input ? input.value : "";
  }

  function reloadList(button) {
    var select = document.getElementById(button.dataset.field);
    if (!select) { return; }
    var url = "/console/lists/" + encodeURIComponent(button.dataset.list) +
      "?webshop_id=" + encodeURIComponent(shopId());
    button.disabled = true;
    fetch(url, { credentials: "same-origin" })
      .then(function (response) {
        return response.json().then(function (body) {
          if (!response.ok) { throw new Error(body.error || response.statusText); }
          return body;
        });
      })
      .then(function (options) {
        var current = select.value;
        Array.prototype.slice.call(select.options).forEach(function (option) {
          if (option.value !== "") { option.remove(); }
        });
        options.forEach(function (pair) {
          var option = document.createElement("option");
          option.value = pair[0];
          option.textContent = pair[1];
          option.selected = pair[0] === current;
          select.appendChild(option);
        });
        button.textContent = "Reload options (" + options.length + " loaded)";
      })
      .catch(function (error) {
        button.textContent = "Reload options (failed: " + error.message + ")";
      })
      .then(function () { button.disabled = false; });
  }

  function refreshChart(figure) {
    fetch(figure.dataset.refresh, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (svg) { if (svg) { figure.innerHTML = svg; } })
      .catch(function () { /* keep the last chart */ });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("button.reload-list").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { reloadList(button); });
    });
    var figure = document.querySelector("figure[data-refresh]");
    if (figure) {
      setInterval(function () { refreshChart(figure); }, 10000);
    }
  });
})();
