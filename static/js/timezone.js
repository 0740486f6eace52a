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
  if (!zone) return;
  var cookie = "tz=" + encodeURIComponent(zone);
  var stored = document.cookie.split("; ").indexOf(cookie) !== -1;
  if (!stored) {
    document.cookie = cookie + "; path=/; max-age=31536000; samesite=lax";
  }
  var section = document.querySelector("[data-time-zone]");
  var asked = new URLSearchParams(window.location.search).has("tz");
  // Reload only when the cookie was really kept (no loop when cookies are off) and the zone differs.
  if (section && !asked && section.dataset.timeZone !== zone && document.cookie.split("; ").indexOf(cookie) !== -1) {
    window.location.reload();
  }
})();
