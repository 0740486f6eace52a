// /me/activity/ follows new events live, over Server-Sent Events (GraphQL over SSE, docs/realtime.md).
//
// Progressive enhancement: without JavaScript (or without EventSource) the page is the plain paged list it
// always was. With it, the latest page subscribes to `myActivity` from the stream position it was rendered
// at, and on each new event re-reads the page from the server and swaps the feed in: the server renders every
// event's sentence, as it does for the page itself. The browser's EventSource reconnects on its own and sends
// the last cursor as Last-Event-ID, so a dropped connection misses nothing.
(function () {
  "use strict";
  var feed = document.getElementById("activity-feed");
  if (!feed || !window.EventSource || !window.fetch || !window.DOMParser) return;
  var after = feed.getAttribute("data-live-after");
  var endpoint = feed.getAttribute("data-live-endpoint");
  if (!after || !endpoint) return;

  var query = "subscription MyActivityLive($after: String) { myActivity(after: $after) { cursor } }";
  var url = endpoint + "?query=" + encodeURIComponent(query) +
    "&variables=" + encodeURIComponent(JSON.stringify({ after: after }));
  var refreshing = false;
  var again = false;

  function status(text) {
    var line = feed.querySelector(".live-status");
    if (!line) return;
    line.textContent = text;
    line.hidden = !text;
  }

  function refresh() {
    if (refreshing) { again = true; return; }
    refreshing = true;
    fetch(window.location.pathname, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("activity-feed");
        if (!fresh) return;
        var keep = feed.querySelector(".live-status");
        feed.innerHTML = fresh.innerHTML;
        var line = feed.querySelector(".live-status");
        if (keep && line) { line.textContent = keep.textContent; line.hidden = keep.hidden; }
        feed.setAttribute("data-live-updated", String(Date.now()));
      })
      .catch(function () { /* the next event tries again */ })
      .then(function () {
        refreshing = false;
        if (again) { again = false; refresh(); }
      });
  }

  var source = new EventSource(url, { withCredentials: true });
  source.addEventListener("open", function () { status("Live: new activity appears here as it happens."); });
  source.addEventListener("next", refresh);
  source.addEventListener("error", function () { status("Reconnecting…"); });
  source.addEventListener("complete", function () { source.close(); status(""); });
})();
