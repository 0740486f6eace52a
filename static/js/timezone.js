// The visitor's time zone for the server-rendered activity calendar (apps/user_profile/views/heatmap.py):
// the browser's IANA zone goes into the `tz` cookie. When the page was drawn in another zone (and no ?tz= was
// asked for), it is drawn again once, in the visitor's. Without JavaScript the page stays in UTC (or ?tz=).
(function () {
  "use strict";
  var zone;
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (error) {
    return;
  }
  // IANA names are cookie-safe as they are (the server reads the value verbatim); anything else is left alone.
  if (!zone || !/^[A-Za-z0-9_+\-\/]{1,64}$/.test(zone)) return;
  var cookie = "tz=" + zone;
  var hasCookie = function () {
    return document.cookie.split("; ").indexOf(cookie) !== -1;
  };
  if (!hasCookie()) {
    document.cookie = cookie + "; path=/; max-age=31536000; samesite=lax";
  }
  var section = document.querySelector("[data-time-zone]");
  var asked = new URLSearchParams(window.location.search).has("tz");
  if (!section || asked || section.dataset.timeZone === zone || !hasCookie()) return;
  // At most one reload per zone and tab: a server that does not take the zone never causes a loop.
  try {
    if (window.sessionStorage.getItem("tz-reloaded") === zone) return;
    window.sessionStorage.setItem("tz-reloaded", zone);
  } catch (error) {
    return;
  }
  window.location.reload();
})();
