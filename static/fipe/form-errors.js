// After a submission that failed, the focus goes where the user has to act, as the DSFR asks
// (RGAA 11.10): the first field in error, whose label and message (aria-describedby) a screen reader
// reads out, or, when no field is at fault, the message that explains what went wrong. Pages marked
// so only after a submission: a field is aria-invalid, or an error list or summary is shown.
(function () {
  "use strict";

  function target() {
    var content = document.getElementById("content");
    if (!content) {
      return null;
    }
    return content.querySelector('[aria-invalid="true"]') ||
      content.querySelector(".errorlist.nonfield, [data-error-summary]");
  }

  function focusTarget() {
    var element = target();
    if (!element) {
      return;
    }
    if (!element.matches("input, select, textarea, button")) {
      element.setAttribute("tabindex", "-1");
    }
    element.focus();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", focusTarget);
  } else {
    focusTarget();
  }
})();
