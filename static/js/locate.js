// "Use my location" on the public form: progressive enhancement only. Without JavaScript, or
// without the browser's geolocation, the box stays hidden and the commune choice does the job.
(function () {
  "use strict";
  var box = document.getElementById("locate");
  var lat = document.getElementById("latitude");
  var lon = document.getElementById("longitude");
  if (!box || !lat || !lon || !("geolocation" in navigator)) { return; }
  var button = document.getElementById("locate-button");
  var clear = document.getElementById("locate-clear");
  var status = document.getElementById("locate-status");
  function say(key, point, metres) {
    status.textContent = (box.getAttribute("data-" + key) || "")
      .replace("{point}", point || "").replace("{metres}", metres || "");
  }
  function shown(has) { clear.classList.toggle("is-hidden", !has); }
  box.classList.remove("is-hidden");
  if (lat.value && lon.value) { say("kept", lat.value + ", " + lon.value); shown(true); }
  button.addEventListener("click", function () {
    button.disabled = true;
    say("busy");
    navigator.geolocation.getCurrentPosition(function (pos) {
      lat.value = pos.coords.latitude.toFixed(6);
      lon.value = pos.coords.longitude.toFixed(6);
      say("done", lat.value + ", " + lon.value, String(Math.round(pos.coords.accuracy || 0)));
      shown(true);
      button.disabled = false;
    }, function (err) {
      say(err && err.code === 1 ? "denied" : "failed");
      button.disabled = false;
    }, {enableHighAccuracy: true, timeout: 15000, maximumAge: 60000});
  });
  clear.addEventListener("click", function () {
    lat.value = "";
    lon.value = "";
    say("cleared");
    shown(false);
    button.focus();
  });
})();
