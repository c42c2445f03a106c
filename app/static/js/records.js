// Sổ điện tử — records and audit pages. No inline scripts (CSP: script-src 'self').
(function () {
  "use strict";
  // <button data-print>: print the page (the daily audit digest).
  document.addEventListener("click", function (evt) {
    var el = evt.target.closest("[data-print]");
    if (el) {
      evt.preventDefault();
      window.print();
    }
  });
})();
