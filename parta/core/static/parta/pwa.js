/* Registers Parta's service worker (/sw.js, NTF-3) on every page: push notifications, and
   the offline page when a page cannot be loaded. Its address comes from the script tag. */
(function () {
  "use strict";
  const script = document.currentScript;
  if (!script || !("serviceWorker" in navigator) || !window.isSecureContext) {
    return;
  }
  const url = script.dataset.serviceWorker;
  window.addEventListener("load", function () {
    navigator.serviceWorker.register(url, {scope: "/"}).catch(function () {
      // Without it the pages work as before; push is then said to be unavailable.
    });
  });
})();
