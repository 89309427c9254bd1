// Under 576 px the list's filters fold behind a « Filtrer » button, so the first results show on the
// first screen. Wider screens, and browsers without script, always show the filters.
(function () {
  "use strict";
  var button = document.querySelector("[data-filters-toggle]");
  if (!button) {
    return;
  }
  var form = document.getElementById(button.getAttribute("aria-controls"));
  var phone = window.matchMedia("(max-width: 35.98em)");

  function show(open) {
    form.hidden = !open;
    button.setAttribute("aria-expanded", open ? "true" : "false");
  }

  function layout() {
    button.hidden = !phone.matches;
    show(!phone.matches);
  }

  button.addEventListener("click", function () {
    show(form.hidden);
    if (!form.hidden) {
      var first = form.querySelector("input, select");
      if (first) {
        first.focus();
      }
    }
  });
  phone.addEventListener("change", layout);
  layout();
})();
