// Live telemetry for the programmer's main page: poll /api/status, update in place.
// Plain JavaScript, no build step. The pages work without it; it only keeps them fresh.
(function () {
  "use strict";
  var main = document.querySelector("main[data-poll-ms]");
  if (!main) { return; }
  var period = parseInt(main.getAttribute("data-poll-ms"), 10) || 1000;
  var lastEvent = main.getAttribute("data-last-event");
  var plotEvery = 10, polls = 0;

  function setText(id, text) {
    var el = document.getElementById(id);
    if (el && el.textContent !== text) { el.textContent = text; }
  }

  function showAlarms(alarms) {
    var list = document.getElementById("alarms");
    var items = alarms.map(function (a) {
      var li = document.createElement("li");
      li.setAttribute("data-alarm", a.name);
      if (a.unacked) { li.className = "unacked"; }
      li.textContent = a.text + (a.unacked ? " (unacknowledged)" : "");
      return li;
    });
    if (!items.length) {
      var none = document.createElement("li");
      none.className = "none";
      none.textContent = "no active alarms";
      items = [none];
    }
    list.replaceChildren.apply(list, items);
  }

  function showEvents() {
    fetch("api/events").then(function (r) { return r.json(); }).then(function (data) {
      if (!data.events) { return; }
      var list = document.getElementById("events");
      list.replaceChildren.apply(list, data.events.map(function (e) {
        var li = document.createElement("li");
        var when = document.createElement("span");
        when.className = "when";
        when.textContent = "#" + e.seq + " " + e.time;
        li.appendChild(when);
        li.appendChild(document.createTextNode(" " + e.text));
        return li;
      }));
    }).catch(function () {});
  }

  function poll() {
    fetch("api/status").then(function (r) { return r.json(); }).then(function (s) {
      var live = document.getElementById("live");
      if (s.error) { live.textContent = s.error; live.className = "live lost"; return; }
      live.textContent = "live"; live.className = "live";
      var v = s.view;
      setText("t-time", v.time); setText("t-state", v.state); setText("t-drug", v.drug);
      setText("t-reservoir", v.reservoir); setText("t-basal", v.basal); setText("t-rate", v.rate);
      setText("t-bolus", v.bolus); setText("t-delivered", v.delivered); setText("t-dose24", v.dose_24h);
      setText("t-battery", v.battery + " (" + v.days_to_eri + " to replacement)");
      if (v.projection) { setText("t-projection", v.projection); }
      showAlarms(v.alarms);
      if (String(v.last_event_seq) !== lastEvent) { lastEvent = String(v.last_event_seq); showEvents(); }
      polls += 1;
      if (polls % plotEvery === 0) { document.getElementById("plot").src = "plot.png?n=" + polls; }
    }).catch(function () {
      var live = document.getElementById("live");
      live.textContent = "no answer from the programmer"; live.className = "live lost";
    }).finally(function () { setTimeout(poll, period); });
  }
  setTimeout(poll, period);
}());
