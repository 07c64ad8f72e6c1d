/* Parta's service worker (NTF-3; docs/decisions/0013-web-push.md), served from /sw.js so
   that it covers the whole site. It shows push notifications, opens their page on a click,
   and shows the offline page when a page cannot be loaded. It caches nothing else: every
   page and file comes from the server as before. */
"use strict";

const CONFIG = {{ config }};

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    try {
      const cache = await caches.open(CONFIG.cache);
      for (const url of CONFIG.precache) {
        // Without cookies: the offline page is the same for everybody, and a signed-in
        // person's redirect (a password to set) must not become the offline page.
        const response = await fetch(url, {credentials: "omit", cache: "no-cache"});
        if (response.ok && !response.redirected) {
          await cache.put(url, response);
        }
      }
    } catch (error) {
      // No offline page is no reason to go without push notifications.
    }
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    const names = await caches.keys();
    await Promise.all(
      names.filter((name) => name.startsWith("parta-") && name !== CONFIG.cache)
        .map((name) => caches.delete(name))
    );
    if (self.registration.navigationPreload) {
      // The page's request starts while the worker wakes up: no delay on a slow computer.
      await self.registration.navigationPreload.enable();
    }
    await self.clients.claim();
  })());
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.mode !== "navigate") {
    if (request.method === "GET" && CONFIG.precache.includes(new URL(request.url).pathname)) {
      // The offline page's own style and icon, when there is no network.
      event.respondWith(fetch(request).catch(() => caches.match(request.url)
        .then((hit) => hit || Response.error())));
    }
    return;
  }
  event.respondWith((async () => {
    try {
      const preloaded = await event.preloadResponse;
      if (preloaded) {
        return preloaded;
      }
      return await fetch(request);
    } catch (error) {
      const cached = await caches.match(CONFIG.offline);
      return cached || Response.error();
    }
  })());
});

self.addEventListener("push", (event) => {
  let data = {};
  if (event.data) {
    try {
      data = event.data.json();
    } catch (error) {
      data = {body: event.data.text()};
    }
  }
  const options = {
    body: data.body || "",
    icon: CONFIG.icon,
    badge: CONFIG.badge,
    data: {url: data.url || "/inbox/"},
  };
  if (data.tag) {
    options.tag = data.tag;  // the same message twice replaces itself
  }
  if (data.lang) {
    options.lang = data.lang;
  }
  event.waitUntil(self.registration.showNotification(data.title || CONFIG.title, options));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  let target = new URL((event.notification.data && event.notification.data.url) || "/inbox/",
    self.location.origin);
  if (target.origin !== self.location.origin) {
    target = new URL("/inbox/", self.location.origin);  // only ever a page of Parta
  }
  event.waitUntil((async () => {
    const windows = await self.clients.matchAll({type: "window", includeUncontrolled: true});
    for (const client of windows) {
      if (client.url === target.href && "focus" in client) {
        return client.focus();
      }
    }
    return self.clients.openWindow(target.href);
  })());
});
