// Starting an inspection: ask the phone where it is (at most 6 s) and send the place with the start; without
// permission or a fix, start anyway.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-locate]") || form.dataset.located) { return; }
    if (!navigator.geolocation) { return; }
    event.preventDefault();
    var done = false;
    function send() {
      if (done) { return; }
      done = true;
      form.dataset.located = "1";
      form.submit();
    }
    navigator.geolocation.getCurrentPosition(function (position) {
      form.elements.latitude.value = position.coords.latitude.toFixed(6);
      form.elements.longitude.value = position.coords.longitude.toFixed(6);
      form.elements.accuracy.value = Math.round(position.coords.accuracy);
      send();
    }, send, { enableHighAccuracy: true, timeout: 6000, maximumAge: 60000 });
    setTimeout(send, 7000);
  });
})();

// An answer or a photo refused by the server (400) comes back as the item with its error: show it.
document.addEventListener("htmx:beforeSwap", function (event) {
  "use strict";
  var detail = event.detail;
  if (detail.xhr && detail.xhr.status === 400 && detail.elt && detail.elt.closest && detail.elt.closest(".inspection-item")) {
    detail.shouldSwap = true;
    detail.isError = false;
  }
});
