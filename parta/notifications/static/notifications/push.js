/* NTF-3: "this browser receives push notifications: yes/no" and the buttons that switch them
   on and off, on the notification settings page (#push). Without JavaScript or without the
   Push API the page's sentence that push is not available here stays as it is.

   The server sends the SHA-256 of the endpoints of the person's browsers (data-known): this
   browser is "yes" only when its own subscription is among them and was made with this
   server's key (data-key). Texts come from the page, in the person's language. */
(function () {
  "use strict";

  const box = document.getElementById("push");
  if (!box) {
    return;
  }
  const state = document.getElementById("push-state");
  const onButton = document.getElementById("push-on");
  const offButton = document.getElementById("push-off");
  const data = box.dataset;
  const supported = window.isSecureContext && "serviceWorker" in navigator &&
    "PushManager" in window && "Notification" in window && window.crypto && crypto.subtle;
  if (!supported) {
    return;
  }
  const known = new Set((data.known || "").split(" ").filter(Boolean));

  function keyBytes(base64url) {
    const base64 = base64url.replace(/-/g, "+").replace(/_/g, "/");
    const raw = atob(base64 + "=".repeat((4 - base64.length % 4) % 4));
    return Uint8Array.from(raw, (c) => c.charCodeAt(0));
  }
  const serverKey = keyBytes(data.key);

  function madeWithOurKey(subscription) {
    const key = subscription.options && subscription.options.applicationServerKey;
    if (!key) {
      return true;  // the browser does not say: believe it
    }
    const bytes = new Uint8Array(key);
    return bytes.length === serverKey.length && bytes.every((b, i) => b === serverKey[i]);
  }

  async function hash(text) {
    const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
    return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
  }

  async function registration() {
    return navigator.serviceWorker.ready;  // registered by parta/pwa.js on every page
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": data.csrf},
      body: JSON.stringify(body),
    });
  }

  function show(text, receiving) {
    state.textContent = text;
    onButton.hidden = receiving !== false;
    offButton.hidden = receiving !== true;
  }

  async function refresh() {
    const subscription = await (await registration()).pushManager.getSubscription();
    const mine = Boolean(subscription) && madeWithOurKey(subscription) &&
      known.has(await hash(subscription.endpoint));
    if (!mine && Notification.permission === "denied") {
      show(data.textDenied, false);
      return;
    }
    show(mine ? data.textYes : data.textNo, mine);
  }

  async function switchOn() {
    const permission = await Notification.requestPermission();
    if (permission !== "granted") {
      return;
    }
    const manager = (await registration()).pushManager;
    let subscription = await manager.getSubscription();
    if (subscription && !madeWithOurKey(subscription)) {
      await subscription.unsubscribe();  // made with a key this server no longer has
      subscription = null;
    }
    if (!subscription) {
      subscription = await manager.subscribe({userVisibleOnly: true, applicationServerKey: serverKey});
    }
    const response = await post(data.subscribeUrl, subscription.toJSON());
    if (!response.ok) {
      throw new Error("subscribe: HTTP " + response.status);
    }
    known.add(await hash(subscription.endpoint));
  }

  async function switchOff() {
    const subscription = await (await registration()).pushManager.getSubscription();
    if (!subscription) {
      return;
    }
    const response = await post(data.unsubscribeUrl, {endpoint: subscription.endpoint});
    if (!response.ok && response.status !== 404) {
      throw new Error("unsubscribe: HTTP " + response.status);
    }
    known.delete(await hash(subscription.endpoint));
    await subscription.unsubscribe();
  }

  function handler(action) {
    return async function () {
      onButton.disabled = offButton.disabled = true;
      try {
        await action();
        await refresh();
      } catch (error) {
        state.textContent = data.textFailed;
      } finally {
        onButton.disabled = offButton.disabled = false;
      }
    };
  }

  onButton.addEventListener("click", handler(switchOn));
  offButton.addEventListener("click", handler(switchOff));
  refresh().catch(() => {});
})();
