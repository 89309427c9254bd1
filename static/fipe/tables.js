// A table wider than the screen scrolls inside its DSFR container. Keyboard users can only scroll
// what they can focus, and screen-reader users need to know what they landed on: while it overflows,
// the container becomes a focusable region named after the table's caption (RGAA 7.3, 12.13).
(function () {
  "use strict";

  function update(container) {
    if (container.scrollWidth > container.clientWidth + 1) {
      var caption = container.querySelector("caption");
      container.setAttribute("tabindex", "0");
      container.setAttribute("role", "region");
      if (caption) {
        container.setAttribute("aria-label", caption.textContent.trim().replace(/\s+/g, " "));
      }
    } else {
      container.removeAttribute("tabindex");
      container.removeAttribute("role");
      container.removeAttribute("aria-label");
    }
  }

  function updateAll() {
    document.querySelectorAll(".fr-table__container").forEach(update);
  }

  var pending = null;
  window.addEventListener("resize", function () {
    window.clearTimeout(pending);
    pending = window.setTimeout(updateAll, 150);
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", updateAll);
  } else {
    updateAll();
  }
})();
