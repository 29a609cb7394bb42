// likematch: small enhancements; every page works without this file.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // Ask before forgetting a round.
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  }
  // The report's print button.
  const print = document.getElementById("print");
  if (print) print.addEventListener("click", () => window.print());
  // Keep the scroll position across a decision, which reloads the round page.
  const key = "likematch-scroll";
  for (const form of document.querySelectorAll("form[action='/decide']")) {
    form.addEventListener("submit", () => sessionStorage.setItem(key, String(window.scrollY)));
  }
  const saved = sessionStorage.getItem(key);
  if (saved !== null) {
    sessionStorage.removeItem(key);
    window.scrollTo(0, Number(saved));
  }
  // A running job's page reloads itself until the job is done.
  const running = document.querySelector("[data-refresh]");
  if (running) setTimeout(() => window.location.reload(), Number(running.dataset.refresh));
});
