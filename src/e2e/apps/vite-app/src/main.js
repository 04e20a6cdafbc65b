// A single-page app: the path decides what it shows (push-state routing).
const route = window.location.pathname;
document.querySelector("#app").textContent = `vite-app route ${route}`;
