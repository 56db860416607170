// Progressive enhancement: a "copy" button for the two-factor secret (the page works without it).
(function () {
  var button = document.getElementById("totp-copy");
  var code = document.getElementById("totp-secret");
  if (!button || !code || !navigator.clipboard) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    navigator.clipboard.writeText(code.getAttribute("data-secret")).then(function () {
      button.textContent = button.getAttribute("data-copied");
    });
  });
})();
