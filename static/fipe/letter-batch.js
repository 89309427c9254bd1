// Follows a letter batch while the page is open: polls its JSON progress and reloads once it is finished.
// Without JavaScript, the page offers an "Actualiser" link instead.
(function () {
  "use strict";
  var root = document.getElementById("batch-progress");
  if (!root || root.dataset.polling !== "on") {
    return;
  }
  var url = root.dataset.progressUrl;
  var bar = document.getElementById("batch-progress-bar");

  function show(progress) {
    root.querySelectorAll("[data-field]").forEach(function (element) {
      var value = progress[element.dataset.field];
      if (value !== undefined) {
        element.textContent = value;
      }
    });
    bar.value = progress.percent;
    bar.textContent = progress.percent + " %";
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(response.status);
        }
        return response.json();
      })
      .then(function (progress) {
        show(progress);
        if (progress.finished) {
          window.location.reload();
        } else {
          window.setTimeout(poll, 2000);
        }
      })
      .catch(function () {
        window.setTimeout(poll, 5000);
      });
  }

  window.setTimeout(poll, 1000);
})();
