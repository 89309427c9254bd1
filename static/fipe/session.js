// Warns a few minutes before the session expires (DSFR modal) and renews it with « Prolonger » without
// leaving the page, so nothing typed is lost. Past expiry, a form sent anyway is kept through the sign-in.
(function () {
  "use strict";
  var modal = document.getElementById("session-modal");
  if (!modal) {
    return;
  }
  var form = modal.querySelector("[data-session-extend]");
  var warnBefore = parseInt(modal.dataset.warnBefore, 10) * 1000;
  var timers = [];

  function open() {
    if (window.dsfr) {
      window.dsfr(modal).modal.disclose();
    } else {
      modal.setAttribute("open", "");
    }
  }

  function close() {
    if (window.dsfr) {
      window.dsfr(modal).modal.conceal();
    } else {
      modal.removeAttribute("open");
    }
  }

  function expired() {
    modal.querySelector("[data-session-message]").hidden = true;
    modal.querySelector("[data-session-expired]").hidden = false;
    form.hidden = true;
    open();
  }

  function schedule(secondsLeft) {
    timers.forEach(window.clearTimeout);
    var left = secondsLeft * 1000;
    timers = [window.setTimeout(open, Math.max(0, left - warnBefore)), window.setTimeout(expired, left)];
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(response.status);
        }
        return response.json();
      })
      .then(function (answer) {
        close();
        schedule(answer.seconds_left);
      })
      .catch(function () {
        // The session is already gone: the plain post takes the user to the sign-in page.
        form.submit();
      });
  });

  schedule(parseInt(modal.dataset.secondsLeft, 10));
})();
