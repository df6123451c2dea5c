// Chatr's entry point: one session (socket, lists, messages), shown by the app shell.
import { createApp } from "../vendor/vue.esm-browser.js";
import "../vendor/templates/index.js"; // every component's render function, compiled by `make setup`
import AppShell from "./components/app-shell.js";
import { Session } from "./session.js";
import { followVisualViewport } from "./services/viewport.js";

const session = new Session();
followVisualViewport();
createApp(AppShell).provide("session", session).mount("#app");
session.start();
