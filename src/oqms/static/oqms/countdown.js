// Live countdowns to SLA due times: <div class="countdown" data-due="ISO time">, with the phrases taken from
// #countdown-phrases (translated by the server): data-left "{time} left", data-over "{time} overdue", data-d/-h/-min units.
(function () {
  "use strict";
  function phrase(node, key, fallback) { return (node && node.dataset[key]) || fallback; }
  function span(ms, words) {
    var minutes = Math.floor(Math.abs(ms) / 60000);
    var days = Math.floor(minutes / 1440), hours = Math.floor((minutes % 1440) / 60), mins = minutes % 60;
    if (days) { return days + " " + words.d + " " + hours + " " + words.h; }
    if (hours) { return hours + " " + words.h + " " + (mins < 10 ? "0" : "") + mins + " " + words.min; }
    return mins + " " + words.min;
  }
  function tick() {
    var words = document.getElementById("countdown-phrases");
    var units = { d: phrase(words, "d", "d"), h: phrase(words, "h", "h"), min: phrase(words, "min", "min") };
    document.querySelectorAll(".countdown[data-due]").forEach(function (node) {
      var ms = new Date(node.dataset.due).getTime() - Date.now();
      if (isNaN(ms)) { return; }
      var text = ms >= 0 ? phrase(words, "left", "{time} left") : phrase(words, "over", "{time} overdue");
      node.textContent = text.replace("{time}", span(ms, units));
      node.classList.toggle("text-danger", ms < 0);
      node.classList.toggle("text-muted", ms >= 0);
    });
  }
  document.addEventListener("DOMContentLoaded", function () { tick(); setInterval(tick, 30000); });
})();
