// Collab's own script: no inline scripts anywhere (the CSP forbids them).
(function () {
  "use strict";
  var zone;
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { zone = null; }
  // Visitors see times in their browser's zone; signed-in users use their profile.
  if (zone && document.cookie.indexOf("collab_tz=" + encodeURIComponent(zone)) === -1) {
    document.cookie = "collab_tz=" + encodeURIComponent(zone) + "; path=/; max-age=31536000; SameSite=Lax";
  }
  // The registration form defaults its time zone from the browser.
  var select = document.querySelector("select[data-browser-default]");
  if (select && zone && !select.dataset.touched) {
    for (var i = 0; i < select.options.length; i++) {
      if (select.options[i].value === zone) { select.value = zone; break; }
    }
  }
  // Registration: show the "propose an organisation" fields only when chosen.
  var org = document.getElementById("organisation");
  var proposal = document.getElementById("org-proposal");
  function toggleProposal() {
    if (org && proposal) { proposal.hidden = org.value !== "__new__"; }
  }
  if (org) { org.addEventListener("change", toggleProposal); toggleProposal(); }
  // Buttons that need a second thought.
  document.querySelectorAll("[data-confirm]").forEach(function (el) {
    el.addEventListener("click", function (event) {
      if (!window.confirm(el.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });
})();
