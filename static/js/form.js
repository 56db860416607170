// Progressive enhancement only: the form works without it.
(function () {
  "use strict";
  var form = document.querySelector("form.case-form");
  if (!form) { return; }
  var anon = form.querySelector("#anonymous");
  var identity = document.getElementById("identity");
  var warning = document.getElementById("info-only-warning");
  function syncAnon() {
    if (!anon || !identity) { return; }
    identity.classList.toggle("is-hidden", anon.checked);
    if (warning) { warning.classList.toggle("is-hidden", !anon.checked); }
  }
  var business = form.querySelector(".business");
  function syncBusiness() {
    var picked = form.querySelector("input[name=submitter_type]:checked");
    if (business) { business.classList.toggle("is-hidden", !picked || picked.value !== "business"); }
  }
  if (anon) { anon.addEventListener("change", syncAnon); syncAnon(); }
  form.querySelectorAll("input[name=submitter_type]").forEach(function (el) {
    el.addEventListener("change", syncBusiness);
  });
  syncBusiness();
  var summary = document.querySelector(".error-summary");
  if (summary && !document.querySelector("[autofocus]")) { summary.focus(); }
})();
